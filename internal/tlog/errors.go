package tlog

import "errors"

// Errors returned by this package; test them with errors.Is.
var (
	// ErrInclusionInvalid means an RFC 6962 inclusion proof did not verify.
	ErrInclusionInvalid = errors.New("rfc 6962 inclusion proof is invalid: the entry is not in the log at that root")

	// ErrConsistencyInvalid means an RFC 6962 consistency proof did not
	// verify: the two checkpoints are not views of one append-only log.
	ErrConsistencyInvalid = errors.New("rfc 6962 consistency proof is invalid: the two checkpoints are not from one append-only log")

	// ErrCheckpointMalformed means a checkpoint body does not follow the
	// C2SP tlog-checkpoint format.
	ErrCheckpointMalformed = errors.New("checkpoint is malformed")

	// ErrCheckpointSignature means a signed checkpoint carries no valid
	// signature by the log's key.
	ErrCheckpointSignature = errors.New("checkpoint is not signed by the log's key")

	// ErrKeyInvalid means a note signer or verifier key cannot be parsed.
	ErrKeyInvalid = errors.New("log key is invalid")
)
