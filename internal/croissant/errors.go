package croissant

import (
	"errors"
	"fmt"
)

// Sentinel errors; every error of the package wraps one of them or a file
// system error.
var (
	// ErrInvalid: the document is not Croissant metadata Prova can
	// register (not JSON, wrong @type, a required field missing).
	ErrInvalid = errors.New("invalid croissant metadata")
	// ErrUnsafePath: a contentUrl or glob would reach outside the metadata
	// file's directory.
	ErrUnsafePath = errors.New("croissant path leaves the dataset directory")
	// ErrMissingFile: a distribution file is not on disk.
	ErrMissingFile = errors.New("croissant distribution file not found")
	// ErrChecksumMismatch: a file's bytes do not have the checksum the
	// metadata gives. Errors wrapping it are *ChecksumError.
	ErrChecksumMismatch = errors.New("croissant checksum mismatch")
	// ErrNoRecordSet: the metadata has no record set of the name asked
	// for.
	ErrNoRecordSet = errors.New("no such croissant record set")
	// ErrUnsupported: reading the record set needs something Prova does
	// not read (a transform, data type, file format); the error names it.
	ErrUnsupported = errors.New("croissant record set not supported")
	// ErrRecords: the files do not give records (a column missing, a
	// value the field's data type cannot take, a malformed CSV file).
	ErrRecords = errors.New("croissant records cannot be read")
)

// ChecksumError says which file failed its checksum, and both digests.
type ChecksumError struct {
	FileID    string // the FileObject's @id (or name)
	Path      string // the local file
	Algorithm string // "sha256" or "md5"
	Want, Got string // lower-case hex
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%s: file %q (%s): %s is %s, the metadata says %s", ErrChecksumMismatch, e.FileID, e.Path, e.Algorithm, e.Got, e.Want)
}

// Unwrap lets errors.Is match ErrChecksumMismatch.
func (e *ChecksumError) Unwrap() error { return ErrChecksumMismatch }
