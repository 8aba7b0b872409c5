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

// The queries by account: each pages through one index under the
// account's prefix, in ID order, and reads the records it names.

// errIndexed marks a record an index names but the store lacks: a broken
// invariant, reported as Internal rather than as bad pagination.
var errIndexed = errors.New("indexed record missing")

// byAccount pages through idx under addr and reads each entry with get.
func byAccount[T any](ctx context.Context, q queryServer, idx collections.KeySet[collections.Pair[string, uint64]], field, addr string,
	p *query.PageRequest, get func(id uint64) (T, error),
) ([]T, *query.PageResponse, error) {
	if addr == "" {
		return nil, nil, status.Errorf(codes.InvalidArgument, "%s is required", field)
	}
	if _, err := q.addrs.StringToBytes(addr); err != nil {
		return nil, nil, status.Errorf(codes.InvalidArgument, "%s is not an account address", field)
	}
	out, res, err := query.CollectionPaginate(ctx, idx, page(p), func(key collections.Pair[string, uint64], _ collections.NoValue) (T, error) {
		v, err := get(key.K2())
		if err != nil {
			return v, errIndexed
		}
		return v, nil
	}, query.WithCollectionPaginationPairPrefix[string, uint64](addr))
	switch {
	case errors.Is(err, errIndexed):
		return nil, nil, errInternal
	case err != nil:
		return nil, nil, status.Error(codes.InvalidArgument, "invalid pagination")
	}
	return out, res, nil
}

func (q queryServer) dispute(ctx context.Context) func(uint64) (types.Dispute, error) {
	return func(id uint64) (types.Dispute, error) { return q.Keeper.Disputes.Get(ctx, id) }
}

func (q queryServer) DisputesByDefender(ctx context.Context, req *types.QueryDisputesByDefenderRequest) (*types.QueryDisputesByDefenderResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	idx := q.DefenderDisputes
	if req.OpenOnly {
		idx = q.DefenderOpen
	}
	ds, res, err := byAccount(ctx, q, idx, "defender", req.Defender, req.Pagination, q.dispute(ctx))
	if err != nil {
		return nil, err
	}
	return &types.QueryDisputesByDefenderResponse{Disputes: ds, Pagination: res}, nil
}

func (q queryServer) DisputesByChallenger(ctx context.Context, req *types.QueryDisputesByChallengerRequest) (*types.QueryDisputesByChallengerResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	idx := q.ChallengerDisputes
	if req.OpenOnly {
		idx = q.ChallengerOpen
	}
	ds, res, err := byAccount(ctx, q, idx, "challenger", req.Challenger, req.Pagination, q.dispute(ctx))
	if err != nil {
		return nil, err
	}
	return &types.QueryDisputesByChallengerResponse{Disputes: ds, Pagination: res}, nil
}

func (q queryServer) ClaimsByProvider(ctx context.Context, req *types.QueryClaimsByProviderRequest) (*types.QueryClaimsByProviderResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	cs, res, err := byAccount(ctx, q, q.ProviderClaims, "provider", req.Provider, req.Pagination, func(id uint64) (types.Claim, error) {
		return q.Keeper.Claims.Get(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	return &types.QueryClaimsByProviderResponse{Claims: cs, Pagination: res}, nil
}

func (q queryServer) OpenInputRequests(ctx context.Context, req *types.QueryOpenInputRequestsRequest) (*types.QueryOpenInputRequestsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	rs, res, err := byAccount(ctx, q, q.ProviderOpenInputs, "provider", req.Provider, req.Pagination, func(id uint64) (types.ClaimInputRequest, error) {
		c, err := q.Keeper.Claims.Get(ctx, id)
		if err != nil {
			return types.ClaimInputRequest{}, err
		}
		r, err := q.InputRequests.Get(ctx, id)
		return types.ClaimInputRequest{Claim: c, Request: r}, err
	})
	if err != nil {
		return nil, err
	}
	return &types.QueryOpenInputRequestsResponse{Requests: rs, Pagination: res}, nil
}

func (q queryServer) BondByReceiptKey(ctx context.Context, req *types.QueryBondByReceiptKeyRequest) (*types.QueryBondByReceiptKeyResponse, error) {
	if req == nil || req.KeyId == "" {
		return nil, status.Error(codes.InvalidArgument, "receipt key id is required")
	}
	provider, err := q.ReceiptKeys.Get(ctx, req.KeyId)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Error(codes.NotFound, "no bond binds that receipt key")
	} else if err != nil {
		return nil, errInternal
	}
	res, err := q.Bond(ctx, &types.QueryBondRequest{Provider: provider})
	if err != nil {
		return nil, err
	}
	return &types.QueryBondByReceiptKeyResponse{Bond: res.Bond, Unbondings: res.Unbondings}, nil
}
