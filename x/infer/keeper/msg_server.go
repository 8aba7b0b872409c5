package keeper

import (
	"context"
	"encoding/hex"
	"strconv"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/infer/types"
)

type msgServer struct{ Keeper }

// NewMsgServer returns the Msg service.
func NewMsgServer(k Keeper) types.MsgServer { return msgServer{k} }

var _ types.MsgServer = msgServer{}

func emit(ctx context.Context, typ string, attrs ...string) {
	ev := sdk.NewEvent(typ)
	for i := 0; i+1 < len(attrs); i += 2 {
		ev = ev.AppendAttributes(sdk.NewAttribute(attrs[i], attrs[i+1]))
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(ev)
}

func hexBytes(b []byte) string { return hex.EncodeToString(b) }

// digestText writes a SHA-256 digest as docs/INFERENCE.md §1 does.
func digestText(b []byte) string { return "sha256:" + hex.EncodeToString(b) }

func u64(n uint64) string { return strconv.FormatUint(n, 10) }

func i64(n int64) string { return strconv.FormatInt(n, 10) }

// UpdateParams replaces the parameters. The authority is checked before
// anything else.
func (s msgServer) UpdateParams(ctx context.Context, m *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if err := s.checkAuthority(ctx, m.Authority); err != nil {
		return nil, err
	}
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	old, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	// Escrowed amounts are in the old denom; they could not be paid out in
	// another.
	if m.Params.Denom() != old.Denom() {
		return nil, types.ErrInvalidParams.Wrapf("the bond denom is %s and cannot change", old.Denom())
	}
	if err := s.Params.Set(ctx, m.Params); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeParamsUpdated, types.AttributeKeyBond, m.Params.MinBond.String(), types.AttributeKeyStake, m.Params.DisputeStake.String())
	return &types.MsgUpdateParamsResponse{}, nil
}
