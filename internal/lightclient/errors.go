package lightclient

import (
	"errors"

	"github.com/prova-network/prova/internal/verify"
)

// Errors returned by this package. Callers test them with errors.Is; each
// message says what a person at the terminal can do about it. Those about
// proofs and headers are internal/verify's values, so a caller need not
// know which layer found the problem.
var (
	// ErrInvalidConfig is returned by New for a Config that cannot work.
	ErrInvalidConfig = errors.New("invalid light client config")

	// ErrNodeUnreachable means the RPC node could not be reached or did not
	// answer in time.
	ErrNodeUnreachable = errors.New("cannot reach the rpc node: check the --node address and that the node is running")

	// ErrBalanceInvalid means a proven bank balance could not be decoded.
	ErrBalanceInvalid = errors.New("stored balance cannot be decoded: the chain may use an unknown bank store format")

	ErrBadRequest         = verify.ErrBadRequest
	ErrHeaderUnverified   = verify.ErrHeaderUnverified
	ErrHeightNotAvailable = verify.ErrHeightNotAvailable
	ErrQueryFailed        = verify.ErrQueryFailed
	ErrProofMissing       = verify.ErrProofMissing
	ErrProofInvalid       = verify.ErrProofInvalid
	ErrProofKeyMismatch   = verify.ErrProofKeyMismatch
	ErrValueMismatch      = verify.ErrValueMismatch
	ErrAppHashMismatch    = verify.ErrAppHashMismatch
	ErrHeightMismatch     = verify.ErrHeightMismatch
	ErrInclusionInvalid   = verify.ErrInclusionInvalid
	ErrConsistencyInvalid = verify.ErrConsistencyInvalid
)
