package receipt

import (
	"errors"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/fingerprint"
)

// digestIDAgrees fails t unless checkDigestID, which does not decode,
// accepts exactly what fingerprint.ParseDigest (the reference) accepts: the
// canonical digest IDs, which print back unchanged; and rejects the rest
// with an error wrapping fingerprint.ErrInvalidDigest.
func digestIDAgrees(t *testing.T, v string) {
	t.Helper()
	d, want := fingerprint.ParseDigest(v)
	got := checkDigestID(v)
	if (got == nil) != (want == nil) {
		t.Fatalf("%q: checkDigestID %v, ParseDigest %v", v, got, want)
	}
	if got != nil && !errors.Is(got, fingerprint.ErrInvalidDigest) {
		t.Fatalf("%q: error without fingerprint.ErrInvalidDigest: %v", v, got)
	}
	if got == nil && d.String() != v {
		t.Fatalf("accepted %q, which prints as %q", v, d.String())
	}
}

func TestCheckDigestIDMatchesParseDigest(t *testing.T) {
	h := strings.Repeat("0a", 32)
	for _, v := range []string{
		"blake3:" + h, "sha256:" + h, "md5:" + h, "blake3:" + strings.ToUpper(h), "blake3:" + h[1:], "blake3:" + h + "0",
		"blake3;" + h, "BLAKE3:" + h, "blake3:" + h[:63] + "g", "", "blake3:", ":" + h, "sha256::" + h[1:],
	} {
		digestIDAgrees(t, v)
	}
}

func FuzzCheckDigestID(f *testing.F) {
	f.Add("blake3:" + strings.Repeat("ab", 32))
	f.Add("sha256:" + strings.Repeat("0f", 32))
	f.Add("sha256:" + strings.Repeat("0F", 32))
	f.Add("blake3:" + strings.Repeat("ab", 31))
	f.Add("md5:" + strings.Repeat("ab", 32))
	f.Add("")
	f.Fuzz(digestIDAgrees)
}
