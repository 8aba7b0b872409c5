package keeper

import (
	"context"

	"cosmossdk.io/collections"

	"github.com/prova-network/prova/x/eval/types"
)

// InitGenesis writes the whole eval state and rebuilds its indexes: open
// tasks are due for a tally at their reveal end, every task is listed under
// its target (by Tasks' own index), and each target's latest result is its succeeded task tallied
// last (tallies run in (reveal end, id) order).
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	if err := k.NextTaskID.Set(ctx, gs.NextTaskId); err != nil {
		return err
	}
	latest := map[string]types.Task{}
	for _, t := range gs.Tasks {
		if err := k.Tasks.Set(ctx, t.Id, t); err != nil {
			return err
		}
		switch t.Status {
		case types.TaskStatus_TASK_STATUS_OPEN:
			if err := k.Due.Set(ctx, collections.Join(t.RevealEnd, t.Id)); err != nil {
				return err
			}
		case types.TaskStatus_TASK_STATUS_SUCCEEDED:
			if prev, ok := latest[t.TargetId]; !ok || talliedAfter(t, prev) {
				latest[t.TargetId] = t
			}
		}
	}
	// Tasks are sorted by id (Validate), so setting in that order touches
	// the latest map deterministically; the map is read only by key.
	for _, t := range gs.Tasks {
		if l, ok := latest[t.TargetId]; ok && l.Id == t.Id {
			if err := k.Latest.Set(ctx, t.TargetId, t); err != nil {
				return err
			}
		}
	}
	for _, c := range gs.Commits {
		if err := k.Commits.Set(ctx, collections.Join(c.TaskId, c.Evaluator), c.Commit); err != nil {
			return err
		}
	}
	for _, r := range gs.Reveals {
		if err := k.Reveals.Set(ctx, collections.Join(r.TaskId, r.Evaluator), r.Reveal); err != nil {
			return err
		}
	}
	for _, r := range gs.Reputations {
		if err := k.Reputation.Set(ctx, r.Evaluator, r.Reputation); err != nil {
			return err
		}
	}
	return nil
}

// talliedAfter reports whether finished task a was tallied after b.
func talliedAfter(a, b types.Task) bool {
	if a.RevealEnd != b.RevealEnd {
		return a.RevealEnd > b.RevealEnd
	}
	return a.Id > b.Id
}

// ExportGenesis exports the whole eval state, each list in store order.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	next, err := k.NextTaskID.Peek(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p, NextTaskId: next}
	if err := k.Tasks.Walk(ctx, nil, func(_ uint64, t types.Task) (bool, error) {
		gs.Tasks = append(gs.Tasks, t)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Commits.Walk(ctx, nil, func(key collections.Pair[uint64, string], c types.Commit) (bool, error) {
		gs.Commits = append(gs.Commits, types.GenesisCommit{TaskId: key.K1(), Evaluator: key.K2(), Commit: c})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Reveals.Walk(ctx, nil, func(key collections.Pair[uint64, string], r types.Reveal) (bool, error) {
		gs.Reveals = append(gs.Reveals, types.GenesisReveal{TaskId: key.K1(), Evaluator: key.K2(), Reveal: r})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Reputation.Walk(ctx, nil, func(evaluator string, r uint64) (bool, error) {
		gs.Reputations = append(gs.Reputations, types.GenesisReputation{Evaluator: evaluator, Reputation: r})
		return false, nil
	}); err != nil {
		return nil, err
	}
	return gs, nil
}
