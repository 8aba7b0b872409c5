package receipt

import (
	"bytes"
	"errors"
	"testing"
)

func TestVerifyBatchMembersMatchesVerifyBatchAndMembers(t *testing.T) {
	pub, priv := testKey("provider")
	b := signedBatch(t, priv, 37)
	sts, ms, err := VerifyBatchMembers(b, pub)
	if err != nil {
		t.Fatal(err)
	}
	want, err := b.Members()
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 37 || len(ms) != 37 {
		t.Fatalf("%d statements, %d members", len(sts), len(ms))
	}
	for i := range ms {
		if !bytes.Equal(ms[i].Canonical(), want[i].Canonical()) {
			t.Fatalf("member %d differs from Batch.Members", i)
		}
		if st, err := ms[i].Verify(pub); err != nil || st.Predicate.RequestID != sts[i].Predicate.RequestID {
			t.Fatalf("member %d: %v", i, err)
		}
	}
	// A tampered batch fails the same way as VerifyBatch, with no members.
	b.Statements[5] = bytes.Replace(b.Statements[5], []byte("req-5"), []byte("req-x"), 1)
	_, ms, err = VerifyBatchMembers(b, pub)
	if _, want := VerifyBatch(b, pub); !errors.Is(err, ErrBatchRoot) || !errors.Is(want, ErrBatchRoot) || ms != nil {
		t.Fatalf("tampered batch: %v (VerifyBatch: %v), %d members", err, want, len(ms))
	}
}
