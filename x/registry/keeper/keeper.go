// Package keeper holds x/registry's state and its message and query
// handlers. State is declared with collections; lineage indexes are
// maintained alongside the records they derive from.
package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/registry/types"
)

// Keeper owns the registry store.
type Keeper struct {
	cdc          codec.BinaryCodec
	storeService store.KVStoreService
	authority    string

	Schema   collections.Schema
	Params   collections.Item[types.Params]
	Datasets collections.Map[string, types.Dataset]
	Models   collections.Map[string, types.Model]
	// Children indexes parent links in reverse: (parent, child) -> relation.
	Children collections.Map[collections.Pair[string, string], uint64]
	// DatasetUses indexes dataset links: (dataset, model) -> relation.
	DatasetUses collections.Map[collections.Pair[string, string], uint64]
}

// NewKeeper returns a keeper; authority is the address allowed to change
// parameters (the gov module account).
func NewKeeper(cdc codec.BinaryCodec, storeService store.KVStoreService, authority string) Keeper {
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc:          cdc,
		storeService: storeService,
		authority:    authority,
		Params:       collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Datasets:     collections.NewMap(sb, types.DatasetsPrefix, "datasets", collections.StringKey, codec.CollValue[types.Dataset](cdc)),
		Models:       collections.NewMap(sb, types.ModelsPrefix, "models", collections.StringKey, codec.CollValue[types.Model](cdc)),
		Children: collections.NewMap(sb, types.ChildrenPrefix, "children",
			collections.PairKeyCodec(collections.StringKey, collections.StringKey), collections.Uint64Value),
		DatasetUses: collections.NewMap(sb, types.DatasetUsesPrefix, "dataset_uses",
			collections.PairKeyCodec(collections.StringKey, collections.StringKey), collections.Uint64Value),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// Authority returns the address allowed to update parameters.
func (k Keeper) Authority() string { return k.authority }

// GetParams returns the current parameters.
func (k Keeper) GetParams(ctx context.Context) (types.Params, error) {
	return k.Params.Get(ctx)
}

// existing describes the record registered under id, or returns "" if none.
func (k Keeper) existing(ctx context.Context, id string) (string, error) {
	if d, err := k.Datasets.Get(ctx, id); err == nil {
		return fmt.Sprintf("dataset %q owned by %s, registered at height %d", d.Info.Name, d.Owner, d.RegisteredHeight), nil
	} else if !errors.Is(err, collections.ErrNotFound) {
		return "", err
	}
	if m, err := k.Models.Get(ctx, id); err == nil {
		return fmt.Sprintf("model %q owned by %s, registered at height %d", m.Info.Name, m.Owner, m.RegisteredHeight), nil
	} else if !errors.Is(err, collections.ErrNotFound) {
		return "", err
	}
	return "", nil
}

// checkAuthority accepts the effective governance authority: the one set
// in the consensus params if any, else the keeper's (sdk.ValidateAuthority).
// The error keeps the module's registered code.
func (k Keeper) checkAuthority(ctx context.Context, authority string) error {
	if err := sdk.ValidateAuthority(sdk.UnwrapSDKContext(ctx), k.authority, authority); err != nil {
		return errorsmod.Wrap(types.ErrInvalidAuthority, err.Error())
	}
	return nil
}

// lookup returns the dataset or the model registered under id (one of them
// non-nil). Only an absent record is ErrNotFound; a record that cannot be
// read is a store error and is returned as it is.
func (k Keeper) lookup(ctx context.Context, id string) (*types.Dataset, *types.Model, error) {
	d, err := k.Datasets.Get(ctx, id)
	if err == nil {
		return &d, nil, nil
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, nil, err
	}
	m, err := k.Models.Get(ctx, id)
	if err == nil {
		return nil, &m, nil
	} else if errors.Is(err, collections.ErrNotFound) {
		return nil, nil, errorsmod.Wrapf(types.ErrNotFound, "no dataset or model %s", id)
	}
	return nil, nil, err
}

// GetModel returns the model registered under id.
func (k Keeper) GetModel(ctx context.Context, id string) (types.Model, error) {
	m, err := k.Models.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return m, errorsmod.Wrapf(types.ErrNotFound, "no model %s", id)
	}
	return m, err
}

// GetDataset returns the dataset registered under id.
func (k Keeper) GetDataset(ctx context.Context, id string) (types.Dataset, error) {
	d, err := k.Datasets.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return d, errorsmod.Wrapf(types.ErrNotFound, "no dataset %s", id)
	}
	return d, err
}

// setModel stores m and its lineage indexes.
func (k Keeper) setModel(ctx context.Context, m types.Model) error {
	if err := k.Models.Set(ctx, m.Info.Id, m); err != nil {
		return err
	}
	for _, p := range m.Info.Parents {
		if err := k.Children.Set(ctx, collections.Join(p.ModelId, m.Info.Id), uint64(p.Relation)); err != nil {
			return err
		}
	}
	for _, d := range m.Info.Datasets {
		if err := k.DatasetUses.Set(ctx, collections.Join(d.DatasetId, m.Info.Id), uint64(d.Relation)); err != nil {
			return err
		}
	}
	return nil
}

// Registered reports whether a model or dataset is registered under id.
func (k Keeper) Registered(ctx context.Context, id string) (bool, error) {
	if ok, err := k.Models.Has(ctx, id); err != nil || ok {
		return ok, err
	}
	return k.Datasets.Has(ctx, id)
}
