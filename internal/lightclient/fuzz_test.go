package lightclient

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
)

// FuzzVerifyStoreValue feeds arbitrary proof bytes, keys and values to the
// store proof decoder and verifier against a real app hash. It must never
// panic, and anything it accepts must be true of the committed state.
func FuzzVerifyStoreValue(f *testing.F) {
	ps := newProvenState(f)
	for _, key := range []string{"alice", "bobby", "zzz"} {
		res := ps.s.query("bank", []byte(key), 1)
		f.Add(res.ProofOps.Ops[0].Data, res.ProofOps.Ops[1].Data, []byte(key), res.Value)
	}
	f.Add([]byte{}, []byte{}, []byte("k"), []byte{})
	f.Fuzz(func(t *testing.T, inner, outer, key, value []byte) {
		ops := &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{
			{Type: ProofOpIAVL, Key: key, Data: inner},
			{Type: ProofOpSimpleMerkle, Key: []byte("bank"), Data: outer},
		}}
		if len(value) == 0 {
			value = nil // claim absence
		}
		err := VerifyStoreValue(ops, ps.appHash, "bank", key, value)
		if err != nil {
			for _, known := range []error{ErrProofMissing, ErrProofInvalid, ErrProofKeyMismatch, ErrValueMismatch, ErrAppHashMismatch} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("unclassified error: %v", err)
		}
		want, present := bankKV[string(key)]
		switch {
		case value == nil && present:
			t.Fatalf("accepted absence of present key %q", key)
		case value != nil && string(value) != want:
			t.Fatalf("accepted %q = %q, state has %q (present %v)", key, value, want, present)
		}
	})
}

// FuzzDecodeStoreProof checks the decoder alone on arbitrary operation
// lists: no panics, and an accepted proof has the shape Verify relies on.
func FuzzDecodeStoreProof(f *testing.F) {
	ps := newProvenState(f)
	res := ps.s.query("registry", []byte("model/1"), 1)
	b, err := res.ProofOps.Marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var ops cmtcrypto.ProofOps
		if err := ops.Unmarshal(data); err != nil {
			return
		}
		p, err := DecodeStoreProof(&ops)
		if err != nil {
			return
		}
		if !bytes.Equal(p.Key, ops.Ops[0].Key) || p.StoreName != string(ops.Ops[1].Key) {
			t.Fatalf("decoded proof is about %q/%X, its operations about %q/%X", p.StoreName, p.Key, ops.Ops[1].Key, ops.Ops[0].Key)
		}
		if err := p.Verify(ps.appHash, p.StoreName+"x", p.Key, nil); !errors.Is(err, ErrProofKeyMismatch) {
			t.Fatalf("a proof verified for another store: %v", err)
		}
		value := []byte(nil)
		if p.Exists() {
			value = []byte("llama")
		}
		err = p.Verify(ps.appHash, p.StoreName, p.Key, value)
		if err != nil && !errors.Is(err, ErrProofInvalid) && !errors.Is(err, ErrProofKeyMismatch) &&
			!errors.Is(err, ErrValueMismatch) && !errors.Is(err, ErrAppHashMismatch) {
			t.Fatalf("rejection without a sentinel error: %v", err)
		}
	})
}

func FuzzDecodeBalance(f *testing.F) {
	f.Add([]byte("1234"), "uprova")
	f.Add([]byte("-1"), "uprova")
	f.Add([]byte{0x0a, 0x06, 'u', 'p', 'r', 'o', 'v', 'a', 0x12, 0x01, '5'}, "uprova")
	f.Fuzz(func(t *testing.T, bz []byte, denom string) {
		amount, err := DecodeBalance(bz, denom)
		if err != nil {
			if !errors.Is(err, ErrBalanceInvalid) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if amount.IsNil() || amount.IsNegative() {
			t.Fatalf("accepted amount %v from %q", amount, bz)
		}
	})
}

func FuzzParseHash(f *testing.F) {
	f.Add("ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB")
	f.Add("0x00")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseHash(s)
		if err != nil {
			return
		}
		trimmed := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
		if len(b) != 32 || !strings.EqualFold(hex.EncodeToString(b), trimmed) {
			t.Fatalf("ParseHash(%q) = %X", s, b)
		}
	})
}
