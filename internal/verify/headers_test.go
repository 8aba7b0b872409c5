package verify

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	"github.com/cometbft/cometbft/light/provider/mock"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmtversion "github.com/cometbft/cometbft/proto/tendermint/version"
	"github.com/cometbft/cometbft/types"
	"github.com/cometbft/cometbft/version"
)

// chain builds light blocks as CometBFT nodes do: each header names its
// validator set and the next one, and links to the previous block.
type chain struct {
	id     string
	start  time.Time
	pool   []crypto.PrivKey // every key that validates at some height
	blocks []*types.LightBlock
}

func newChain(id string, nKeys int) *chain {
	c := &chain{id: id, start: time.Now().Add(-time.Hour).Truncate(time.Second)}
	for range nKeys {
		c.pool = append(c.pool, ed25519.GenPrivKey())
	}
	return c
}

// set is the validator set of the keys at the given pool indexes.
func (c *chain) set(idx ...int) (*types.ValidatorSet, []crypto.PrivKey) {
	vals := make([]*types.Validator, len(idx))
	keys := make([]crypto.PrivKey, len(idx))
	for i, j := range idx {
		keys[i] = c.pool[j]
		vals[i] = types.NewValidator(c.pool[j].PubKey(), 10)
	}
	return types.NewValidatorSet(vals), keys
}

func (c *chain) header(height int64, vals, next *types.ValidatorSet) *types.Header {
	var last types.BlockID
	if height > 1 {
		last = c.blocks[height-2].Commit.BlockID
	}
	h := sha256.Sum256([]byte("filler"))
	return &types.Header{
		Version: cmtversion.Consensus{Block: version.BlockProtocol}, ChainID: c.id, Height: height,
		Time: c.start.Add(time.Duration(height) * time.Second), LastBlockID: last,
		LastCommitHash: h[:], DataHash: h[:], ValidatorsHash: vals.Hash(), NextValidatorsHash: next.Hash(),
		ConsensusHash: h[:], AppHash: h[:], LastResultsHash: h[:], EvidenceHash: h[:],
		ProposerAddress: vals.Validators[0].Address,
	}
}

// sign commits to h with signers; a signer not in vals signs in the name
// of the validator at its own position.
func (c *chain) sign(h *types.Header, vals *types.ValidatorSet, signers []crypto.PrivKey) *types.Commit {
	partHash := sha256.Sum256([]byte("parts"))
	blockID := types.BlockID{Hash: h.Hash(), PartSetHeader: types.PartSetHeader{Total: 1, Hash: partHash[:]}}
	sigs := make([]types.CommitSig, vals.Size())
	for i := range sigs {
		sigs[i] = types.NewCommitSigAbsent()
	}
	for i, k := range signers {
		idx := int32(i % vals.Size())
		if found, _ := vals.GetByAddress(k.PubKey().Address()); found >= 0 {
			idx = found
		}
		vote := &types.Vote{Type: cmtproto.PrecommitType, Height: h.Height, BlockID: blockID, Timestamp: h.Time,
			ValidatorAddress: vals.Validators[idx].Address, ValidatorIndex: idx}
		sig, err := k.Sign(types.VoteSignBytes(c.id, vote.ToProto()))
		if err != nil {
			panic(err)
		}
		vote.Signature = sig
		sigs[idx] = vote.CommitSig()
	}
	return &types.Commit{Height: h.Height, BlockID: blockID, Signatures: sigs}
}

// grow appends blocks; setAt(h) returns the pool indexes validating at h.
func (c *chain) grow(n int, setAt func(h int64) []int) {
	for range n {
		h := int64(len(c.blocks)) + 1
		vals, keys := c.set(setAt(h)...)
		next, _ := c.set(setAt(h + 1)...)
		hd := c.header(h, vals, next)
		c.blocks = append(c.blocks, &types.LightBlock{SignedHeader: &types.SignedHeader{Header: hd, Commit: c.sign(hd, vals, keys)}, ValidatorSet: vals})
	}
}

func (c *chain) provider() *mock.Mock {
	headers := map[int64]*types.SignedHeader{}
	vals := map[int64]*types.ValidatorSet{}
	for _, lb := range c.blocks {
		headers[lb.Height], vals[lb.Height] = lb.SignedHeader, lb.ValidatorSet
	}
	return mock.New(c.id, headers, vals)
}

// forge replaces block h by one with edit applied to its header, signed by
// signers, with validator set vals (nil: the block's own).
func (c *chain) forge(h int64, edit func(*types.Header), vals *types.ValidatorSet, signers []crypto.PrivKey) {
	old := c.blocks[h-1]
	if vals == nil {
		vals = old.ValidatorSet
	}
	hd := *old.Header
	edit(&hd)
	c.blocks[h-1] = &types.LightBlock{SignedHeader: &types.SignedHeader{Header: &hd, Commit: c.sign(&hd, vals, signers)}, ValidatorSet: vals}
}

