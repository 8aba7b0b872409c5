package keeper

import (
	"context"
	"fmt"

	"github.com/prova-network/prova/x/registry/types"
)

// InitGenesis loads gs into state; gs must already be validated.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, d := range gs.Datasets {
		if err := k.Datasets.Set(ctx, d.Info.Id, d); err != nil {
			return err
		}
	}
	for _, m := range gs.Models {
		if err := k.setModel(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis writes state out with every model after its parents, so
// that the result validates and imports as is.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	if err := k.Datasets.Walk(ctx, nil, func(_ string, d types.Dataset) (bool, error) {
		gs.Datasets = append(gs.Datasets, d)
		return false, nil
	}); err != nil {
		return nil, err
	}
	var all []types.Model
	if err := k.Models.Walk(ctx, nil, func(_ string, m types.Model) (bool, error) {
		all = append(all, m)
		return false, nil
	}); err != nil {
		return nil, err
	}
	gs.Models, err = parentsFirst(all)
	return gs, err
}

// parentsFirst orders models (given in ID order) so that each follows its
// parents: a depth-first post-order, deterministic because the input is sorted.
func parentsFirst(models []types.Model) ([]types.Model, error) {
	byID := make(map[string]int, len(models))
	for i, m := range models {
		byID[m.Info.Id] = i
	}
	state := make([]uint8, len(models)) // 0 new, 1 on stack, 2 done
	out := make([]types.Model, 0, len(models))
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("lineage cycle through model %s", models[i].Info.Id)
		case 2:
			return nil
		}
		state[i] = 1
		for _, p := range models[i].Info.Parents {
			j, ok := byID[p.ModelId]
			if !ok {
				return fmt.Errorf("model %s names missing parent %s", models[i].Info.Id, p.ModelId)
			}
			if err := visit(j); err != nil {
				return err
			}
		}
		state[i] = 2
		out = append(out, models[i])
		return nil
	}
	for i := range models {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return out, nil
}
