package keeper

import (
	"context"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	"github.com/prova-network/prova/x/registry/types"
)

// MaxLineageEntries bounds one lineage walk so a query on a wide DAG cannot
// run unbounded; callers narrow it with a smaller depth.
const MaxLineageEntries = 10_000

// Ancestors returns the models reachable through parent links from id,
// breadth first, nearest first, each once (at its smallest depth), up to
// maxDepth hops. Within one depth, entries keep the order of the parent
// lists, so the walk is deterministic.
func (k Keeper) Ancestors(ctx context.Context, id string, maxDepth uint32) ([]types.LineageEntry, error) {
	return k.walk(ctx, id, maxDepth, func(cur string) ([]types.ParentLink, error) {
		m, err := k.Models.Get(ctx, cur)
		if err != nil {
			return nil, err
		}
		return m.Info.Parents, nil
	})
}

// Descendants returns the models that derive from id, breadth first.
// Children are visited in key order (sorted model ID).
func (k Keeper) Descendants(ctx context.Context, id string, maxDepth uint32) ([]types.LineageEntry, error) {
	return k.walk(ctx, id, maxDepth, func(cur string) ([]types.ParentLink, error) {
		var out []types.ParentLink
		rng := collections.NewPrefixedPairRange[string, string](cur)
		err := k.Children.Walk(ctx, rng, func(key collections.Pair[string, string], rel uint64) (bool, error) {
			out = append(out, types.ParentLink{ModelId: key.K2(), Relation: types.ParentRelation(rel)})
			return false, nil
		})
		return out, err
	})
}

func (k Keeper) walk(ctx context.Context, id string, maxDepth uint32, next func(string) ([]types.ParentLink, error)) ([]types.LineageEntry, error) {
	if ok, err := k.Models.Has(ctx, id); err != nil {
		return nil, err
	} else if !ok {
		return nil, errorsmod.Wrapf(types.ErrNotFound, "no model %s", id)
	}
	visited := map[string]bool{id: true}
	frontier := []string{id}
	var out []types.LineageEntry
	for depth := uint32(1); depth <= maxDepth && len(frontier) > 0; depth++ {
		var nextFrontier []string
		for _, cur := range frontier {
			links, err := next(cur)
			if err != nil {
				return nil, err
			}
			for _, l := range links {
				if visited[l.ModelId] {
					continue
				}
				visited[l.ModelId] = true
				out = append(out, types.LineageEntry{ModelId: l.ModelId, Depth: depth, Via: cur, Relation: l.Relation})
				if len(out) > MaxLineageEntries {
					return nil, errorsmod.Wrapf(types.ErrTooManyLinks, "lineage of %s has more than %d models within depth %d; ask for a smaller depth", id, MaxLineageEntries, maxDepth)
				}
				nextFrontier = append(nextFrontier, l.ModelId)
			}
		}
		frontier = nextFrontier
	}
	return out, nil
}
