package keeper

import (
	"context"
	"encoding/hex"
	"errors"

	"cosmossdk.io/collections"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/x/receipts/types"
)

type queryServer struct{ Keeper }

// NewQueryServer returns the Query service.
func NewQueryServer(k Keeper) types.QueryServer { return queryServer{k} }

var _ types.QueryServer = queryServer{}

// maxPageLimit bounds one page of logs.
const maxPageLimit = 200

var errInternal = status.Error(codes.Internal, "internal error")

func (q queryServer) Log(ctx context.Context, req *types.QueryLogRequest) (*types.QueryLogResponse, error) {
	if req == nil || req.LogId == "" {
		return nil, status.Error(codes.InvalidArgument, "log id is required")
	}
	l, err := q.Keeper.Logs.Get(ctx, req.LogId)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no log %q", req.LogId)
	} else if err != nil {
		return nil, errInternal
	}
	return &types.QueryLogResponse{Log: l}, nil
}

func (q queryServer) Logs(ctx context.Context, req *types.QueryLogsRequest) (*types.QueryLogsResponse, error) {
	var page *query.PageRequest
	if req != nil {
		page = req.Pagination
	}
	if page != nil && page.Limit > maxPageLimit {
		p := *page
		p.Limit = maxPageLimit
		page = &p
	}
	logs, res, err := query.CollectionPaginate(ctx, q.Keeper.Logs, page, func(_ string, l types.Log) (types.Log, error) { return l, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, "invalid pagination")
	}
	return &types.QueryLogsResponse{Logs: logs, Pagination: res}, nil
}

func (q queryServer) LatestCheckpoint(ctx context.Context, req *types.QueryLatestCheckpointRequest) (*types.QueryLatestCheckpointResponse, error) {
	if req == nil || req.LogId == "" {
		return nil, status.Error(codes.InvalidArgument, "log id is required")
	}
	c, err := q.Latest.Get(ctx, req.LogId)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no checkpoint of log %q is anchored", req.LogId)
	} else if err != nil {
		return nil, errInternal
	}
	return &types.QueryLatestCheckpointResponse{Checkpoint: c}, nil
}

func (q queryServer) CheckpointAtHeight(ctx context.Context, req *types.QueryCheckpointAtHeightRequest) (*types.QueryCheckpointAtHeightResponse, error) {
	if req == nil || req.LogId == "" || req.Height <= 0 {
		return nil, status.Error(codes.InvalidArgument, "log id and a positive height are required")
	}
	c, ok, err := q.CheckpointAt(ctx, req.LogId, req.Height)
	if err != nil {
		return nil, errInternal
	}
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no checkpoint of log %q is anchored at or below height %d", req.LogId, req.Height)
	}
	return &types.QueryCheckpointAtHeightResponse{Checkpoint: c}, nil
}

func (q queryServer) Inference(ctx context.Context, req *types.QueryInferenceRequest) (*types.QueryInferenceResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "receipt id is required")
	}
	id, err := hex.DecodeString(req.ReceiptId)
	if err != nil || len(id) != tlog.HashSize {
		return nil, status.Error(codes.InvalidArgument, "receipt id must be 64 hex digits")
	}
	r, err := q.Inferences.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no inference %s is recorded", req.ReceiptId)
	} else if err != nil {
		return nil, errInternal
	}
	return &types.QueryInferenceResponse{Record: r}, nil
}

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.Keeper.Params.Get(ctx)
	if err != nil {
		return nil, errInternal
	}
	return &types.QueryParamsResponse{Params: p}, nil
}
