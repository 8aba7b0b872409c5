package tlog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
)

// A reference RFC 6962 implementation written straight from the RFC's
// recursive definitions (section 2.1: MTH, PATH, PROOF/SUBPROOF), slow and
// obviously correct, to cross-check the library on every small tree.

func refSplit(n int) int { // largest power of two smaller than n
	k := 1
	for k*2 < n {
		k *= 2
	}
	return k
}

func refMTH(d [][]byte) []byte {
	switch len(d) {
	case 0:
		s := sha256.Sum256(nil)
		return s[:]
	case 1:
		s := sha256.Sum256(append([]byte{0}, d[0]...))
		return s[:]
	}
	k := refSplit(len(d))
	s := sha256.Sum256(append(append([]byte{1}, refMTH(d[:k])...), refMTH(d[k:])...))
	return s[:]
}

func refPath(m int, d [][]byte) [][]byte {
	if len(d) <= 1 {
		return nil
	}
	k := refSplit(len(d))
	if m < k {
		return append(refPath(m, d[:k]), refMTH(d[k:]))
	}
	return append(refPath(m-k, d[k:]), refMTH(d[:k]))
}

func refSubproof(m int, d [][]byte, complete bool) [][]byte {
	if m == len(d) {
		if complete {
			return nil
		}
		return [][]byte{refMTH(d)}
	}
	k := refSplit(len(d))
	if m <= k {
		return append(refSubproof(m, d[:k], complete), refMTH(d[k:]))
	}
	return append(refSubproof(m-k, d[k:], false), refMTH(d[:k]))
}

func refProof(m int, d [][]byte) [][]byte { return refSubproof(m, d, true) }

// ctLeaves are the eight leaves of the reference tree in the Certificate
// Transparency project's Merkle tree tests (merkle_tree_test.cc), which the
// transparency-dev/merkle library also uses (testonly/constants.go).
var ctLeaves = hexes("", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")

func hexes(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		b, err := hex.DecodeString(s)
		if err != nil {
			panic(err)
		}
		out[i] = b
	}
	return out
}

func TestRFC6962KnownAnswers(t *testing.T) {
	// Roots of the first n CT leaves. These are the published CT test
	// values; we re-derived each with an independent script (Python
	// hashlib, the RFC's recursive MTH) before writing them here.
	roots := hexes(
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	)
	// SHA-256 of the empty string (sha256sum </dev/null).
	if got := hex.EncodeToString(EmptyRoot()); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("EmptyRoot = %s", got)
	}
	if !bytes.Equal(LeafHash(ctLeaves[0]), roots[0]) {
		t.Fatalf("LeafHash(empty) = %X", LeafHash(ctLeaves[0]))
	}
	for n := 1; n <= len(ctLeaves); n++ {
		if got := refMTH(ctLeaves[:n]); !bytes.Equal(got, roots[n-1]) {
			t.Fatalf("reference root of %d leaves = %X, want %X", n, got, roots[n-1])
		}
	}

	// Inclusion and consistency proofs, from the same Python script.
	inclusions := []struct {
		index, size uint64
		proof       [][]byte
	}{
		{0, 8, hexes("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")},
		{5, 8, hexes("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")},
		{2, 3, hexes("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")},
		{1, 5, hexes("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")},
	}
	for _, tc := range inclusions {
		if err := VerifyInclusion(LeafHash(ctLeaves[tc.index]), tc.index, tc.size, tc.proof, roots[tc.size-1]); err != nil {
			t.Errorf("inclusion of %d in %d: %v", tc.index, tc.size, err)
		}
	}
	consistencies := []struct {
		size1, size2 uint64
		proof        [][]byte
	}{
		{1, 8, hexes("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")},
		{6, 8, hexes("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")},
		{2, 5, hexes("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")},
		{3, 7, hexes("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
			"07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
			"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
			"837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e")},
		{4, 8, hexes("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")},
	}
	for _, tc := range consistencies {
		if err := VerifyConsistency(tc.size1, tc.size2, tc.proof, roots[tc.size1-1], roots[tc.size2-1]); err != nil {
			t.Errorf("consistency %d to %d: %v", tc.size1, tc.size2, err)
		}
	}
}

func flipped(proof [][]byte, i int) [][]byte {
	out := make([][]byte, len(proof))
	for j := range proof {
		out[j] = bytes.Clone(proof[j])
	}
	out[i][0] ^= 1
	return out
}

func leavesN(n int) [][]byte {
	d := make([][]byte, n)
	for i := range d {
		d[i] = fmt.Appendf(nil, "record %d", i)
	}
	return d
}

