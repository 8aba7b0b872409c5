package onnxint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"testing"
)

// FuzzTraceProofs checks the trace helpers a dispute relies on, on leaves
// derived from the fuzzer's seed: an honest inclusion proof verifies and
// any change to it (a flipped bit, a hash dropped or added, another index,
// size, leaf or root) is refused; the compact range of a prefix has the
// prefix's root, and appending a leaf to it gives the next prefix's root;
// a changed range does not give the same root.
func FuzzTraceProofs(f *testing.F) {
	f.Add(uint64(1), uint16(7), uint16(3), uint16(5), uint16(0), uint8(0))
	f.Add(uint64(9), uint16(64), uint16(63), uint16(64), uint16(100), uint8(3))
	f.Add(uint64(4), uint16(2), uint16(0), uint16(1), uint16(1), uint8(7))
	f.Fuzz(func(t *testing.T, seed uint64, n, index, size, flip uint16, mut uint8) {
		total := uint64(n%300) + 1
		leaves := make([][32]byte, total)
		for i := range leaves {
			var b [16]byte
			binary.BigEndian.PutUint64(b[:8], seed)
			binary.BigEndian.PutUint64(b[8:], uint64(i))
			leaves[i] = sha256.Sum256(b[:])
		}
		sz := uint64(size)%total + 1
		idx := uint64(index) % sz
		root := PrefixRoot(leaves, sz)
		if full := TraceRoot(leaves); sz == total && full != root {
			t.Fatal("PrefixRoot of all leaves differs from TraceRoot")
		}
		prf, err := InclusionProof(leaves, idx, sz)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyInclusion(leaves[idx], idx, sz, prf, root); err != nil {
			t.Fatalf("honest proof of %d in %d refused: %v", idx, sz, err)
		}
		bad := cloneProof(prf)
		switch mut % 6 {
		case 0:
			if len(bad) == 0 {
				return
			}
			h := int(flip) % len(bad)
			bad[h][int(flip)%32] ^= 1 << (flip % 8)
		case 1:
			if len(bad) == 0 {
				return
			}
			bad = bad[:len(bad)-1]
		case 2:
			bad = append(bad, make([]byte, 32))
		case 3:
			if sz < 2 {
				return
			}
			other := (idx + 1 + uint64(flip)%(sz-1)) % sz
			if err := VerifyInclusion(leaves[idx], other, sz, prf, root); err == nil && leaves[other] != leaves[idx] {
				t.Fatalf("proof of %d accepted at index %d", idx, other)
			}
			return
		case 4:
			l := leaves[idx]
			l[int(flip)%32] ^= 1
			if err := VerifyInclusion(l, idx, sz, prf, root); err == nil {
				t.Fatal("proof accepted for another leaf")
			}
			return
		case 5:
			r := root
			r[int(flip)%32] ^= 1
			if err := VerifyInclusion(leaves[idx], idx, sz, prf, r); err == nil {
				t.Fatal("proof accepted against another root")
			}
			return
		}
		if err := VerifyInclusion(leaves[idx], idx, sz, bad, root); err == nil {
			t.Fatalf("mutated proof (kind %d) accepted", mut%6)
		}

		// Compact ranges: the root of a prefix, extended by one leaf.
		rng := CompactRange(leaves, sz)
		got, err := RangeRoot(sz, rng)
		if err != nil || got != root {
			t.Fatalf("RangeRoot of the compact range of %d: %x, %v; want %x", sz, got, err, root)
		}
		if sz < total {
			next, err := AppendRoot(sz, rng, leaves[sz])
			if err != nil || next != PrefixRoot(leaves, sz+1) {
				t.Fatalf("AppendRoot at %d: %x, %v", sz, next, err)
			}
		}
		if len(rng) > 0 {
			brng := cloneProof(rng)
			brng[int(flip)%len(brng)][int(flip)%32] ^= 1
			if r2, err := RangeRoot(sz, brng); err == nil && r2 == root {
				t.Fatal("a changed compact range has the same root")
			}
			if _, err := RangeRoot(sz, brng[:len(brng)-1]); err == nil && len(brng) > 1 {
				t.Fatal("a compact range missing a hash was accepted")
			}
		}
	})
}

func cloneProof(p [][]byte) [][]byte {
	out := make([][]byte, len(p))
	for i, h := range p {
		out[i] = bytes.Clone(h)
	}
	return out
}
