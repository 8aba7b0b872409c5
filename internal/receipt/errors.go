package receipt

import "errors"

// Sentinel errors; test with errors.Is. Messages from this package wrap one of
// these with the detail.
var (
	// ErrMalformed: the bytes are not a well-formed envelope, batch or
	// statement (bad JSON, bad base64, unknown or duplicate members).
	ErrMalformed = errors.New("malformed receipt")
	// ErrTooLarge: an input exceeds one of the size caps.
	ErrTooLarge = errors.New("receipt too large")
	// ErrPayloadType: the envelope's payload type is not PayloadType.
	ErrPayloadType = errors.New("unexpected payload type")
	// ErrInvalidStatement: the statement decodes but breaks a rule (type,
	// predicate type, digests, time, limits).
	ErrInvalidStatement = errors.New("invalid receipt statement")
	// ErrWrongKey: the signature or the predicate names a different key
	// than the one given, or no key is known for the key ID.
	ErrWrongKey = errors.New("receipt signed by another key")
	// ErrSignature: the signature does not verify.
	ErrSignature = errors.New("invalid receipt signature")
	// ErrBatchRoot: a batch's statements do not hash to its signed root, or
	// an inclusion proof does not lead to it.
	ErrBatchRoot = errors.New("batch root mismatch")
	// ErrDuplicate: the same receipt appears twice.
	ErrDuplicate = errors.New("duplicate receipt")
)
