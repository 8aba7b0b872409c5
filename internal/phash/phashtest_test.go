package phash_test

import (
	"testing"

	"github.com/prova-network/prova/internal/phash"
	"github.com/prova-network/prova/internal/phash/phashtest"
)

// TestSampleCopiesStayNear: a half-size JPEG re-encoding of a sample
// picture hashes within a few bits of the PNG original, while pictures
// drawn from other seeds are far from it. The demo and the content e2e
// test rely on both.
func TestSampleCopiesStayNear(t *testing.T) {
	dir := t.TempDir()
	orig, copyJPEG, err := phashtest.WriteSampleImages(dir, 7)
	if err != nil {
		t.Fatal(err)
	}
	a, err := phash.HashFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	b, err := phash.HashFile(copyJPEG)
	if err != nil {
		t.Fatal(err)
	}
	if d := phash.Distance(a, b); d > 6 {
		t.Fatalf("re-encoded copy is %d bits away, want <= 6", d)
	}
	for _, seed := range []uint64{1, 2, 3, 99} {
		other, _, err := phashtest.WriteSampleImages(t.TempDir(), seed)
		if err != nil {
			t.Fatal(err)
		}
		c, err := phash.HashFile(other)
		if err != nil {
			t.Fatal(err)
		}
		if d := phash.Distance(a, c); d < 12 {
			t.Fatalf("seed %d is only %d bits from seed 7", seed, d)
		}
	}
}
