package lightclient

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	"github.com/cosmos/cosmos-sdk/store/v2/rootmulti"
	ics23 "github.com/cosmos/ics23/go"
)

// provenState is a committed two-store multistore plus what tests prove
// against it.
type provenState struct {
	s       *testState
	appHash []byte // app hash after version 1
	v2Hash  []byte // app hash after version 2
}

var bankKV = map[string]string{"alice": "100", "bob": "250", "carol": "7"}

func newProvenState(t testing.TB) provenState {
	s := newTestState(t, "bank", "registry")
	s.set("bank", "alice", "100", "bob", "250", "carol", "7")
	s.set("registry", "model/1", "llama", "model/2", "mistral")
	v1 := s.commit()
	s.set("bank", "alice", "90", "dave", "10")
	v2 := s.commit()
	if v1.Version != 1 || v2.Version != 2 {
		t.Fatalf("versions %d, %d", v1.Version, v2.Version)
	}
	return provenState{s: s, appHash: v1.Hash, v2Hash: v2.Hash}
}

func cloneOps(ops *cmtcrypto.ProofOps) *cmtcrypto.ProofOps {
	out := &cmtcrypto.ProofOps{}
	for _, op := range ops.Ops {
		out.Ops = append(out.Ops, cmtcrypto.ProofOp{
			Type: op.Type, Key: bytes.Clone(op.Key), Data: bytes.Clone(op.Data),
		})
	}
	return out
}

// editProof decodes operation i, lets edit change it and re-encodes it.
func editProof(t *testing.T, ops *cmtcrypto.ProofOps, i int, edit func(*ics23.CommitmentProof)) *cmtcrypto.ProofOps {
	t.Helper()
	out := cloneOps(ops)
	cp := new(ics23.CommitmentProof)
	if err := cp.Unmarshal(out.Ops[i].Data); err != nil {
		t.Fatal(err)
	}
	edit(cp)
	bz, err := cp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out.Ops[i].Data = bz
	return out
}

func TestVerifyStoreValueGenuine(t *testing.T) {
	ps := newProvenState(t)
	sdkRuntime := rootmulti.DefaultProofRuntime()
	cases := []struct {
		name, store, key string
		value            []byte // nil: absent
	}{
		{"present first key", "bank", "alice", []byte("100")},
		{"present middle key", "bank", "bob", []byte("250")},
		{"present in second store", "registry", "model/2", []byte("mistral")},
		{"absent between keys", "bank", "bobby", nil},
		{"absent before all keys", "bank", "aaa", nil},
		{"absent after all keys", "bank", "zzz", nil},
		{"absent in second store", "registry", "model/3", nil},
		{"absent until version 2", "bank", "dave", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := ps.s.query(tc.store, []byte(tc.key), 1)
			if !bytes.Equal(res.Value, tc.value) {
				t.Fatalf("store returned %q, want %q", res.Value, tc.value)
			}
			if err := VerifyStoreValue(res.ProofOps, ps.appHash, tc.store, []byte(tc.key), tc.value); err != nil {
				t.Fatalf("genuine proof rejected: %v", err)
			}
			// Our verifier must agree with the SDK's own proof runtime.
			path := fmt.Sprintf("/%s/x:%X", tc.store, tc.key)
			var sdkErr error
			if tc.value == nil {
				sdkErr = sdkRuntime.VerifyAbsence(res.ProofOps, ps.appHash, path)
			} else {
				sdkErr = sdkRuntime.VerifyValue(res.ProofOps, ps.appHash, path, tc.value)
			}
			if sdkErr != nil {
				t.Fatalf("sdk proof runtime rejects what we accept: %v", sdkErr)
			}
			// The same proof is not valid against the next version's root.
			err := VerifyStoreValue(res.ProofOps, ps.v2Hash, tc.store, []byte(tc.key), tc.value)
			if !errors.Is(err, ErrAppHashMismatch) {
				t.Fatalf("against version 2 app hash: got %v, want ErrAppHashMismatch", err)
			}
		})
	}
}

