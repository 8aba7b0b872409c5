package lightclient

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
	"time"

	"cosmossdk.io/log/v2"
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	"github.com/cometbft/cometbft/light/provider/mock"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmtversion "github.com/cometbft/cometbft/proto/tendermint/version"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/cosmos-sdk/store/v2/rootmulti"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
)

// testState is a real SDK commit multistore (rootmulti over IAVL stores in a
// memory database): the same code a node runs to answer proven queries.
type testState struct {
	t    testing.TB
	rs   *rootmulti.Store
	keys map[string]*storetypes.KVStoreKey
}

func newTestState(t testing.TB, stores ...string) *testState {
	t.Helper()
	s := &testState{t: t, rs: rootmulti.NewStore(dbm.NewMemDB(), log.NewNopLogger()), keys: map[string]*storetypes.KVStoreKey{}}
	for _, name := range stores {
		k := storetypes.NewKVStoreKey(name)
		s.keys[name] = k
		s.rs.MountStoreWithDB(k, storetypes.StoreTypeIAVL, nil)
	}
	if err := s.rs.LoadLatestVersion(); err != nil {
		t.Fatalf("loading multistore: %v", err)
	}
	return s
}

// set writes key/value pairs (alternating) into store.
func (s *testState) set(store string, kv ...string) {
	kvs := s.rs.GetKVStore(s.keys[store])
	for i := 0; i+1 < len(kv); i += 2 {
		kvs.Set([]byte(kv[i]), []byte(kv[i+1]))
	}
}

func (s *testState) commit() storetypes.CommitID { return s.rs.Commit() }

// query runs the store query a node runs for ABCI path /store/<store>/key.
func (s *testState) query(store string, key []byte, height int64) *storetypes.ResponseQuery {
	s.t.Helper()
	res, err := s.rs.Query(&storetypes.RequestQuery{Path: "/" + store + "/key", Data: key, Height: height, Prove: true})
	if err != nil {
		s.t.Fatalf("query %s/%s at %d: %v", store, key, height, err)
	}
	return res
}

// testChain is a chain of headers signed by a fixed set of validators, built
// like a CometBFT node would build them.
type testChain struct {
	chainID string
	keys    []crypto.PrivKey
	vals    *types.ValidatorSet
	start   time.Time
	mu      sync.Mutex
	blocks  []*types.LightBlock // blocks[h-1] is height h
}

func newTestChain(chainID string, nVals int) *testChain {
	c := &testChain{chainID: chainID, start: time.Now().Add(-time.Hour).Truncate(time.Second)}
	vals := make([]*types.Validator, nVals)
	for i := range vals {
		k := ed25519.GenPrivKey()
		c.keys = append(c.keys, k)
		vals[i] = types.NewValidator(k.PubKey(), 10)
	}
	c.vals = types.NewValidatorSet(vals)
	return c
}

// header builds (unsigned) header height with the given app hash, linked to
// the previous block.
func (c *testChain) header(height int64, appHash []byte, vals *types.ValidatorSet) *types.Header {
	var last types.BlockID
	if height > 1 {
		prev := c.blocks[height-2]
		last = prev.Commit.BlockID
	}
	h := sha256.Sum256([]byte("filler"))
	return &types.Header{
		Version:            cmtversion.Consensus{Block: version.BlockProtocol},
		ChainID:            c.chainID,
		Height:             height,
		Time:               c.start.Add(time.Duration(height) * time.Second),
		LastBlockID:        last,
		LastCommitHash:     h[:],
		DataHash:           h[:],
		ValidatorsHash:     vals.Hash(),
		NextValidatorsHash: vals.Hash(),
		ConsensusHash:      h[:],
		AppHash:            appHash,
		LastResultsHash:    h[:],
		EvidenceHash:       h[:],
		ProposerAddress:    vals.Validators[0].Address,
	}
}

// sign commits to header with keys. A key that is not in vals (a forger's)
// signs in the name of the validator at its own position in vals.
func (c *testChain) sign(h *types.Header, vals *types.ValidatorSet, keys []crypto.PrivKey) *types.Commit {
	partHash := sha256.Sum256([]byte("parts"))
	blockID := types.BlockID{Hash: h.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: partHash[:]}}
	sigs := make([]types.CommitSig, vals.Size())
	for i := range sigs {
		sigs[i] = types.NewCommitSigAbsent()
	}
	for i, k := range keys {
		idx := int32(i)
		if found, _ := vals.GetByAddress(k.PubKey().Address()); found >= 0 {
			idx = found
		}
		vote := &types.Vote{
			Type:             cmtproto.PrecommitType,
			Height:           h.Height,
			BlockID:          blockID,
			Timestamp:        h.Time,
			ValidatorAddress: vals.Validators[idx].Address,
			ValidatorIndex:   idx,
		}
		sig, err := k.Sign(types.VoteSignBytes(c.chainID, vote.ToProto()))
		if err != nil {
			panic(err)
		}
		vote.Signature = sig
		sigs[idx] = vote.CommitSig()
	}
	return &types.Commit{Height: h.Height, BlockID: blockID, Signatures: sigs}
}

// addBlock appends a correctly signed block with the given app hash.
func (c *testChain) addBlock(appHash []byte) *types.LightBlock {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.header(int64(len(c.blocks))+1, appHash, c.vals)
	lb := &types.LightBlock{SignedHeader: &types.SignedHeader{Header: h, Commit: c.sign(h, c.vals, c.keys)}, ValidatorSet: c.vals}
	c.blocks = append(c.blocks, lb)
	return lb
}

// provider serves the chain's current blocks, with replace substituted.
func (c *testChain) provider(replace ...*types.LightBlock) *mock.Mock {
	c.mu.Lock()
	defer c.mu.Unlock()
	headers := map[int64]*types.SignedHeader{}
	vals := map[int64]*types.ValidatorSet{}
	for _, lb := range c.blocks {
		headers[lb.Height], vals[lb.Height] = lb.SignedHeader, lb.ValidatorSet
	}
	for _, lb := range replace {
		headers[lb.Height], vals[lb.Height] = lb.SignedHeader, lb.ValidatorSet
	}
	return mock.New(c.chainID, headers, vals)
}

func (c *testChain) hash(height int64) []byte { return c.block(height).Hash() }

func (c *testChain) block(height int64) *types.LightBlock {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.blocks[height-1]
}

// fakeNode answers ABCI store queries from a testState and reports the
// chain's height; mutate, when set, plays a malicious node.
type fakeNode struct {
	state  *testState
	latest func() int64
	mutate func(*abci.ResponseQuery)
}

func (n *fakeNode) ABCIQueryWithOptions(_ context.Context, path string, data cmtbytes.HexBytes,
	opts rpcclient.ABCIQueryOptions,
) (*coretypes.ResultABCIQuery, error) {
	res, err := n.state.rs.Query(&storetypes.RequestQuery{
		Path: strings.TrimPrefix(path, "/store"), Data: data, Height: opts.Height, Prove: opts.Prove,
	})
	if err != nil {
		return &coretypes.ResultABCIQuery{Response: abci.ResponseQuery{Code: 1, Log: err.Error()}}, nil
	}
	resp := abci.ResponseQuery(*res)
	if n.mutate != nil {
		n.mutate(&resp)
	}
	return &coretypes.ResultABCIQuery{Response: resp}, nil
}

func (n *fakeNode) Status(context.Context) (*coretypes.ResultStatus, error) {
	return &coretypes.ResultStatus{SyncInfo: coretypes.SyncInfo{LatestBlockHeight: n.latest()}}, nil
}
