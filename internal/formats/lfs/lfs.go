// Package lfs recognizes Git LFS pointer files: the few lines of text that a
// clone without git-lfs (or with GIT_LFS_SKIP_SMUDGE=1) leaves in place of a
// large file. A model reader that meets one should say so, not report a
// corrupt header: the fix is to fetch the file, not to repair it.
//
// A pointer is UTF-8 text of "key value" lines (git-lfs docs/spec.md):
//
//	version https://git-lfs.github.com/spec/v1
//	oid sha256:4d7a2146…
//	size 12345
//
// The version line comes first; git-lfs never reads a file of 1024 bytes or
// more as a pointer.
package lfs

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
)

// MaxPointerSize bounds a pointer file, as git-lfs does.
const MaxPointerSize = 1024

// versionLines are the first lines of a pointer: the current spec URL and
// the pre-release one git-lfs still accepts.
var versionLines = []string{
	"version https://git-lfs.github.com/spec/v1",
	"version https://hawser.github.com/spec/v1",
}

// ErrPointer is matched by every *PointerError.
var ErrPointer = errors.New("git lfs pointer")

// PointerError says that a file is a Git LFS pointer.
type PointerError struct {
	// OID is the object id as written ("sha256:…"); empty if absent.
	OID string
	// Size is the size of the real file in bytes; -1 if absent or invalid.
	Size int64
}

func (e *PointerError) Error() string {
	var what []string
	if e.OID != "" {
		what = append(what, "oid "+e.OID)
	}
	if e.Size >= 0 {
		what = append(what, "size "+strconv.FormatInt(e.Size, 10))
	}
	desc := "this is a Git LFS pointer"
	if len(what) > 0 {
		desc += " (" + strings.Join(what, ", ") + ")"
	}
	return desc + ": fetch the file with git lfs pull"
}

// Is reports whether target is ErrPointer.
func (e *PointerError) Is(target error) bool { return target == ErrPointer }

// Parse returns the pointer that head, the start of a file, holds, or nil
// when it is not a pointer. A pointer whose oid or size line is missing or
// malformed is still a pointer (its first line says so), with the field left
// empty.
func Parse(head []byte) *PointerError {
	if len(head) >= MaxPointerSize {
		head = head[:MaxPointerSize]
	}
	text := string(head)
	first, rest, _ := strings.Cut(text, "\n")
	first = strings.TrimSuffix(first, "\r")
	known := false
	for _, v := range versionLines {
		known = known || first == v
	}
	if !known {
		return nil
	}
	p := &PointerError{Size: -1}
	for line := range strings.SplitSeq(rest, "\n") {
		key, value, _ := strings.Cut(strings.TrimSuffix(line, "\r"), " ")
		switch key {
		case "oid":
			if printable(value) {
				p.OID = value
			}
		case "size":
			if n, err := strconv.ParseInt(value, 10, 64); err == nil && n >= 0 {
				p.Size = n
			}
		}
	}
	return p
}

// printable reports whether s is short printable ASCII, safe to echo to a
// terminal.
func printable(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for i := range len(s) {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Check reads the start of r and returns a *PointerError when it is a
// pointer. A read error is not reported here: the caller's own read of the
// file will meet it and say what it means for that format.
func Check(r io.ReaderAt) error {
	buf := make([]byte, MaxPointerSize)
	n, _ := r.ReadAt(buf, 0)
	if p := Parse(buf[:n]); p != nil {
		return p
	}
	return nil
}

// HasPrefix reports whether head, at least the first 8 bytes of a file,
// could start a pointer: callers holding a few bytes of a file use it to
// decide whether to call Check.
func HasPrefix(head []byte) bool {
	for _, v := range versionLines {
		n := min(len(head), len(v))
		if n >= 8 && bytes.Equal(head[:n], []byte(v[:n])) {
			return true
		}
	}
	return false
}
