package keeper

import (
	"context"
	"maps"
	"slices"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/infer/types"
)

// CheckInvariants verifies the module's invariants; module tests and the
// app's block tests run it after every block:
//   - escrow: provider bonds, unbonding entries and the bonds of
//     challengers in running disputes add up to the module account's
//     balance;
//   - each bond's locked amount is at most its amount and equals the
//     stakes of the running disputes it defends;
//   - receipt keys and bonds name each other;
//   - unbonding entries and their two indexes agree;
//   - a claim's open dispute is a running dispute over it, and each
//     running dispute is its claim's open dispute and queued at its
//     deadline;
//   - queued claim windows are those of pending claims;
//   - the indexes by account hold exactly their records (checkIndexes).
func (k Keeper) CheckInvariants(ctx context.Context) error {
	if err := k.checkIndexes(ctx); err != nil {
		return err
	}
	want := sdk.NewCoins()
	locked := map[string]sdkmath.Int{}
	if err := k.Bonds.Walk(ctx, nil, func(provider string, b types.Bond) (bool, error) {
		if b.Provider != provider || b.Locked.IsNegative() || b.Locked.GT(b.Amount.Amount) {
			return true, types.ErrInvariant.Wrapf("bond of %s: provider %q, %s locked of %s", provider, b.Provider, b.Locked, b.Amount)
		}
		if b.ReceiptKeyId != "" {
			if owner, err := k.ReceiptKeys.Get(ctx, b.ReceiptKeyId); err != nil || owner != provider {
				return true, types.ErrInvariant.Wrapf("receipt key %s of %s is not indexed to it", b.ReceiptKeyId, provider)
			}
		}
		want = want.Add(b.Amount)
		locked[provider] = b.Locked
		return false, nil
	}); err != nil {
		return err
	}
	if err := k.ReceiptKeys.Walk(ctx, nil, func(id, provider string) (bool, error) {
		if b, err := k.Bonds.Get(ctx, provider); err != nil || b.ReceiptKeyId != id {
			return true, types.ErrInvariant.Wrapf("receipt key %s names %s, whose bond does not bind it", id, provider)
		}
		return false, nil
	}); err != nil {
		return err
	}
	n := 0
	if err := k.Unbondings.Walk(ctx, nil, func(id uint64, u types.Unbonding) (bool, error) {
		n++
		q, err1 := k.UnbondingQueue.Has(ctx, collections.Join(u.ReleaseHeight, id))
		pv, err2 := k.ProviderUnbond.Has(ctx, collections.Join(u.Provider, id))
		if u.Id != id || !q || !pv || err1 != nil || err2 != nil || !u.Amount.IsPositive() {
			return true, types.ErrInvariant.Wrapf("unbonding %d is malformed or not indexed", id)
		}
		want = want.Add(u.Amount)
		return false, nil
	}); err != nil {
		return err
	}
	queued, byProvider := 0, 0
	if err := k.UnbondingQueue.Walk(ctx, nil, func(collections.Pair[int64, uint64]) (bool, error) { queued++; return false, nil }); err != nil {
		return err
	}
	if err := k.ProviderUnbond.Walk(ctx, nil, func(collections.Pair[string, uint64]) (bool, error) { byProvider++; return false, nil }); err != nil {
		return err
	}
	if queued != n || byProvider != n {
		return types.ErrInvariant.Wrapf("%d unbonding entries, %d queued, %d indexed by provider", n, queued, byProvider)
	}
	staked := map[string]sdkmath.Int{}
	if err := k.Disputes.Walk(ctx, nil, func(id uint64, d types.Dispute) (bool, error) {
		if d.Phase == types.DisputePhase_DISPUTE_PHASE_SETTLED {
			return false, nil
		}
		want = want.Add(d.ChallengerBond)
		if s, ok := staked[d.Defender]; ok {
			staked[d.Defender] = s.Add(d.Stake)
		} else {
			staked[d.Defender] = d.Stake
		}
		c, err := k.Claims.Get(ctx, d.ClaimId)
		if err != nil || c.OpenDispute != id {
			return true, types.ErrInvariant.Wrapf("running dispute %d is not its claim %d's open dispute", id, d.ClaimId)
		}
		if q, err := k.DisputeQueue.Has(ctx, collections.Join(d.Deadline, id)); err != nil || !q {
			return true, types.ErrInvariant.Wrapf("running dispute %d is not queued at its deadline %d", id, d.Deadline)
		}
		if d.Lo >= d.Hi || d.Hi > d.TraceSize {
			return true, types.ErrInvariant.Wrapf("dispute %d bisects [%d, %d] of a trace of %d", id, d.Lo, d.Hi, d.TraceSize)
		}
		return false, nil
	}); err != nil {
		return err
	}
	if have := k.bank.GetAllBalances(ctx, k.moduleAddr); !have.Equal(want) {
		return types.ErrInvariant.Wrapf("module account holds %s; bonds, unbonding entries and challenger bonds add up to %s", have, want)
	}
	for _, provider := range sortedKeys(locked) {
		s, ok := staked[provider]
		if !ok {
			s = sdkmath.ZeroInt()
		}
		if !locked[provider].Equal(s) {
			return types.ErrInvariant.Wrapf("%s has %s locked; its running disputes stake %s", provider, locked[provider], s)
		}
		delete(staked, provider)
	}
	for _, provider := range sortedKeys(staked) {
		return types.ErrInvariant.Wrapf("%s defends disputes staking %s but has no bond", provider, staked[provider])
	}
	if err := k.Claims.Walk(ctx, nil, func(id uint64, c types.Claim) (bool, error) {
		if c.Id != id {
			return true, types.ErrInvariant.Wrapf("claim stored under %d has id %d", id, c.Id)
		}
		if c.OpenDispute != 0 {
			d, err := k.Disputes.Get(ctx, c.OpenDispute)
			if err != nil || d.ClaimId != id || d.Phase == types.DisputePhase_DISPUTE_PHASE_SETTLED {
				return true, types.ErrInvariant.Wrapf("claim %d's open dispute %d is not running over it", id, c.OpenDispute)
			}
		}
		return false, nil
	}); err != nil {
		return err
	}
	return k.ClaimQueue.Walk(ctx, nil, func(key collections.Pair[int64, uint64]) (bool, error) {
		c, err := k.Claims.Get(ctx, key.K2())
		if err != nil || c.WindowEnd != key.K1() || c.Status != types.ClaimStatus_CLAIM_STATUS_PENDING {
			return true, types.ErrInvariant.Wrapf("queued window (%d, %d) is not a pending claim's", key.K1(), key.K2())
		}
		return false, nil
	})
}

// sortedKeys returns m's keys in order, so that checks over a map are
// deterministic.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
