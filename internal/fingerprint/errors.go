package fingerprint

import "errors"

// Sentinel errors. Every error returned by this package wraps one of these
// (or an *os.PathError from the file system), so callers can branch with
// errors.Is and map them to exit codes or hints once, at their boundary.
var (
	// ErrInvalidDigest: a digest ID is not "<algorithm>:<64 lower-case hex>".
	ErrInvalidDigest = errors.New("invalid digest")
	// ErrUnknownAlgorithm: an algorithm other than blake3 or sha256.
	ErrUnknownAlgorithm = errors.New("unknown hash algorithm")
	// ErrInvalidOptions: an option is out of range (negative shard size, bad
	// ignore pattern, unknown symlink policy).
	ErrInvalidOptions = errors.New("invalid fingerprint options")
	// ErrEmpty: nothing to fingerprint. Fingerprint no longer returns it: a
	// directory with no file to hash has an empty manifest, as in
	// model_signing. It is kept for callers that refuse such an artifact.
	ErrEmpty = errors.New("nothing to fingerprint")
	// ErrSymlink: a symbolic link was found and the policy is SymlinkError.
	ErrSymlink = errors.New("symbolic link not allowed")
	// ErrSymlinkLoop: following symbolic links leads back into a directory
	// that is already being walked.
	ErrSymlinkLoop = errors.New("symbolic link loop")
	// ErrUnsupportedFile: a device, socket, named pipe or other non-regular
	// file.
	ErrUnsupportedFile = errors.New("unsupported file type")
	// ErrFileChanged: a file changed size or identity while it was hashed.
	ErrFileChanged = errors.New("file changed while fingerprinting")
	// ErrInvalidManifest: a manifest or in-toto statement is malformed or
	// inconsistent (unsorted or duplicate resources, subject digest that does
	// not match its resources, wrong statement or predicate type).
	ErrInvalidManifest = errors.New("invalid manifest")
)
