package keeper

import (
	"context"
	"crypto/ed25519"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/x/receipts/types"
)

// RecordInference records one signed receipt in one transaction: the
// design of chains that put every inference on chain, kept as the baseline
// that anchored logs are measured against. The receipt's signature must
// verify with provider_key, its model must be registered, and each receipt
// (by leaf hash) is recorded once.
func (s msgServer) RecordInference(ctx context.Context, m *types.MsgRecordInference) (*types.MsgRecordInferenceResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	env, err := receipt.DecodeEnvelope(m.Envelope)
	if err != nil {
		return nil, types.ErrInvalidReceipt.Wrap(err.Error())
	}
	pub := ed25519.PublicKey(m.ProviderKey)
	st, err := receipt.Verify(env, pub)
	if err != nil {
		return nil, types.ErrInvalidReceipt.Wrap(err.Error())
	}
	ok, err := s.registered(ctx, st.Predicate.Model)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, types.ErrUnknownModel.Wrapf("%s is not a registered model", st.Predicate.Model)
	}
	id := env.LeafHash()
	if has, err := s.Inferences.Has(ctx, id); err != nil {
		return nil, err
	} else if has {
		return nil, types.ErrDuplicateReceipt.Wrapf("receipt %x", id)
	}
	rec := types.InferenceRecord{
		Height: sdk.UnwrapSDKContext(ctx).BlockHeight(), Model: st.Predicate.Model,
		Provider: m.Provider, ProviderKeyId: receipt.KeyID(pub),
	}
	if err := s.Inferences.Set(ctx, id, rec); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeInferenceRecorded, types.AttributeKeyReceiptID, hexRoot(id), types.AttributeKeyModelID, rec.Model)
	return &types.MsgRecordInferenceResponse{ReceiptId: id}, nil
}
