package receipt

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecodeEnvelope: DecodeEnvelope either fails with one of the decoding
// sentinels or returns an envelope of the documented shape whose canonical
// form decodes to an equal envelope and re-encodes to the same bytes; and
// Verify of what decodes either fails with a sentinel or returns a valid
// statement.
func FuzzDecodeEnvelope(f *testing.F) {
	pub, priv := testKey("provider")
	env := signed(f, priv, 1)
	f.Add(env.Canonical())
	f.Add([]byte(`{"payload":"","payloadType":"","signatures":[]}`))
	f.Add([]byte(`{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"keyid":"","sig":""}]}`))
	// Valid but not canonical: reordered members and white space.
	f.Add([]byte(" {\"signatures\":[{\"sig\":\"" + b64(env.Signatures[0].Sig) + "\",\"keyid\":\"" + env.Signatures[0].KeyID +
		"\"}],\n\"payloadType\":\"" + PayloadType + "\",\"payload\":\"" + b64(env.Payload) + "\"} "))
	f.Add(bytes.Replace(env.Canonical(), []byte(`"sig":"`), []byte(`"sig":"!`), 1)) // bad base64
	f.Add(append(env.Canonical(), '}'))                                             // trailing data
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := DecodeEnvelope(b)
		if err != nil {
			decodeFailed(t, err)
			return
		}
		envelopeShape(t, env)
		again, err := DecodeEnvelope(env.Canonical())
		if err != nil {
			t.Fatalf("canonical form does not decode: %v", err)
		}
		if !reflect.DeepEqual(again, env) || !bytes.Equal(again.Canonical(), env.Canonical()) {
			t.Fatalf("canonical form does not round trip:\n%+v\n%+v", env, again)
		}
		if st, err := Verify(env, pub); err == nil {
			if err := st.Validate(); err != nil {
				t.Fatalf("verified an invalid statement: %v", err)
			}
		} else if !anySentinel(err) {
			t.Fatalf("error without a sentinel: %v", err)
		}
	})
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// envelopeShape fails t unless env has the shape DecodeEnvelope promises.
func envelopeShape(t *testing.T, env *Envelope) {
	t.Helper()
	if env.PayloadType != PayloadType || len(env.Signatures) != 1 || len(env.Payload) > MaxStatementBytes ||
		!validKeyID(env.Signatures[0].KeyID) || len(env.Signatures[0].Sig) != ed25519.SignatureSize {
		t.Fatalf("decoded an envelope of the wrong shape: %+v", env)
	}
}

// decodeFailed fails t unless err, from one of the decoders, wraps one of
// the sentinels a decoder may return.
func decodeFailed(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrPayloadType) {
		t.Fatalf("decoding error without a decoding sentinel: %v", err)
	}
}

func anySentinel(err error) bool {
	for _, s := range []error{ErrMalformed, ErrTooLarge, ErrPayloadType, ErrInvalidStatement, ErrWrongKey, ErrSignature, ErrBatchRoot, ErrDuplicate} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// mutations returns good with each of a few edits applied, for seeding
// decoders with near misses.
func mutations(good []byte) [][]byte {
	s := string(good)
	return [][]byte{
		[]byte(s[:len(s)/2]),
		[]byte(strings.Replace(s, `"`, `'`, 1)),
		[]byte(strings.Replace(s, `":`, `":"x",`, 1)),
		[]byte(strings.Replace(s, `"`, `"\u0000`, 1)),
		[]byte(s + " "),
	}
}
