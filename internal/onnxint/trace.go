package onnxint

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// The trace and tensor-root trees are RFC 6962 trees over 32-byte leaves:
// leaf hash SHA-256(0x00 ‖ leaf), node hash SHA-256(0x01 ‖ l ‖ r), and the
// empty tree's root SHA-256 of nothing.

var rangeFactory = &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

// maxProofLen bounds proofs and compact ranges: a tree of 2^64 leaves needs
// at most 64 hashes.
const maxProofLen = 64

// ErrProof is returned (wrapped) for every proof or compact range that does
// not verify or is malformed.
var ErrProof = errors.New("invalid merkle proof")

// LeafHash is the RFC 6962 hash of a 32-byte leaf.
func LeafHash(leaf [32]byte) [32]byte {
	var in [33]byte
	copy(in[1:], leaf[:])
	return sha256.Sum256(in[:])
}

// TraceRoot is the RFC 6962 root over all leaves. It folds the leaf
// hashes as a compact range does (the tests check it against PrefixRoot
// and the RFC's recursive definition) without allocating.
func TraceRoot(leaves [][32]byte) [32]byte {
	if len(leaves) == 0 {
		return sha256.Sum256(nil)
	}
	// stack[i] is the root of a perfect subtree; sizes halve upwards.
	var stack [64][32]byte
	var levels [64]int
	n := 0
	var node [65]byte
	node[0] = 1
	for _, l := range leaves {
		h := LeafHash(l)
		lv := 0
		for n > 0 && levels[n-1] == lv {
			copy(node[1:33], stack[n-1][:])
			copy(node[33:], h[:])
			h = sha256.Sum256(node[:])
			n--
			lv++
		}
		stack[n], levels[n] = h, lv
		n++
	}
	h := stack[n-1]
	for i := n - 2; i >= 0; i-- {
		copy(node[1:33], stack[i][:])
		copy(node[33:], h[:])
		h = sha256.Sum256(node[:])
	}
	return h
}

// PrefixRoot is the RFC 6962 root over the first size leaves (the empty
// tree's root for size 0). It panics if size exceeds len(leaves).
func PrefixRoot(leaves [][32]byte, size uint64) [32]byte {
	r, _ := buildRange(leaves, size, nil)
	root, err := RangeRoot(size, r.Hashes())
	if err != nil {
		panic(err) // a range we built ourselves is well formed
	}
	return root
}

// buildRange is the compact range [0,size) of leaves; visit, if non-nil,
// sees every perfect subtree's hash.
func buildRange(leaves [][32]byte, size uint64, visit compact.VisitFn) (*compact.Range, error) {
	if size > uint64(len(leaves)) {
		panic(fmt.Sprintf("onnxint: tree size %d beyond %d leaves", size, len(leaves)))
	}
	r := rangeFactory.NewEmptyRange(0)
	for i := uint64(0); i < size; i++ {
		h := LeafHash(leaves[i])
		if err := r.Append(h[:], visit); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// InclusionProof is the RFC 6962 inclusion proof of leaf index in the tree
// over the first size leaves.
func InclusionProof(leaves [][32]byte, index, size uint64) ([][]byte, error) {
	if size > uint64(len(leaves)) {
		return nil, fmt.Errorf("tree size %d beyond %d leaves", size, len(leaves))
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	hashes := make(map[compact.NodeID][]byte)
	if _, err := buildRange(leaves, size, func(id compact.NodeID, h []byte) { hashes[id] = h }); err != nil {
		return nil, err
	}
	hs := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		h, ok := hashes[id]
		if !ok {
			return nil, fmt.Errorf("proof node %v of tree size %d missing", id, size)
		}
		hs[i] = append([]byte(nil), h...)
	}
	return nodes.Rehash(hs, rfc6962.DefaultHasher.HashChildren)
}

// VerifyInclusion checks that leaf is leaf index of the tree of size with
// the given root.
func VerifyInclusion(leaf [32]byte, index, size uint64, prf [][]byte, root [32]byte) error {
	if err := checkHashes(prf); err != nil {
		return err
	}
	lh := LeafHash(leaf)
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, lh[:], prf, root[:]); err != nil {
		return fmt.Errorf("%w: leaf %d of %d: %w", ErrProof, index, size, err)
	}
	return nil
}

func checkHashes(hs [][]byte) error {
	if len(hs) > maxProofLen {
		return fmt.Errorf("%w: %d hashes, at most %d", ErrProof, len(hs), maxProofLen)
	}
	for i, h := range hs {
		if len(h) != sha256.Size {
			return fmt.Errorf("%w: hash %d is %d bytes, want %d", ErrProof, i, len(h), sha256.Size)
		}
	}
	return nil
}

// CompactRange is the compact range [0,size) of leaves: the hashes of the
// perfect subtrees along the right border, largest (leftmost) first.
func CompactRange(leaves [][32]byte, size uint64) [][]byte {
	r, _ := buildRange(leaves, size, nil)
	return r.Hashes()
}

// RangeRoot is the root of the tree of size whose compact range is rng.
func RangeRoot(size uint64, rng [][]byte) ([32]byte, error) {
	var root [32]byte
	if err := checkHashes(rng); err != nil {
		return root, err
	}
	r, err := rangeFactory.NewRange(0, size, rng)
	if err != nil {
		return root, fmt.Errorf("%w: compact range of size %d: %w", ErrProof, size, err)
	}
	if size == 0 {
		return sha256.Sum256(nil), nil
	}
	h, err := r.GetRootHash(nil)
	if err != nil {
		return root, fmt.Errorf("%w: %w", ErrProof, err)
	}
	copy(root[:], h)
	return root, nil
}

// AppendRoot is the root of the tree of size+1 whose first size leaves have
// the compact range rng and whose last leaf is leaf.
func AppendRoot(size uint64, rng [][]byte, leaf [32]byte) ([32]byte, error) {
	var root [32]byte
	if err := checkHashes(rng); err != nil {
		return root, err
	}
	cp := make([][]byte, len(rng))
	for i, h := range rng {
		cp[i] = append([]byte(nil), h...)
	}
	r, err := rangeFactory.NewRange(0, size, cp)
	if err != nil {
		return root, fmt.Errorf("%w: compact range of size %d: %w", ErrProof, size, err)
	}
	lh := LeafHash(leaf)
	if err := r.Append(lh[:], nil); err != nil {
		return root, fmt.Errorf("%w: %w", ErrProof, err)
	}
	h, err := r.GetRootHash(nil)
	if err != nil {
		return root, fmt.Errorf("%w: %w", ErrProof, err)
	}
	copy(root[:], h)
	return root, nil
}
