package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	"github.com/cometbft/cometbft/types"
)

// QueryResult is a node's answer to an ABCI store query with prove=true.
type QueryResult struct {
	Code      uint32
	Codespace string
	Log       string
	Key       []byte
	Value     []byte
	Height    int64
	ProofOps  *cmtcrypto.ProofOps
}

// Node answers ABCI store queries ("/store/<store>/key", prove=true) and
// says how high its chain is. It is untrusted: every answer is checked.
type Node interface {
	QueryStore(ctx context.Context, store string, key []byte, height int64) (*QueryResult, error)
}

// HeaderVerifier returns headers only after verifying them. [Headers]
// implements it from a trust root; so does the CLI's light client.
type HeaderVerifier interface {
	// VerifiedHeader returns the verified header at height, waiting for
	// the chain to produce it if needed.
	VerifiedHeader(ctx context.Context, height int64) (*types.SignedHeader, error)
	// LatestVerifiedHeight verifies the node's latest header and returns
	// its height.
	LatestVerifiedHeight(ctx context.Context) (int64, error)
	ChainID() string
}

// Proof records what a proven answer was checked against: anyone holding
// the header can check it again.
type Proof struct {
	ChainID   string `json:"chain_id"`
	StoreName string `json:"store"`
	Key       Hex    `json:"key"`
	// Exists is false when the answer is a proof of absence.
	Exists bool `json:"exists"`
	// Height is the state height the value was read at.
	Height int64 `json:"height"`
	// HeaderHeight is Height+1: the verified header whose AppHash commits
	// to the state at Height.
	HeaderHeight int64     `json:"header_height"`
	HeaderHash   Hex       `json:"header_hash"`
	HeaderTime   time.Time `json:"header_time"`
	AppHash      Hex       `json:"app_hash"`
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

// Proven is a value with the proof it was checked with.
type Proven[T any] struct {
	Value T      `json:"value"`
	Proof *Proof `json:"proof"`
}

// Reader reads values from module stores and returns them only with a
// checked proof against a verified header.
type Reader struct {
	Node    Node
	Headers HeaderVerifier
	// Retry, when positive, retries a failed query this many times (100 ms
	// apart): a node reports a block a moment before it commits its state,
	// so a query at the latest height can briefly fail (longer on a loaded
	// machine: the CLI allows 5 s).
	Retry int
}

// Get reads key from the module store at height (0: the latest provable
// height, one below the latest verified header). It returns the value, or
// nil with a proof of absence when the key is not set. SDK nodes prove
// heights >= 2 only.
func (r *Reader) Get(ctx context.Context, store string, key []byte, height int64) ([]byte, *Proof, error) {
	if store == "" || strings.Contains(store, "/") {
		return nil, nil, fmt.Errorf("%w: store name %q must be non-empty and contain no '/'", ErrBadRequest, store)
	}
	if len(key) == 0 {
		return nil, nil, fmt.Errorf("%w: key is empty", ErrBadRequest)
	}
	if height < 0 {
		return nil, nil, fmt.Errorf("%w: height must not be negative, got %d", ErrHeightNotAvailable, height)
	}
	latest := height == 0
	if latest {
		h, err := r.Headers.LatestVerifiedHeight(ctx)
		if err != nil {
			return nil, nil, err
		}
		height = h - 1
	}
	if height < 2 {
		return nil, nil, fmt.Errorf("%w: state at height %d cannot be proven (SDK nodes prove heights >= 2); "+
			"wait for the chain to reach height 3", ErrHeightNotAvailable, height)
	}
	query := func() (*QueryResult, error) {
		res, err := r.Node.QueryStore(ctx, store, key, height)
		if err == nil && res.Code != 0 {
			err = fmt.Errorf("%w: /store/%s/key at height %d: code %d (%s): %s",
				ErrQueryFailed, store, height, res.Code, res.Codespace, res.Log)
		}
		return res, err
	}
	res, err := query()
	for try := 0; err != nil && errors.Is(err, ErrQueryFailed) && try < r.Retry; try++ {
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		res, err = query()
	}
	if err != nil {
		return nil, nil, err
	}
	header, err := r.Headers.VerifiedHeader(ctx, height+1)
	if err != nil {
		return nil, nil, err
	}
	value, exists, err := CheckQuery(res, header, store, key, height)
	if err != nil {
		return nil, nil, err
	}
	return value, &Proof{
		ChainID: r.Headers.ChainID(), StoreName: store, Key: key, Exists: exists,
		Height: height, HeaderHeight: header.Height, HeaderHash: header.Hash(), HeaderTime: header.Time, AppHash: header.AppHash,
	}, nil
}

// CheckQuery checks a node's answer to a store query for key at height
// against header (which must be verified, at height+1). It returns the
// proven value (nil for a proven absence) and whether the key exists.
// It is a pure function.
func CheckQuery(res *QueryResult, header *types.SignedHeader, store string, key []byte, height int64) ([]byte, bool, error) {
	if res.Code != 0 {
		return nil, false, fmt.Errorf("%w: /store/%s/key at height %d: code %d (%s): %s",
			ErrQueryFailed, store, height, res.Code, res.Codespace, res.Log)
	}
	if res.Height != height {
		return nil, false, fmt.Errorf("%w: asked for height %d, node answered for %d", ErrHeightMismatch, height, res.Height)
	}
	if header.Height != height+1 {
		return nil, false, fmt.Errorf("%w: state at height %d is committed in header %d, got header %d", ErrBadRequest, height, height+1, header.Height)
	}
	if len(res.Key) != 0 && !bytes.Equal(res.Key, key) {
		return nil, false, fmt.Errorf("%w: asked for key %X, node answered for %X", ErrProofKeyMismatch, key, res.Key)
	}
	sp, err := DecodeStoreProof(res.ProofOps)
	if err != nil {
		return nil, false, err
	}
	// The proof, not the node's Value field, decides presence: RPC
	// encodings cannot tell an empty value from a missing one.
	value := res.Value
	switch {
	case sp.Exists() && value == nil:
		value = []byte{}
	case !sp.Exists() && len(value) == 0:
		value = nil
	}
	if err := sp.Verify(header.AppHash, store, key, value); err != nil {
		return nil, false, fmt.Errorf("height %d: %w", height, err)
	}
	return value, sp.Exists(), nil
}

// Hex is bytes printed as upper-case hex (in JSON too).
type Hex = cmtbytes.HexBytes
