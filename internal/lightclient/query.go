package lightclient

import (
	"context"
	"fmt"

	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/cometbft/cometbft/types"

	"github.com/prova-network/prova/internal/verify"
)

// Proof records what a verified answer was checked against (verify.Proof).
type Proof = verify.Proof

// QueryStore asks the node for key in the module store at height with a
// Merkle proof (ABCI query "/store/<store>/key", prove=true). The answer is
// unchecked; verify.Reader checks it.
func (c *Client) QueryStore(ctx context.Context, store string, key []byte, height int64) (*verify.QueryResult, error) {
	path := "/store/" + store + "/key"
	res, err := c.rpc.ABCIQueryWithOptions(ctx, path, key, rpcclient.ABCIQueryOptions{Height: height, Prove: true})
	if err != nil {
		failure := ErrQueryFailed
		if unreachable(err) {
			failure = ErrNodeUnreachable
		}
		return nil, fmt.Errorf("%w: %s at height %d: %w", failure, path, height, err)
	}
	r := res.Response
	return &verify.QueryResult{Code: r.Code, Codespace: r.Codespace, Log: r.Log, Key: r.Key, Value: r.Value, Height: r.Height, ProofOps: r.ProofOps}, nil
}

// Reader returns a verify.Reader that reads through this client's node
// and proves against its verified headers. With retry, queries at the
// latest height are retried for up to 5 s (see verify.Reader.Retry).
func (c *Client) Reader(retry bool) *verify.Reader {
	r := &verify.Reader{Node: c, Headers: verifiedHeaders{c}}
	if retry {
		r.Retry = 50
	}
	return r
}

// verifiedHeaders is the light client seen as a verify.HeaderVerifier:
// VerifiedHeader waits for the chain to produce the height.
type verifiedHeaders struct{ c *Client }

func (v verifiedHeaders) VerifiedHeader(ctx context.Context, height int64) (*types.SignedHeader, error) {
	return v.c.waitVerifiedHeader(ctx, height)
}
func (v verifiedHeaders) LatestVerifiedHeight(ctx context.Context) (int64, error) {
	return v.c.LatestVerifiedHeight(ctx)
}
func (v verifiedHeaders) ChainID() string { return v.c.ChainID() }

// VerifyABCIQuery reads key from the module store storeName at height and
// proves the answer against the light-client-verified header height+1
// (see verify.Reader.Get). It returns the value, or nil with a verified
// proof of absence when the key is not set. Height 0 means the latest
// provable height.
func (c *Client) VerifyABCIQuery(ctx context.Context, storeName string, key []byte, height int64) ([]byte, *Proof, error) {
	v, p, err := c.Reader(false).Get(ctx, storeName, key, height)
	if err != nil {
		return nil, nil, err
	}
	c.log.Debug("verified state", logKeyStore, storeName, logKeyHeight, p.Height, "exists", p.Exists, "app_hash", p.AppHash.String())
	return v, p, nil
}
