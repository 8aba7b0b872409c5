package records

import "errors"

// Sentinel errors. Every error returned by this package wraps one of these
// (or an *fs.PathError from the file system), so callers can branch with
// errors.Is and translate once at their boundary.
var (
	// ErrInvalidOptions: an option is out of range (record size cap above
	// MaxRecordSize, invalid CSV separator, unknown format).
	ErrInvalidOptions = errors.New("invalid record options")
	// ErrUnknownFormat: the format could not be inferred from the path; name
	// it explicitly (jsonl, csv or dir).
	ErrUnknownFormat = errors.New("unknown record format: use a .jsonl, .ndjson, .csv or .tsv file or a directory, or name the format")
	// ErrRecordTooLarge: a line, row or path is longer than the record size
	// cap.
	ErrRecordTooLarge = errors.New("record too large")
	// ErrMalformedInput: the source cannot be parsed (bad CSV quoting, a row
	// with the wrong number of fields).
	ErrMalformedInput = errors.New("malformed record source")
	// ErrUnsupportedFile: a directory holds a symbolic link, device, socket
	// or other non-regular file.
	ErrUnsupportedFile = errors.New("unsupported file type in dataset directory")
	// ErrIndexOutOfRange: a record index is not below the number of records.
	ErrIndexOutOfRange = errors.New("record index out of range")
	// ErrRecordNotFound: the record is not in the source.
	ErrRecordNotFound = errors.New("record not found in dataset")
	// ErrInvalidProof: an inclusion proof document is malformed or
	// internally inconsistent (wrong version or algorithm, bad hex, index not
	// below size, wrong number of sibling hashes, leaf hash that is not the
	// record's, siblings that do not hash up to the proof's own root).
	ErrInvalidProof = errors.New("invalid inclusion proof")
	// ErrRootMismatch: the proof is for another root than the trusted one.
	ErrRootMismatch = errors.New("proof is for a different record root than the trusted one")
	// ErrSizeMismatch: the proof is for another tree size than the trusted
	// record count.
	ErrSizeMismatch = errors.New("proof is for a different record count than the trusted one")
	// ErrNotIncluded: the proof does not show the record under the trusted
	// root. Errors wrapping it also wrap tlog.ErrInclusionInvalid.
	ErrNotIncluded = errors.New("record is not included under the trusted root")
)
