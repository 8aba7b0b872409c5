package gguf

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every parse error is an *Error whose Unwrap returns one of
// these; the parser library's own errors never reach the caller unwrapped.
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
)

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
