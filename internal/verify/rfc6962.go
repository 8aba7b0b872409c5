package verify

import "github.com/prova-network/prova/internal/tlog"

// HashSize is the size of every RFC 6962 (SHA-256) hash.
const HashSize = tlog.HashSize

// The RFC 6962 functions live in internal/tlog, which the state machine
// imports too; they are re-exported here so that every proof a client
// checks (dataset records, receipts, log consistency) goes through one
// verifier.

// LeafHash returns the RFC 6962 leaf hash SHA-256(0x00 || data).
func LeafHash(data []byte) []byte { return tlog.LeafHash(data) }

// NodeHash returns the RFC 6962 interior node hash SHA-256(0x01 || left || right).
func NodeHash(left, right []byte) []byte { return tlog.NodeHash(left, right) }

// EmptyRoot returns the root of the empty tree, SHA-256 of the empty string.
func EmptyRoot() []byte { return tlog.EmptyRoot() }

// VerifyInclusion checks that leafHash is at index in the tree of size
// whose root is root.
func VerifyInclusion(leafHash []byte, index, size uint64, inclusion [][]byte, root []byte) error {
	return tlog.VerifyInclusion(leafHash, index, size, inclusion, root)
}

// VerifyConsistency checks that the tree (size2, root2) extends (size1, root1).
func VerifyConsistency(size1, size2 uint64, consistency [][]byte, root1, root2 []byte) error {
	return tlog.VerifyConsistency(size1, size2, consistency, root1, root2)
}
