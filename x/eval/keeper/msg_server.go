package keeper

import (
	"bytes"
	"context"
	"errors"
	"strconv"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/eval/types"
)

func errorsIsNotFound(err error) bool { return errors.Is(err, collections.ErrNotFound) }

type msgServer struct{ Keeper }

// NewMsgServer returns the Msg service.
func NewMsgServer(k Keeper) types.MsgServer { return msgServer{k} }

var _ types.MsgServer = msgServer{}

func (s msgServer) CreateEvalTask(ctx context.Context, m *types.MsgCreateEvalTask) (*types.MsgCreateEvalTaskResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if m.CommitBlocks > p.MaxWindowBlocks || m.RevealBlocks > p.MaxWindowBlocks {
		return nil, types.ErrInvalidTask.Wrapf("windows are limited to %d blocks", p.MaxWindowBlocks)
	}
	if m.Pool.Denom != p.MinPool.Denom || m.Pool.Amount.LT(p.MinPool.Amount) {
		return nil, types.ErrPoolTooSmall.Wrapf("pool %s is below the minimum %s", m.Pool, p.MinPool)
	}
	ok, err := s.targetExists(ctx, m.TargetId)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, types.ErrUnknownTarget.Wrapf("%s is not a registered model or dataset", m.TargetId)
	}
	creator, err := s.account("creator", m.Creator)
	if err != nil {
		return nil, err
	}
	if err := s.bank.SendCoinsFromAccountToModule(ctx, creator, types.ModuleName, sdk.NewCoins(m.Pool)); err != nil {
		return nil, err
	}
	id, err := s.NextTaskID.Next(ctx)
	if err != nil {
		return nil, err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	t := types.Task{
		Id: id, Creator: m.Creator, TargetId: m.TargetId, BenchmarkUri: m.BenchmarkUri,
		BenchmarkDigest: m.BenchmarkDigest, Metric: m.Metric, ScoreMax: m.ScoreMax, Pool: m.Pool,
		CommitEnd: h + m.CommitBlocks, RevealEnd: h + m.CommitBlocks + m.RevealBlocks,
		MinEvaluators: m.MinEvaluators, Tolerance: m.Tolerance, SlashDistance: m.SlashDistance,
		Status: types.TaskStatus_TASK_STATUS_OPEN,
	}
	if err := s.Tasks.Set(ctx, id, t); err != nil {
		return nil, err
	}
	if err := s.Due.Set(ctx, collections.Join(t.RevealEnd, id)); err != nil {
		return nil, err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeTaskCreated,
		sdk.NewAttribute(types.AttributeKeyTaskID, strconv.FormatUint(id, 10)), sdk.NewAttribute(types.AttributeKeyTarget, t.TargetId),
		sdk.NewAttribute(types.AttributeKeyCommitEnd, strconv.FormatInt(t.CommitEnd, 10)), sdk.NewAttribute(types.AttributeKeyRevealEnd, strconv.FormatInt(t.RevealEnd, 10))))
	return &types.MsgCreateEvalTaskResponse{TaskId: id}, nil
}

// openTask returns task id if it is still open; closed is the error for a
// finished task (commit or reveal window closed).
func (s msgServer) openTask(ctx context.Context, id uint64, closed *errorsmod.Error) (types.Task, error) {
	t, err := s.Tasks.Get(ctx, id)
	if err != nil {
		if errorsIsNotFound(err) {
			return t, types.ErrTaskNotFound.Wrapf("no task %d", id)
		}
		return t, err
	}
	if t.Status != types.TaskStatus_TASK_STATUS_OPEN {
		return t, closed.Wrapf("task %d is finished (%s)", id, t.Status)
	}
	return t, nil
}

func (s msgServer) CommitScore(ctx context.Context, m *types.MsgCommitScore) (*types.MsgCommitScoreResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	t, err := s.openTask(ctx, m.TaskId, types.ErrCommitClosed)
	if err != nil {
		return nil, err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	if h > t.CommitEnd {
		return nil, types.ErrCommitClosed.Wrapf("task %d took commits until height %d; now %d", t.Id, t.CommitEnd, h)
	}
	if _, err := s.bondedValidator(ctx, m.Evaluator); err != nil {
		return nil, err
	}
	key := collections.Join(t.Id, m.Evaluator)
	if has, err := s.Commits.Has(ctx, key); err != nil {
		return nil, err
	} else if has {
		return nil, types.ErrAlreadyDone.Wrapf("%s already committed to task %d", m.Evaluator, t.Id)
	}
	if err := s.Commits.Set(ctx, key, types.Commit{Hash: m.Hash, Height: h}); err != nil {
		return nil, err
	}
	t.Commits++
	return &types.MsgCommitScoreResponse{}, s.Tasks.Set(ctx, t.Id, t)
}

func (s msgServer) RevealScore(ctx context.Context, m *types.MsgRevealScore) (*types.MsgRevealScoreResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	t, err := s.openTask(ctx, m.TaskId, types.ErrRevealClosed)
	if err != nil {
		return nil, err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	if h <= t.CommitEnd || h > t.RevealEnd {
		return nil, types.ErrRevealClosed.Wrapf("task %d takes reveals at heights %d..%d; now %d", t.Id, t.CommitEnd+1, t.RevealEnd, h)
	}
	key := collections.Join(t.Id, m.Evaluator)
	c, err := s.Commits.Get(ctx, key)
	if err != nil {
		if errorsIsNotFound(err) {
			return nil, types.ErrNoCommit.Wrapf("%s did not commit to task %d", m.Evaluator, t.Id)
		}
		return nil, err
	}
	if has, err := s.Reveals.Has(ctx, key); err != nil {
		return nil, err
	} else if has {
		return nil, types.ErrAlreadyDone.Wrapf("%s already revealed for task %d", m.Evaluator, t.Id)
	}
	if m.Score > t.ScoreMax {
		return nil, types.ErrInvalidScore.Wrapf("score %d is above the task's maximum %d", m.Score, t.ScoreMax)
	}
	if !bytes.Equal(types.CommitHash(t.Id, m.Evaluator, m.Score, m.Salt), c.Hash) {
		return nil, types.ErrRevealMismatch.Wrap("score and salt do not hash to the commit")
	}
	v, err := s.bondedValidator(ctx, m.Evaluator)
	if err != nil {
		return nil, err
	}
	rep, err := s.reputation(ctx, m.Evaluator)
	if err != nil {
		return nil, err
	}
	weight := v.BondedTokens().Mul(sdkmath.NewIntFromUint64(rep))
	if err := s.Reveals.Set(ctx, key, types.Reveal{Score: m.Score, Weight: weight}); err != nil {
		return nil, err
	}
	t.Reveals++
	return &types.MsgRevealScoreResponse{}, s.Tasks.Set(ctx, t.Id, t)
}

// UpdateParams replaces the parameters. The authority is checked before
// anything else.
func (s msgServer) UpdateParams(ctx context.Context, m *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if err := s.checkAuthority(ctx, m.Authority); err != nil {
		return nil, err
	}
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	if err := s.Params.Set(ctx, m.Params); err != nil {
		return nil, err
	}
	sdk.UnwrapSDKContext(ctx).EventManager().EmitEvent(sdk.NewEvent(types.EventTypeParamsUpdated,
		sdk.NewAttribute(types.AttributeKeySlashFractionDeviation, m.Params.SlashFractionDeviation.String()),
		sdk.NewAttribute(types.AttributeKeySlashFractionNoReveal, m.Params.SlashFractionNoReveal.String())))
	return &types.MsgUpdateParamsResponse{}, nil
}
