package receipt

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzDecodeEnvelope(f *testing.F) {
	pub, priv := testKey("provider")
	env := signed(f, priv, 1)
	f.Add(env.Canonical())
	f.Add([]byte(`{"payload":"","payloadType":"","signatures":[]}`))
	f.Add([]byte(`{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"keyid":"","sig":""}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := DecodeEnvelope(b)
		if err != nil {
			if !anySentinel(err) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		// A decoded envelope re-encodes canonically and decodes to the same.
		again, err := DecodeEnvelope(env.Canonical())
		if err != nil || !bytes.Equal(again.Canonical(), env.Canonical()) {
			t.Fatalf("canonical form does not round trip: %v", err)
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

func anySentinel(err error) bool {
	for _, s := range []error{ErrMalformed, ErrTooLarge, ErrPayloadType, ErrInvalidStatement, ErrWrongKey, ErrSignature, ErrBatchRoot, ErrDuplicate} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
