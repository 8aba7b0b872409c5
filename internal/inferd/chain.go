package inferd

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/prova-network/prova/internal/txclient"
	"github.com/prova-network/prova/x/infer/types"
	receiptstypes "github.com/prova-network/prova/x/receipts/types"
)

// Chain is a daemon's connection to the node.
type Chain struct {
	// Send signs msgs with the daemon's key, broadcasts them in one
	// transaction and waits for its block (txclient.Client.Send bound to
	// the key).
	Send func(ctx context.Context, msgs ...sdk.Msg) (*txclient.Result, error)
	// Address is the daemon's account, bech32.
	Address string
	// Infer queries x/infer.
	Infer types.QueryClient
	// Receipts queries x/receipts (the watcher reads anchored checkpoints).
	Receipts receiptstypes.QueryClient
	// Height returns the node's latest block height.
	Height func(ctx context.Context) (int64, error)
}

func (c Chain) check(needReceipts bool) error {
	if c.Send == nil || c.Infer == nil || c.Height == nil || c.Address == "" {
		return errors.New("inferd: chain connection incomplete")
	}
	if needReceipts && c.Receipts == nil {
		return errors.New("inferd: no x/receipts query client")
	}
	return nil
}

// serialized returns c with its Send made one at a time: the daemon's
// loops share one key, and two transactions signed at once would take the
// same account sequence (txclient reads it from the last committed block).
func (c Chain) serialized() Chain {
	var mu sync.Mutex
	send := c.Send
	c.Send = func(ctx context.Context, msgs ...sdk.Msg) (*txclient.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		return send(ctx, msgs...)
	}
	return c
}

// pageLimit is the page size of list queries.
const pageLimit = 200

// pageAll reads every page of a list query.
func pageAll[T any](ctx context.Context, what string, list func(context.Context, *query.PageRequest) ([]T, *query.PageResponse, error)) ([]T, error) {
	var out []T
	var key []byte
	for {
		items, res, err := list(ctx, &query.PageRequest{Key: key, Limit: pageLimit})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		out = append(out, items...)
		if res == nil || len(res.NextKey) == 0 {
			return out, nil
		}
		key = res.NextKey
	}
}

// disputesDefended lists the disputes over defender's claims (the running
// ones if openOnly), by ID.
func disputesDefended(ctx context.Context, q types.QueryClient, defender string, openOnly bool) ([]types.Dispute, error) {
	return pageAll(ctx, "disputes by defender", func(ctx context.Context, p *query.PageRequest) ([]types.Dispute, *query.PageResponse, error) {
		res, err := q.DisputesByDefender(ctx, &types.QueryDisputesByDefenderRequest{Defender: defender, OpenOnly: openOnly, Pagination: p})
		if err != nil {
			return nil, nil, err
		}
		return res.Disputes, res.Pagination, nil
	})
}

// disputesOpened lists the running disputes challenger opened, by ID.
func disputesOpened(ctx context.Context, q types.QueryClient, challenger string) ([]types.Dispute, error) {
	return pageAll(ctx, "disputes by challenger", func(ctx context.Context, p *query.PageRequest) ([]types.Dispute, *query.PageResponse, error) {
		res, err := q.DisputesByChallenger(ctx, &types.QueryDisputesByChallengerRequest{Challenger: challenger, OpenOnly: true, Pagination: p})
		if err != nil {
			return nil, nil, err
		}
		return res.Disputes, res.Pagination, nil
	})
}

// claimsOf lists provider's recorded claims, by ID.
func claimsOf(ctx context.Context, q types.QueryClient, provider string) ([]types.Claim, error) {
	return pageAll(ctx, "claims by provider", func(ctx context.Context, p *query.PageRequest) ([]types.Claim, *query.PageResponse, error) {
		res, err := q.ClaimsByProvider(ctx, &types.QueryClaimsByProviderRequest{Provider: provider, Pagination: p})
		if err != nil {
			return nil, nil, err
		}
		return res.Claims, res.Pagination, nil
	})
}

