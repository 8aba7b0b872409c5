package keeper

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/content/types"
	regtypes "github.com/prova-network/prova/x/registry/types"
)

type msgServer struct{ Keeper }

// NewMsgServer returns the content Msg service.
func NewMsgServer(k Keeper) types.MsgServer { return msgServer{k} }

var _ types.MsgServer = msgServer{}

// RegisterContent validates, checks the model and duplicates, stores the
// record with its indexes, then emits the event.
func (s msgServer) RegisterContent(ctx context.Context, msg *types.MsgRegisterContent) (*types.MsgRegisterContentResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	params, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	info := msg.Info
	if err := info.Validate(params); err != nil {
		return nil, err
	}
	if info.ModelId != "" {
		if err := s.checkModel(ctx, info.ModelId); err != nil {
			return nil, err
		}
	}
	if info.Receipt != nil {
		ok, err := s.logs(ctx, info.Receipt.LogId)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errorsmod.Wrapf(types.ErrUnknownLog, "receipt log %q is not registered", info.Receipt.LogId)
		}
	}
	id := info.ID()
	if err := s.checkDuplicate(ctx, id, info.Blake3); err != nil {
		return nil, err
	}
	seq, err := s.NextSeq.Next(ctx)
	if err != nil {
		return nil, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	c := types.Content{
		Id: id, Info: info, Creator: msg.Creator, Seq: seq,
		RegisteredHeight: sdkCtx.BlockHeight(), RegisteredTime: sdkCtx.BlockTime().Unix(),
	}
	if err := s.set(ctx, c); err != nil {
		return nil, err
	}
	attrs := []sdk.Attribute{
		sdk.NewAttribute(types.AttributeKeyID, id), sdk.NewAttribute(types.AttributeKeyBlake3, info.Blake3),
		sdk.NewAttribute(types.AttributeKeyCreator, msg.Creator), sdk.NewAttribute(types.AttributeKeyDigitalSourceType, info.DigitalSourceType),
		sdk.NewAttribute(types.AttributeKeySeq, strconv.FormatUint(seq, 10)),
	}
	if info.ModelId != "" {
		attrs = append(attrs, sdk.NewAttribute(types.AttributeKeyModelID, info.ModelId))
	}
	if h, ok := info.PerceptualHash(); ok {
		attrs = append(attrs, sdk.NewAttribute(types.AttributeKeyPerceptualHash, h.String()))
	}
	sdkCtx.EventManager().EmitEvent(sdk.NewEvent(types.EventTypeContentRegistered, attrs...))
	return &types.MsgRegisterContentResponse{Id: id, Seq: seq}, nil
}

// checkModel requires a registered model that governance has not flagged.
func (s msgServer) checkModel(ctx context.Context, id string) error {
	m, err := s.models.GetModel(ctx, id)
	if errors.Is(err, regtypes.ErrNotFound) {
		return errorsmod.Wrapf(types.ErrUnknownModel, "no model %s is registered; register it first with 'provad tx registry register-model'", id)
	}
	if err != nil {
		return err
	}
	if m.Status == regtypes.ModelStatus_MODEL_STATUS_FLAGGED {
		return errorsmod.Wrapf(types.ErrModelFlagged, "model %s was flagged at height %d: %s", id, m.StatusHeight, m.StatusReason)
	}
	return nil
}

// checkDuplicate refuses a SHA-256 or BLAKE3 digest that is already
// registered and names the existing record.
func (s msgServer) checkDuplicate(ctx context.Context, id, blake3 string) error {
	existing := id
	if ok, err := s.Contents.Has(ctx, id); err != nil {
		return err
	} else if !ok {
		other, err := s.ByBlake3.MatchExact(ctx, blake3)
		if errors.Is(err, collections.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		existing = other
	}
	c, err := s.Contents.Get(ctx, existing)
	if err != nil {
		return err
	}
	return errorsmod.Wrap(types.ErrAlreadyRegistered, describe(c))
}

func describe(c types.Content) string {
	s := fmt.Sprintf("%s is already registered as %s by %s at height %d", c.Id, c.Info.DigitalSourceType, c.Creator, c.RegisteredHeight)
	if c.Info.ModelId != "" {
		s += ", model " + c.Info.ModelId
	}
	return s
}

// UpdateParams replaces the parameters; the authority is checked first.
// Records already stored keep their validity: limits apply to new
// registrations only, so the invariants check records against the caps.
func (s msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if err := s.checkAuthority(ctx, msg.Authority); err != nil {
		return nil, err
	}
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	if err := s.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeParamsUpdated,
		sdk.NewAttribute(types.AttributeKeyMaxSoftBindings, strconv.FormatUint(uint64(msg.Params.MaxSoftBindings), 10)),
		sdk.NewAttribute(types.AttributeKeyMaxMediaTypeLen, strconv.FormatUint(uint64(msg.Params.MaxMediaTypeLen), 10)),
		sdk.NewAttribute(types.AttributeKeyMaxAttestationLen, strconv.FormatUint(uint64(msg.Params.MaxAttestationLen), 10))))
	return &types.MsgUpdateParamsResponse{}, nil
}
