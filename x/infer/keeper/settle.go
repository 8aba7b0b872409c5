package keeper

import (
	"context"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/infer/types"
)

// settle ends dispute d with outcome. The loser's stake goes to the
// winner less params.burn_share, which is burned (with both losing, both
// stakes are burned); the winner's own stake is released (the defender's
// unlocked in its bond, the challenger's bond refunded), and the
// challenger gets back whatever of its bond was above the stake. A claim
// whose defender did not win is refuted; one whose defender won is final
// if its window has passed.
func (k Keeper) settle(ctx context.Context, d types.Dispute, outcome types.Outcome, reason string) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	h := height(ctx)
	stake := d.Stake
	refund := d.ChallengerBond.Amount
	winner := ""
	reward, burned := sdkmath.ZeroInt(), sdkmath.ZeroInt()
	switch outcome {
	case types.Outcome_OUTCOME_DEFENDER_WON:
		winner = d.Defender
		if err := k.unlock(ctx, d.Defender, stake, p.Denom()); err != nil {
			return err
		}
		if reward, burned, err = k.payOut(ctx, stake, d.Defender, p); err != nil {
			return err
		}
		refund = refund.Sub(stake)
	case types.Outcome_OUTCOME_CHALLENGER_WON:
		winner = d.Challenger
		if reward, burned, err = k.forfeit(ctx, d.Defender, stake, d.Challenger, p); err != nil {
			return err
		}
	case types.Outcome_OUTCOME_BOTH_LOST:
		if _, burned, err = k.forfeit(ctx, d.Defender, stake, "", p); err != nil {
			return err
		}
		if _, b2, err := k.payOut(ctx, stake, "", p); err != nil {
			return err
		} else {
			burned = burned.Add(b2)
		}
		refund = refund.Sub(stake)
	default:
		return types.ErrInvariant.Wrapf("settling dispute %d with outcome %s", d.Id, outcome)
	}
	if err := k.send(ctx, d.Challenger, sdk.NewCoin(p.Denom(), refund)); err != nil {
		return err
	}
	if err := k.DisputeQueue.Remove(ctx, collections.Join(d.Deadline, d.Id)); err != nil {
		return err
	}
	d.Phase, d.Turn, d.Outcome, d.Reason, d.SettledHeight = types.DisputePhase_DISPUTE_PHASE_SETTLED, types.Party_PARTY_UNSPECIFIED, outcome, reason, h
	if err := k.Disputes.Set(ctx, d.Id, d); err != nil {
		return err
	}
	if err := k.closeDisputeIndex(ctx, d); err != nil {
		return err
	}
	c, err := k.Claims.Get(ctx, d.ClaimId)
	if err != nil {
		return err
	}
	c.OpenDispute = 0
	final := false
	if c.Status == types.ClaimStatus_CLAIM_STATUS_PENDING {
		if outcome != types.Outcome_OUTCOME_DEFENDER_WON {
			if err := k.refute(ctx, &c); err != nil {
				return err
			}
		} else if c.WindowEnd != 0 && h > c.WindowEnd {
			// Its window closed during the dispute and the queue entry is
			// gone: it is final now, unless its inputs are still due.
			pending, err := k.inputPending(ctx, c.Id)
			if err != nil {
				return err
			}
			if !pending {
				c.Status, final = types.ClaimStatus_CLAIM_STATUS_FINAL, true
			}
		}
	}
	if err := k.Claims.Set(ctx, c.Id, c); err != nil {
		return err
	}
	coin := func(a sdkmath.Int) string { return sdk.NewCoin(p.Denom(), a).String() }
	emit(ctx, types.EventTypeDisputeSettled, types.AttributeKeyDisputeID, u64(d.Id), types.AttributeKeyClaimID, u64(d.ClaimId),
		types.AttributeKeyOutcome, outcome.String(), types.AttributeKeyWinner, winner, types.AttributeKeyDefender, d.Defender,
		types.AttributeKeyChallenger, d.Challenger, types.AttributeKeySlashed, coin(stake), types.AttributeKeyReward, coin(reward),
		types.AttributeKeyBurned, coin(burned), types.AttributeKeyReason, reason)
	if final {
		emitFinal(ctx, c)
	}
	return nil
}

// refute marks a pending claim refuted and drops its window from the
// queue (c is stored by the caller).
func (k Keeper) refute(ctx context.Context, c *types.Claim) error {
	if c.WindowEnd != 0 {
		if err := k.ClaimQueue.Remove(ctx, collections.Join(c.WindowEnd, c.Id)); err != nil {
			return err
		}
	}
	c.Status = types.ClaimStatus_CLAIM_STATUS_REFUTED
	return nil
}

func emitFinal(ctx context.Context, c types.Claim) {
	emit(ctx, types.EventTypeClaimFinal, types.AttributeKeyClaimID, u64(c.Id), types.AttributeKeyProvider, c.Provider, types.AttributeKeyModelID, c.ModelId)
}
