package keeper

import (
	"bytes"
	"context"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/receipts/types"
)

// CheckInvariants verifies the module's invariants; module tests run it
// after every block:
//   - the bonds of logs that are not frozen add up to the module account's
//     balance, and frozen logs hold no bond;
//   - each log is stored under its ID;
//   - per log, history heights ascend with sizes never shrinking, the
//     latest checkpoint is the last history entry, and every history entry's
//     root is the anchored root of its size;
//   - checkpoints and roots belong to registered logs.
func (k Keeper) CheckInvariants(ctx context.Context) error {
	want := sdk.NewCoins()
	logs := map[string]bool{}
	if err := k.Logs.Walk(ctx, nil, func(id string, l types.Log) (bool, error) {
		if id != l.Id {
			return true, types.ErrInvariant.Wrapf("log stored under %q has id %q", id, l.Id)
		}
		logs[id] = true
		if l.Frozen {
			if !l.Bond.IsZero() {
				return true, types.ErrInvariant.Wrapf("frozen log %q still holds %s", id, l.Bond)
			}
			return false, nil
		}
		want = want.Add(l.Bond)
		return false, nil
	}); err != nil {
		return err
	}
	if have := k.bank.GetAllBalances(ctx, k.moduleAddr); !have.Equal(want) {
		return types.ErrInvariant.Wrapf("module account holds %s; bonds of live logs add up to %s", have, want)
	}
	last := map[string]types.Checkpoint{}
	if err := k.History.Walk(ctx, nil, func(key collections.Pair[string, int64], c types.Checkpoint) (bool, error) {
		id := key.K1()
		if !logs[id] || c.LogId != id || c.Height != key.K2() {
			return true, types.ErrInvariant.Wrapf("history entry (%q, %d) does not match its checkpoint or log", id, key.K2())
		}
		if prev, ok := last[id]; ok && c.TreeSize < prev.TreeSize {
			return true, types.ErrInvariant.Wrapf("log %q shrank from %d at height %d to %d at height %d", id, prev.TreeSize, prev.Height, c.TreeSize, c.Height)
		}
		root, err := k.Roots.Get(ctx, collections.Join(id, c.TreeSize))
		if err != nil || !bytes.Equal(root, c.Root) {
			return true, types.ErrInvariant.Wrapf("log %q size %d: history root is not the anchored root", id, c.TreeSize)
		}
		last[id] = c
		return false, nil
	}); err != nil {
		return err
	}
	n := 0
	if err := k.Latest.Walk(ctx, nil, func(id string, c types.Checkpoint) (bool, error) {
		n++
		h, ok := last[id]
		if !ok || c.TreeSize != h.TreeSize || c.Height != h.Height || !bytes.Equal(c.Root, h.Root) {
			return true, types.ErrInvariant.Wrapf("latest checkpoint of log %q is not its last history entry", id)
		}
		return false, nil
	}); err != nil {
		return err
	}
	if n != len(last) {
		return types.ErrInvariant.Wrapf("%d logs have history but %d have a latest checkpoint", len(last), n)
	}
	return k.Roots.Walk(ctx, nil, func(key collections.Pair[string, uint64], root []byte) (bool, error) {
		if !logs[key.K1()] || len(root) != 32 {
			return true, types.ErrInvariant.Wrapf("root of log %q size %d is orphaned or malformed", key.K1(), key.K2())
		}
		return false, nil
	})
}