// mockSource adapts the light package's mock provider to Source.
type mockSource struct{ p provider.Provider }

func (m mockSource) LightBlock(ctx context.Context, h int64) (*types.LightBlock, error) {
	return m.p.LightBlock(ctx, h)
}

func fixed(idx ...int) func(int64) []int { return func(int64) []int { return idx } }

// rotating replaces one of four validators every `every` blocks.
func rotating(every int64) func(int64) []int {
	return func(h int64) []int {
		s := int((h - 1) / every)
		return []int{s % 12, (s + 1) % 12, (s + 2) % 12, (s + 3) % 12}
	}
}

// TestDifferentialLightClient runs CometBFT's light client and Headers on
// the same chains, honest and forged, and requires the same verdict for
// every header: accepted by both or rejected by both.
func TestDifferentialLightClient(t *testing.T) {
	const n = 40
	type scenario struct {
		name      string
		build     func(c *chain)
		trust     int64
		nowOffset time.Duration // added to the real clock at verification
		wantBad   []int64       // heights both must reject (others: accept)
		badBelow  int64         // and every height below this one
	}
	scenarios := []scenario{
		{name: "stable set", build: func(c *chain) { c.grow(n, fixed(0, 1, 2, 3)) }, trust: 1},
		{name: "rotating set needs bisection", build: func(c *chain) { c.grow(n, rotating(3)) }, trust: 1},
		{name: "whole set replaced at once", build: func(c *chain) {
			c.grow(n, func(h int64) []int {
				if h <= 20 {
					return []int{0, 1, 2, 3}
				}
				return []int{4, 5, 6, 7}
			})
		}, trust: 1},
		{name: "forged by outsiders", build: func(c *chain) {
			c.grow(n, fixed(0, 1, 2, 3))
			c.forge(25, func(h *types.Header) { h.AppHash = make([]byte, 32) }, nil, c.pool[8:12])
		}, trust: 1, wantBad: []int64{25}},
		{name: "signed by half", build: func(c *chain) {
			c.grow(n, fixed(0, 1, 2, 3))
			c.forge(30, func(h *types.Header) { h.AppHash = make([]byte, 32) }, nil, c.pool[0:2])
		}, trust: 1, wantBad: []int64{30}},
		{name: "validator set swapped in", build: func(c *chain) {
			c.grow(n, fixed(0, 1, 2, 3))
			vals, keys := c.set(8, 9, 10, 11)
			c.forge(12, func(h *types.Header) { h.ValidatorsHash = vals.Hash() }, vals, keys)
		}, trust: 1, wantBad: []int64{12}},
		{name: "from the future", build: func(c *chain) {
			c.grow(n, fixed(0, 1, 2, 3))
			_, keys := c.set(0, 1, 2, 3)
			c.forge(n, func(h *types.Header) { h.Time = time.Now().Add(time.Hour) }, nil, keys)
		}, trust: 1, wantBad: []int64{n}},
		{name: "other chain id", build: func(c *chain) {
			c.grow(n, fixed(0, 1, 2, 3))
			_, keys := c.set(0, 1, 2, 3)
			c.forge(15, func(h *types.Header) { h.ChainID = "other-chain" }, nil, keys)
		}, trust: 1, wantBad: []int64{15}},
		{name: "trusted header expired", build: func(c *chain) { c.grow(n, fixed(0, 1, 2, 3)) },
			trust: 1, nowOffset: 15 * 24 * time.Hour, badBelow: n + 1},
		{name: "backwards from a later root", build: func(c *chain) { c.grow(n, fixed(0, 1, 2, 3)) }, trust: 30},
		{name: "backwards into a forged block", build: func(c *chain) {
			c.grow(n, fixed(0, 1, 2, 3))
			_, keys := c.set(0, 1, 2, 3)
			c.forge(10, func(h *types.Header) { h.AppHash = make([]byte, 32) }, nil, keys)
		}, trust: 30, badBelow: 11},
	}
	targets := []int64{2, 3, 5, 10, 12, 15, 20, 21, 25, 29, 30, 31, 35, n}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			for _, target := range targets {
				if target == sc.trust {
					continue
				}
				// A fresh chain and fresh clients per target: each verdict is
				// independent of what an earlier target taught the client.
				c := newChain("prova-diff-1", 12)
				sc.build(c)
				ctx := t.Context()
				now := time.Now()
				theirs := cometVerdict(ctx, t, c, sc.trust, target, now.Add(sc.nowOffset))
				ours := ourVerdict(ctx, t, c, sc.trust, target, now, sc.nowOffset)
				if (theirs == nil) != (ours == nil) {
					t.Fatalf("header %d: CometBFT says %v, we say %v", target, theirs, ours)
				}
				wantBad := target < sc.badBelow
				for _, b := range sc.wantBad {
					wantBad = wantBad || b == target
				}
				if wantBad != (ours != nil) {
					t.Fatalf("header %d: want rejected=%t, got %v", target, wantBad, ours)
				}
				if ours != nil && !errors.Is(ours, ErrHeaderUnverified) && !errors.Is(ours, ErrHeaderExpired) {
					t.Fatalf("header %d: rejection %v is neither ErrHeaderUnverified nor ErrHeaderExpired", target, ours)
				}
			}
		})
	}
}

