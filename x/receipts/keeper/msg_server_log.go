package keeper

import (
	"bytes"
	"context"
	"errors"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/x/receipts/types"
)

// RegisterLog registers a log under its origin and escrows the bond in the
// module account.
func (s msgServer) RegisterLog(ctx context.Context, m *types.MsgRegisterLog) (*types.MsgRegisterLogResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if m.Bond.Denom != p.MinBond.Denom || m.Bond.Amount.LT(p.MinBond.Amount) {
		return nil, types.ErrBondTooSmall.Wrapf("bond %s is below the minimum %s", m.Bond, p.MinBond)
	}
	if has, err := s.Logs.Has(ctx, m.Origin); err != nil {
		return nil, err
	} else if has {
		return nil, types.ErrLogExists.Wrapf("log %q is already registered", m.Origin)
	}
	operator, err := s.account("operator", m.Operator)
	if err != nil {
		return nil, err
	}
	if err := s.bank.SendCoinsFromAccountToModule(ctx, operator, types.ModuleName, sdk.NewCoins(m.Bond)); err != nil {
		return nil, err
	}
	l := types.Log{
		Id: m.Origin, Operator: m.Operator, VerifierKey: m.VerifierKey, Bond: m.Bond,
		RegisteredHeight: sdk.UnwrapSDKContext(ctx).BlockHeight(), Slashed: sdk.NewCoin(m.Bond.Denom, sdkmath.ZeroInt()),
	}
	if err := s.Logs.Set(ctx, l.Id, l); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeLogRegistered, types.AttributeKeyLog, l.Id, types.AttributeKeyOperator, l.Operator, types.AttributeKeyBond, l.Bond.String())
	return &types.MsgRegisterLogResponse{LogId: l.Id}, nil
}

// AnchorCheckpoint anchors a signed checkpoint of a log. It must be signed
// by the log's key, be larger than the last anchored checkpoint (the empty
// tree for the first anchor) and come with a consistency proof from it.
func (s msgServer) AnchorCheckpoint(ctx context.Context, m *types.MsgAnchorCheckpoint) (*types.MsgAnchorCheckpointResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	l, err := s.log(ctx, m.LogId)
	if err != nil {
		return nil, err
	}
	if m.Operator != l.Operator {
		return nil, types.ErrNotOperator.Wrapf("log %q is operated by %s", l.Id, l.Operator)
	}
	if l.Frozen {
		return nil, types.ErrLogFrozen.Wrapf("log %q was frozen at height %d for equivocation", l.Id, l.FrozenHeight)
	}
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if len(m.ConsistencyProof) > int(p.MaxProofHashes) {
		return nil, types.ErrProofTooLong.Wrapf("%d hashes, at most %d", len(m.ConsistencyProof), p.MaxProofHashes)
	}
	cp, err := tlog.Open(m.Checkpoint, l.VerifierKey)
	if err != nil {
		return nil, types.ErrInvalidCheckpoint.Wrap(err.Error())
	}
	prev := tlog.Checkpoint{Origin: l.Id, Size: 0, Hash: tlog.EmptyRoot()}
	last, err := s.Latest.Get(ctx, l.Id)
	switch {
	case err == nil:
		prev.Size, prev.Hash = last.TreeSize, last.Root
	case !errors.Is(err, collections.ErrNotFound):
		return nil, err
	}
	if cp.Size <= prev.Size {
		return nil, types.ErrNotNewer.Wrapf("checkpoint of size %d; the anchored one has size %d", cp.Size, prev.Size)
	}
	if err := tlog.VerifyAppend(prev, cp, m.ConsistencyProof); err != nil {
		return nil, types.ErrNotAppend.Wrap(err.Error())
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	c := types.Checkpoint{
		LogId: l.Id, TreeSize: cp.Size, Root: cp.Hash, Note: m.Checkpoint,
		Height: sdkCtx.BlockHeight(), Time: sdkCtx.BlockTime().UTC(),
	}
	if err := s.Latest.Set(ctx, l.Id, c); err != nil {
		return nil, err
	}
	if err := s.History.Set(ctx, collections.Join(l.Id, c.Height), c); err != nil {
		return nil, err
	}
	if err := s.Roots.Set(ctx, collections.Join(l.Id, c.TreeSize), c.Root); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeCheckpointAnchored, types.AttributeKeyLog, l.Id, types.AttributeKeyTreeSize, sizeString(c.TreeSize), types.AttributeKeyRoot, hexRoot(c.Root))
	return &types.MsgAnchorCheckpointResponse{TreeSize: c.TreeSize, Root: c.Root}, nil
}

