package keeper

import (
	"context"
	"errors"
	"math"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/infer/types"
)

// EndBlocker settles what is due at this height, each queue in key order
// (height, then ID), so every node does the same work in the same order:
// disputes whose move deadline passed (the party that owed the move
// loses), unanswered input requests (the provider is slashed and the
// claim refuted), claims and batches whose window ended (final unless in
// dispute), and unbonding entries due for release. Each item runs in a
// cached context written only if it succeeds; a failing item is reported
// in an event, stays queued and is retried next block, and never halts
// the chain.
func (k Keeper) EndBlocker(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	h := sdkCtx.BlockHeight()
	queues := []struct {
		name string
		q    collections.KeySet[collections.Pair[int64, uint64]]
		do   func(context.Context, uint64) error
	}{
		{"dispute", k.DisputeQueue, k.timeoutDispute},
		{"input_request", k.InputQueue, k.expireInput},
		{"claim", k.ClaimQueue, k.closeClaimWindow},
		{"batch", k.BatchQueue, k.closeBatchWindow},
		{"unbonding", k.UnbondingQueue, k.release},
	}
	for _, q := range queues {
		due, err := dueKeys(ctx, q.q, h)
		if err != nil {
			return err
		}
		for _, key := range due {
			cacheCtx, write := sdkCtx.CacheContext()
			err := q.q.Remove(cacheCtx, key)
			if err == nil {
				err = q.do(cacheCtx, key.K2())
			}
			if err == nil {
				write()
				continue
			}
			sdkCtx.Logger().Error("infer end block item failed; retrying next block", "item", q.name, "id", key.K2(), "err", err)
			sdkCtx.EventManager().EmitEvent(sdk.NewEvent(types.EventTypeEndBlockError,
				sdk.NewAttribute(types.AttributeKeyItem, q.name), sdk.NewAttribute(types.AttributeKeyID, u64(key.K2())),
				sdk.NewAttribute(types.AttributeKeyError, err.Error())))
		}
	}
	return nil
}

// dueKeys lists the entries of q at or below height h.
func dueKeys(ctx context.Context, q collections.KeySet[collections.Pair[int64, uint64]], h int64) ([]collections.Pair[int64, uint64], error) {
	var out []collections.Pair[int64, uint64]
	rng := new(collections.Range[collections.Pair[int64, uint64]]).EndInclusive(collections.Join(h, uint64(math.MaxUint64)))
	err := q.Walk(ctx, rng, func(key collections.Pair[int64, uint64]) (bool, error) {
		out = append(out, key)
		return false, nil
	})
	return out, err
}

// timeoutDispute settles a dispute whose due move did not come: a party
// that missed its bisect move loses; an unresolved single step is lost by
// the challenger, who carries the burden of proof; an unproven output is
// lost by the defender.
func (k Keeper) timeoutDispute(ctx context.Context, id uint64) error {
	d, err := k.Disputes.Get(ctx, id)
	if err != nil {
		return err
	}
	var outcome types.Outcome
	var reason string
	party := types.Party_PARTY_UNSPECIFIED
	switch d.Phase {
	case types.DisputePhase_DISPUTE_PHASE_BISECT:
		party = d.Turn
		if d.Turn == types.Party_PARTY_DEFENDER {
			outcome, reason = types.Outcome_OUTCOME_CHALLENGER_WON, "the defender missed its bisect move"
		} else {
			outcome, reason = types.Outcome_OUTCOME_DEFENDER_WON, "the challenger missed its bisect move"
		}
	case types.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP:
		party = types.Party_PARTY_CHALLENGER
		outcome, reason = types.Outcome_OUTCOME_DEFENDER_WON, "nobody resolved the disputed step; the challenger carries the burden of proof"
	case types.DisputePhase_DISPUTE_PHASE_PROVE_OUTPUT:
		party = types.Party_PARTY_DEFENDER
		outcome, reason = types.Outcome_OUTCOME_CHALLENGER_WON, "the defender did not prove its output digest"
	default:
		return types.ErrInvariant.Wrapf("dispute %d is queued in phase %s", id, d.Phase)
	}
	// settle removes the queue entry the caller already removed; that is
	// a no-op.
	d.Moves = append(d.Moves, types.Move{Kind: moveTimeout, Party: party, Height: height(ctx)})
	return k.settle(ctx, d, outcome, reason)
}