func cometVerdict(ctx context.Context, t *testing.T, c *chain, trust, target int64, now time.Time) error {
	p := c.provider()
	lc, err := light.NewClient(ctx, c.id, light.TrustOptions{Period: DefaultTrustingPeriod, Height: trust, Hash: c.blocks[trust-1].Hash()},
		p, []provider.Provider{p}, lightdb.New(dbm.NewMemDB(), c.id), light.Logger(nopLogger{}))
	if err != nil {
		t.Fatalf("cometbft light client: %v", err)
	}
	_, err = lc.VerifyLightBlockAtHeight(ctx, target, now)
	return err
}

func ourVerdict(ctx context.Context, t *testing.T, c *chain, trust, target int64, now time.Time, offset time.Duration) error {
	clock := now
	h, err := NewHeaders(ctx, HeadersConfig{ChainID: c.id, Root: TrustRoot{Height: trust, Hash: c.blocks[trust-1].Hash()},
		Now: func() time.Time { return clock }}, mockSource{c.provider()})
	if err != nil {
		t.Fatalf("NewHeaders: %v", err)
	}
	clock = now.Add(offset)
	_, err = h.VerifyLightBlockAt(ctx, target)
	return err
}

func TestNewHeadersRejectsWrongRoot(t *testing.T) {
	c := newChain("prova-diff-1", 4)
	c.grow(5, fixed(0, 1, 2, 3))
	_, err := NewHeaders(t.Context(), HeadersConfig{ChainID: c.id, Root: TrustRoot{Height: 2, Hash: c.blocks[2].Hash()}}, mockSource{c.provider()})
	if !errors.Is(err, ErrHeaderUnverified) {
		t.Fatalf("wrong trusted hash: got %v, want ErrHeaderUnverified", err)
	}
	_, err = NewHeaders(t.Context(), HeadersConfig{ChainID: "another", Root: TrustRoot{Height: 2, Hash: c.blocks[1].Hash()}}, mockSource{c.provider()})
	if !errors.Is(err, ErrHeaderUnverified) {
		t.Fatalf("wrong chain id: got %v, want ErrHeaderUnverified", err)
	}
	h, err := NewHeaders(t.Context(), HeadersConfig{ChainID: c.id, Root: TrustRoot{Height: 2, Hash: c.blocks[1].Hash()}}, mockSource{c.provider()})
	if err != nil {
		t.Fatal(err)
	}
	lb, err := h.VerifyLightBlockAt(t.Context(), 0)
	if err != nil || lb.Height != 5 {
		t.Fatalf("latest: %v, %v; want header 5", lb, err)
	}
}

// nopLogger silences the CometBFT light client in tests.
type nopLogger struct{}

func (nopLogger) Debug(string, ...any)        {}
func (nopLogger) Info(string, ...any)         {}
func (nopLogger) Error(string, ...any)        {}
func (nopLogger) Warn(string, ...any)         {}
func (l nopLogger) With(...any) cmtlog.Logger { return l }

// emptySource answers with no light block and no error, as a broken node
// client might.
type emptySource struct{ real Source }

func (e emptySource) LightBlock(ctx context.Context, h int64) (*types.LightBlock, error) {
	if h == 2 {
		return e.real.LightBlock(ctx, h)
	}
	return nil, nil
}

func TestEmptyLightBlockRejected(t *testing.T) {
	c := newChain("prova-diff-1", 4)
	c.grow(5, fixed(0, 1, 2, 3))
	h, err := NewHeaders(t.Context(), HeadersConfig{ChainID: c.id, Root: TrustRoot{Height: 2, Hash: c.blocks[1].Hash()}}, emptySource{mockSource{c.provider()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, height := range []int64{0, 1, 4} {
		if _, err := h.VerifyLightBlockAt(t.Context(), height); !errors.Is(err, ErrHeaderUnverified) {
			t.Fatalf("empty light block at %d: got %v, want ErrHeaderUnverified", height, err)
		}
	}
	if _, err := NewHeaders(t.Context(), HeadersConfig{ChainID: c.id, Root: TrustRoot{Height: 3, Hash: c.blocks[2].Hash()}}, emptySource{mockSource{c.provider()}}); !errors.Is(err, ErrHeaderUnverified) {
		t.Fatalf("empty trusted block: got %v", err)
	}
}
