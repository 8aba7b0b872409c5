package keeper

import (
	"context"
	"math"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/prova-network/prova/x/registry/types"
)

type queryServer struct{ Keeper }

// NewQueryServer returns the registry's Query service implementation.
func NewQueryServer(k Keeper) types.QueryServer { return queryServer{k} }

var _ types.QueryServer = queryServer{}

// grpcError maps registry errors to gRPC status codes; other errors are
// reported as internal without their text.
func grpcError(err error) error {
	switch {
	case err == nil:
		return nil
	case errorsmod.IsOf(err, types.ErrNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errorsmod.IsOf(err, types.ErrInvalidDigest, types.ErrTooManyLinks):
		return status.Error(codes.InvalidArgument, err.Error())
	}
	return status.Error(codes.Internal, "internal error")
}

func (q queryServer) Dataset(ctx context.Context, req *types.QueryDatasetRequest) (*types.QueryDatasetResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if err := types.ValidateID("id", req.Id); err != nil {
		return nil, grpcError(err)
	}
	d, err := q.GetDataset(ctx, req.Id)
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryDatasetResponse{Dataset: d}, nil
}

func (q queryServer) Model(ctx context.Context, req *types.QueryModelRequest) (*types.QueryModelResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if err := types.ValidateID("id", req.Id); err != nil {
		return nil, grpcError(err)
	}
	m, err := q.GetModel(ctx, req.Id)
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryModelResponse{Model: m}, nil
}

func (q queryServer) ByDigest(ctx context.Context, req *types.QueryByDigestRequest) (*types.QueryByDigestResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if err := types.ValidateID("digest", req.Digest); err != nil {
		return nil, grpcError(err)
	}
	d, m, err := q.lookup(ctx, req.Digest)
	if errorsmod.IsOf(err, types.ErrNotFound) {
		return nil, grpcError(errorsmod.Wrapf(types.ErrNotFound, "nothing is registered under %s", req.Digest))
	} else if err != nil {
		return nil, grpcError(err)
	}
	if d != nil {
		return &types.QueryByDigestResponse{Kind: "dataset", Dataset: d}, nil
	}
	return &types.QueryByDigestResponse{Kind: "model", Model: m}, nil
}

func (q queryServer) lineage(ctx context.Context, req *types.QueryLineageRequest, walk func(context.Context, string, uint32) ([]types.LineageEntry, error)) (*types.QueryLineageResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if err := types.ValidateID("id", req.Id); err != nil {
		return nil, grpcError(err)
	}
	params, err := q.Keeper.Params.Get(ctx)
	if err != nil {
		return nil, grpcError(err)
	}
	depth := req.MaxDepth
	if depth == 0 || depth > params.MaxQueryDepth {
		depth = params.MaxQueryDepth
	}
	entries, err := walk(ctx, req.Id, depth)
	if err != nil {
		return nil, grpcError(err)
	}
	page, res, err := paginate(entries, req.Pagination)
	if err != nil {
		return nil, err
	}
	return &types.QueryLineageResponse{Entries: page, Pagination: res}, nil
}

func (q queryServer) Ancestors(ctx context.Context, req *types.QueryLineageRequest) (*types.QueryLineageResponse, error) {
	return q.lineage(ctx, req, q.Keeper.Ancestors)
}

func (q queryServer) Descendants(ctx context.Context, req *types.QueryLineageRequest) (*types.QueryLineageResponse, error) {
	return q.lineage(ctx, req, q.Keeper.Descendants)
}

func (q queryServer) ModelsByDataset(ctx context.Context, req *types.QueryModelsByDatasetRequest) (*types.QueryModelsByDatasetResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if err := types.ValidateID("dataset id", req.DatasetId); err != nil {
		return nil, grpcError(err)
	}
	uses, res, err := query.CollectionPaginate(ctx, q.DatasetUses, req.Pagination,
		func(key collections.Pair[string, string], rel uint64) (types.DatasetUse, error) {
			return types.DatasetUse{ModelId: key.K2(), Relation: types.DatasetRelation(rel)}, nil
		}, query.WithCollectionPaginationPairPrefix[string, string](req.DatasetId))
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryModelsByDatasetResponse{Uses: uses, Pagination: res}, nil
}

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.Keeper.Params.Get(ctx)
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

// paginate applies offset/limit paging to an in-memory result list. An
// offset and limit whose sum does not fit in a uint64 is refused: the sum
// used to wrap around and panic slicing the list.
func paginate[T any](all []T, req *query.PageRequest) ([]T, *query.PageResponse, error) {
	const defaultLimit = 100
	var offset, limit uint64 = 0, defaultLimit
	countTotal := false
	if req != nil {
		offset = req.Offset
		if req.Limit > 0 {
			limit = req.Limit
		}
		countTotal = req.CountTotal
	}
	if limit > math.MaxUint64-offset {
		return nil, nil, status.Errorf(codes.InvalidArgument, "pagination offset %d plus limit %d overflows", offset, limit)
	}
	n := uint64(len(all))
	res := &query.PageResponse{}
	if countTotal {
		res.Total = n
	}
	if offset >= n {
		return nil, res, nil
	}
	end := min(offset+limit, n)
	if end < n {
		res.NextKey = []byte{0} // more results: ask again with offset+limit
	}
	return all[offset:end], res, nil
}
