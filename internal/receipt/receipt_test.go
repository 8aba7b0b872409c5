package receipt

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// testKey derives a deterministic key from a label.
func testKey(label string) (ed25519.PublicKey, ed25519.PrivateKey) {
	seed := sha256.Sum256([]byte(label))
	priv := ed25519.NewKeyFromSeed(seed[:])
	return priv.Public().(ed25519.PublicKey), priv
}

func digestID(alg, s string) string {
	sum := sha256.Sum256([]byte(s))
	return alg + ":" + hex.EncodeToString(sum[:])
}

func testStatement(pub ed25519.PublicKey, n int) *Statement {
	return NewStatement(Predicate{
		Model:        digestID("blake3", "model"),
		Provider:     Provider{ID: "provider-1", KeyID: KeyID(pub)},
		InputDigest:  digestID("sha256", fmt.Sprint("input", n)),
		OutputDigest: digestID("blake3", fmt.Sprint("output", n)),
		Parameters:   map[string]string{"temperature": "0", "max_tokens": "256"},
		Tokens:       Tokens{Input: 12, Output: 34},
		RequestID:    fmt.Sprintf("req-%d", n),
		Time:         FormatTime(time.Date(2026, 11, 21, 2, 0, n%60, 0, time.UTC)),
	})
}

func signed(t testing.TB, priv ed25519.PrivateKey, n int) *Envelope {
	t.Helper()
	env, err := Sign(testStatement(priv.Public().(ed25519.PublicKey), n), priv)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestSignVerifyRoundTrip(t *testing.T) {
	pub, priv := testKey("provider")
	env := signed(t, priv, 1)
	dec, err := DecodeEnvelope(env.Canonical())
	if err != nil {
		t.Fatal(err)
	}
	st, err := Verify(dec, pub)
	if err != nil {
		t.Fatal(err)
	}
	if want := testStatement(pub, 1); st.Predicate.RequestID != want.Predicate.RequestID || st.Predicate.Parameters["max_tokens"] != "256" {
		t.Fatalf("statement changed in the round trip: %+v", st.Predicate)
	}
	if !bytes.Equal(dec.Canonical(), env.Canonical()) || dec.ID() != env.ID() {
		t.Fatal("canonical bytes changed in the round trip")
	}
	if len(env.LeafHash()) != HashSize {
		t.Fatal("leaf hash size")
	}
}

func TestVerifyRejects(t *testing.T) {
	pub, priv := testKey("provider")
	otherPub, _ := testKey("other")
	tests := []struct {
		name   string
		mutate func(e *Envelope)
		key    ed25519.PublicKey
		want   error
	}{
		{"tampered payload", func(e *Envelope) { e.Payload = bytes.Replace(e.Payload, []byte("req-1"), []byte("req-2"), 1) }, pub, ErrSignature},
		{"tampered signature", func(e *Envelope) { e.Signatures[0].Sig[5] ^= 1 }, pub, ErrSignature},
		{"short signature", func(e *Envelope) { e.Signatures[0].Sig = e.Signatures[0].Sig[:63] }, pub, ErrSignature},
		{"wrong key", func(e *Envelope) {}, otherPub, ErrWrongKey},
		{"key id swapped to the verifier's", func(e *Envelope) { e.Signatures[0].KeyID = KeyID(otherPub) }, otherPub, ErrSignature},
		{"wrong payload type", func(e *Envelope) { e.PayloadType = "application/json" }, pub, ErrPayloadType},
		{"two signatures", func(e *Envelope) { e.Signatures = append(e.Signatures, e.Signatures[0]) }, pub, ErrMalformed},
		{"no signatures", func(e *Envelope) { e.Signatures = nil }, pub, ErrMalformed},
		{"oversized payload", func(e *Envelope) { e.Payload = make([]byte, MaxStatementBytes+1) }, pub, ErrTooLarge},
		{"statement names another key", func(e *Envelope) {
			*e = *signPayload(mustJSON(t, testStatementKey(otherPub)), priv)
		}, pub, ErrWrongKey},
		{"signed non-statement", func(e *Envelope) { *e = *signPayload([]byte(`{"hello":1}`), priv) }, pub, ErrMalformed},
		{"statement with a case-folded member", func(e *Envelope) {
			*e = *signPayload(bytes.Replace(mustJSON(t, testStatement(pub, 1)), []byte(`"model"`), []byte(`"Model"`), 1), priv)
		}, pub, ErrMalformed},
		{"statement with an empty member", func(e *Envelope) {
			*e = *signPayload(bytes.Replace(mustJSON(t, testStatement(pub, 1)), []byte(`"tokens"`), []byte(`"parametersDigest":"","tokens"`), 1), priv)
		}, pub, ErrMalformed},
		{"statement missing a member", func(e *Envelope) {
			*e = *signPayload(bytes.Replace(mustJSON(t, testStatement(pub, 1)), []byte(`"tokens":{"input":12,`), []byte(`"tokens":{`), 1), priv)
		}, pub, ErrMalformed},
		{"statement with a null member", func(e *Envelope) {
			*e = *signPayload(bytes.Replace(mustJSON(t, testStatement(pub, 1)), []byte(`"tokens"`), []byte(`"parametersDigest":null,"tokens"`), 1), priv)
		}, pub, ErrMalformed},
		{"statement with an object as a parameter", func(e *Envelope) {
			*e = *signPayload(bytes.Replace(mustJSON(t, testStatement(pub, 1)), []byte(`"max_tokens":"256"`), []byte(`"max_tokens":{"a":"b"}`), 1), priv)
		}, pub, ErrMalformed},
		{"statement with a fractional count", func(e *Envelope) {
			*e = *signPayload(bytes.Replace(mustJSON(t, testStatement(pub, 1)), []byte(`"input":12`), []byte(`"input":12.0`), 1), priv)
		}, pub, ErrMalformed},
		{"signed invalid statement", func(e *Envelope) {
			st := testStatement(pub, 1)
			st.Predicate.Time = "2026-11-21T03:00:00+01:00"
			*e = *signPayload(mustJSON(t, st), priv)
		}, pub, ErrInvalidStatement},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := signed(t, priv, 1)
			tc.mutate(env)
			_, err := Verify(env, tc.key)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			// VerifyMany must agree with Verify, sentinel included.
			if errs := VerifyMany([]*Envelope{env}, Keys(tc.key)); !errors.Is(errs[0], tc.want) {
				t.Fatalf("VerifyMany: got %v, want %v", errs[0], tc.want)
			}
		})
	}
}

