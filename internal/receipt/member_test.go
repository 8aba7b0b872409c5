package receipt

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestMembers(t *testing.T) {
	pub, priv := testKey("provider")
	otherPub, _ := testKey("other")
	for _, n := range []int{1, 5, 100} {
		b := signedBatch(t, priv, n)
		ms, err := b.Members()
		if err != nil {
			t.Fatal(err)
		}
		var d Dedup
		for i, m := range ms {
			dec, err := DecodeMember(m.Canonical())
			if err != nil {
				t.Fatalf("member %d of %d: %v", i, n, err)
			}
			if !bytes.Equal(dec.Canonical(), m.Canonical()) {
				t.Fatalf("member %d of %d: canonical form changed", i, n)
			}
			st, err := dec.Verify(pub)
			if err != nil {
				t.Fatalf("member %d of %d: %v", i, n, err)
			}
			if st.Predicate.RequestID != testStatement(pub, i).Predicate.RequestID {
				t.Fatalf("member %d of %d: wrong statement", i, n)
			}
			if err := d.Add(dec.LeafHash()); err != nil {
				t.Fatalf("member %d of %d: %v", i, n, err)
			}
			if _, err := dec.Verify(otherPub); !errors.Is(err, ErrWrongKey) {
				t.Fatalf("other key: %v", err)
			}
		}
	}
}

func TestMemberRejects(t *testing.T) {
	pub, priv := testKey("provider")
	tests := []struct {
		name   string
		mutate func(m *Member, all []*Member)
		want   error
	}{
		{"tampered statement", func(m *Member, _ []*Member) {
			m.Statement = bytes.Replace(m.Statement, []byte("req-"), []byte("rex-"), 1)
		}, ErrBatchRoot},
		{"wrong index", func(m *Member, _ []*Member) { m.Index++ }, ErrBatchRoot},
		{"index past the batch", func(m *Member, _ []*Member) { m.Index = 1000 }, ErrBatchRoot},
		{"forged proof", func(m *Member, _ []*Member) { m.Proof[0] = bytes.Repeat([]byte{1}, HashSize) }, ErrBatchRoot},
		{"short proof", func(m *Member, _ []*Member) { m.Proof = m.Proof[1:] }, ErrBatchRoot},
		{"another member's statement", func(m *Member, all []*Member) { m.Statement = all[4].Statement }, ErrBatchRoot},
		{"tampered root", func(m *Member, _ []*Member) {
			r := *m.Root
			r.Signatures = []Signature{{KeyID: r.Signatures[0].KeyID, Sig: bytes.Clone(r.Signatures[0].Sig)}}
			r.Signatures[0].Sig[3] ^= 1
			m.Root = &r
		}, ErrSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := signedBatch(t, priv, 10).Members()
			if err != nil {
				t.Fatal(err)
			}
			m := ms[2]
			tc.mutate(m, ms)
			if _, err := m.Verify(pub); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDecodeMemberRejects(t *testing.T) {
	_, priv := testKey("provider")
	ms, err := signedBatch(t, priv, 10).Members()
	if err != nil {
		t.Fatal(err)
	}
	good := string(ms[2].Canonical())
	p0 := good[strings.Index(good, `"proof":["`)+10:][:64]
	tests := []struct {
		name, in string
		want     error
	}{
		{"not json", "[", ErrMalformed},
		{"upper-case proof hash", strings.Replace(good, p0, strings.ToUpper(p0), 1), ErrMalformed},
		{"short proof hash", strings.Replace(good, p0, p0[:62], 1), ErrMalformed},
		{"long proof", strings.Replace(good, `"proof":[`, `"proof":[`+strings.Repeat(`"`+p0+`",`, maxBatchProof), 1), ErrMalformed},
		{"negative index", strings.Replace(good, `"index":2`, `"index":-2`, 1), ErrMalformed},
		{"index as float", strings.Replace(good, `"index":2`, `"index":2.0`, 1), ErrMalformed},
		{"oversized", good + strings.Repeat(" ", MaxMemberBytes), ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in == good {
				t.Fatal("mutation did not apply")
			}
			if _, err := DecodeMember([]byte(tc.in)); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzDecodeMember: DecodeMember either fails with a decoding sentinel or
// returns a member within the caps whose canonical form decodes to an equal
// member and re-encodes to the same bytes; Verify of it either fails with a
// sentinel or returns a valid statement.
func FuzzDecodeMember(f *testing.F) {
	pub, priv := testKey("provider")
	ms, err := signedBatch(f, priv, 5).Members()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ms[3].Canonical())
	f.Add(ms[0].Canonical())
	for _, m := range mutations(ms[3].Canonical()) {
		f.Add(m)
	}
	f.Add([]byte(`{"statement":"QQ==","index":0,"proof":[],"root":{"payload":"QQ==","payloadType":"x","signatures":[]}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := DecodeMember(in)
		if err != nil {
			decodeFailed(t, err)
			return
		}
		if len(m.Statement) > MaxStatementBytes || len(m.Proof) > maxBatchProof {
			t.Fatalf("decoded a member over the caps: %d statement bytes, %d proof hashes", len(m.Statement), len(m.Proof))
		}
		for _, h := range m.Proof {
			if len(h) != HashSize {
				t.Fatalf("decoded a %d-byte proof hash", len(h))
			}
		}
		envelopeShape(t, m.Root)
		again, err := DecodeMember(m.Canonical())
		if err != nil {
			t.Fatalf("canonical form does not decode: %v", err)
		}
		if !reflect.DeepEqual(again, m) || !bytes.Equal(again.Canonical(), m.Canonical()) {
			t.Fatalf("canonical form does not round trip:\n%+v\n%+v", m, again)
		}
		if st, err := m.Verify(pub); err == nil {
			if err := st.Validate(); err != nil {
				t.Fatalf("verified an invalid statement: %v", err)
			}
		} else if !anySentinel(err) {
			t.Fatalf("error without a sentinel: %v", err)
		}
	})
}
