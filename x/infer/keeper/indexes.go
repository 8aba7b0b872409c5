package keeper

import (
	"context"

	"cosmossdk.io/collections"

	"github.com/prova-network/prova/x/infer/types"
)

// The indexes by account. A dispute's parties and a claim's provider never
// change, so each record enters its all-time index once; the open indexes
// follow a dispute from its opening to its settlement and an input request
// from the request to its answer or expiry. These helpers are the only
// writers of the indexes.

// indexDispute records a new dispute under both parties, and in the open
// indexes while it runs.
func (k Keeper) indexDispute(ctx context.Context, d types.Dispute) error {
	if err := k.DefenderDisputes.Set(ctx, collections.Join(d.Defender, d.Id)); err != nil {
		return err
	}
	if err := k.ChallengerDisputes.Set(ctx, collections.Join(d.Challenger, d.Id)); err != nil {
		return err
	}
	if d.Phase == types.DisputePhase_DISPUTE_PHASE_SETTLED {
		return nil
	}
	if err := k.DefenderOpen.Set(ctx, collections.Join(d.Defender, d.Id)); err != nil {
		return err
	}
	return k.ChallengerOpen.Set(ctx, collections.Join(d.Challenger, d.Id))
}

// closeDisputeIndex drops a settled dispute from the open indexes.
func (k Keeper) closeDisputeIndex(ctx context.Context, d types.Dispute) error {
	if err := k.DefenderOpen.Remove(ctx, collections.Join(d.Defender, d.Id)); err != nil {
		return err
	}
	return k.ChallengerOpen.Remove(ctx, collections.Join(d.Challenger, d.Id))
}

// openInputIndex records an open input request on a claim of provider.
func (k Keeper) openInputIndex(ctx context.Context, provider string, claimID uint64) error {
	return k.ProviderOpenInputs.Set(ctx, collections.Join(provider, claimID))
}

// closeInputIndex drops an answered or expired input request.
func (k Keeper) closeInputIndex(ctx context.Context, provider string, claimID uint64) error {
	return k.ProviderOpenInputs.Remove(ctx, collections.Join(provider, claimID))
}

// countKeys counts the entries of an index.
func countKeys(ctx context.Context, s collections.KeySet[collections.Pair[string, uint64]]) (int, error) {
	n := 0
	err := s.Walk(ctx, nil, func(collections.Pair[string, uint64]) (bool, error) { n++; return false, nil })
	return n, err
}

// checkIndexes verifies that the indexes by account hold exactly the
// records they stand for: every claim under its provider, every dispute
// under both parties and, while it runs, in the open indexes, and every
// open input request under its claim's provider.
func (k Keeper) checkIndexes(ctx context.Context) error {
	has := func(s collections.KeySet[collections.Pair[string, uint64]], addr string, id uint64) bool {
		ok, err := s.Has(ctx, collections.Join(addr, id))
		return err == nil && ok
	}
	claims := 0
	if err := k.Claims.Walk(ctx, nil, func(id uint64, c types.Claim) (bool, error) {
		claims++
		if !has(k.ProviderClaims, c.Provider, id) {
			return true, types.ErrInvariant.Wrapf("claim %d is not indexed under its provider %s", id, c.Provider)
		}
		return false, nil
	}); err != nil {
		return err
	}
	disputes, running := 0, 0
	if err := k.Disputes.Walk(ctx, nil, func(id uint64, d types.Dispute) (bool, error) {
		disputes++
		if !has(k.DefenderDisputes, d.Defender, id) || !has(k.ChallengerDisputes, d.Challenger, id) {
			return true, types.ErrInvariant.Wrapf("dispute %d is not indexed under its parties", id)
		}
		open := d.Phase != types.DisputePhase_DISPUTE_PHASE_SETTLED
		if open {
			running++
		}
		if has(k.DefenderOpen, d.Defender, id) != open || has(k.ChallengerOpen, d.Challenger, id) != open {
			return true, types.ErrInvariant.Wrapf("dispute %d in phase %s is wrongly in or out of the open indexes", id, d.Phase)
		}
		return false, nil
	}); err != nil {
		return err
	}
	open := 0
	if err := k.InputRequests.Walk(ctx, nil, func(id uint64, r types.InputRequest) (bool, error) {
		if r.Status != types.InputRequestStatus_INPUT_REQUEST_STATUS_OPEN {
			return false, nil
		}
		open++
		c, err := k.Claims.Get(ctx, id)
		if err != nil || !has(k.ProviderOpenInputs, c.Provider, id) {
			return true, types.ErrInvariant.Wrapf("open input request of claim %d is not indexed under its provider", id)
		}
		return false, nil
	}); err != nil {
		return err
	}
	// With every record indexed, equal counts mean no stale entries.
	for _, want := range []struct {
		name string
		set  collections.KeySet[collections.Pair[string, uint64]]
		n    int
	}{
		{"provider claims", k.ProviderClaims, claims},
		{"defender disputes", k.DefenderDisputes, disputes}, {"challenger disputes", k.ChallengerDisputes, disputes},
		{"defender open disputes", k.DefenderOpen, running}, {"challenger open disputes", k.ChallengerOpen, running},
		{"provider open inputs", k.ProviderOpenInputs, open},
	} {
		n, err := countKeys(ctx, want.set)
		if err != nil {
			return err
		}
		if n != want.n {
			return types.ErrInvariant.Wrapf("index %s has %d entries for %d records", want.name, n, want.n)
		}
	}
	return nil
}
