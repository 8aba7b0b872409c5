package tlog

import (
	"crypto/sha256"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// HashSize is the size of every RFC 6962 (SHA-256) hash.
const HashSize = sha256.Size

// maxProofHashes bounds a proof's length: a tree of 2^64 leaves needs at most
// 64 hashes for inclusion and 65 for consistency.
const maxProofHashes = 65

// LeafHash returns the RFC 6962 leaf hash SHA-256(0x00 || data).
func LeafHash(data []byte) []byte { return rfc6962.DefaultHasher.HashLeaf(data) }

// NodeHash returns the RFC 6962 interior node hash SHA-256(0x01 || left || right).
func NodeHash(left, right []byte) []byte { return rfc6962.DefaultHasher.HashChildren(left, right) }

// EmptyRoot returns the root of the empty tree, SHA-256 of the empty string.
func EmptyRoot() []byte { return rfc6962.DefaultHasher.EmptyRoot() }

// VerifyInclusion checks that leafHash is the leaf at index in the RFC 6962
// tree of the given size with the given root. leafHash is LeafHash(entry),
// not the entry itself. The (size, root) pair must come from a trusted
// checkpoint: the same path can fit the same root at more than one size.
func VerifyInclusion(leafHash []byte, index, size uint64, inclusion [][]byte, root []byte) error {
	if err := checkHashes(leafHash, root, inclusion); err != nil {
		return fmt.Errorf("%w: %w", ErrInclusionInvalid, err)
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, leafHash, inclusion, root); err != nil {
		return fmt.Errorf("%w: leaf %d of %d: %w", ErrInclusionInvalid, index, size, err)
	}
	return nil
}

// VerifyConsistency checks that the tree of size2 with root2 extends the
// tree of size1 with root1, i.e. that the log only appended entries. For
// size1 = 0, root1 must be EmptyRoot().
func VerifyConsistency(size1, size2 uint64, consistency [][]byte, root1, root2 []byte) error {
	if err := checkHashes(root1, root2, consistency); err != nil {
		return fmt.Errorf("%w: %w", ErrConsistencyInvalid, err)
	}
	// The library accepts any root1 for an empty first tree; a checkpoint of
	// an empty log still has exactly one valid root.
	if size1 == 0 && string(root1) != string(EmptyRoot()) {
		return fmt.Errorf("%w: root of the empty tree is %X, got %X", ErrConsistencyInvalid, EmptyRoot(), root1)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, size1, size2, consistency, root1, root2); err != nil {
		return fmt.Errorf("%w: sizes %d to %d: %w", ErrConsistencyInvalid, size1, size2, err)
	}
	return nil
}

func checkHashes(a, b []byte, path [][]byte) error {
	if len(a) != HashSize || len(b) != HashSize {
		return fmt.Errorf("hashes must be %d bytes, got %d and %d", HashSize, len(a), len(b))
	}
	if len(path) > maxProofHashes {
		return fmt.Errorf("proof has %d hashes, at most %d are possible", len(path), maxProofHashes)
	}
	for i, h := range path {
		if len(h) != HashSize {
			return fmt.Errorf("proof hash %d is %d bytes, want %d", i, len(h), HashSize)
		}
	}
	return nil
}
