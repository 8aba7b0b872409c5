package proven

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/prova-network/prova/internal/phash"
	"github.com/prova-network/prova/internal/phash/phashtest"
)

// TestDigestFile checks both digests against known answers for "abc":
// SHA-256 from FIPS 180-2 appendix B.1, BLAKE3 from `printf abc | b3sum`.
func TestDigestFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "abc.txt")
	if err := os.WriteFile(p, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := DigestFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if d.SHA256 != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("sha256 = %s", d.SHA256)
	}
	if d.BLAKE3 != "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85" {
		t.Errorf("blake3 = %s", d.BLAKE3)
	}
	if d.MediaType != "text/plain" || d.PerceptualHash != "" || d.Size != 3 {
		t.Errorf("media type %q, phash %q, size %d", d.MediaType, d.PerceptualHash, d.Size)
	}
}

func TestDigestFileImage(t *testing.T) {
	orig, copyJPEG, err := phashtest.WriteSampleImages(t.TempDir(), 7)
	if err != nil {
		t.Fatal(err)
	}
	a, err := DigestFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	b, err := DigestFile(copyJPEG)
	if err != nil {
		t.Fatal(err)
	}
	if a.MediaType != "image/png" || b.MediaType != "image/jpeg" || a.PerceptualAlgorithm != phash.Algorithm {
		t.Fatalf("media types %s, %s; algorithm %s", a.MediaType, b.MediaType, a.PerceptualAlgorithm)
	}
	ha, _ := phash.ParseHash(a.PerceptualHash)
	hb, _ := phash.ParseHash(b.PerceptualHash)
	if a.SHA256 == b.SHA256 || phash.Distance(ha, hb) > 10 {
		t.Fatalf("copy: same sha256 %v, phash distance %d", a.SHA256 == b.SHA256, phash.Distance(ha, hb))
	}
}
