package lightclient

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	sdkmath "cosmossdk.io/math"
	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto"
	"github.com/cometbft/cometbft/crypto/ed25519"
	"github.com/cometbft/cometbft/light/provider/mock"
	"github.com/cometbft/cometbft/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

var (
	testAddr  = sdk.AccAddress(bytes.Repeat([]byte{0x42}, 20))
	testDenom = "uprova"
)

// provenChain is a multistore committed block by block with a header chain
// whose header h+1 carries the app hash of state version h, as on a real node.
type provenChain struct {
	state     *testState
	chain     *testChain
	primary   *mock.Mock
	witness   *mock.Mock
	latest    atomic.Int64
	versions  int64
	legacyKey []byte
}

func newProvenChain(t *testing.T, versions int) *provenChain {
	t.Helper()
	pc := &provenChain{state: newTestState(t, "bank", "registry"), chain: newTestChain(testChainID, 4)}
	genesis := sha256.Sum256([]byte("genesis"))
	pc.chain.addBlock(genesis[:])
	balKey, err := BalanceKey(testAddr, testDenom)
	if err != nil {
		t.Fatal(err)
	}
	pc.legacyKey, err = BalanceKey(testAddr, "ulegacy")
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := (&sdk.Coin{Denom: "ulegacy", Amount: sdkmath.NewInt(77)}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for v := 1; v <= versions; v++ {
		amount, _ := sdk.IntValue.Encode(sdkmath.NewInt(int64(1000 + v)))
		pc.state.set("bank", string(balKey), string(amount), string(pc.legacyKey), string(legacy))
		pc.state.set("registry", "model/1", "llama-v"+string(rune('0'+v)))
		pc.chain.addBlock(pc.state.commit().Hash)
	}
	pc.versions = int64(versions)
	pc.latest.Store(int64(versions) + 1)
	pc.primary, pc.witness = pc.chain.provider(), pc.chain.provider()
	return pc
}

// commitWithoutHeader commits one more state version whose header is not
// produced yet, and returns a function that produces it.
func (pc *provenChain) commitWithoutHeader() func() {
	pc.state.set("registry", "model/9", "late")
	hash := pc.state.commit().Hash
	pc.versions++
	return func() {
		lb := pc.chain.addBlock(hash)
		pc.primary.AddLightBlock(lb)
		pc.witness.AddLightBlock(lb)
		pc.latest.Store(lb.Height)
	}
}

func (pc *provenChain) client(t *testing.T, cfg Config, node *fakeNode) *Client {
	t.Helper()
	if node.state == nil {
		node.state = pc.state
	}
	node.latest = pc.latest.Load
	cfg.TrustHeight, cfg.TrustHash = 1, pc.chain.hash(1)
	cl, err := testClient(t, cfg, pc.primary, pc.witness, node)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return cl
}

func TestVerifyABCIQueryGenuine(t *testing.T) {
	pc := newProvenChain(t, 4) // state versions 1..4, headers 1..5
	cl := pc.client(t, testConfig(), &fakeNode{})

	value, proof, err := cl.VerifyABCIQuery(t.Context(), "registry", []byte("model/1"), 3)
	if err != nil {
		t.Fatalf("genuine answer rejected: %v", err)
	}
	if string(value) != "llama-v3" {
		t.Fatalf("value %q, want llama-v3", value)
	}
	if !proof.Exists || proof.Height != 3 || proof.HeaderHeight != 4 ||
		!bytes.Equal(proof.HeaderHash, pc.chain.hash(4)) || !bytes.Equal(proof.AppHash, pc.chain.blocks[3].AppHash) {
		t.Fatalf("proof record %+v does not describe header 4", proof)
	}

	value, proof, err = cl.VerifyABCIQuery(t.Context(), "registry", []byte("model/404"), 0)
	if err != nil {
		t.Fatalf("genuine absence rejected: %v", err)
	}
	if value != nil || proof.Exists || proof.Height != 4 || proof.HeaderHeight != 5 {
		t.Fatalf("absent key: value %q, proof %+v; want nil at height 4", value, proof)
	}
	t.Log(proof)
}

func TestVerifyABCIQueryRejects(t *testing.T) {
	pc := newProvenChain(t, 4)
	forgedState := newTestState(t, "bank", "registry")
	forgedState.set("registry", "model/1", "evil-model")
	for range 3 {
		forgedState.commit()
	}

	cases := []struct {
		name   string
		node   *fakeNode
		store  string
		key    string
		height int64
		want   error
	}{
		{"value changed", &fakeNode{mutate: func(r *abci.ResponseQuery) { r.Value = []byte("evil-model") }},
			"registry", "model/1", 3, ErrValueMismatch},
		{"value invented for absent key", &fakeNode{mutate: func(r *abci.ResponseQuery) { r.Value = []byte("x") }},
			"registry", "model/404", 3, ErrValueMismatch},
		{"value hidden", &fakeNode{mutate: func(r *abci.ResponseQuery) { r.Value = nil }},
			"registry", "model/1", 3, ErrValueMismatch},
		{"proof dropped", &fakeNode{mutate: func(r *abci.ResponseQuery) { r.ProofOps = nil }},
			"registry", "model/1", 3, ErrProofMissing},
		{"wrong height", &fakeNode{mutate: func(r *abci.ResponseQuery) { r.Height = 2 }},
			"registry", "model/1", 3, ErrHeightMismatch},
		{"answer for another key", &fakeNode{mutate: func(r *abci.ResponseQuery) { r.Key = []byte("model/2") }},
			"registry", "model/1", 3, ErrProofKeyMismatch},
		{"answer from another state", &fakeNode{state: forgedState},
			"registry", "model/1", 3, ErrAppHashMismatch},
		{"query error", &fakeNode{mutate: func(r *abci.ResponseQuery) { r.Code, r.Log = 18, "invalid request" }},
			"registry", "model/1", 3, ErrQueryFailed},
		{"height 1 is not provable", &fakeNode{}, "registry", "model/1", 1, ErrHeightNotAvailable},
		{"negative height", &fakeNode{}, "registry", "model/1", -1, ErrHeightNotAvailable},
		{"empty key", &fakeNode{}, "registry", "", 3, ErrBadRequest},
		{"bad store name", &fakeNode{}, "registry/key", "model/1", 3, ErrBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl := pc.client(t, testConfig(), tc.node)
			value, _, err := cl.VerifyABCIQuery(t.Context(), tc.store, []byte(tc.key), tc.height)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got value %q, err %v; want %v", value, err, tc.want)
			}
		})
	}
}