// TestRFC6962AgainstReference checks every inclusion and consistency proof
// of every tree up to 33 leaves, and that each corruption is rejected.
func TestRFC6962AgainstReference(t *testing.T) {
	const maxN = 33
	d := leavesN(maxN)
	for n := 1; n <= maxN; n++ {
		root := refMTH(d[:n])
		for m := range n {
			proof := refPath(m, d[:n])
			leaf := LeafHash(d[m])
			if err := VerifyInclusion(leaf, uint64(m), uint64(n), proof, root); err != nil {
				t.Fatalf("inclusion %d/%d: %v", m, n, err)
			}
			// No "other size" case: for a leaf in a complete left subtree the
			// same path and root also fit a larger tree (the tree size is
			// bound by the signed checkpoint, not by the proof).
			bad := map[string]error{
				"other leaf":  VerifyInclusion(LeafHash([]byte("x")), uint64(m), uint64(n), proof, root),
				"other index": VerifyInclusion(leaf, uint64((m+1)%n), uint64(n), proof, root),
				"index=size":  VerifyInclusion(leaf, uint64(n), uint64(n), proof, root),
				"extra hash":  VerifyInclusion(leaf, uint64(m), uint64(n), append(proof, root), root),
			}
			for i := range proof {
				bad[fmt.Sprintf("flipped hash %d", i)] = VerifyInclusion(leaf, uint64(m), uint64(n), flipped(proof, i), root)
			}
			for name, err := range bad {
				if n == 1 && name == "other index" {
					continue // index (m+1)%1 is m itself
				}
				if !errors.Is(err, ErrInclusionInvalid) {
					t.Fatalf("inclusion %d/%d, %s: got %v, want ErrInclusionInvalid", m, n, name, err)
				}
			}
		}
		for m := 1; m <= n; m++ {
			proof := refProof(m, d[:n])
			root1 := refMTH(d[:m])
			if err := VerifyConsistency(uint64(m), uint64(n), proof, root1, root); err != nil {
				t.Fatalf("consistency %d to %d: %v", m, n, err)
			}
			for i := range proof {
				if err := VerifyConsistency(uint64(m), uint64(n), flipped(proof, i), root1, root); !errors.Is(err, ErrConsistencyInvalid) {
					t.Fatalf("consistency %d to %d, flipped hash %d: got %v", m, n, i, err)
				}
			}
			if m < n {
				forked := refMTH(append(append([][]byte{}, d[:m-1]...), []byte("rewritten")))
				if err := VerifyConsistency(uint64(m), uint64(n), proof, forked, root); !errors.Is(err, ErrConsistencyInvalid) {
					t.Fatalf("consistency %d to %d from a rewritten log: got %v", m, n, err)
				}
			}
		}
	}
}

func TestRFC6962Malformed(t *testing.T) {
	d := leavesN(4)
	root := refMTH(d)
	leaf := LeafHash(d[1])
	proof := refPath(1, d)
	short := [][]byte{proof[0][:31], proof[1]}
	long := make([][]byte, 70)
	for i := range long {
		long[i] = root
	}
	cases := []struct {
		name      string
		err, want error
	}{
		{"short leaf hash", VerifyInclusion(leaf[:31], 1, 4, proof, root), ErrInclusionInvalid},
		{"short root", VerifyInclusion(leaf, 1, 4, proof, root[:31]), ErrInclusionInvalid},
		{"short proof hash", VerifyInclusion(leaf, 1, 4, short, root), ErrInclusionInvalid},
		{"overlong proof", VerifyInclusion(leaf, 1, 4, long, root), ErrInclusionInvalid},
		{"empty tree", VerifyInclusion(leaf, 0, 0, nil, EmptyRoot()), ErrInclusionInvalid},
		{"shrinking log", VerifyConsistency(4, 2, nil, root, refMTH(d[:2])), ErrConsistencyInvalid},
		{"same size, new root", VerifyConsistency(4, 4, nil, root, refMTH(d[:3])), ErrConsistencyInvalid},
		{"wrong empty root", VerifyConsistency(0, 4, nil, root, root), ErrConsistencyInvalid},
		{"short consistency", VerifyConsistency(2, 4, short[:1], refMTH(d[:2]), root), ErrConsistencyInvalid},
	}
	for _, tc := range cases {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	if err := VerifyConsistency(0, 4, nil, EmptyRoot(), root); err != nil {
		t.Errorf("empty log to 4 leaves: %v", err)
	}
	if err := VerifyConsistency(4, 4, nil, root, root); err != nil {
		t.Errorf("same checkpoint twice: %v", err)
	}
	if !bytes.Equal(NodeHash(LeafHash(d[0]), LeafHash(d[1])), refMTH(d[:2])) {
		t.Error("NodeHash of two leaves is not the two-leaf root")
	}
}
