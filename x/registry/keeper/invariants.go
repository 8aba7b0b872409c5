package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"

	"github.com/prova-network/prova/x/registry/types"
)

// CheckInvariants verifies the registry's structural invariants: every
// lineage link points at a registered record, the reverse indexes match the
// links exactly, every record passes validation, and lineage is acyclic.
// Module tests run it after every block.
func (k Keeper) CheckInvariants(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	wantChildren := map[string]uint64{}
	wantUses := map[string]uint64{}
	var models []types.Model
	err = k.Models.Walk(ctx, nil, func(id string, m types.Model) (bool, error) {
		if id != m.Info.Id {
			return true, fmt.Errorf("model stored under %s has id %s", id, m.Info.Id)
		}
		if err := m.Info.Validate(params); err != nil {
			return true, fmt.Errorf("model %s: %w", id, err)
		}
		for _, p := range m.Info.Parents {
			if ok, err := k.Models.Has(ctx, p.ModelId); err != nil || !ok {
				return true, fmt.Errorf("model %s: parent %s is not registered", id, p.ModelId)
			}
			wantChildren[pairKey(p.ModelId, id)] = uint64(p.Relation)
		}
		for _, d := range m.Info.Datasets {
			if ok, err := k.Datasets.Has(ctx, d.DatasetId); err != nil || !ok {
				return true, fmt.Errorf("model %s: dataset %s is not registered", id, d.DatasetId)
			}
			wantUses[pairKey(d.DatasetId, id)] = uint64(d.Relation)
		}
		models = append(models, m)
		return false, nil
	})
	if err != nil {
		return err
	}
	if _, err := parentsFirst(models); err != nil {
		return err
	}
	if err := k.Datasets.Walk(ctx, nil, func(id string, d types.Dataset) (bool, error) {
		if id != d.Info.Id {
			return true, fmt.Errorf("dataset stored under %s has id %s", id, d.Info.Id)
		}
		if err := d.Info.Validate(params); err != nil {
			return true, fmt.Errorf("dataset %s: %w", id, err)
		}
		return false, nil
	}); err != nil {
		return err
	}
	if err := matchIndex(ctx, k.Children, wantChildren, "children"); err != nil {
		return err
	}
	return matchIndex(ctx, k.DatasetUses, wantUses, "dataset uses")
}

func matchIndex(ctx context.Context, idx collections.Map[collections.Pair[string, string], uint64], want map[string]uint64, name string) error {
	n := 0
	err := idx.Walk(ctx, nil, func(key collections.Pair[string, string], rel uint64) (bool, error) {
		n++
		if w, ok := want[pairKey(key.K1(), key.K2())]; !ok || w != rel {
			return true, fmt.Errorf("%s index has (%s, %s) -> %d, which no record states", name, key.K1(), key.K2(), rel)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	if n != len(want) {
		return fmt.Errorf("%s index has %d entries, records state %d", name, n, len(want))
	}
	return nil
}

// pairKey is a comparable map key for an index pair (collections.Pair
// holds pointers, so it cannot be compared by value).
func pairKey(a, b string) string { return a + "\x00" + b }