func TestVerifyABCIQueryWaitsForNextHeader(t *testing.T) {
	pc := newProvenChain(t, 4)
	produce := pc.commitWithoutHeader() // state version 5, header 6 not yet produced
	cl := pc.client(t, testConfig(), &fakeNode{})

	go func() {
		time.Sleep(50 * time.Millisecond)
		produce()
	}()
	value, proof, err := cl.VerifyABCIQuery(t.Context(), "registry", []byte("model/9"), 5)
	if err != nil {
		t.Fatalf("query at the newest height: %v", err)
	}
	if string(value) != "late" || proof.HeaderHeight != 6 {
		t.Fatalf("value %q proven by header %d; want late, 6", value, proof.HeaderHeight)
	}
}

func TestVerifyABCIQueryNextHeaderTimeout(t *testing.T) {
	pc := newProvenChain(t, 4)
	pc.commitWithoutHeader() // header 6 never comes
	cfg := testConfig()
	cfg.NextBlockTimeout = 50 * time.Millisecond
	cl := pc.client(t, cfg, &fakeNode{})

	start := time.Now()
	_, _, err := cl.VerifyABCIQuery(t.Context(), "registry", []byte("model/9"), 5)
	if !errors.Is(err, ErrHeightNotAvailable) {
		t.Fatalf("got %v, want ErrHeightNotAvailable", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("wait was not bounded: %s", waited)
	}
}

func TestVerifiedBalance(t *testing.T) {
	pc := newProvenChain(t, 4)
	cl := pc.client(t, testConfig(), &fakeNode{})

	coin, proof, err := cl.VerifiedBalance(t.Context(), testAddr, testDenom)
	if err != nil {
		t.Fatalf("verified balance: %v", err)
	}
	if !coin.Equal(sdk.NewInt64Coin(testDenom, 1004)) || proof.Height != 4 || proof.StoreName != "bank" {
		t.Fatalf("got %s at height %d from %q; want 1004uprova at 4 from bank", coin, proof.Height, proof.StoreName)
	}

	coin, _, err = cl.VerifiedBalanceAt(t.Context(), testAddr, testDenom, 2)
	if err != nil || !coin.Equal(sdk.NewInt64Coin(testDenom, 1002)) {
		t.Fatalf("balance at height 2: %s, %v", coin, err)
	}

	coin, _, err = cl.VerifiedBalance(t.Context(), testAddr, "ulegacy")
	if err != nil || !coin.Equal(sdk.NewInt64Coin("ulegacy", 77)) {
		t.Fatalf("legacy coin-encoded balance: %s, %v", coin, err)
	}

	coin, proof, err = cl.VerifiedBalance(t.Context(), sdk.AccAddress(bytes.Repeat([]byte{7}, 20)), testDenom)
	if err != nil || !coin.IsZero() || coin.Denom != testDenom || proof.Exists {
		t.Fatalf("unknown account: %s, %+v, %v; want a proven zero", coin, proof, err)
	}

	// A node that swaps in a bigger balance is caught.
	liar := pc.client(t, testConfig(), &fakeNode{mutate: func(r *abci.ResponseQuery) { r.Value = []byte("99999999") }})
	if _, _, err := liar.VerifiedBalance(t.Context(), testAddr, testDenom); !errors.Is(err, ErrValueMismatch) {
		t.Fatalf("inflated balance: got %v, want ErrValueMismatch", err)
	}
}

// TestVerifyABCIQueryForgedHeader plays the full attack: the node runs a
// forged state and serves a header carrying its app hash, but cannot get the
// validators to sign it.
func TestVerifyABCIQueryForgedHeader(t *testing.T) {
	pc := newProvenChain(t, 4)
	forgedState := newTestState(t, "bank", "registry")
	forgedState.set("registry", "model/1", "evil-model")
	var forgedHash []byte
	for range 3 {
		forgedHash = forgedState.commit().Hash
	}
	var strangers []crypto.PrivKey
	for range pc.chain.keys {
		strangers = append(strangers, ed25519.GenPrivKey())
	}
	hdr := pc.chain.header(4, forgedHash, pc.chain.vals)
	fake := &types.LightBlock{
		SignedHeader: &types.SignedHeader{Header: hdr, Commit: pc.chain.sign(hdr, pc.chain.vals, strangers)},
		ValidatorSet: pc.chain.vals,
	}
	pc.primary, pc.witness = pc.chain.provider(fake), pc.chain.provider(fake)

	cl := pc.client(t, testConfig(), &fakeNode{state: forgedState})
	value, _, err := cl.VerifyABCIQuery(t.Context(), "registry", []byte("model/1"), 3)
	if !errors.Is(err, ErrHeaderUnverified) {
		t.Fatalf("got value %q, err %v; want ErrHeaderUnverified", value, err)
	}
}
