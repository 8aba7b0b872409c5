package fingerprint

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseDigest(t *testing.T) {
	const hex64 = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
	tests := []struct {
		name    string
		in      string
		wantErr error
	}{
		{"blake3", "blake3:" + hex64, nil},
		{"sha256", "sha256:" + hex64, nil},
		{"empty", "", ErrInvalidDigest},
		{"no prefix", hex64, ErrInvalidDigest},
		{"unknown algorithm", "md5:" + hex64, ErrUnknownAlgorithm},
		{"upper-case algorithm", "BLAKE3:" + hex64, ErrUnknownAlgorithm},
		{"upper-case hex", "blake3:" + strings.ToUpper(hex64), ErrInvalidDigest},
		{"short hex", "blake3:" + hex64[:62], ErrInvalidDigest},
		{"long hex", "blake3:" + hex64 + "00", ErrInvalidDigest},
		{"odd hex", "blake3:" + hex64[:63], ErrInvalidDigest},
		{"non-hex", "blake3:" + hex64[:63] + "g", ErrInvalidDigest},
		{"two colons", "blake3::" + hex64[:63], ErrInvalidDigest},
		{"space", "blake3: " + hex64[:63], ErrInvalidDigest},
		{"huge", "blake3:" + strings.Repeat("a", 1<<20), ErrInvalidDigest},
		{"colon only", ":", ErrInvalidDigest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDigest(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseDigest(%.80q) error = %v, want %v", tt.in, err, tt.wantErr)
				}
				if !errors.Is(err, ErrInvalidDigest) {
					t.Fatalf("error %v does not wrap ErrInvalidDigest", err)
				}
				if len(err.Error()) > 300 {
					t.Fatalf("error message is %d bytes; it must not echo long input", len(err.Error()))
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDigest(%q): %v", tt.in, err)
			}
			if got := d.String(); got != tt.in {
				t.Fatalf("String() = %q, want %q", got, tt.in)
			}
			if d.Hex() != hex64 || d.Sum[0] != 0xaf || d.Sum[31] != 0x62 {
				t.Fatalf("decoded %x", d.Sum)
			}
		})
	}
}

func TestDigestJSON(t *testing.T) {
	d := MustParseDigest("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
	b, err := json.Marshal(struct{ D Digest }{d})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"D":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`; string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
	var back struct{ D Digest }
	if err := json.Unmarshal(b, &back); err != nil || back.D != d {
		t.Fatalf("round trip = %v, %v", back.D, err)
	}
	if err := json.Unmarshal([]byte(`{"D":"sha256:00"}`), &back); !errors.Is(err, ErrInvalidDigest) {
		t.Fatalf("bad digest in JSON: err = %v", err)
	}
	if _, err := json.Marshal(Digest{}); !errors.Is(err, ErrUnknownAlgorithm) {
		t.Fatalf("marshal zero digest: err = %v", err)
	}
}

func TestAlgorithmSum(t *testing.T) {
	// Empty-input vectors: `printf '' | b3sum` and `printf '' | sha256sum`.
	for alg, want := range map[Algorithm]string{
		BLAKE3: "blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
		SHA256: "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	} {
		d, err := alg.Sum(nil)
		if err != nil || d.String() != want {
			t.Errorf("%s.Sum(nil) = %v, %v; want %s", alg, d, err, want)
		}
	}
	if _, err := Algorithm("md5").Sum(nil); !errors.Is(err, ErrUnknownAlgorithm) {
		t.Errorf("md5 err = %v", err)
	}
	if _, err := ParseAlgorithm("blake2b"); !errors.Is(err, ErrUnknownAlgorithm) {
		t.Errorf("ParseAlgorithm(blake2b) err = %v", err)
	}
}

// FuzzParseDigest checks that ParseDigest never panics, that it accepts only
// the canonical form (what it accepts prints back unchanged), and that every
// error wraps ErrInvalidDigest.
func FuzzParseDigest(f *testing.F) {
	f.Add("blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262")
	f.Add("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
	f.Add("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")
	f.Add("blake3:")
	f.Add("")
	f.Add(":::")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDigest(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidDigest) {
				t.Fatalf("error %v does not wrap ErrInvalidDigest", err)
			}
			return
		}
		if d.String() != s {
			t.Fatalf("accepted %q but it prints as %q", s, d.String())
		}
		if !d.Algorithm.Valid() {
			t.Fatalf("accepted unknown algorithm %q", d.Algorithm)
		}
		var back Digest
		if err := back.UnmarshalText([]byte(s)); err != nil || back != d {
			t.Fatalf("UnmarshalText(%q) = %v, %v", s, back, err)
		}
	})
}
