package bom

import "errors"

// Sentinel errors; every error from Export wraps one of these or the
// writer's error.
var (
	// ErrInvalidLineage: the input cannot be exported as given (an ID that
	// is not a digest, an unknown relation, a duplicate model or dataset, a
	// cycle, a share above 10,000 basis points).
	ErrInvalidLineage = errors.New("invalid lineage for bom export")
	// ErrInvalidOptions: a serial number that is not an RFC 4122 URN.
	ErrInvalidOptions = errors.New("invalid bom options")
)
