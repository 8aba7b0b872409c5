package verify

import (
	"errors"

	"github.com/prova-network/prova/internal/tlog"
)

// Errors returned by this package. Callers test them with errors.Is; each
// message says what a person at the terminal can do about it.
// internal/lightclient returns the same values.
var (
	// ErrHeaderUnverified means a header failed light-client verification:
	// its signatures, validator set or hash chain do not lead back to the
	// trusted header.
	ErrHeaderUnverified = errors.New("header failed light client verification: " +
		"the node may be faulty or on another chain; check --chain-id and the trusted height/hash, or use another node")

	// ErrHeaderExpired means the trusted header is older than the trusting
	// period, so its validators may have unbonded.
	ErrHeaderExpired = errors.New("trusted header expired: pass a recent trusted height and hash")

	// ErrHeightNotAvailable means the node does not have the requested
	// height (not produced yet, or pruned).
	ErrHeightNotAvailable = errors.New("height is not available on the node: " +
		"wait for the chain to produce it, or ask for a height the node has not pruned")

	// ErrQueryFailed means the ABCI query itself failed (transport error or a
	// non-zero response code).
	ErrQueryFailed = errors.New("abci query failed: check the rpc address and that the node is running")

	// ErrProofMissing means the node answered without a Merkle proof.
	ErrProofMissing = errors.New("response carries no merkle proof: " +
		"the height may be pruned on the node; ask for a more recent height or use an archive node")

	// ErrProofInvalid means the proof is malformed or does not hash up.
	ErrProofInvalid = errors.New("merkle proof is invalid: do not trust this answer; try another node")

	// ErrProofKeyMismatch means the proof (or response) is about another key
	// or another store than the one asked for.
	ErrProofKeyMismatch = errors.New("proof is for a different key or store than requested: do not trust this answer")

	// ErrValueMismatch means the value returned differs from the value the
	// proof commits to (including a value returned for a proven-absent key).
	ErrValueMismatch = errors.New("returned value differs from the proven value: do not trust this answer")

	// ErrAppHashMismatch means the proof is internally consistent but its root
	// is not the app hash of the verified header.
	ErrAppHashMismatch = errors.New("proof root does not match the app hash of the verified header: " +
		"the answer is not part of the chain's state; do not trust it")

	// ErrHeightMismatch means the node answered for another height than the
	// one asked for.
	ErrHeightMismatch = errors.New("response is for a different height than requested: do not trust this answer")

	// ErrBadRequest means the caller asked for something malformed (an
	// empty key, a store name with a slash, a negative height).
	ErrBadRequest = errors.New("invalid verification request")

	// ErrInclusionInvalid means an RFC 6962 inclusion proof did not verify.
	ErrInclusionInvalid = tlog.ErrInclusionInvalid

	// ErrConsistencyInvalid means an RFC 6962 consistency proof did not
	// verify.
	ErrConsistencyInvalid = tlog.ErrConsistencyInvalid
)
