package keeper

import (
	"context"
	"errors"
	"strconv"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/prova-network/prova/x/eval/types"
)

// EndBlocker tallies every task whose reveal window ends at this height,
// in task id order. Each tally runs in a cached context and is written only
// if it succeeds: a task whose tally fails is closed with its pool refunded
// (see failTally) and the other tasks are tallied as usual, so one bad task
// never halts the chain.
func (k Keeper) EndBlocker(ctx context.Context) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	h := sdkCtx.BlockHeight()
	var due []uint64
	rng := collections.NewPrefixedPairRange[int64, uint64](h)
	if err := k.Due.Walk(ctx, rng, func(key collections.Pair[int64, uint64]) (bool, error) {
		due = append(due, key.K2())
		return false, nil
	}); err != nil {
		return err
	}
	for _, id := range due {
		if !k.tallyOrRefund(sdkCtx, id) {
			continue // still open and due; see tallyOrRefund
		}
		if err := k.Due.Remove(ctx, collections.Join(h, id)); err != nil {
			return err
		}
	}
	return nil
}

// tallyOrRefund tallies task id in a cached context, writing the result
// only on success. On failure it discards the tally, refunds the pool to
// the creator, closes the task as failed and emits EventTypeTallyFailed. It
// reports whether the task was closed either way; if even the refund fails
// the task stays open and due (the escrow invariant still holds) and the
// failure is reported for governance to resolve.
func (k Keeper) tallyOrRefund(ctx sdk.Context, id uint64) bool {
	cacheCtx, write := ctx.CacheContext()
	err := k.tally(cacheCtx, id)
	if err == nil {
		write()
		return true
	}
	ctx.Logger().Error("eval tally failed; refunding the pool", "task", id, "err", err)
	refundCtx, writeRefund := ctx.CacheContext()
	refund, rerr := k.failTally(refundCtx, id)
	attrs := []sdk.Attribute{
		sdk.NewAttribute(types.AttributeKeyTaskID, strconv.FormatUint(id, 10)),
		sdk.NewAttribute(types.AttributeKeyError, err.Error()),
	}
	closed := rerr == nil
	if closed {
		writeRefund()
		attrs = append(attrs, sdk.NewAttribute(types.AttributeKeyRefund, refund.String()),
			sdk.NewAttribute(types.AttributeKeyStatus, types.TaskStatus_TASK_STATUS_FAILED.String()))
	} else {
		ctx.Logger().Error("eval refund failed; the task stays open", "task", id, "err", rerr)
		attrs = append(attrs, sdk.NewAttribute(types.AttributeKeyRefund, "failed: "+rerr.Error()),
			sdk.NewAttribute(types.AttributeKeyStatus, types.TaskStatus_TASK_STATUS_OPEN.String()))
	}
	ctx.EventManager().EmitEvent(sdk.NewEvent(types.EventTypeTallyFailed, attrs...))
	return closed
}

// failTally returns the whole pool of task id to its creator and closes the
// task as failed, as when too few evaluators reveal.
func (k Keeper) failTally(ctx context.Context, id uint64) (sdk.Coin, error) {
	t, err := k.Tasks.Get(ctx, id)
	if err != nil {
		return sdk.Coin{}, err
	}
	creator, err := k.account("creator", t.Creator)
	if err != nil {
		return sdk.Coin{}, err
	}
	if t.Pool.IsPositive() {
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, creator, sdk.NewCoins(t.Pool)); err != nil {
			return sdk.Coin{}, err
		}
	}
	t.Status, t.Result = types.TaskStatus_TASK_STATUS_FAILED, 0
	return t.Pool, k.Tasks.Set(ctx, id, t)
}

