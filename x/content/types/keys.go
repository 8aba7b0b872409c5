package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the module's name, store key and route.
	ModuleName = "content"
	// StoreKey is the KV store key; proofs name it as the store.
	StoreKey = ModuleName
)

// Store prefixes. They are part of the state layout that proofs and clients
// depend on: never renumber or reuse one.
var (
	ParamsKey      = collections.NewPrefix(0)
	ContentsPrefix = collections.NewPrefix(1) // "sha256:<hex>" -> Content
	ByBlake3Prefix = collections.NewPrefix(2) // blake3 hex -> content ID
	BySeqPrefix    = collections.NewPrefix(3) // seq -> content ID, in registration order
	NextSeqKey     = collections.NewPrefix(4) // the next registration's seq
)

// ContentKey is the raw store key of a content record, for proof queries.
func ContentKey(id string) []byte { return append(ContentsPrefix.Bytes(), id...) }

// Blake3Key is the raw store key of the BLAKE3 index entry for a lower-case
// hex digest, for proof queries; its value is the content ID.
func Blake3Key(blake3Hex string) []byte { return append(ByBlake3Prefix.Bytes(), blake3Hex...) }

// IDFromSHA256 returns the content ID for a lower-case hex SHA-256 digest.
func IDFromSHA256(sha256Hex string) string { return "sha256:" + sha256Hex }
