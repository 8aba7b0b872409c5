package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/phash"
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
	orig, copyJPEG, err := WriteSampleImages(t.TempDir(), 7)
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

func TestParseReceiptRef(t *testing.T) {
	r, err := parseReceiptRef("log:with:colons:42")
	if err != nil || r.LogId != "log:with:colons" || r.Index != 42 {
		t.Fatalf("got %+v, %v", r, err)
	}
	for _, bad := range []string{"", "42", ":1", "log:", "log:-1", "log:x"} {
		if _, err := parseReceiptRef(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParseReceiptRef: any text parses or errors, and what parses round-trips.
func FuzzParseReceiptRef(f *testing.F) {
	for _, s := range []string{"log-1:42", "a:b:0", ":", "x:18446744073709551615"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseReceiptRef(s)
		if err != nil {
			return
		}
		if r.LogId == "" || r.LogId+":"+strconv.FormatUint(r.Index, 10) != s && !strings.HasPrefix(s, r.LogId+":") {
			t.Fatalf("%q parsed as %+v", s, r)
		}
	})
}
