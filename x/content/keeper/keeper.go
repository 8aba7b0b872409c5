// Package keeper holds x/content's state (content records keyed by their
// SHA-256 ID, a BLAKE3 index and a registration sequence), its message and
// query handlers, and the node-local near-duplicate image index that the
// Near query serves from.
package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"cosmossdk.io/collections/indexes"
	"cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/content/types"
	regtypes "github.com/prova-network/prova/x/registry/types"
)

// ModelKeeper finds registered models (x/registry).
type ModelKeeper interface {
	GetModel(ctx context.Context, id string) (regtypes.Model, error)
}

// LogExists reports whether a receipt log is registered (x/receipts).
type LogExists func(ctx context.Context, logID string) (bool, error)

// ContentIndexes are the secondary indexes of Contents, kept in step with
// it by collections. Their store layout is the one the hand-kept maps had:
// a Unique index stores ref key -> primary key, the primary key encoded as
// a value exactly as collections.StringValue does.
type ContentIndexes struct {
	// ByBlake3 maps a BLAKE3 hex digest to the content ID.
	ByBlake3 *indexes.Unique[string, string, types.Content]
	// BySeq lists registrations in order; the near index follows it.
	BySeq *indexes.Unique[uint64, string, types.Content]
}

// IndexesList implements collections.Indexes.
func (i ContentIndexes) IndexesList() []collections.Index[string, types.Content] {
	return []collections.Index[string, types.Content]{i.ByBlake3, i.BySeq}
}

// Keeper owns the content store.
type Keeper struct {
	cdc       codec.BinaryCodec
	models    ModelKeeper
	logs      LogExists
	authority string

	Schema   collections.Schema
	Params   collections.Item[types.Params]
	Contents *collections.IndexedMap[string, types.Content, ContentIndexes]
	// ByBlake3 and BySeq are Contents' indexes, named here for readers.
	ByBlake3 *indexes.Unique[string, string, types.Content]
	BySeq    *indexes.Unique[uint64, string, types.Content]
	NextSeq  collections.Sequence
}

// NewKeeper returns the keeper. models finds registered models and logs
// says whether a receipt log is registered; both are required (a nil one
// panics at wiring time rather than silently skipping the check).
// authority is the address allowed to change parameters (the gov module
// account) unless the consensus params name another.
func NewKeeper(cdc codec.BinaryCodec, ss store.KVStoreService, models ModelKeeper, logs LogExists, authority string) Keeper {
	if models == nil || logs == nil {
		panic("content: NewKeeper needs the model keeper and the receipt log lookup")
	}
	sb := collections.NewSchemaBuilder(ss)
	idx := ContentIndexes{
		ByBlake3: indexes.NewUnique(sb, types.ByBlake3Prefix, "by_blake3", collections.StringKey, collections.StringKey,
			func(_ string, c types.Content) (string, error) { return c.Info.Blake3, nil }),
		BySeq: indexes.NewUnique(sb, types.BySeqPrefix, "by_seq", collections.Uint64Key, collections.StringKey,
			func(_ string, c types.Content) (uint64, error) { return c.Seq, nil }),
	}
	k := Keeper{
		cdc:       cdc,
		models:    models,
		logs:      logs,
		authority: authority,
		Params:    collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Contents:  collections.NewIndexedMap(sb, types.ContentsPrefix, "contents", collections.StringKey, codec.CollValue[types.Content](cdc), idx),
		ByBlake3:  idx.ByBlake3,
		BySeq:     idx.BySeq,
		NextSeq:   collections.NewSequence(sb, types.NextSeqKey, "next_seq"),
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

// checkAuthority accepts the effective governance authority: the one set
// in the consensus params if any, else the keeper's (sdk.ValidateAuthority).
// The error keeps the module's registered code.
func (k Keeper) checkAuthority(ctx context.Context, authority string) error {
	if err := sdk.ValidateAuthority(sdk.UnwrapSDKContext(ctx), k.authority, authority); err != nil {
		return errorsmod.Wrap(types.ErrInvalidAuthority, err.Error())
	}
	return nil
}

// GetContent returns the record registered under id ("sha256:<hex>").
func (k Keeper) GetContent(ctx context.Context, id string) (types.Content, error) {
	c, err := k.Contents.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return c, errorsmod.Wrapf(types.ErrNotFound, "no content %s", id)
	}
	return c, err
}

// set stores c; Contents keeps its indexes.
func (k Keeper) set(ctx context.Context, c types.Content) error {
	return k.Contents.Set(ctx, c.Id, c)
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
