package keeper

import (
	"context"
	"strconv"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/registry/types"
)

type msgServer struct{ Keeper }

// NewMsgServer returns the registry's Msg service implementation.
func NewMsgServer(k Keeper) types.MsgServer { return msgServer{k} }

var _ types.MsgServer = msgServer{}

func (s msgServer) RegisterDataset(ctx context.Context, msg *types.MsgRegisterDataset) (*types.MsgRegisterDatasetResponse, error) {
	params, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := msg.Dataset.Validate(params); err != nil {
		return nil, err
	}
	if existing, err := s.existing(ctx, msg.Dataset.Id); err != nil {
		return nil, err
	} else if existing != "" {
		return nil, errorsmod.Wrapf(types.ErrAlreadyRegistered, "%s is already registered as %s", msg.Dataset.Id, existing)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	d := types.Dataset{
		Info:             msg.Dataset,
		Owner:            msg.Owner,
		RegisteredHeight: sdkCtx.BlockHeight(),
		RegisteredTime:   sdkCtx.BlockTime().Unix(),
	}
	if err := s.Datasets.Set(ctx, d.Info.Id, d); err != nil {
		return nil, err
	}
	sdkCtx.EventManager().EmitEvent(sdk.NewEvent(types.EventTypeDatasetRegistered,
		sdk.NewAttribute(types.AttributeKeyID, d.Info.Id), sdk.NewAttribute(types.AttributeKeyOwner, d.Owner)))
	return &types.MsgRegisterDatasetResponse{Id: d.Info.Id}, nil
}

func (s msgServer) RegisterModel(ctx context.Context, msg *types.MsgRegisterModel) (*types.MsgRegisterModelResponse, error) {
	params, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := msg.Model.Validate(params); err != nil {
		return nil, err
	}
	if existing, err := s.existing(ctx, msg.Model.Id); err != nil {
		return nil, err
	} else if existing != "" {
		return nil, errorsmod.Wrapf(types.ErrAlreadyRegistered, "%s is already registered as %s", msg.Model.Id, existing)
	}
	// Parents and datasets must already exist, so lineage is a DAG by
	// construction: nothing can later be registered as an ancestor.
	for _, p := range msg.Model.Parents {
		ok, err := s.Models.Has(ctx, p.ModelId)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errorsmod.Wrapf(types.ErrUnknownParent, "%s is not a registered model; register the base model first", p.ModelId)
		}
	}
	for _, d := range msg.Model.Datasets {
		ok, err := s.Datasets.Has(ctx, d.DatasetId)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errorsmod.Wrapf(types.ErrUnknownDataset, "%s is not a registered dataset; register it first", d.DatasetId)
		}
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	m := types.Model{
		Info:             msg.Model,
		Owner:            msg.Owner,
		RegisteredHeight: sdkCtx.BlockHeight(),
		RegisteredTime:   sdkCtx.BlockTime().Unix(),
	}
	if err := s.setModel(ctx, m); err != nil {
		return nil, err
	}
	attrs := []sdk.Attribute{sdk.NewAttribute(types.AttributeKeyID, m.Info.Id), sdk.NewAttribute(types.AttributeKeyOwner, m.Owner)}
	for _, p := range m.Info.Parents {
		attrs = append(attrs, sdk.NewAttribute(types.AttributeKeyParent, p.ModelId))
	}
	for _, d := range m.Info.Datasets {
		attrs = append(attrs, sdk.NewAttribute(types.AttributeKeyDataset, d.DatasetId))
	}
	sdkCtx.EventManager().EmitEvent(sdk.NewEvent(types.EventTypeModelRegistered, attrs...))
	return &types.MsgRegisterModelResponse{Id: m.Info.Id}, nil
}

