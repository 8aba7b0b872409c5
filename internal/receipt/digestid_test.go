package receipt

import (
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/fingerprint"
)

func digestIDAgrees(t *testing.T, v string) {
	t.Helper()
	_, want := fingerprint.ParseDigest(v)
	if got := checkDigestID(v); (got == nil) != (want == nil) {
		t.Fatalf("%q: checkDigestID %v, ParseDigest %v", v, got, want)
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
	f.Fuzz(digestIDAgrees)
}
