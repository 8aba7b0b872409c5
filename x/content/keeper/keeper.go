// Package keeper holds x/content's state (content records keyed by their
// SHA-256 ID, a BLAKE3 index and a registration sequence), its message and
// query handlers, and the node-local near-duplicate image index that the
// Near query serves from.
package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/prova-network/prova/x/content/types"
	regtypes "github.com/prova-network/prova/x/registry/types"
)

// ModelKeeper finds registered models (x/registry).
type ModelKeeper interface {
	GetModel(ctx context.Context, id string) (regtypes.Model, error)
}

// Keeper owns the content store.
type Keeper struct {
	cdc       codec.BinaryCodec
	models    ModelKeeper
	logs      LogExists
	authority string

	Schema   collections.Schema
	Params   collections.Item[types.Params]
	Contents collections.Map[string, types.Content]
	// ByBlake3 maps a BLAKE3 hex digest to the content ID.
	ByBlake3 collections.Map[string, string]
	// BySeq lists registrations in order; the near index follows it.
	BySeq   collections.Map[uint64, string]
	NextSeq collections.Sequence
}

// NewKeeper returns the keeper; authority is the address allowed to change
// parameters (the gov module account).
func NewKeeper(cdc codec.BinaryCodec, ss store.KVStoreService, models ModelKeeper, authority string) Keeper {
	sb := collections.NewSchemaBuilder(ss)
	k := Keeper{
		cdc:       cdc,
		models:    models,
		authority: authority,
		Params:    collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Contents:  collections.NewMap(sb, types.ContentsPrefix, "contents", collections.StringKey, codec.CollValue[types.Content](cdc)),
		ByBlake3:  collections.NewMap(sb, types.ByBlake3Prefix, "by_blake3", collections.StringKey, collections.StringValue),
		BySeq:     collections.NewMap(sb, types.BySeqPrefix, "by_seq", collections.Uint64Key, collections.StringValue),
		NextSeq:   collections.NewSequence(sb, types.NextSeqKey, "next_seq"),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// LogExists reports whether a receipt log is registered (x/receipts).
type LogExists func(ctx context.Context, logID string) (bool, error)

// WithLogs returns the keeper checking receipt references against the
// registered receipt logs; without it only their form is checked.
func (k Keeper) WithLogs(logs LogExists) Keeper {
	k.logs = logs
	return k
}

// Authority returns the address allowed to update parameters.
func (k Keeper) Authority() string { return k.authority }

// GetContent returns the record registered under id ("sha256:<hex>").
func (k Keeper) GetContent(ctx context.Context, id string) (types.Content, error) {
	c, err := k.Contents.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return c, errorsmod.Wrapf(types.ErrNotFound, "no content %s", id)
	}
	return c, err
}

// set stores c and its index entries.
func (k Keeper) set(ctx context.Context, c types.Content) error {
	if err := k.Contents.Set(ctx, c.Id, c); err != nil {
		return err
	}
	if err := k.ByBlake3.Set(ctx, c.Info.Blake3, c.Id); err != nil {
		return err
	}
	return k.BySeq.Set(ctx, c.Seq, c.Id)
}

// InitGenesis loads gs into state; gs must already be validated.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, c := range gs.Contents {
		if err := k.set(ctx, c); err != nil {
			return err
		}
	}
	return k.NextSeq.Set(ctx, gs.NextSeq)
}

// ExportGenesis writes state out in registration order.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	next, err := k.NextSeq.Peek(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p, NextSeq: next}
	err = k.BySeq.Walk(ctx, nil, func(_ uint64, id string) (bool, error) {
		c, err := k.Contents.Get(ctx, id)
		if err != nil {
			return true, err
		}
		gs.Contents = append(gs.Contents, c)
		return false, nil
	})
	return gs, err
}
