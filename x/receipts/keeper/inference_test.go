package keeper_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	errorsmod "cosmossdk.io/errors"

	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/x/receipts/types"
)

func providerKey(label string) (ed25519.PublicKey, ed25519.PrivateKey) {
	seed := sha256.Sum256([]byte(label))
	priv := ed25519.NewKeyFromSeed(seed[:])
	return priv.Public().(ed25519.PublicKey), priv
}

func digest(alg, s string) string {
	sum := sha256.Sum256([]byte(s))
	return alg + ":" + hex.EncodeToString(sum[:])
}

func signedReceipt(t *testing.T, priv ed25519.PrivateKey, modelID string, n int) *receipt.Envelope {
	t.Helper()
	pub := priv.Public().(ed25519.PublicKey)
	env, err := receipt.Sign(receipt.NewStatement(receipt.Predicate{
		Model:        modelID,
		Provider:     receipt.Provider{ID: "provider-1", KeyID: receipt.KeyID(pub)},
		InputDigest:  digest("sha256", fmt.Sprint("in", n)),
		OutputDigest: digest("blake3", fmt.Sprint("out", n)),
		Tokens:       receipt.Tokens{Input: 3, Output: 5},
		RequestID:    fmt.Sprintf("req-%d", n),
		Time:         receipt.FormatTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)),
	}), priv)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestRecordInference(t *testing.T) {
	f := newFixture(t)
	pub, priv := providerKey("provider")
	otherPub, _ := providerKey("other")
	good := signedReceipt(t, priv, model(1), 1)
	record := func(env []byte, key ed25519.PublicKey) (*types.MsgRecordInferenceResponse, error) {
		return f.msgs.RecordInference(f.ctx, &types.MsgRecordInference{Provider: addr("alice"), Envelope: env, ProviderKey: key})
	}
	res, err := record(good.Canonical(), pub)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.ReceiptId, good.LeafHash()) {
		t.Fatalf("receipt id %x, want the leaf hash %x", res.ReceiptId, good.LeafHash())
	}
	q, err := f.q.Inference(f.ctx, &types.QueryInferenceRequest{ReceiptId: good.ID()})
	if err != nil || q.Record.Model != model(1) || q.Record.Height != f.ctx.BlockHeight() || q.Record.ProviderKeyId != receipt.KeyID(pub) {
		t.Fatalf("inference query: %+v %v", q, err)
	}
	f.endBlock(t)

	tampered := signedReceipt(t, priv, model(1), 2)
	tampered.Signatures[0].Sig[0] ^= 1
	for _, tc := range []struct {
		name string
		env  []byte
		key  ed25519.PublicKey
		want *errorsmod.Error
	}{
		{"duplicate", good.Canonical(), pub, types.ErrDuplicateReceipt},
		{"bad signature", tampered.Canonical(), pub, types.ErrInvalidReceipt},
		{"another provider's key", signedReceipt(t, priv, model(1), 3).Canonical(), otherPub, types.ErrInvalidReceipt},
		{"unknown model", signedReceipt(t, priv, model(2), 4).Canonical(), pub, types.ErrUnknownModel},
		{"not an envelope", []byte(`{"payload":"x"}`), pub, types.ErrInvalidReceipt},
	} {
		if _, err := record(tc.env, tc.key); !errorsmod.IsOf(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	n := 0
	_ = f.k.Inferences.Walk(f.ctx, nil, func([]byte, types.InferenceRecord) (bool, error) { n++; return false, nil })
	if n != 1 {
		t.Fatalf("%d inferences recorded, want 1", n)
	}
	f.endBlock(t)
}