// expireInput slashes a provider that left an input request unanswered:
// params.dispute_stake of its bond (unbonding entries included) goes to
// the requester less the burned share, and the claim is refuted.
func (k Keeper) expireInput(ctx context.Context, claimID uint64) error {
	r, err := k.InputRequests.Get(ctx, claimID)
	if err != nil {
		return err
	}
	if r.Status != types.InputRequestStatus_INPUT_REQUEST_STATUS_OPEN {
		return nil
	}
	c, err := k.Claims.Get(ctx, claimID)
	if err != nil {
		return err
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	stake, err := k.lockStake(ctx, c.Provider, p.DisputeStake.Amount, p.Denom())
	if err != nil {
		return err
	}
	reward, burned, err := k.forfeit(ctx, c.Provider, stake, r.Requester, p)
	if err != nil {
		return err
	}
	r.Status = types.InputRequestStatus_INPUT_REQUEST_STATUS_EXPIRED
	if err := k.InputRequests.Set(ctx, claimID, r); err != nil {
		return err
	}
	if err := k.closeInputIndex(ctx, c.Provider, claimID); err != nil {
		return err
	}
	if c.Status == types.ClaimStatus_CLAIM_STATUS_PENDING {
		if err := k.refute(ctx, &c); err != nil {
			return err
		}
		if err := k.Claims.Set(ctx, c.Id, c); err != nil {
			return err
		}
	}
	emit(ctx, types.EventTypeInputExpired, types.AttributeKeyClaimID, u64(claimID), types.AttributeKeyProvider, c.Provider,
		types.AttributeKeyRequester, r.Requester, types.AttributeKeySlashed, sdk.NewCoin(p.Denom(), stake).String(),
		types.AttributeKeyReward, sdk.NewCoin(p.Denom(), reward).String(), types.AttributeKeyBurned, sdk.NewCoin(p.Denom(), burned).String())
	return nil
}

// closeClaimWindow makes a claim final when its window ends, unless it is
// in dispute (settle decides it then) or its inputs were requested and not
// yet posted (posting them reopens the window; not posting them refutes
// the claim).
func (k Keeper) closeClaimWindow(ctx context.Context, id uint64) error {
	c, err := k.Claims.Get(ctx, id)
	if err != nil {
		return err
	}
	if c.Status != types.ClaimStatus_CLAIM_STATUS_PENDING || c.OpenDispute != 0 {
		return nil
	}
	if pending, err := k.inputPending(ctx, id); err != nil || pending {
		return err
	}
	c.Status = types.ClaimStatus_CLAIM_STATUS_FINAL
	if err := k.Claims.Set(ctx, id, c); err != nil {
		return err
	}
	emitFinal(ctx, c)
	return nil
}

// closeBatchWindow makes a batch final when its window ends; its leaves
// recorded as claims have windows of their own.
func (k Keeper) closeBatchWindow(ctx context.Context, id uint64) error {
	b, err := k.Batches.Get(ctx, id)
	if err != nil {
		return err
	}
	if b.Status != types.ClaimStatus_CLAIM_STATUS_PENDING {
		return nil
	}
	b.Status = types.ClaimStatus_CLAIM_STATUS_FINAL
	if err := k.Batches.Set(ctx, id, b); err != nil {
		return err
	}
	emit(ctx, types.EventTypeBatchFinal, types.AttributeKeyBatchID, u64(id), types.AttributeKeyProvider, b.Provider)
	return nil
}

// inputPending reports whether claim id's inputs were requested and not
// yet posted.
func (k Keeper) inputPending(ctx context.Context, id uint64) (bool, error) {
	r, err := k.InputRequests.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return false, nil
	}
	return err == nil && r.Status == types.InputRequestStatus_INPUT_REQUEST_STATUS_OPEN, err
}

// release pays an unbonding entry out to its provider.
func (k Keeper) release(ctx context.Context, id uint64) error {
	u, err := k.Unbondings.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := k.removeUnbonding(ctx, u); err != nil {
		return err
	}
	if err := k.send(ctx, u.Provider, u.Amount); err != nil {
		return err
	}
	emit(ctx, types.EventTypeUnbonded, types.AttributeKeyProvider, u.Provider, types.AttributeKeyAmount, u.Amount.String(), types.AttributeKeyUnbondingID, u64(id))
	return nil
}
