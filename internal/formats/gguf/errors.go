package gguf

import (
	"errors"
	"fmt"
	"io/fs"
)

// Sentinel errors. Every parse error is an *Error whose Unwrap returns one of
// these; the parser library's own errors never reach the caller unwrapped.
// The exceptions are errors opening a file, and a Git LFS pointer in place
// of the file: an *lfs.PointerError (errors.Is(err, lfs.ErrPointer)).
var (
	// ErrNotGGUF: the file does not start with the GGUF magic.
	ErrNotGGUF = errors.New("not a gguf file")
	// ErrUnsupportedVersion: a GGUF version other than 1, 2 or 3.
	ErrUnsupportedVersion = errors.New("unsupported gguf version")
	// ErrTruncated: the file ends inside the header, metadata or tensor
	// infos, or is shorter than its tensors need.
	ErrTruncated = errors.New("truncated gguf file")
	// ErrCorrupt: any other malformed content (bad value types, counts or
	// lengths that cannot fit in the file, invalid dimensions, values the
	// parser cannot interpret).
	ErrCorrupt = errors.New("corrupt gguf file")
	// ErrMissingSplit: a split of a split model is not beside the one
	// named. It also matches fs.ErrNotExist.
	ErrMissingSplit error = notExist("incomplete split gguf model")
	// ErrSplitName: a split model's file names do not follow gguf-split's
	// PREFIX-0000k-of-0000n.gguf, so its splits cannot be found.
	ErrSplitName = errors.New("split gguf file not named as a split")
)

// notExist is a sentinel that errors.Is also matches with fs.ErrNotExist.
type notExist string

func (e notExist) Error() string { return string(e) }

// Is reports whether target is fs.ErrNotExist.
func (notExist) Is(target error) bool { return target == fs.ErrNotExist }

// Error is a GGUF parse error.
type Error struct {
	// Kind is one of the sentinel errors above.
	Kind error
	// Detail is what the parser reported, for a person to read.
	Detail string
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return "gguf: " + e.Kind.Error()
	}
	return "gguf: " + e.Kind.Error() + ": " + e.Detail
}

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}
