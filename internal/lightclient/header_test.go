package lightclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/light/provider"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	"github.com/cometbft/cometbft/types"
)

const testChainID = "prova-test-1"

func appHashAt(h int64) []byte {
	s := sha256.Sum256(fmt.Appendf(nil, "app state %d", h))
	return s[:]
}

// chainOf returns a chain of n correctly signed blocks.
func chainOf(n int) *testChain {
	c := newTestChain(testChainID, 4)
	for h := int64(1); h <= int64(n); h++ {
		c.addBlock(appHashAt(h))
	}
	return c
}

func testConfig() Config {
	cfg := DefaultConfig()
	cfg.ChainID = testChainID
	cfg.PollInterval = 5 * time.Millisecond
	cfg.NextBlockTimeout = 2 * time.Second
	return cfg
}

// testClient builds a Client whose primary and witness both serve p, like a
// single-node setup where the one node is its own witness.
func testClient(t *testing.T, cfg Config, primary, witness provider.Provider, node nodeRPC) (*Client, error) {
	t.Helper()
	if node == nil {
		node = &fakeNode{latest: func() int64 { return 0 }}
	}
	return newClient(t.Context(), cfg, deps{
		primary:   primary,
		witnesses: []provider.Provider{witness},
		rpc:       node,
		store:     lightdb.New(dbm.NewMemDB(), cfg.ChainID),
		now:       time.Now,
	})
}

func trustAt(c *testChain, h int64) Config {
	cfg := testConfig()
	cfg.TrustHeight, cfg.TrustHash = h, c.hash(h)
	return cfg
}

func TestVerifiedHeader(t *testing.T) {
	chain := chainOf(8)
	cl, err := testClient(t, trustAt(chain, 1), chain.provider(), chain.provider(), nil)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	for _, h := range []int64{6, 2, 8, 1} {
		sh, err := cl.VerifiedHeader(t.Context(), h)
		if err != nil {
			t.Fatalf("height %d: %v", h, err)
		}
		if !bytes.Equal(sh.Hash(), chain.hash(h)) || !bytes.Equal(sh.AppHash, appHashAt(h)) {
			t.Fatalf("height %d: got header %X app hash %X", h, sh.Hash(), sh.AppHash)
		}
	}
	latest, err := cl.LatestVerifiedHeight(t.Context())
	if err != nil || latest != 8 {
		t.Fatalf("latest verified height = %d, %v; want 8", latest, err)
	}
	if _, err := cl.VerifiedHeader(t.Context(), 9); !errors.Is(err, ErrHeightNotAvailable) {
		t.Fatalf("height beyond the chain: got %v, want ErrHeightNotAvailable", err)
	}
	if _, err := cl.VerifiedHeader(t.Context(), 0); !errors.Is(err, ErrHeightNotAvailable) {
		t.Fatalf("height 0: got %v, want ErrHeightNotAvailable", err)
	}
}

func TestTrustFromGenesis(t *testing.T) {
	chain := chainOf(4)
	cfg := testConfig()
	cfg.TrustFromGenesis = true
	cl, err := testClient(t, cfg, chain.provider(), chain.provider(), nil)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	sh, err := cl.VerifiedHeader(t.Context(), 4)
	if err != nil || !bytes.Equal(sh.Hash(), chain.hash(4)) {
		t.Fatalf("header 4: %v", err)
	}
}

func TestTrustRootRejected(t *testing.T) {
	chain := chainOf(4)
	other := chainOf(4) // same chain id, different validators
	cases := []struct {
		name string
		cfg  Config
		p    *testChain
	}{
		{"wrong trust hash", func() Config { c := trustAt(chain, 2); c.TrustHash = other.hash(2); return c }(), chain},
		{"node serves another chain", trustAt(chain, 2), other},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testClient(t, tc.cfg, tc.p.provider(), tc.p.provider(), nil)
			if !errors.Is(err, ErrHeaderUnverified) {
				t.Fatalf("got %v, want ErrHeaderUnverified", err)
			}
			t.Logf("rejected: %v", err)
		})
	}
}

// forged returns block h of chain with its app hash replaced, signed by
// signers under the validator set vals.
func forged(chain *testChain, h int64, vals *types.ValidatorSet, signers []crypto.PrivKey) *types.LightBlock {
	hdr := chain.header(h, bytes.Repeat([]byte{0xEE}, 32), vals)
	return &types.LightBlock{
		SignedHeader: &types.SignedHeader{Header: hdr, Commit: chain.sign(hdr, vals, signers)},
		ValidatorSet: vals,
	}
}

