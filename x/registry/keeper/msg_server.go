package keeper

import (
	"context"
	"strconv"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/registry/types"
)

// Event types and attribute keys emitted by the registry.
const (
	EventDatasetRegistered = "prova.registry.dataset_registered"
	EventModelRegistered   = "prova.registry.model_registered"
	EventMetadataUpdated   = "prova.registry.metadata_updated"
	EventOwnerChanged      = "prova.registry.ownership_transferred"
	EventParamsUpdated     = "prova.registry.params_updated"
	EventStatusChanged     = "prova.registry.model_status_changed"
	AttrStatus             = "status"
	AttrReason             = "reason"
	AttrID                 = "id"
	AttrOwner              = "owner"
	AttrNewOwner           = "new_owner"
	AttrParent             = "parent"
	AttrDataset            = "dataset"
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
	sdkCtx.EventManager().EmitEvent(sdk.NewEvent(EventDatasetRegistered,
		sdk.NewAttribute(AttrID, d.Info.Id), sdk.NewAttribute(AttrOwner, d.Owner)))
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
	attrs := []sdk.Attribute{sdk.NewAttribute(AttrID, m.Info.Id), sdk.NewAttribute(AttrOwner, m.Owner)}
	for _, p := range m.Info.Parents {
		attrs = append(attrs, sdk.NewAttribute(AttrParent, p.ModelId))
	}
	for _, d := range m.Info.Datasets {
		attrs = append(attrs, sdk.NewAttribute(AttrDataset, d.DatasetId))
	}
	sdkCtx.EventManager().EmitEvent(sdk.NewEvent(EventModelRegistered, attrs...))
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
	if d, err := s.Datasets.Get(ctx, msg.Id); err == nil {
		if d.Owner != msg.Owner {
			return nil, errorsmod.Wrapf(types.ErrNotOwner, "dataset %s is owned by %s", msg.Id, d.Owner)
		}
		apply(&d.Info.Name, &d.Info.Version, &d.Info.MetadataUri, &d.Info.MetadataDigest)
		if err := s.Datasets.Set(ctx, msg.Id, d); err != nil {
			return nil, err
		}
	} else {
		m, err := s.GetModel(ctx, msg.Id)
		if err != nil {
			return nil, errorsmod.Wrapf(types.ErrNotFound, "no dataset or model %s", msg.Id)
		}
		if m.Owner != msg.Owner {
			return nil, errorsmod.Wrapf(types.ErrNotOwner, "model %s is owned by %s", msg.Id, m.Owner)
		}
		apply(&m.Info.Name, &m.Info.Version, &m.Info.CardUri, &m.Info.CardDigest)
		if err := s.Models.Set(ctx, msg.Id, m); err != nil {
			return nil, err
		}
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(EventMetadataUpdated,
		sdk.NewAttribute(AttrID, msg.Id), sdk.NewAttribute(AttrOwner, msg.Owner)))
	return &types.MsgUpdateMetadataResponse{}, nil
}

func (s msgServer) TransferOwnership(ctx context.Context, msg *types.MsgTransferOwnership) (*types.MsgTransferOwnershipResponse, error) {
	if d, err := s.Datasets.Get(ctx, msg.Id); err == nil {
		if d.Owner != msg.Owner {
			return nil, errorsmod.Wrapf(types.ErrNotOwner, "dataset %s is owned by %s", msg.Id, d.Owner)
		}
		d.Owner = msg.NewOwner
		if err := s.Datasets.Set(ctx, msg.Id, d); err != nil {
			return nil, err
		}
	} else {
		m, err := s.GetModel(ctx, msg.Id)
		if err != nil {
			return nil, errorsmod.Wrapf(types.ErrNotFound, "no dataset or model %s", msg.Id)
		}
		if m.Owner != msg.Owner {
			return nil, errorsmod.Wrapf(types.ErrNotOwner, "model %s is owned by %s", msg.Id, m.Owner)
		}
		m.Owner = msg.NewOwner
		if err := s.Models.Set(ctx, msg.Id, m); err != nil {
			return nil, err
		}
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(EventOwnerChanged,
		sdk.NewAttribute(AttrID, msg.Id), sdk.NewAttribute(AttrOwner, msg.Owner), sdk.NewAttribute(AttrNewOwner, msg.NewOwner)))
	return &types.MsgTransferOwnershipResponse{}, nil
}

func (s msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg.Authority != s.authority {
		return nil, errorsmod.Wrapf(types.ErrInvalidAuthority, "expected %s, got %s", s.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, errorsmod.Wrap(types.ErrInvalidField, err.Error())
	}
	if err := s.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(EventParamsUpdated,
		sdk.NewAttribute("max_parents", strconv.FormatUint(uint64(msg.Params.MaxParents), 10))))
	return &types.MsgUpdateParamsResponse{}, nil
}

// SetModelStatus records a governance decision on a model. The authority is
// checked before anything else.
func (s msgServer) SetModelStatus(ctx context.Context, msg *types.MsgSetModelStatus) (*types.MsgSetModelStatusResponse, error) {
	if msg.Authority != s.authority {
		return nil, errorsmod.Wrapf(types.ErrInvalidAuthority, "expected %s, got %s", s.authority, msg.Authority)
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
	sdkCtx.EventManager().EmitEvent(sdk.NewEvent(EventStatusChanged,
		sdk.NewAttribute(AttrID, msg.ModelId), sdk.NewAttribute(AttrStatus, msg.Status.Short()),
		sdk.NewAttribute(AttrReason, msg.Reason)))
	return &types.MsgSetModelStatusResponse{}, nil
}
