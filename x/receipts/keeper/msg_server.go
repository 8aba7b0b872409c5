package keeper

import (
	"context"
	"encoding/hex"
	"strconv"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/receipts/types"
)

// Event types and attribute keys.
const (
	EventLogRegistered      = "prova.receipts.log_registered"
	EventCheckpointAnchored = "prova.receipts.checkpoint_anchored"
	EventEquivocation       = "prova.receipts.equivocation"
	EventInferenceRecorded  = "prova.receipts.inference_recorded"
	EventParamsUpdated      = "prova.receipts.params_updated"

	AttrLog      = "log"
	AttrOperator = "operator"
	AttrBond     = "bond"
	AttrSize     = "tree_size"
	AttrRoot     = "root"
	AttrReporter = "reporter"
	AttrSlashed  = "slashed"
	AttrReward   = "reward"
	AttrBurned   = "burned"
	AttrReceipt  = "receipt_id"
	AttrModel    = "model"
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
	if m.Authority != s.authority {
		return nil, types.ErrInvalidAuthority.Wrapf("expected %s, got %s", s.authority, m.Authority)
	}
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	if err := s.Params.Set(ctx, m.Params); err != nil {
		return nil, err
	}
	emit(ctx, EventParamsUpdated,
		"min_bond", m.Params.MinBond.String(),
		"equivocation_slash_fraction", m.Params.EquivocationSlashFraction.String(),
		"reporter_reward_fraction", m.Params.ReporterRewardFraction.String())
	return &types.MsgUpdateParamsResponse{}, nil
}
