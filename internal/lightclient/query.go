package lightclient

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
)

// Proof records what a verified answer was checked against, for printing
// next to the answer (and for re-checking by anyone holding the header).
type Proof struct {
	ChainID   string            `json:"chain_id"`
	StoreName string            `json:"store"`
	Key       cmtbytes.HexBytes `json:"key"`
	// Exists is false when the answer is a verified proof of absence.
	Exists bool `json:"exists"`
	// Height is the state height the value was read at.
	Height int64 `json:"height"`
	// HeaderHeight is Height+1: the verified header whose AppHash commits to
	// the state at Height.
	HeaderHeight int64             `json:"header_height"`
	HeaderHash   cmtbytes.HexBytes `json:"header_hash"`
	HeaderTime   time.Time         `json:"header_time"`
	AppHash      cmtbytes.HexBytes `json:"app_hash"`
}

// String is a one-line summary for terminals.
func (p *Proof) String() string {
	what := "present"
	if !p.Exists {
		what = "absent"
	}
	return fmt.Sprintf("%s key %X in store %q at height %d: app hash %s in header %d (%s) of chain %s",
		what, []byte(p.Key), p.StoreName, p.Height, p.AppHash, p.HeaderHeight, p.HeaderHash, p.ChainID)
}

// VerifyABCIQuery reads key from the module store storeName at height and
// proves the answer: it asks the node for the value with a Merkle proof
// (ABCI query "/store/<storeName>/key", prove=true), waits if needed for the
// light-client-verified header height+1, and checks the proof against that
// header's AppHash. It returns the value, or nil with a verified proof of
// absence when the key is not set.
//
// Height 0 means the latest provable height: one below the node's latest
// verified header. SDK nodes refuse proofs at heights below 2.
func (c *Client) VerifyABCIQuery(ctx context.Context, storeName string, key []byte, height int64) ([]byte, *Proof, error) {
	if storeName == "" || strings.Contains(storeName, "/") {
		return nil, nil, fmt.Errorf("%w: store name %q must be non-empty and contain no '/'", ErrInvalidConfig, storeName)
	}
	if len(key) == 0 {
		return nil, nil, fmt.Errorf("%w: key is empty", ErrInvalidConfig)
	}
	if height < 0 {
		return nil, nil, fmt.Errorf("%w: height must not be negative, got %d", ErrHeightNotAvailable, height)
	}
	if height == 0 {
		latest, err := c.LatestVerifiedHeight(ctx)
		if err != nil {
			return nil, nil, err
		}
		height = latest - 1
	}
	if height < 2 {
		return nil, nil, fmt.Errorf("%w: state at height %d cannot be proven (SDK nodes prove heights >= 2); "+
			"wait for the chain to reach height 3", ErrHeightNotAvailable, height)
	}

	path := "/store/" + storeName + "/key"
	res, err := c.rpc.ABCIQueryWithOptions(ctx, path, key, rpcclient.ABCIQueryOptions{Height: height, Prove: true})
	if err != nil {
		failure := ErrQueryFailed
		if unreachable(err) {
			failure = ErrNodeUnreachable
		}
		return nil, nil, fmt.Errorf("%w: %s at height %d: %w", failure, path, height, err)
	}
	resp := res.Response
	if resp.Code != 0 {
		return nil, nil, fmt.Errorf("%w: %s at height %d: code %d (%s): %s",
			ErrQueryFailed, path, height, resp.Code, resp.Codespace, resp.Log)
	}
	if resp.Height != height {
		return nil, nil, fmt.Errorf("%w: asked for height %d, node answered for %d", ErrHeightMismatch, height, resp.Height)
	}
	if len(resp.Key) != 0 && !bytes.Equal(resp.Key, key) {
		return nil, nil, fmt.Errorf("%w: asked for key %X, node answered for %X", ErrProofKeyMismatch, key, resp.Key)
	}
	sp, err := DecodeStoreProof(resp.ProofOps)
	if err != nil {
		return nil, nil, err
	}

	header, err := c.waitVerifiedHeader(ctx, height+1)
	if err != nil {
		return nil, nil, err
	}

	// The proof, not the node's Value field, decides presence: RPC encodings
	// cannot tell an empty value from a missing one.
	value := resp.Value
	switch {
	case sp.Exists() && value == nil:
		value = []byte{}
	case !sp.Exists() && len(value) == 0:
		value = nil
	}
	if err := sp.Verify(header.AppHash, storeName, key, value); err != nil {
		return nil, nil, fmt.Errorf("height %d: %w", height, err)
	}

	proof := &Proof{
		ChainID:      c.cfg.ChainID,
		StoreName:    storeName,
		Key:          key,
		Exists:       sp.Exists(),
		Height:       height,
		HeaderHeight: header.Height,
		HeaderHash:   header.Hash(),
		HeaderTime:   header.Time,
		AppHash:      header.AppHash,
	}
	c.log.Debug("verified state", logKeyStore, storeName, logKeyHeight, height, "exists", proof.Exists,
		"app_hash", proof.AppHash.String())
	return value, proof, nil
}