// tally decides one task: pays the evaluators within tolerance from the
// escrowed pool, refunds the creator when nobody earned it, slashes the
// far-off and the silent, and moves reputations.
func (k Keeper) tally(ctx context.Context, id uint64) error {
	t, err := k.Tasks.Get(ctx, id)
	if err != nil {
		return err
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	var committers []string
	var scores []types.WeightedScore
	revealed := map[string]bool{}
	rng := collections.NewPrefixedPairRange[uint64, string](id)
	if err := k.Commits.Walk(ctx, rng, func(key collections.Pair[uint64, string], _ types.Commit) (bool, error) {
		committers = append(committers, key.K2())
		return false, nil
	}); err != nil {
		return err
	}
	if err := k.Reveals.Walk(ctx, rng, func(key collections.Pair[uint64, string], r types.Reveal) (bool, error) {
		scores = append(scores, types.WeightedScore{Evaluator: key.K2(), Score: r.Score, Weight: r.Weight})
		revealed[key.K2()] = true
		return false, nil
	}); err != nil {
		return err
	}
	res, err := types.ComputeTally(types.TallyParams{
		MinReveals: int(t.MinEvaluators), Tolerance: t.Tolerance, SlashDistance: t.SlashDistance, ScoreMax: t.ScoreMax,
	}, t.Pool.Amount, committers, scores)
	if err != nil {
		return err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	for _, r := range res.Results {
		acc, err := k.account("evaluator", r.Evaluator)
		if err != nil {
			return err
		}
		if r.Reward.IsPositive() {
			if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, acc, sdk.NewCoins(sdk.NewCoin(t.Pool.Denom, r.Reward))); err != nil {
				return err
			}
		}
		switch r.Outcome {
		case types.OutcomeSlashedDeviation:
			if err := k.slash(ctx, acc, p.SlashFractionDeviation); err != nil {
				return err
			}
		case types.OutcomeSlashedNoReveal:
			if err := k.slash(ctx, acc, p.SlashFractionNoReveal); err != nil {
				return err
			}
		}
		rep, err := k.reputation(ctx, r.Evaluator)
		if err != nil {
			return err
		}
		if err := k.Reputation.Set(ctx, r.Evaluator, types.NextReputation(rep, r.Distance, t.ScoreMax, revealed[r.Evaluator], p.ReputationWindow)); err != nil {
			return err
		}
		sdkCtx.EventManager().EmitEvent(sdk.NewEvent(types.EventTypeEvaluatorResult,
			sdk.NewAttribute(types.AttributeKeyTaskID, strconv.FormatUint(id, 10)), sdk.NewAttribute(types.AttributeKeyEvaluator, r.Evaluator),
			sdk.NewAttribute(types.AttributeKeyOutcome, r.Outcome.String()), sdk.NewAttribute(types.AttributeKeyReward, r.Reward.String())))
	}
	if res.Refund.IsPositive() {
		creator, err := k.account("creator", t.Creator)
		if err != nil {
			return err
		}
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, creator, sdk.NewCoins(sdk.NewCoin(t.Pool.Denom, res.Refund))); err != nil {
			return err
		}
	}
	t.Status = types.TaskStatus_TASK_STATUS_FAILED
	if res.Succeeded {
		t.Status, t.Result = types.TaskStatus_TASK_STATUS_SUCCEEDED, res.Median
		if err := k.Latest.Set(ctx, t.TargetId, t); err != nil {
			return err
		}
	}
	sdkCtx.EventManager().EmitEvent(sdk.NewEvent(types.EventTypeTaskFinished,
		sdk.NewAttribute(types.AttributeKeyTaskID, strconv.FormatUint(id, 10)), sdk.NewAttribute(types.AttributeKeyStatus, t.Status.String()),
		sdk.NewAttribute(types.AttributeKeyResult, strconv.FormatUint(t.Result, 10))))
	return k.Tasks.Set(ctx, id, t)
}

// slash cuts the evaluator's validator stake by fraction through x/staking.
// An evaluator who no longer runs a validator has nothing to slash; any
// other error looking the validator up fails the tally.
func (k Keeper) slash(ctx context.Context, acc sdk.AccAddress, fraction sdkmath.LegacyDec) error {
	if !fraction.IsPositive() {
		return nil
	}
	v, err := k.staking.GetValidator(ctx, sdk.ValAddress(acc))
	if errors.Is(err, stakingtypes.ErrNoValidatorFound) {
		return nil
	} else if err != nil {
		return err
	}
	consAddr, err := v.GetConsAddr()
	if err != nil {
		return err
	}
	power := v.GetConsensusPower(k.staking.PowerReduction(ctx))
	_, err = k.staking.Slash(ctx, consAddr, sdk.UnwrapSDKContext(ctx).BlockHeight(), power, fraction)
	return err
}

// CheckInvariants verifies that the module account holds exactly the pools
// of the open tasks (escrow is neither lost nor paid twice), and that no
// evaluator can be paid twice: every open task is due for exactly one
// tally at its reveal end, nothing finished is due again, and each task's
// counters match its commits and reveals (a reveal only with a commit).
func (k Keeper) CheckInvariants(ctx context.Context) error {
	want := sdk.NewCoins()
	open := map[uint64]int64{}
	if err := k.Tasks.Walk(ctx, nil, func(id uint64, t types.Task) (bool, error) {
		if t.Status == types.TaskStatus_TASK_STATUS_OPEN {
			want = want.Add(t.Pool)
			open[id] = t.RevealEnd
		}
		var commits, reveals uint32
		rng := collections.NewPrefixedPairRange[uint64, string](id)
		if err := k.Commits.Walk(ctx, rng, func(collections.Pair[uint64, string], types.Commit) (bool, error) {
			commits++
			return false, nil
		}); err != nil {
			return true, err
		}
		if err := k.Reveals.Walk(ctx, rng, func(key collections.Pair[uint64, string], _ types.Reveal) (bool, error) {
			reveals++
			has, err := k.Commits.Has(ctx, key)
			if err == nil && !has {
				err = types.ErrInvariant.Wrapf("task %d: %s revealed without a commit", id, key.K2())
			}
			return err != nil, err
		}); err != nil {
			return true, err
		}
		if commits != t.Commits || reveals != t.Reveals {
			return true, types.ErrInvariant.Wrapf("task %d counts %d commits and %d reveals; the store has %d and %d", id, t.Commits, t.Reveals, commits, reveals)
		}
		return false, nil
	}); err != nil {
		return err
	}
	due := 0
	if err := k.Due.Walk(ctx, nil, func(key collections.Pair[int64, uint64]) (bool, error) {
		due++
		if end, ok := open[key.K2()]; !ok || end != key.K1() {
			return true, types.ErrInvariant.Wrapf("task %d is due at %d but is not open with that reveal end", key.K2(), key.K1())
		}
		return false, nil
	}); err != nil {
		return err
	}
	if due != len(open) {
		return types.ErrInvariant.Wrapf("%d open tasks but %d due tallies", len(open), due)
	}
	have := k.bank.GetAllBalances(ctx, k.moduleAddr)
	if !have.Equal(want) {
		return types.ErrInvariant.Wrapf("escrow invariant broken: module holds %s, open tasks escrow %s", have, want)
	}
	return nil
}