// ReportEquivocation takes evidence that a log's key signed two different
// trees of the same size: two signed checkpoints, or one whose root differs
// from the root anchored on chain for its size (checkpoint_b empty). The
// operator loses params.equivocation_slash_fraction of the bond; the
// reporter receives params.reporter_reward_fraction of that and the rest is
// burned; what is left of the bond goes back to the operator, and the log
// is frozen for good.
func (s msgServer) ReportEquivocation(ctx context.Context, m *types.MsgReportEquivocation) (*types.MsgReportEquivocationResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	l, err := s.log(ctx, m.LogId)
	if err != nil {
		return nil, err
	}
	if l.Frozen {
		return nil, types.ErrLogFrozen.Wrapf("log %q was already frozen at height %d", l.Id, l.FrozenHeight)
	}
	a, err := tlog.Open(m.CheckpointA, l.VerifierKey)
	if err != nil {
		return nil, types.ErrInvalidCheckpoint.Wrapf("checkpoint a: %v", err)
	}
	var other []byte
	if len(m.CheckpointB) > 0 {
		b, err := tlog.Open(m.CheckpointB, l.VerifierKey)
		if err != nil {
			return nil, types.ErrInvalidCheckpoint.Wrapf("checkpoint b: %v", err)
		}
		if b.Size != a.Size {
			return nil, types.ErrNoEquivocation.Wrapf("sizes %d and %d differ; only checkpoints of one size can be compared without a proof", a.Size, b.Size)
		}
		other = b.Hash
	} else {
		other, err = s.Roots.Get(ctx, collections.Join(l.Id, a.Size))
		if errors.Is(err, collections.ErrNotFound) {
			return nil, types.ErrNoEquivocation.Wrapf("no checkpoint of size %d is anchored to compare with; give checkpoint b", a.Size)
		} else if err != nil {
			return nil, err
		}
	}
	if bytes.Equal(a.Hash, other) {
		return nil, types.ErrNoEquivocation.Wrapf("both views of size %d have root %x", a.Size, a.Hash)
	}
	return s.slash(ctx, l, m.Reporter)
}

// slash takes the equivocation fraction of l's bond, pays the reporter's
// share, burns the rest of it, refunds what is left and freezes l.
func (s msgServer) slash(ctx context.Context, l types.Log, reporter string) (*types.MsgReportEquivocationResponse, error) {
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	denom := l.Bond.Denom
	slashed := p.EquivocationSlashFraction.MulInt(l.Bond.Amount).TruncateInt()
	reward := p.ReporterRewardFraction.MulInt(slashed).TruncateInt()
	burned := slashed.Sub(reward)
	refund := l.Bond.Amount.Sub(slashed)
	if reward.IsPositive() {
		to, err := s.account("reporter", reporter)
		if err != nil {
			return nil, err
		}
		if err := s.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, to, sdk.NewCoins(sdk.NewCoin(denom, reward))); err != nil {
			return nil, err
		}
	}
	if burned.IsPositive() {
		if err := s.bank.BurnCoins(ctx, types.ModuleName, sdk.NewCoins(sdk.NewCoin(denom, burned))); err != nil {
			return nil, err
		}
	}
	if refund.IsPositive() {
		op, err := s.account("operator", l.Operator)
		if err != nil {
			return nil, err
		}
		if err := s.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, op, sdk.NewCoins(sdk.NewCoin(denom, refund))); err != nil {
			return nil, err
		}
	}
	l.Frozen = true
	l.FrozenHeight = sdk.UnwrapSDKContext(ctx).BlockHeight()
	l.Slashed = sdk.NewCoin(denom, slashed)
	l.Bond = sdk.NewCoin(denom, sdkmath.ZeroInt())
	if err := s.Logs.Set(ctx, l.Id, l); err != nil {
		return nil, err
	}
	res := &types.MsgReportEquivocationResponse{Slashed: l.Slashed, Reward: sdk.NewCoin(denom, reward), Burned: sdk.NewCoin(denom, burned)}
	emit(ctx, types.EventTypeEquivocation, types.AttributeKeyLog, l.Id, types.AttributeKeyOperator, l.Operator, types.AttributeKeyReporter, reporter,
		types.AttributeKeySlashed, res.Slashed.String(), types.AttributeKeyReward, res.Reward.String(), types.AttributeKeyBurned, res.Burned.String())
	return res, nil
}