func (s msgServer) UpdateMetadata(ctx context.Context, msg *types.MsgUpdateMetadata) (*types.MsgUpdateMetadataResponse, error) {
	apply := func(name, version, uri, digest *string) {
		if msg.Name != "" {
			*name = msg.Name
		}
		if msg.Version != "" {
			*version = msg.Version
		}
		if msg.Uri != "" {
			*uri = msg.Uri
		}
		if msg.Digest != "" {
			*digest = msg.Digest
		}
	}
	d, m, err := s.lookup(ctx, msg.Id)
	if err != nil {
		return nil, err
	}
	if d != nil {
		if d.Owner != msg.Owner {
			return nil, errorsmod.Wrapf(types.ErrNotOwner, "dataset %s is owned by %s", msg.Id, d.Owner)
		}
		apply(&d.Info.Name, &d.Info.Version, &d.Info.MetadataUri, &d.Info.MetadataDigest)
		if err := s.Datasets.Set(ctx, msg.Id, *d); err != nil {
			return nil, err
		}
	} else {
		if m.Owner != msg.Owner {
			return nil, errorsmod.Wrapf(types.ErrNotOwner, "model %s is owned by %s", msg.Id, m.Owner)
		}
		apply(&m.Info.Name, &m.Info.Version, &m.Info.CardUri, &m.Info.CardDigest)
		if err := s.Models.Set(ctx, msg.Id, *m); err != nil {
			return nil, err
		}
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeMetadataUpdated,
		sdk.NewAttribute(types.AttributeKeyID, msg.Id), sdk.NewAttribute(types.AttributeKeyOwner, msg.Owner)))
	return &types.MsgUpdateMetadataResponse{}, nil
}

func (s msgServer) TransferOwnership(ctx context.Context, msg *types.MsgTransferOwnership) (*types.MsgTransferOwnershipResponse, error) {
	d, m, err := s.lookup(ctx, msg.Id)
	if err != nil {
		return nil, err
	}
	if d != nil {
		if d.Owner != msg.Owner {
			return nil, errorsmod.Wrapf(types.ErrNotOwner, "dataset %s is owned by %s", msg.Id, d.Owner)
		}
		d.Owner = msg.NewOwner
		if err := s.Datasets.Set(ctx, msg.Id, *d); err != nil {
			return nil, err
		}
	} else {
		if m.Owner != msg.Owner {
			return nil, errorsmod.Wrapf(types.ErrNotOwner, "model %s is owned by %s", msg.Id, m.Owner)
		}
		m.Owner = msg.NewOwner
		if err := s.Models.Set(ctx, msg.Id, *m); err != nil {
			return nil, err
		}
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeOwnerChanged,
		sdk.NewAttribute(types.AttributeKeyID, msg.Id), sdk.NewAttribute(types.AttributeKeyOwner, msg.Owner), sdk.NewAttribute(types.AttributeKeyNewOwner, msg.NewOwner)))
	return &types.MsgTransferOwnershipResponse{}, nil
}

// UpdateParams replaces the parameters. The authority is checked before
// anything else.
func (s msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if err := s.checkAuthority(ctx, msg.Authority); err != nil {
		return nil, err
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, err.Error())
	}
	if err := s.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeParamsUpdated,
		sdk.NewAttribute(types.AttributeKeyMaxParents, strconv.FormatUint(uint64(msg.Params.MaxParents), 10))))
	return &types.MsgUpdateParamsResponse{}, nil
}

// SetModelStatus records a governance decision on a model. The authority is
// checked before anything else.
func (s msgServer) SetModelStatus(ctx context.Context, msg *types.MsgSetModelStatus) (*types.MsgSetModelStatusResponse, error) {
	if err := s.checkAuthority(ctx, msg.Authority); err != nil {
		return nil, err
	}
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	m, err := s.GetModel(ctx, msg.ModelId)
	if err != nil {
		return nil, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	m.Status, m.StatusReason, m.StatusHeight = msg.Status, msg.Reason, sdkCtx.BlockHeight()
	if err := s.Models.Set(ctx, msg.ModelId, m); err != nil {
		return nil, err
	}
	sdkCtx.EventManager().EmitEvent(sdk.NewEvent(types.EventTypeStatusChanged,
		sdk.NewAttribute(types.AttributeKeyID, msg.ModelId), sdk.NewAttribute(types.AttributeKeyStatus, msg.Status.Short()),
		sdk.NewAttribute(types.AttributeKeyReason, msg.Reason)))
	return &types.MsgSetModelStatusResponse{}, nil
}
