package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/prova-network/prova/x/infer/types"
)

type queryServer struct{ Keeper }

// NewQueryServer returns the Query service.
func NewQueryServer(k Keeper) types.QueryServer { return queryServer{k} }

var _ types.QueryServer = queryServer{}

// maxPageLimit bounds one page of claims or disputes.
const maxPageLimit = 200

var errInternal = status.Error(codes.Internal, "internal error")

// lookup reads key from m, mapping a missing entry to NotFound and any
// other failure to a bare Internal (store errors are not echoed).
func lookup[K, V any](ctx context.Context, m collections.Map[K, V], key K, what string) (V, error) {
	v, err := m.Get(ctx, key)
	if errors.Is(err, collections.ErrNotFound) {
		return v, status.Errorf(codes.NotFound, "no %s", what)
	} else if err != nil {
		return v, errInternal
	}
	return v, nil
}

func page(p *query.PageRequest) *query.PageRequest {
	if p != nil && p.Limit > maxPageLimit {
		c := *p
		c.Limit = maxPageLimit
		return &c
	}
	return p
}

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.Keeper.Params.Get(ctx)
	if err != nil {
		return nil, errInternal
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

func (q queryServer) Executable(ctx context.Context, req *types.QueryExecutableRequest) (*types.QueryExecutableResponse, error) {
	if req == nil || req.ModelId == "" {
		return nil, status.Error(codes.InvalidArgument, "model id is required")
	}
	e, err := lookup(ctx, q.Executables, req.ModelId, "executable model "+req.ModelId)
	if err != nil {
		return nil, err
	}
	res := &types.QueryExecutableResponse{Executable: e}
	if req.IncludeSkeleton {
		if res.Skeleton, err = lookup(ctx, q.Skeletons, req.ModelId, "skeleton"); err != nil {
			return nil, err
		}
	}
	if req.IncludeFile && e.HasFile {
		if res.File, err = lookup(ctx, q.Files, req.ModelId, "file"); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func (q queryServer) Run(ctx context.Context, req *types.QueryRunRequest) (*types.QueryRunResponse, error) {
	if req == nil || req.RunId == 0 {
		return nil, status.Error(codes.InvalidArgument, "run id is required")
	}
	r, err := lookup(ctx, q.Runs, req.RunId, "run")
	if err != nil {
		return nil, err
	}
	return &types.QueryRunResponse{Run: r}, nil
}

func (q queryServer) Bond(ctx context.Context, req *types.QueryBondRequest) (*types.QueryBondResponse, error) {
	if req == nil || req.Provider == "" {
		return nil, status.Error(codes.InvalidArgument, "provider is required")
	}
	if _, err := q.addrs.StringToBytes(req.Provider); err != nil {
		return nil, status.Error(codes.InvalidArgument, "provider is not an account address")
	}
	b, err := lookup(ctx, q.Bonds, req.Provider, "bond of "+req.Provider)
	if err != nil {
		return nil, err
	}
	res := &types.QueryBondResponse{Bond: b}
	err = q.ProviderUnbond.Walk(ctx, collections.NewPrefixedPairRange[string, uint64](req.Provider), func(key collections.Pair[string, uint64]) (bool, error) {
		u, err := q.Unbondings.Get(ctx, key.K2())
		if err != nil {
			return true, err
		}
		res.Unbondings = append(res.Unbondings, u)
		return len(res.Unbondings) >= maxPageLimit, nil
	})
	if err != nil {
		return nil, errInternal
	}
	return res, nil
}

func (q queryServer) Claim(ctx context.Context, req *types.QueryClaimRequest) (*types.QueryClaimResponse, error) {
	if req == nil || req.ClaimId == 0 {
		return nil, status.Error(codes.InvalidArgument, "claim id is required")
	}
	c, err := lookup(ctx, q.Keeper.Claims, req.ClaimId, "claim")
	if err != nil {
		return nil, err
	}
	return &types.QueryClaimResponse{Claim: c}, nil
}

func (q queryServer) Claims(ctx context.Context, req *types.QueryClaimsRequest) (*types.QueryClaimsResponse, error) {
	var p *query.PageRequest
	if req != nil {
		p = req.Pagination
	}
	claims, res, err := query.CollectionPaginate(ctx, q.Keeper.Claims, page(p), func(_ uint64, c types.Claim) (types.Claim, error) { return c, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, "invalid pagination")
	}
	return &types.QueryClaimsResponse{Claims: claims, Pagination: res}, nil
}

func (q queryServer) Batch(ctx context.Context, req *types.QueryBatchRequest) (*types.QueryBatchResponse, error) {
	if req == nil || req.BatchId == 0 {
		return nil, status.Error(codes.InvalidArgument, "batch id is required")
	}
	b, err := lookup(ctx, q.Batches, req.BatchId, "batch")
	if err != nil {
		return nil, err
	}
	return &types.QueryBatchResponse{Batch: b}, nil
}

func (q queryServer) InputRequest(ctx context.Context, req *types.QueryInputRequestRequest) (*types.QueryInputRequestResponse, error) {
	if req == nil || req.ClaimId == 0 {
		return nil, status.Error(codes.InvalidArgument, "claim id is required")
	}
	r, err := lookup(ctx, q.InputRequests, req.ClaimId, "input request of that claim")
	if err != nil {
		return nil, err
	}
	return &types.QueryInputRequestResponse{Request: r}, nil
}

func (q queryServer) Dispute(ctx context.Context, req *types.QueryDisputeRequest) (*types.QueryDisputeResponse, error) {
	if req == nil || req.DisputeId == 0 {
		return nil, status.Error(codes.InvalidArgument, "dispute id is required")
	}
	d, err := lookup(ctx, q.Keeper.Disputes, req.DisputeId, "dispute")
	if err != nil {
		return nil, err
	}
	return &types.QueryDisputeResponse{Dispute: d}, nil
}

func (q queryServer) Disputes(ctx context.Context, req *types.QueryDisputesRequest) (*types.QueryDisputesResponse, error) {
	var p *query.PageRequest
	if req != nil {
		p = req.Pagination
	}
	ds, res, err := query.CollectionPaginate(ctx, q.Keeper.Disputes, page(p), func(_ uint64, d types.Dispute) (types.Dispute, error) { return d, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, "invalid pagination")
	}
	return &types.QueryDisputesResponse{Disputes: ds, Pagination: res}, nil
}