// openInputRequests lists the unanswered input requests on provider's
// claims, with the claims.
func openInputRequests(ctx context.Context, q types.QueryClient, provider string) ([]types.ClaimInputRequest, error) {
	return pageAll(ctx, "open input requests", func(ctx context.Context, p *query.PageRequest) ([]types.ClaimInputRequest, *query.PageResponse, error) {
		res, err := q.OpenInputRequests(ctx, &types.QueryOpenInputRequestsRequest{Provider: provider, Pagination: p})
		if err != nil {
			return nil, nil, err
		}
		return res.Requests, res.Pagination, nil
	})
}

// claimsFrom lists the claims with IDs above after, ascending. Claim IDs
// are a sequence without gaps, so the list starts at offset after; if the
// first claim returned is not after+1 (the chain pruned some) the whole
// list is read instead.
func claimsFrom(ctx context.Context, q types.QueryClient, after uint64, keep func(*types.Claim) bool) ([]types.Claim, error) {
	var out []types.Claim
	page := &query.PageRequest{Offset: after, Limit: pageLimit}
	first := true
	for {
		res, err := q.Claims(ctx, &types.QueryClaimsRequest{Pagination: page})
		if err != nil {
			return nil, fmt.Errorf("list claims: %w", err)
		}
		if first && after > 0 && len(res.Claims) > 0 && res.Claims[0].Id != after+1 {
			after, page = 0, &query.PageRequest{Limit: pageLimit}
			first = false
			out = nil
			continue
		}
		first = false
		for i := range res.Claims {
			if c := &res.Claims[i]; c.Id > after && keep(c) {
				out = append(out, *c)
			}
		}
		if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
			return out, nil
		}
		page = &query.PageRequest{Key: res.Pagination.NextKey, Limit: pageLimit}
	}
}

// txCode returns the module error code of a transaction that failed in its
// block (0 otherwise).
func txCode(res *txclient.Result, err error) uint32 {
	if err == nil || res == nil || !errors.Is(err, txclient.ErrFailed) || res.Codespace != types.ModuleName {
		return 0
	}
	return res.Code
}

// isCode reports whether a send failed in its block with one of errs.
func isCode(res *txclient.Result, err error, errs ...interface{ ABCICode() uint32 }) bool {
	c := txCode(res, err)
	for _, e := range errs {
		if c != 0 && c == e.ABCICode() {
			return true
		}
	}
	return false
}

// movedOn reports a move refused because the dispute went on without it
// (the other party or a timeout got there first); the player looks again.
func movedOn(res *txclient.Result, err error) bool {
	return isCode(res, err, types.ErrNotYourTurn, types.ErrDisputeSettled, types.ErrWrongPhase, types.ErrDeadlinePassed)
}

// attrs returns the values of key in the events of type typ, in order.
func attrs(res *txclient.Result, typ, key string) []string {
	var out []string
	if res == nil {
		return nil
	}
	for _, ev := range res.Events {
		if ev.Type != typ {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == key {
				out = append(out, a.Value)
			}
		}
	}
	return out
}

// attrUint is the first value of key in events of type typ, as a number.
func attrUint(res *txclient.Result, typ, key string) (uint64, bool) {
	for _, v := range attrs(res, typ, key) {
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			return n, true
		}
	}
	return 0, false
}

// isNotFound reports a gRPC NotFound answer.
func isNotFound(err error) bool { return status.Code(err) == codes.NotFound }

// DigestText writes a SHA-256 digest as docs/INFERENCE.md §1 does.
func DigestText(d [32]byte) string { return "sha256:" + hex.EncodeToString(d[:]) }

// ParseDigest reads "sha256:<64 hex>" (or the bare hex).
func ParseDigest(s string) ([32]byte, error) {
	var d [32]byte
	h := strings.TrimPrefix(s, "sha256:")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 32 {
		return d, fmt.Errorf("%q is not a sha256 digest (sha256:<64 hex>)", s)
	}
	copy(d[:], b)
	return d, nil
}

func to32(b []byte) ([32]byte, bool) {
	var d [32]byte
	return d, copy(d[:], b) == 32 && len(b) == 32
}
