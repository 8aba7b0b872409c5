package receipt

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// TestTreeMatchesRFC6962 checks roots against transparency-dev/merkle's
// compact ranges (an independent construction of the RFC 6962 tree) and
// every inclusion proof against its verifier, for every size up to 70.
func TestTreeMatchesRFC6962(t *testing.T) {
	h := rfc6962.DefaultHasher
	if got := newTree(nil).root(); !bytes.Equal(got, h.EmptyRoot()) {
		t.Fatalf("empty root %x", got)
	}
	f := &compact.RangeFactory{Hash: h.HashChildren}
	for n := 1; n <= 70; n++ {
		leaves := make([][]byte, n)
		r := f.NewEmptyRange(0)
		for i := range leaves {
			leaves[i] = h.HashLeaf(fmt.Appendf(nil, "leaf %d", i))
			if err := r.Append(leaves[i], nil); err != nil {
				t.Fatal(err)
			}
		}
		want, err := r.GetRootHash(nil)
		if err != nil {
			t.Fatal(err)
		}
		tr := newTree(leaves)
		if !bytes.Equal(tr.root(), want) {
			t.Fatalf("size %d: root %x, want %x", n, tr.root(), want)
		}
		for i := range leaves {
			if err := proof.VerifyInclusion(h, uint64(i), uint64(n), leaves[i], tr.proof(i), want); err != nil {
				t.Fatalf("size %d leaf %d: %v", n, i, err)
			}
		}
	}
}
