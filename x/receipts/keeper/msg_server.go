package keeper

import (
	"context"
	"encoding/hex"
	"strconv"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/receipts/types"
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

func hexRoot(b []byte) string { return hex.EncodeToString(b) }

func sizeString(n uint64) string { return strconv.FormatUint(n, 10) }

// UpdateParams replaces the parameters. The authority is checked before
// anything else.
func (s msgServer) UpdateParams(ctx context.Context, m *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if err := s.checkAuthority(ctx, m.Authority); err != nil {
		return nil, err
	}
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	if err := s.Params.Set(ctx, m.Params); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeParamsUpdated,
		types.AttributeKeyMinBond, m.Params.MinBond.String(),
		types.AttributeKeyEquivocationSlashFraction, m.Params.EquivocationSlashFraction.String(),
		types.AttributeKeyReporterRewardFraction, m.Params.ReporterRewardFraction.String())
	return &types.MsgUpdateParamsResponse{}, nil
}
