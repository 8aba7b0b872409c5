package records

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/prova-network/prova/internal/tlog"
)

// Hand-rolled RFC 6962 hashing (section 2.1), straight from crypto/sha256 and
// independent of the tlog helpers and of Tree.
func kLeaf(b []byte) []byte {
	s := sha256.Sum256(append([]byte{0x00}, b...))
	return s[:]
}

func kNode(l, r []byte) []byte {
	s := sha256.Sum256(append(append([]byte{0x01}, l...), r...))
	return s[:]
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func treeOf(recs ...[]byte) *Tree {
	t := new(Tree)
	for _, r := range recs {
		t.Append(r)
	}
	return t
}

func numbered(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "r%d", i)
	}
	return out
}

func TestRootKnownAnswers(t *testing.T) {
	r := numbered(7)
	l := make([][]byte, len(r))
	for i := range r {
		l[i] = kLeaf(r[i])
	}
	tests := []struct {
		name string
		n    int
		// hand is the root composed by hand following RFC 6962's split at
		// the largest power of two below n.
		hand []byte
		// want is the same root computed by a separate Python script
		// (hashlib.sha256 with the RFC's recursive MTH) over "r0".."r6".
		want string
	}{
		{"empty", 0, func() []byte { s := sha256.Sum256(nil); return s[:] }(),
			// sha256sum </dev/null
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"one", 1, l[0], "65cd092dc4435b17fd24b8916798ed86c8be50b8600d09e7eddb3f277cbe3f82"},
		{"two", 2, kNode(l[0], l[1]), "28771ff890dd009c927aa49eb95ac1b20950f5b158ad1d839b9b9302ec21d5d3"},
		{"three", 3, kNode(kNode(l[0], l[1]), l[2]), "6afb54d82cc354d4ebfe3266a135ec897d675dba4dc67c92472d9105670ee0f5"},
		{"seven", 7, kNode(
			kNode(kNode(l[0], l[1]), kNode(l[2], l[3])),
			kNode(kNode(l[4], l[5]), l[6]),
		), "265b3e27ddb760f8ad49f784cc50ffda51e98659c8683c4afdc4107793d8081f"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := mustHex(t, tc.want)
			if !bytes.Equal(tc.hand, want) {
				t.Fatalf("hand-rolled root %x disagrees with the python vector %x", tc.hand, want)
			}
			tr := treeOf(r[:tc.n]...)
			if got := tr.Root(); !bytes.Equal(got, want) {
				t.Fatalf("Root() = %x, want %x", got, want)
			}
			if tr.Size() != uint64(tc.n) {
				t.Fatalf("Size() = %d, want %d", tr.Size(), tc.n)
			}
		})
	}
}

// The Certificate Transparency reference tree (merkle_tree_test.cc, also in
// transparency-dev/merkle's testonly/constants.go): published roots of its
// first n leaves.
func TestRootCertificateTransparencyVectors(t *testing.T) {
	leaves := []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}
	roots := []string{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	tr := new(Tree)
	for i, l := range leaves {
		tr.Append(mustHex(t, l))
		if got := hex.EncodeToString(tr.Root()); got != roots[i] {
			t.Errorf("root of %d CT leaves = %s, want %s", i+1, got, roots[i])
		}
	}
}

// refRoot is RFC 6962 MTH over leaf hashes, recursively, for cross-checks.
func refRoot(l [][]byte) []byte {
	if len(l) == 1 {
		return l[0]
	}
	k := 1
	for k*2 < len(l) {
		k *= 2
	}
	return kNode(refRoot(l[:k]), refRoot(l[k:]))
}

func TestProveEveryIndex(t *testing.T) {
	for n := 1; n <= 17; n++ {
		recs := numbered(n)
		tr := treeOf(recs...)
		leaves := make([][]byte, n)
		for i, r := range recs {
			leaves[i] = kLeaf(r)
		}
		root := tr.Root()
		if !bytes.Equal(root, refRoot(leaves)) {
			t.Fatalf("size %d: root %x, reference %x", n, root, refRoot(leaves))
		}
		for i := range uint64(n) {
			path, err := tr.Prove(i)
			if err != nil {
				t.Fatalf("size %d index %d: %v", n, i, err)
			}
			if len(path) != proofLen(i, uint64(n)) {
				t.Fatalf("size %d index %d: %d hashes, proofLen says %d", n, i, len(path), proofLen(i, uint64(n)))
			}
			leaf := kLeaf(recs[i])
			if err := tlog.VerifyInclusion(leaf, i, uint64(n), path, root); err != nil {
				t.Fatalf("size %d index %d: %v", n, i, err)
			}
			// The same path must not prove a neighbouring record, nor this
			// record at another index.
			other := kLeaf(recs[(i+1)%uint64(n)])
			if n > 1 && tlog.VerifyInclusion(other, i, uint64(n), path, root) == nil {
				t.Fatalf("size %d index %d: proof verifies for another record", n, i)
			}
			if n > 1 && tlog.VerifyInclusion(leaf, (i+1)%uint64(n), uint64(n), path, root) == nil {
				t.Fatalf("size %d index %d: proof verifies at index %d", n, i, (i+1)%uint64(n))
			}
		}
		if _, err := tr.Prove(uint64(n)); !errors.Is(err, ErrIndexOutOfRange) {
			t.Fatalf("size %d: Prove(%d) error = %v, want ErrIndexOutOfRange", n, n, err)
		}
	}
}

func TestTreeEdges(t *testing.T) {
	var tr Tree
	if _, err := tr.Prove(0); !errors.Is(err, ErrIndexOutOfRange) {
		t.Fatalf("Prove on empty tree: %v", err)
	}
	if _, err := tr.LeafHash(0); !errors.Is(err, ErrIndexOutOfRange) {
		t.Fatalf("LeafHash on empty tree: %v", err)
	}
	// Root and LeafHash return copies: changing them does not change the tree.
	tr.Append([]byte("a"))
	tr.Append([]byte("b"))
	root := tr.Root()
	root[0] ^= 1
	lh, _ := tr.LeafHash(0)
	lh[0] ^= 1
	if bytes.Equal(tr.Root(), root) {
		t.Fatal("Root() aliases the tree")
	}
	if got, _ := tr.LeafHash(0); !bytes.Equal(got, kLeaf([]byte("a"))) {
		t.Fatal("LeafHash aliases the tree")
	}
	// AppendLeafHash copies its argument.
	var t2 Tree
	h := kLeaf([]byte("a"))
	t2.AppendLeafHash(h)
	h[0] ^= 1
	if !bytes.Equal(t2.Root(), kLeaf([]byte("a"))) {
		t.Fatal("AppendLeafHash aliases its argument")
	}
}