func TestVerifiedHeaderRejectsForgery(t *testing.T) {
	chain := chainOf(6)

	// App hash changed after signing: the commit signs another block.
	altered := *chain.blocks[4].Header
	altered.AppHash = bytes.Repeat([]byte{0xEE}, 32)
	alteredBlock := &types.LightBlock{
		SignedHeader: &types.SignedHeader{Header: &altered, Commit: chain.blocks[4].Commit},
		ValidatorSet: chain.vals,
	}

	// Re-signed by keys that are not the validators'.
	var strangers []crypto.PrivKey
	for range chain.keys {
		strangers = append(strangers, ed25519.GenPrivKey())
	}
	badSigs := forged(chain, 5, chain.vals, strangers)

	// Re-signed by a validator set of the forger's own.
	var forgerVals []*types.Validator
	for _, k := range strangers {
		forgerVals = append(forgerVals, types.NewValidator(k.PubKey(), 10))
	}
	ownVals := forged(chain, 5, types.NewValidatorSet(forgerVals), strangers)

	// Signed by one validator of four: not +2/3 of the voting power.
	minority := forged(chain, 5, chain.vals, chain.keys[:1])

	cases := []struct {
		name  string
		block *types.LightBlock
		trust int64
	}{
		{"app hash altered after signing", alteredBlock, 1},
		{"signatures do not match validators", badSigs, 1},
		{"signatures do not match validators, adjacent", badSigs, 4},
		{"forger's own validator set", ownVals, 1},
		{"forger's own validator set, adjacent", ownVals, 4},
		{"minority commit", minority, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl, err := testClient(t, trustAt(chain, tc.trust), chain.provider(tc.block), chain.provider(tc.block), nil)
			if err != nil {
				t.Fatalf("new client: %v", err)
			}
			sh, err := cl.VerifiedHeader(t.Context(), 5)
			if !errors.Is(err, ErrHeaderUnverified) {
				t.Fatalf("got header %v, err %v; want ErrHeaderUnverified", sh, err)
			}
			t.Logf("rejected: %v", err)
		})
	}
}

func TestTrustedStoreResume(t *testing.T) {
	chain := chainOf(5)
	store := lightdb.New(dbm.NewMemDB(), testChainID)
	mk := func(cfg Config) (*Client, error) {
		return newClient(context.Background(), cfg, deps{
			primary: chain.provider(), witnesses: []provider.Provider{chain.provider()},
			rpc: &fakeNode{latest: func() int64 { return 5 }}, store: store, now: time.Now,
		})
	}
	cl, err := mk(trustAt(chain, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.VerifiedHeader(t.Context(), 5); err != nil {
		t.Fatal(err)
	}
	// A second run with the same root of trust resumes from the store.
	cl2, err := mk(trustAt(chain, 1))
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if lb, err := cl2.lc.TrustedLightBlock(5); err != nil || !bytes.Equal(lb.Hash(), chain.hash(5)) {
		t.Fatalf("resumed client lost header 5: %v", err)
	}
	// A different root of trust at a stored height is refused, not merged.
	cfg := trustAt(chain, 5)
	cfg.TrustHash = bytes.Repeat([]byte{1}, 32)
	if _, err := mk(cfg); !errors.Is(err, ErrHeaderUnverified) {
		t.Fatalf("conflicting root of trust: got %v, want ErrHeaderUnverified", err)
	}
}

func TestConfigValidate(t *testing.T) {
	good := testConfig()
	good.TrustHeight, good.TrustHash = 3, bytes.Repeat([]byte{1}, 32)
	edit := func(f func(*Config)) Config { c := good; f(&c); return c }
	cases := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"explicit trust", good, true},
		{"genesis trust", edit(func(c *Config) { c.TrustHeight, c.TrustHash, c.TrustFromGenesis = 0, nil, true }), true},
		{"no chain id", edit(func(c *Config) { c.ChainID = "" }), false},
		{"no rpc", edit(func(c *Config) { c.RPC = "" }), false},
		{"no trust root", edit(func(c *Config) { c.TrustHeight, c.TrustHash = 0, nil }), false},
		{"both trust roots", edit(func(c *Config) { c.TrustFromGenesis = true }), false},
		{"hash without height", edit(func(c *Config) { c.TrustHeight = 0 }), false},
		{"height without hash", edit(func(c *Config) { c.TrustHash = nil }), false},
		{"short hash", edit(func(c *Config) { c.TrustHash = c.TrustHash[:20] }), false},
		{"no trusting period", edit(func(c *Config) { c.TrustingPeriod = 0 }), false},
		{"no poll interval", edit(func(c *Config) { c.PollInterval = 0 }), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalidConfig)) {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	if _, err := New(t.Context(), edit(func(c *Config) { c.ChainID = "" })); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("New with bad config: %v", err)
	}
}

func TestParseHash(t *testing.T) {
	want := bytes.Repeat([]byte{0xAB}, 32)
	for _, s := range []string{
		"abababababababababababababababababababababababababababababababab",
		"ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB",
		"0xABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB",
	} {
		if got, err := ParseHash(s); err != nil || !bytes.Equal(got, want) {
			t.Errorf("ParseHash(%q) = %X, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "abab", "zz" + string(bytes.Repeat([]byte("ab"), 31))} {
		if _, err := ParseHash(s); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("ParseHash(%q) = %v, want ErrInvalidConfig", s, err)
		}
	}
}

func TestNewUnreachableNode(t *testing.T) {
	cfg := testConfig()
	cfg.RPC = "127.0.0.1:1" // nothing listens on port 1
	cfg.TrustFromGenesis = true
	cfg.DataDir = t.TempDir()
	for range 2 { // the second run proves the first closed its store
		cl, err := New(t.Context(), cfg)
		if !errors.Is(err, ErrNodeUnreachable) {
			if cl != nil {
				_ = cl.Close()
			}
			t.Fatalf("got %v, want ErrNodeUnreachable", err)
		}
	}
}
