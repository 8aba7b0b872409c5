package lightclient

import "github.com/prova-network/prova/internal/verify"

// Proof checking lives in internal/verify, which also builds for the
// browser; these names keep the light client's callers working.

// HashSize is the size of every RFC 6962 (SHA-256) hash.
const HashSize = verify.HashSize

// Proof operation types written by the SDK multistore.
const (
	ProofOpIAVL         = verify.ProofOpIAVL
	ProofOpSimpleMerkle = verify.ProofOpSimpleMerkle
)

// StoreProof is verify.StoreProof.
type StoreProof = verify.StoreProof

var (
	LeafHash          = verify.LeafHash
	NodeHash          = verify.NodeHash
	EmptyRoot         = verify.EmptyRoot
	VerifyInclusion   = verify.VerifyInclusion
	VerifyConsistency = verify.VerifyConsistency
	DecodeStoreProof  = verify.DecodeStoreProof
	VerifyStoreValue  = verify.VerifyStoreValue
)
