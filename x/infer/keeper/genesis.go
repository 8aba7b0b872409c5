package keeper

import (
	"context"

	"cosmossdk.io/collections"

	"github.com/prova-network/prova/x/infer/types"
)

// InitGenesis writes the whole infer state after validating it, and
// rebuilds the queues and indexes from the records.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, g := range gs.Executables {
		if err := k.Executables.Set(ctx, g.Executable.ModelId, g.Executable); err != nil {
			return err
		}
		if err := k.Skeletons.Set(ctx, g.Executable.ModelId, g.Skeleton); err != nil {
			return err
		}
		if len(g.File) > 0 {
			if err := k.Files.Set(ctx, g.Executable.ModelId, g.File); err != nil {
				return err
			}
		}
	}
	for _, r := range gs.Runs {
		if err := k.Runs.Set(ctx, r.Id, r); err != nil {
			return err
		}
	}
	for _, b := range gs.Bonds {
		if err := k.Bonds.Set(ctx, b.Provider, b); err != nil {
			return err
		}
		if b.ReceiptKeyId != "" {
			if err := k.ReceiptKeys.Set(ctx, b.ReceiptKeyId, b.Provider); err != nil {
				return err
			}
		}
	}
	for _, u := range gs.Unbondings {
		if err := k.addUnbonding(ctx, u); err != nil {
			return err
		}
	}
	for _, b := range gs.Batches {
		if err := k.Batches.Set(ctx, b.Id, b); err != nil {
			return err
		}
		if b.Status == types.ClaimStatus_CLAIM_STATUS_PENDING {
			if err := k.BatchQueue.Set(ctx, collections.Join(b.WindowEnd, b.Id)); err != nil {
				return err
			}
		}
	}
	for _, c := range gs.Claims {
		if err := k.saveNewClaim(ctx, c); err != nil {
			return err
		}
	}
	for _, r := range gs.InputRequests {
		if err := k.InputRequests.Set(ctx, r.ClaimId, r); err != nil {
			return err
		}
		if r.Status == types.InputRequestStatus_INPUT_REQUEST_STATUS_OPEN {
			if err := k.InputQueue.Set(ctx, collections.Join(r.Deadline, r.ClaimId)); err != nil {
				return err
			}
			c, err := k.Claims.Get(ctx, r.ClaimId)
			if err != nil {
				return err
			}
			if err := k.openInputIndex(ctx, c.Provider, r.ClaimId); err != nil {
				return err
			}
		}
	}
	for _, d := range gs.Disputes {
		if err := k.Disputes.Set(ctx, d.Id, d); err != nil {
			return err
		}
		if err := k.indexDispute(ctx, d); err != nil {
			return err
		}
		if d.Phase != types.DisputePhase_DISPUTE_PHASE_SETTLED {
			if err := k.DisputeQueue.Set(ctx, collections.Join(d.Deadline, d.Id)); err != nil {
				return err
			}
		}
	}
	for _, s := range []struct {
		seq  collections.Sequence
		last uint64
	}{
		{k.RunSeq, gs.LastRunId}, {k.UnbondingSeq, gs.LastUnbondingId}, {k.ClaimSeq, gs.LastClaimId},
		{k.BatchSeq, gs.LastBatchId}, {k.DisputeSeq, gs.LastDisputeId},
	} {
		if err := s.seq.Set(ctx, s.last); err != nil {
			return err
		}
	}
	return nil
}

// walkAll appends every value of m, in store order, to out.
func walkAll[K, V any](ctx context.Context, m collections.Map[K, V], out *[]V) error {
	return m.Walk(ctx, nil, func(_ K, v V) (bool, error) {
		*out = append(*out, v)
		return false, nil
	})
}

// ExportGenesis exports the whole infer state, each list in store order.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p}
	if err := k.Executables.Walk(ctx, nil, func(id string, e types.Executable) (bool, error) {
		g := types.GenesisExecutable{Executable: e}
		if g.Skeleton, err = k.Skeletons.Get(ctx, id); err != nil {
			return true, err
		}
		if e.HasFile {
			if g.File, err = k.Files.Get(ctx, id); err != nil {
				return true, err
			}
		}
		gs.Executables = append(gs.Executables, g)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := walkAll(ctx, k.Runs, &gs.Runs); err != nil {
		return nil, err
	}
	if err := walkAll(ctx, k.Bonds, &gs.Bonds); err != nil {
		return nil, err
	}
	if err := walkAll(ctx, k.Unbondings, &gs.Unbondings); err != nil {
		return nil, err
	}
	if err := walkAll(ctx, k.Claims, &gs.Claims); err != nil {
		return nil, err
	}
	if err := walkAll(ctx, k.Batches, &gs.Batches); err != nil {
		return nil, err
	}
	if err := walkAll(ctx, k.InputRequests, &gs.InputRequests); err != nil {
		return nil, err
	}
	if err := walkAll(ctx, k.Disputes, &gs.Disputes); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		seq  collections.Sequence
		last *uint64
	}{
		{k.RunSeq, &gs.LastRunId}, {k.UnbondingSeq, &gs.LastUnbondingId}, {k.ClaimSeq, &gs.LastClaimId},
		{k.BatchSeq, &gs.LastBatchId}, {k.DisputeSeq, &gs.LastDisputeId},
	} {
		if *s.last, err = s.seq.Peek(ctx); err != nil {
			return nil, err
		}
	}
	return gs, nil
}
