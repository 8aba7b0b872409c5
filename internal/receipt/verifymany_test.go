package receipt

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"testing"
)

// TestPAE checks the pre-authentication encoding against a vector written by
// hand from the DSSE v1 protocol text ("DSSEv1" SP LEN(type) SP type SP
// LEN(body) SP body, lengths in ASCII decimal): the type
// "http://example.com/HelloWorld" is 7+11+11 = 29 bytes and "hello world" is
// 11, which is also the example the DSSE specification gives.
func TestPAE(t *testing.T) {
	tests := []struct {
		typ, body, want string
	}{
		{"http://example.com/HelloWorld", "hello world", "DSSEv1 29 http://example.com/HelloWorld 11 hello world"},
		{"", "", "DSSEv1 0  0 "},
		{PayloadType, "{}", "DSSEv1 28 application/vnd.in-toto+json 2 {}"},
	}
	for _, tc := range tests {
		if got := string(PAE(tc.typ, []byte(tc.body))); got != tc.want {
			t.Errorf("PAE(%q, %q) = %q, want %q", tc.typ, tc.body, got, tc.want)
		}
	}
}

func signedMany(t testing.TB, n int, privs ...ed25519.PrivateKey) []*Envelope {
	envs := make([]*Envelope, n)
	for i := range envs {
		envs[i] = signed(t, privs[i%len(privs)], i)
	}
	return envs
}

func TestVerifyManyAllValid(t *testing.T) {
	pubA, privA := testKey("a")
	pubB, privB := testKey("b")
	envs := signedMany(t, 100, privA, privB)
	sts, errs := VerifyManyStatements(envs, Keys(pubA, pubB))
	for i, err := range errs {
		if err != nil {
			t.Fatalf("receipt %d: %v", i, err)
		}
		if sts[i].Predicate.RequestID != fmt.Sprintf("req-%d", i) {
			t.Fatalf("receipt %d: statement %q", i, sts[i].Predicate.RequestID)
		}
	}
}

func TestVerifyManyLocatesBad(t *testing.T) {
	pubA, privA := testKey("a")
	pubB, privB := testKey("b")
	_, privC := testKey("unknown")
	envs := signedMany(t, 100, privA, privB)
	envs[37].Signatures[0].Sig[10] ^= 0x40 // bad signature
	envs[58].Payload[len(envs[58].Payload)-2] ^= 1
	envs[71] = signed(t, privC, 71) // key not in the lookup
	envs[90].PayloadType = "text/plain"
	envs[95] = nil
	want := map[int]error{37: ErrSignature, 58: ErrSignature, 71: ErrWrongKey, 90: ErrPayloadType, 95: ErrMalformed}
	errs := VerifyMany(envs, Keys(pubA, pubB))
	for i, err := range errs {
		if w, bad := want[i]; bad {
			if !errors.Is(err, w) {
				t.Errorf("receipt %d: got %v, want %v", i, err, w)
			}
		} else if err != nil {
			t.Errorf("receipt %d: %v", i, err)
		}
	}
}

func TestVerifyManyEmpty(t *testing.T) {
	if errs := VerifyMany(nil, Keys()); len(errs) != 0 {
		t.Fatal(errs)
	}
}

func BenchmarkVerifySingle(b *testing.B) {
	pub, priv := testKey("a")
	envs := signedMany(b, 256, priv)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Verify(envs[i%len(envs)], pub); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyMany(b *testing.B) {
	pub, priv := testKey("a")
	envs := signedMany(b, 256, priv)
	keys := Keys(pub)
	b.ResetTimer()
	for i := 0; i < b.N; i += len(envs) {
		for _, err := range VerifyMany(envs, keys) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkParseStatement(b *testing.B) {
	_, priv := testKey("a")
	payload := signed(b, priv, 1).Payload
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ParseStatement(payload); err != nil {
			b.Fatal(err)
		}
	}
}
