package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/phash"
	"github.com/prova-network/prova/x/content/types"
)

// Near query limits. Distances above MaxNearDistance are weak matches for a
// 64-bit hash and cost the index close to a scan.
const (
	MaxNearDistance  = 12
	DefaultNearLimit = 10
	MaxNearLimit     = 100
)

type queryServer struct {
	Keeper
	near *NearIndex
}

// NewQueryServer returns the Query service with its own near index; call it
// once per node (the index lives as long as the server).
func NewQueryServer(k Keeper) types.QueryServer { return NewQueryServerWithIndex(k, NewNearIndex()) }

// NewQueryServerWithIndex returns the Query service serving Near from idx.
func NewQueryServerWithIndex(k Keeper, idx *NearIndex) types.QueryServer {
	return queryServer{Keeper: k, near: idx}
}

var _ types.QueryServer = queryServer{}

func (q queryServer) ByDigest(ctx context.Context, req *types.QueryByDigestRequest) (*types.QueryByDigestResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	d, err := fingerprint.ParseDigest(req.Digest)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "digest must be sha256:<64 hex> or blake3:<64 hex>")
	}
	id := types.IDFromSHA256(d.Hex())
	if d.Algorithm == fingerprint.BLAKE3 {
		id, err = q.ByBlake3.MatchExact(ctx, d.Hex())
		if errors.Is(err, collections.ErrNotFound) {
			return nil, status.Errorf(codes.NotFound, "no content with digest %s", req.Digest)
		} else if err != nil {
			return nil, status.Error(codes.Internal, "internal error")
		}
	}
	c, err := q.Contents.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no content with digest %s", req.Digest)
	} else if err != nil {
		return nil, status.Error(codes.Internal, "internal error")
	}
	return &types.QueryByDigestResponse{Content: c}, nil
}

func (q queryServer) Near(ctx context.Context, req *types.QueryNearRequest) (*types.QueryNearResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if req.Algorithm != "" && req.Algorithm != phash.Algorithm {
		return nil, status.Errorf(codes.InvalidArgument, "the index holds %s hashes only", phash.Algorithm)
	}
	h, err := phash.ParseHash(req.Phash)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, "phash must be 16 hex digits")
	}
	if req.MaxDistance > MaxNearDistance {
		return nil, status.Errorf(codes.InvalidArgument, "max_distance %d is over the limit of %d", req.MaxDistance, MaxNearDistance)
	}
	limit := int(req.Limit)
	if limit == 0 {
		limit = DefaultNearLimit
	}
	limit = min(limit, MaxNearLimit)
	read, err := q.near.CatchUp(ctx, q.Keeper)
	if err != nil {
		return nil, status.Error(codes.Internal, "internal error")
	}
	res := &types.QueryNearResponse{Indexed: read, Algorithm: phash.Algorithm}
	for _, m := range q.near.Search(h, int(req.MaxDistance)) {
		if len(res.Matches) == limit {
			break
		}
		c, err := q.Contents.Get(ctx, m.ID)
		if errors.Is(err, collections.ErrNotFound) {
			continue // registered after the queried height
		} else if err != nil {
			return nil, status.Error(codes.Internal, "internal error")
		}
		res.Matches = append(res.Matches, types.NearMatch{Content: c, Phash: m.Hash.String(), Distance: uint32(m.Distance)})
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
