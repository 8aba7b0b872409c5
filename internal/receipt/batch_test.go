package receipt

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func testStatements(pub ed25519.PublicKey, n int) []*Statement {
	sts := make([]*Statement, n)
	for i := range sts {
		sts[i] = testStatement(pub, i)
	}
	return sts
}

func signedBatch(t testing.TB, priv ed25519.PrivateKey, n int) *Batch {
	t.Helper()
	b, err := SignBatch(testStatements(priv.Public().(ed25519.PublicKey), n), priv)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBatchRoundTrip(t *testing.T) {
	pub, priv := testKey("provider")
	for _, n := range []int{1, 2, 3, 100} {
		b := signedBatch(t, priv, n)
		dec, err := DecodeBatch(b.Canonical())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dec.Canonical(), b.Canonical()) {
			t.Fatal("canonical form changed")
		}
		sts, err := VerifyBatch(dec, pub)
		if err != nil {
			t.Fatalf("%d receipts: %v", n, err)
		}
		if len(sts) != n || sts[n-1].Predicate.RequestID != testStatement(pub, n-1).Predicate.RequestID {
			t.Fatalf("%d receipts: statements changed", n)
		}
	}
}

func TestBatchRejects(t *testing.T) {
	pub, priv := testKey("provider")
	otherPub, otherPriv := testKey("other")
	tests := []struct {
		name   string
		mutate func(t *testing.T, b *Batch)
		key    ed25519.PublicKey
		want   error
	}{
		{"tampered receipt", func(t *testing.T, b *Batch) {
			b.Statements[7] = bytes.Replace(b.Statements[7], []byte("req-7"), []byte("req-x"), 1)
		}, pub, ErrBatchRoot},
		{"dropped receipt", func(t *testing.T, b *Batch) { b.Statements = b.Statements[1:] }, pub, ErrBatchRoot},
		{"reordered receipts", func(t *testing.T, b *Batch) {
			b.Statements[0], b.Statements[1] = b.Statements[1], b.Statements[0]
		}, pub, ErrBatchRoot},
		{"duplicated receipt", func(t *testing.T, b *Batch) { b.Statements[1] = b.Statements[0] }, pub, ErrDuplicate},
		{"tampered root signature", func(t *testing.T, b *Batch) { b.Root.Signatures[0].Sig[0] ^= 1 }, pub, ErrSignature},
		{"wrong key", func(t *testing.T, b *Batch) {}, otherPub, ErrWrongKey},
		{"other provider's receipt under a valid root", func(t *testing.T, b *Batch) {
			st := testStatement(otherPub, 999)
			p, _ := json.Marshal(st)
			b.Statements[3] = p
			tr, _ := batchTree(b.Statements)
			root, _ := json.Marshal(newRootStatement(Provider{ID: "provider-1", KeyID: KeyID(pub)}, uint64(len(b.Statements)), tr.root()))
			b.Root = signPayload(root, priv)
		}, pub, ErrWrongKey},
		{"root is a receipt statement", func(t *testing.T, b *Batch) { b.Root = signed(t, priv, 1) }, pub, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := signedBatch(t, priv, 20)
			tc.mutate(t, b)
			if _, err := VerifyBatch(b, tc.key); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("sign rejects", func(t *testing.T) {
		sts := testStatements(pub, 3)
		if _, err := SignBatch(sts, otherPriv); !errors.Is(err, ErrWrongKey) {
			t.Fatalf("other key: %v", err)
		}
		if _, err := SignBatch([]*Statement{sts[0], sts[0]}, priv); !errors.Is(err, ErrDuplicate) {
			t.Fatalf("duplicate: %v", err)
		}
		if _, err := SignBatch(nil, priv); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("empty: %v", err)
		}
		if _, err := SignBatch(testStatements(pub, MaxBatchReceipts+1), priv); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("oversized: %v", err)
		}
	})
}

func TestDecodeBatchRejects(t *testing.T) {
	_, priv := testKey("provider")
	good := string(signedBatch(t, priv, 3).Canonical())
	tests := []struct {
		name, in string
		want     error
	}{
		{"not json", "nope", ErrMalformed},
		{"no receipts", `{"receipts":[],"root":` + string(signed(t, priv, 1).Canonical()) + `}`, ErrTooLarge},
		{"unknown member", strings.Replace(good, `"root"`, `"x":0,"root"`, 1), ErrMalformed},
		{"duplicate member", strings.Replace(good, `"root"`, `"receipts":[],"root"`, 1), ErrMalformed},
		{"bad base64", strings.Replace(good, `"receipts":["`, `"receipts":["%`, 1), ErrMalformed},
		{"root payload type", strings.Replace(good, PayloadType, "x", 1), ErrPayloadType},
		{"oversized", good + strings.Repeat(" ", MaxBatchBytes), ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in == good {
				t.Fatal("mutation did not apply")
			}
			if _, err := DecodeBatch([]byte(tc.in)); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzDecodeBatch: DecodeBatch either fails with a decoding sentinel or
// returns 1 to MaxBatchReceipts statements within the caps and a root of the
// envelope shape, whose canonical form decodes to an equal batch and
// re-encodes to the same bytes; VerifyBatch of it either fails with a
// sentinel or returns one valid statement per receipt.
func FuzzDecodeBatch(f *testing.F) {
	pub, priv := testKey("provider")
	good := signedBatch(f, priv, 3).Canonical()
	f.Add(good)
	f.Add(signedBatch(f, priv, 1).Canonical())
	for _, m := range mutations(good) {
		f.Add(m)
	}
	f.Add([]byte(`{"receipts":["e30="],"root":{"payload":"","payloadType":"","signatures":[]}}`))
	f.Add([]byte(`{"receipts":[],"root":{"payload":"","payloadType":"","signatures":[]}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := DecodeBatch(in)
		if err != nil {
			decodeFailed(t, err)
			return
		}
		if len(b.Statements) == 0 || len(b.Statements) > MaxBatchReceipts {
			t.Fatalf("decoded a batch of %d receipts", len(b.Statements))
		}
		for i, s := range b.Statements {
			if len(s) > MaxStatementBytes {
				t.Fatalf("receipt %d is %d bytes", i, len(s))
			}
		}
		envelopeShape(t, b.Root)
		again, err := DecodeBatch(b.Canonical())
		if err != nil {
			t.Fatalf("canonical form does not decode: %v", err)
		}
		if !reflect.DeepEqual(again, b) || !bytes.Equal(again.Canonical(), b.Canonical()) {
			t.Fatalf("canonical form does not round trip:\n%+v\n%+v", b, again)
		}
		sts, err := VerifyBatch(b, pub)
		if err != nil {
			if !anySentinel(err) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if len(sts) != len(b.Statements) {
			t.Fatalf("verified %d statements of %d", len(sts), len(b.Statements))
		}
		for _, st := range sts {
			if err := st.Validate(); err != nil {
				t.Fatalf("verified an invalid statement: %v", err)
			}
		}
	})
}
