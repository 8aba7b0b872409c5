package keeper

import (
	"context"

	"cosmossdk.io/collections"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/prova-network/prova/x/eval/types"
)

type queryServer struct{ Keeper }

// NewQueryServer returns the Query service.
func NewQueryServer(k Keeper) types.QueryServer { return queryServer{k} }

// maxScores bounds the tasks listed for one target.
const maxScores = 200

func (q queryServer) Task(ctx context.Context, req *types.QueryTaskRequest) (*types.QueryTaskResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	t, err := q.Tasks.Get(ctx, req.TaskId)
	if errorsIsNotFound(err) {
		return nil, status.Errorf(codes.NotFound, "no task %d", req.TaskId)
	} else if err != nil {
		return nil, status.Error(codes.Internal, "internal error")
	}
	return &types.QueryTaskResponse{Task: t}, nil
}

func (q queryServer) Scores(ctx context.Context, req *types.QueryScoresRequest) (*types.QueryScoresResponse, error) {
	if req == nil || req.TargetId == "" {
		return nil, status.Error(codes.InvalidArgument, "target id is required")
	}
	var ids []uint64
	rng := collections.NewPrefixedPairRange[string, uint64](req.TargetId).Descending()
	if err := q.ByTarget.Walk(ctx, rng, func(_ string, id uint64) (bool, error) {
		ids = append(ids, id)
		return len(ids) >= maxScores, nil
	}); err != nil {
		return nil, status.Error(codes.Internal, "internal error")
	}
	res := &types.QueryScoresResponse{}
	for _, id := range ids {
		t, err := q.Tasks.Get(ctx, id)
		if err != nil {
			return nil, status.Error(codes.Internal, "internal error")
		}
		res.Tasks = append(res.Tasks, t)
	}
	return res, nil
}

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.Keeper.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, "internal error")
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

func (q queryServer) OpenTasks(ctx context.Context, _ *types.QueryOpenTasksRequest) (*types.QueryOpenTasksResponse, error) {
	var ids []uint64
	if err := q.Due.Walk(ctx, nil, func(key collections.Pair[int64, uint64]) (bool, error) {
		ids = append(ids, key.K2())
		return len(ids) >= maxScores, nil
	}); err != nil {
		return nil, status.Error(codes.Internal, "internal error")
	}
	res := &types.QueryOpenTasksResponse{}
	for _, id := range ids {
		t, err := q.Tasks.Get(ctx, id)
		if err != nil {
			return nil, status.Error(codes.Internal, "internal error")
		}
		res.Tasks = append(res.Tasks, t)
	}
	return res, nil
}

func (q queryServer) Participation(ctx context.Context, req *types.QueryParticipationRequest) (*types.QueryParticipationResponse, error) {
	if req == nil || req.Evaluator == "" {
		return nil, status.Error(codes.InvalidArgument, "task id and evaluator are required")
	}
	if has, err := q.Tasks.Has(ctx, req.TaskId); err != nil {
		return nil, status.Error(codes.Internal, "internal error")
	} else if !has {
		return nil, status.Errorf(codes.NotFound, "no task %d", req.TaskId)
	}
	key := collections.Join(req.TaskId, req.Evaluator)
	res := &types.QueryParticipationResponse{}
	if c, err := q.Commits.Get(ctx, key); err == nil {
		res.Commit = &c
	} else if !errorsIsNotFound(err) {
		return nil, status.Error(codes.Internal, "internal error")
	}
	if r, err := q.Reveals.Get(ctx, key); err == nil {
		res.Reveal = &r
	} else if !errorsIsNotFound(err) {
		return nil, status.Error(codes.Internal, "internal error")
	}
	return res, nil
}
