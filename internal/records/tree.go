package records

import (
	"fmt"
	"math/bits"

	"github.com/prova-network/prova/internal/tlog"
)

// HashSize is the size of leaf, node and root hashes.
const HashSize = tlog.HashSize

// Tree is an append-only RFC 6962 Merkle tree over records. It keeps the
// 32-byte leaf hash of every record and, to give the root in O(1), the
// compact range of perfect subtrees covering the leaves (at most 64 hashes).
// The zero Tree is empty and ready to use. A Tree is not safe for concurrent
// use.
type Tree struct {
	leaves []byte // leaf hashes, HashSize bytes each, in record order
	// stack holds the roots of the perfect subtrees that cover the leaves,
	// largest (leftmost) first; heights[i] is log2 of stack[i]'s leaf count.
	stack   [][]byte
	heights []int
}

// Append adds a record as the next leaf.
func (t *Tree) Append(record []byte) { t.AppendLeafHash(tlog.LeafHash(record)) }

// AppendLeafHash adds a leaf whose RFC 6962 leaf hash the caller already
// computed. It panics if the hash is not HashSize bytes (a programming
// error).
func (t *Tree) AppendLeafHash(leaf []byte) {
	if len(leaf) != HashSize {
		panic(fmt.Sprintf("records: leaf hash is %d bytes, want %d", len(leaf), HashSize))
	}
	t.leaves = append(t.leaves, leaf...)
	h, height := append([]byte(nil), leaf...), 0
	// Merge equal-height subtrees, as in binary addition: a run of perfect
	// subtrees of sizes 2^k, 2^k becomes one of size 2^(k+1).
	for n := len(t.stack); n > 0 && t.heights[n-1] == height; n-- {
		h = tlog.NodeHash(t.stack[n-1], h)
		height++
		t.stack, t.heights = t.stack[:n-1], t.heights[:n-1]
	}
	t.stack = append(t.stack, h)
	t.heights = append(t.heights, height)
}

// Size returns the number of leaves (records).
func (t *Tree) Size() uint64 { return uint64(len(t.leaves) / HashSize) }

// Root returns the RFC 6962 Merkle tree hash of the records; for an empty
// tree that is SHA-256 of the empty string.
func (t *Tree) Root() []byte {
	if len(t.stack) == 0 {
		return tlog.EmptyRoot()
	}
	// RFC 6962 splits at the largest power of two below the size, so the
	// root is the compact range folded from the right.
	r := t.stack[len(t.stack)-1]
	for i := len(t.stack) - 2; i >= 0; i-- {
		r = tlog.NodeHash(t.stack[i], r)
	}
	return append([]byte(nil), r...)
}

// LeafHash returns the leaf hash of the record at index.
func (t *Tree) LeafHash(index uint64) ([]byte, error) {
	if index >= t.Size() {
		return nil, fmt.Errorf("%w: index %d, tree has %d records", ErrIndexOutOfRange, index, t.Size())
	}
	return append([]byte(nil), t.leaf(index)...), nil
}

// Prove returns the RFC 6962 inclusion proof (the audit path PATH(m, D[n]) of
// RFC 6962 section 2.1.1) for the record at index: sibling hashes ordered
// from the leaf up to the root. It hashes every node of the tree once, O(n)
// in the number of records, and needs no memory beyond the path.
func (t *Tree) Prove(index uint64) ([][]byte, error) {
	n := t.Size()
	if index >= n {
		return nil, fmt.Errorf("%w: index %d, tree has %d records", ErrIndexOutOfRange, index, n)
	}
	path := make([][]byte, 0, proofLen(index, n))
	return t.path(path, index, 0, n), nil
}

// path appends the audit path of leaf m within the subtree of leaves
// [lo, hi), deepest sibling first.
func (t *Tree) path(dst [][]byte, m, lo, hi uint64) [][]byte {
	if hi-lo <= 1 {
		return dst
	}
	k := split(hi - lo)
	if m < lo+k {
		dst = t.path(dst, m, lo, lo+k)
		return append(dst, t.subtreeHash(lo+k, hi))
	}
	dst = t.path(dst, m, lo+k, hi)
	return append(dst, t.subtreeHash(lo, lo+k))
}

// subtreeHash is MTH(D[lo:hi]) for hi > lo.
func (t *Tree) subtreeHash(lo, hi uint64) []byte {
	if hi-lo == 1 {
		return t.leaf(lo)
	}
	k := split(hi - lo)
	return tlog.NodeHash(t.subtreeHash(lo, lo+k), t.subtreeHash(lo+k, hi))
}

func (t *Tree) leaf(i uint64) []byte { return t.leaves[i*HashSize : (i+1)*HashSize : (i+1)*HashSize] }

// split returns the largest power of two smaller than n, for n >= 2: where
// RFC 6962 splits a list of n leaves.
func split(n uint64) uint64 { return 1 << (bits.Len64(n-1) - 1) }

// proofLen is the number of hashes in the audit path of leaf m in a tree of
// n leaves (m < n), following the same recursion as path.
func proofLen(m, n uint64) int {
	l := 0
	for n > 1 {
		k := split(n)
		if m < k {
			n = k
		} else {
			m, n = m-k, n-k
		}
		l++
	}
	return l
}