func testStatementKey(pub ed25519.PublicKey) *Statement { return testStatement(pub, 1) }

func TestDecodeEnvelopeRejects(t *testing.T) {
	_, priv := testKey("provider")
	good := string(signed(t, priv, 1).Canonical())
	payload := base64.StdEncoding.EncodeToString(signed(t, priv, 1).Payload)
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"not json", "{", ErrMalformed},
		{"trailing data", good + "{}", ErrMalformed},
		{"missing payload", strings.Replace(good, `"payload":"`+payload+`",`, "", 1), ErrMalformed},
		{"array", "[]", ErrMalformed},
		{"unknown member", strings.Replace(good, `"payloadType"`, `"extra":1,"payloadType"`, 1), ErrMalformed},
		{"duplicate member", strings.Replace(good, `"payloadType"`, `"payload":"","payloadType"`, 1), ErrMalformed},
		{"case-folded member", strings.Replace(good, `"payloadType"`, `"PayloadType"`, 1), ErrMalformed},
		{"null signatures", strings.Replace(good, `"signatures":[`, `"signatures":null,"x":[`, 1), ErrMalformed},
		{"bad base64", strings.Replace(good, payload[:8], "!!!!!!!!", 1), ErrMalformed},
		{"url base64", strings.Replace(good, payload, strings.NewReplacer("+", "-", "/", "_").Replace(payload)+"-_", 1), ErrMalformed},
		{"base64 with newline", strings.Replace(good, payload[:8], payload[:4]+`\n`+payload[4:8], 1), ErrMalformed},
		{"unpadded base64", strings.Replace(good, `=","payloadType"`, `","payloadType"`, 1), ErrMalformed},
		{"wrong payload type", strings.Replace(good, PayloadType, "text/plain", 1), ErrPayloadType},
		{"bad key id", strings.Replace(good, `"keyid":"ed25519:`, `"keyid":"rsa:`, 1), ErrMalformed},
		{"oversized", good + strings.Repeat(" ", MaxEnvelopeBytes), ErrTooLarge},
		{"deep nesting", strings.Repeat("[", 100) + strings.Repeat("]", 100), ErrMalformed},
		{"invalid utf-8", strings.Replace(good, `"keyid":"`, "\"keyid\":\"\xff", 1), ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in == good {
				t.Fatal("mutation did not apply")
			}
			_, err := DecodeEnvelope([]byte(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestStatementValidate(t *testing.T) {
	pub, priv := testKey("provider")
	tests := []struct {
		name   string
		mutate func(p *Statement)
	}{
		{"bad type", func(s *Statement) { s.Type = "x" }},
		{"bad predicate type", func(s *Statement) { s.PredicateType = "x" }},
		{"model not a digest", func(s *Statement) { s.Predicate.Model = "llama" }},
		{"upper-case digest", func(s *Statement) { s.Predicate.InputDigest = strings.ToUpper(s.Predicate.InputDigest) }},
		{"subject differs from output", func(s *Statement) { s.Subject[0].Digest = map[string]string{"blake3": strings.Repeat("0", 64)} }},
		{"no subject", func(s *Statement) { s.Subject = nil }},
		{"empty provider", func(s *Statement) { s.Predicate.Provider.ID = "" }},
		{"request id with space", func(s *Statement) { s.Predicate.RequestID = "a b" }},
		{"both parameter forms", func(s *Statement) { s.Predicate.ParametersDigest = digestID("sha256", "p") }},
		{"too many parameters", func(s *Statement) {
			for i := range MaxParameters + 1 {
				s.Predicate.Parameters[fmt.Sprint("k", i)] = "v"
			}
		}},
		{"long parameter value", func(s *Statement) { s.Predicate.Parameters["x"] = strings.Repeat("v", MaxParamValueLen+1) }},
		{"local time", func(s *Statement) { s.Predicate.Time = "2026-11-21T02:00:00+00:00" }},
		{"not a time", func(s *Statement) { s.Predicate.Time = "yesterday" }},
		{"trailing fractional zero", func(s *Statement) { s.Predicate.Time = "2026-11-21T02:00:00.10Z" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := testStatement(pub, 1)
			tc.mutate(st)
			if err := st.Validate(); !errors.Is(err, ErrInvalidStatement) {
				t.Fatalf("Validate: got %v", err)
			}
			if _, err := Sign(st, priv); !errors.Is(err, ErrInvalidStatement) {
				t.Fatalf("Sign: got %v", err)
			}
		})
	}
	_, otherPriv := testKey("other")
	if _, err := Sign(testStatement(pub, 1), otherPriv); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("Sign with a key the statement does not name: got %v", err)
	}
}

func TestDuplicates(t *testing.T) {
	_, priv := testKey("provider")
	a, b := signed(t, priv, 1), signed(t, priv, 2)
	errs := Duplicates([]*Envelope{a, b, a})
	if errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], ErrDuplicate) {
		t.Fatalf("got %v", errs)
	}
}

func mustJSON(t testing.TB, st *Statement) []byte {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