func TestVerifyStoreValueRejects(t *testing.T) {
	ps := newProvenState(t)
	alice := ps.s.query("bank", []byte("alice"), 1).ProofOps
	absent := ps.s.query("bank", []byte("bobby"), 1).ProofOps
	model := ps.s.query("registry", []byte("model/1"), 1).ProofOps
	wrongHash := bytes.Repeat([]byte{0xAB}, 32)

	cases := []struct {
		name       string
		ops        *cmtcrypto.ProofOps
		appHash    []byte
		store, key string
		value      []byte
		want       error
	}{
		{"tampered value", alice, ps.appHash, "bank", "alice", []byte("1000000"), ErrValueMismatch},
		{"empty value for present key", alice, ps.appHash, "bank", "alice", []byte{}, ErrValueMismatch},
		{"absence claimed for present key", alice, ps.appHash, "bank", "alice", nil, ErrValueMismatch},
		{"value claimed for absent key", absent, ps.appHash, "bank", "bobby", []byte("5"), ErrValueMismatch},
		{"wrong key", alice, ps.appHash, "bank", "bob", []byte("100"), ErrProofKeyMismatch},
		{"absence proof for another key", absent, ps.appHash, "bank", "aaa", nil, ErrProofKeyMismatch},
		{"wrong store", alice, ps.appHash, "registry", "alice", []byte("100"), ErrProofKeyMismatch},
		{"other store's proof", model, ps.appHash, "bank", "model/1", []byte("llama"), ErrProofKeyMismatch},
		{"wrong app hash", alice, wrongHash, "bank", "alice", []byte("100"), ErrAppHashMismatch},
		{"empty app hash", alice, nil, "bank", "alice", []byte("100"), ErrAppHashMismatch},
		{"missing proof", nil, ps.appHash, "bank", "alice", []byte("100"), ErrProofMissing},
		{"empty proof", &cmtcrypto.ProofOps{}, ps.appHash, "bank", "alice", []byte("100"), ErrProofMissing},
		{"store proof only", &cmtcrypto.ProofOps{Ops: alice.Ops[:1]}, ps.appHash, "bank", "alice", []byte("100"), ErrProofInvalid},
		{"operations swapped", &cmtcrypto.ProofOps{Ops: []cmtcrypto.ProofOp{alice.Ops[1], alice.Ops[0]}},
			ps.appHash, "bank", "alice", []byte("100"), ErrProofInvalid},
		{"store proof bytes tampered", editProof(t, alice, 0, func(cp *ics23.CommitmentProof) {
			p := cp.GetExist().Path[0]
			p.Prefix[len(p.Prefix)-1] ^= 1
		}), ps.appHash, "bank", "alice", []byte("100"), ErrProofInvalid},
		{"value and proof both forged", editProof(t, alice, 0, func(cp *ics23.CommitmentProof) {
			cp.GetExist().Value = []byte("1000000")
		}), ps.appHash, "bank", "alice", []byte("1000000"), ErrProofInvalid},
		{"absence proof re-keyed to a present key", editProof(t, reKey(absent, "alice"), 0, func(cp *ics23.CommitmentProof) {
			cp.GetNonexist().Key = []byte("alice")
		}), ps.appHash, "bank", "alice", nil, ErrProofInvalid},
		{"multistore proof tampered", editProof(t, alice, 1, func(cp *ics23.CommitmentProof) {
			cp.GetExist().Path[0].Suffix[0] ^= 1
		}), ps.appHash, "bank", "alice", []byte("100"), ErrAppHashMismatch},
		{"garbage proof bytes", garbage(alice, 0), ps.appHash, "bank", "alice", []byte("100"), ErrProofInvalid},
		{"unknown operation type", retype(alice, 0, "ics23:smt"), ps.appHash, "bank", "alice", []byte("100"), ErrProofInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyStoreValue(tc.ops, tc.appHash, tc.store, []byte(tc.key), tc.value)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestVerifyStoreValueByteFlips flips the low bit of every byte of genuine
// proofs, one byte at a time: no single corruption may still verify.
func TestVerifyStoreValueByteFlips(t *testing.T) {
	ps := newProvenState(t)
	for _, key := range []string{"bob", "bobby"} {
		res := ps.s.query("bank", []byte(key), 1)
		value := res.Value // nil for the absent key
		for op := range res.ProofOps.Ops {
			for i := range res.ProofOps.Ops[op].Data {
				ops := cloneOps(res.ProofOps)
				ops.Ops[op].Data[i] ^= 0x01
				if err := VerifyStoreValue(ops, ps.appHash, "bank", []byte(key), value); err == nil {
					t.Errorf("key %s: op %d byte %d flipped, proof still verifies", key, op, i)
				}
			}
		}
	}
}

func reKey(ops *cmtcrypto.ProofOps, key string) *cmtcrypto.ProofOps {
	out := cloneOps(ops)
	out.Ops[0].Key = []byte(key)
	return out
}

func garbage(ops *cmtcrypto.ProofOps, i int) *cmtcrypto.ProofOps {
	out := cloneOps(ops)
	out.Ops[i].Data = []byte{0xff, 0xff, 0xff}
	return out
}

func retype(ops *cmtcrypto.ProofOps, i int, typ string) *cmtcrypto.ProofOps {
	out := cloneOps(ops)
	out.Ops[i].Type = typ
	return out
}
