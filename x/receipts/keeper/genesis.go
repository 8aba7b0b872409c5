package keeper

import (
	"context"

	"cosmossdk.io/collections"

	"github.com/prova-network/prova/x/receipts/types"
)

// InitGenesis writes the whole receipts state after validating it.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, l := range gs.Logs {
		if err := k.Logs.Set(ctx, l.Id, l); err != nil {
			return err
		}
	}
	for _, c := range gs.Latest {
		if err := k.Latest.Set(ctx, c.LogId, c); err != nil {
			return err
		}
	}
	for _, c := range gs.History {
		if err := k.History.Set(ctx, collections.Join(c.LogId, c.Height), c); err != nil {
			return err
		}
	}
	for _, r := range gs.Roots {
		if err := k.Roots.Set(ctx, collections.Join(r.LogId, r.TreeSize), r.Root); err != nil {
			return err
		}
	}
	for _, in := range gs.Inferences {
		if err := k.Inferences.Set(ctx, in.ReceiptId, in.Record); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis exports the whole receipts state, each list in store order.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p}
	if err := k.Logs.Walk(ctx, nil, func(_ string, l types.Log) (bool, error) {
		gs.Logs = append(gs.Logs, l)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Latest.Walk(ctx, nil, func(_ string, c types.Checkpoint) (bool, error) {
		gs.Latest = append(gs.Latest, c)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.History.Walk(ctx, nil, func(_ collections.Pair[string, int64], c types.Checkpoint) (bool, error) {
		gs.History = append(gs.History, c)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Roots.Walk(ctx, nil, func(key collections.Pair[string, uint64], root []byte) (bool, error) {
		gs.Roots = append(gs.Roots, types.GenesisRoot{LogId: key.K1(), TreeSize: key.K2(), Root: root})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Inferences.Walk(ctx, nil, func(id []byte, r types.InferenceRecord) (bool, error) {
		gs.Inferences = append(gs.Inferences, types.GenesisInference{ReceiptId: id, Record: r})
		return false, nil
	}); err != nil {
		return nil, err
	}
	return gs, nil
}
