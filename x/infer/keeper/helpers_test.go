package keeper_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/x/infer/keeper"
	"github.com/prova-network/prova/x/infer/types"
)

// fakeBank keeps balances in memory (a unit-test stand-in for x/bank) and
// counts what was burned.
type fakeBank struct {
	bal    map[string]sdk.Coins
	burned sdk.Coins
}

func (b *fakeBank) move(from, to string, amt sdk.Coins) error {
	have := b.bal[from]
	if !have.IsAllGTE(amt) {
		return sdkerrors.ErrInsufficientFunds.Wrapf("%s < %s", have, amt)
	}
	b.bal[from] = have.Sub(amt...)
	b.bal[to] = b.bal[to].Add(amt...)
	return nil
}
func (b *fakeBank) SendCoinsFromAccountToModule(_ context.Context, from sdk.AccAddress, m string, amt sdk.Coins) error {
	return b.move(from.String(), "module:"+m, amt)
}
func (b *fakeBank) SendCoinsFromModuleToAccount(_ context.Context, m string, to sdk.AccAddress, amt sdk.Coins) error {
	return b.move("module:"+m, to.String(), amt)
}
func (b *fakeBank) BurnCoins(_ context.Context, m string, amt sdk.Coins) error {
	if err := b.move("module:"+m, "burned", amt); err != nil {
		return err
	}
	b.burned = b.burned.Add(amt...)
	return nil
}
func (b *fakeBank) GetAllBalances(_ context.Context, a sdk.AccAddress) sdk.Coins {
	if a.Equals(moduleAddr) {
		return b.bal["module:"+types.ModuleName]
	}
	return b.bal[a.String()]
}

// balance is addr's balance of denom.
func (b *fakeBank) balance(addr string) int64 { return b.bal[addr].AmountOf(denom).Int64() }

var moduleAddr = sdk.AccAddress("infer-module-address")

const (
	denom     = "uprova"
	authority = "gov"
	funds     = 100_000_000
	minBond   = 10_000_000
	stake     = 5_000_000
	window    = 10
	timeout   = 5
	// receiptWindow is the receipt window: longer than a claim's, as by
	// default.
	receiptWindow = 40
)

func addr(name string) string { return sdk.AccAddress(fmt.Sprintf("%-20s", name)).String() }

func modelID(n int) string {
	sum := sha256.Sum256([]byte(fmt.Sprint("model", n)))
	return fmt.Sprintf("blake3:%x", sum)
}

func coin(n int64) sdk.Coin { return sdk.NewInt64Coin(denom, n) }

func sdkCoin(d string, n int64) sdk.Coin { return sdk.NewInt64Coin(d, n) }

func hash(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

type fixture struct {
	ctx     sdk.Context
	k       keeper.Keeper
	msgs    types.MsgServer
	q       types.QueryServer
	bank    *fakeBank
	owners  map[string]string            // registry: model id -> owner
	roots   map[string]map[uint64][]byte // x/receipts: log -> size -> anchored root
	anchors map[string][]anchor          // x/receipts: log -> checkpoints in anchoring order
}

// anchor is a checkpoint anchored in the fake x/receipts.
type anchor struct {
	height int64
	size   uint64
}

// fakeModelID is an executable put in genesis without a real ONNX file:
// the handlers that never load the model (claims, bisection, timeouts,
// output proofs) work with it.
var fakeModelID = modelID(9)

const fakeTraceSize = 9

func newFixture(t testing.TB) *fixture {
	t.Helper()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	ctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("t")).Ctx.
		WithBlockHeader(cmtproto.Header{Height: 10, Time: time.Unix(1_700_000_000, 0)})
	f := &fixture{ctx: ctx, bank: &fakeBank{bal: map[string]sdk.Coins{}}, owners: map[string]string{}, roots: map[string]map[uint64][]byte{},
		anchors: map[string][]anchor{}}
	for _, a := range []string{"alice", "bob", "carol", "dave"} {
		f.bank.bal[addr(a)] = sdk.NewCoins(coin(funds))
	}
	owner := func(_ context.Context, id string) (string, bool, error) {
		o, ok := f.owners[id]
		return o, ok, nil
	}
	anchored := func(_ context.Context, log string, size uint64) ([]byte, bool, error) {
		r, ok := f.roots[log][size]
		return r, ok, nil
	}
	checkpointAt := func(_ context.Context, log string, h int64) (uint64, int64, bool, error) {
		as := f.anchors[log]
		for i := len(as) - 1; i >= 0; i-- {
			if as[i].height <= h {
				return as[i].size, as[i].height, true, nil
			}
		}
		return 0, 0, false, nil
	}
	addrs := addresscodec.NewBech32Codec(sdk.GetConfig().GetBech32AccountAddrPrefix())
	f.k = keeper.NewKeeper(codec.NewProtoCodec(codectypes.NewInterfaceRegistry()), runtime.NewKVStoreService(key), addrs, f.bank,
		owner, anchored, checkpointAt, moduleAddr, addr(authority))
	gs := types.DefaultGenesis()
	gs.Params = testParams()
	skeleton := []byte("not a real skeleton")
	sum := sha256.Sum256(skeleton)
	gs.Executables = []types.GenesisExecutable{{
		Executable: types.Executable{ModelId: fakeModelID, Owner: addr("alice"), TensorRoot: hash("tensors"), Initializers: 3,
			TraceSize: fakeTraceSize, Cost: 100, SkeletonDigest: sum[:], RegisteredHeight: 1},
		Skeleton: skeleton,
	}}
	if err := f.k.InitGenesis(ctx, gs); err != nil {
		t.Fatal(err)
	}
	f.msgs = keeper.NewMsgServer(f.k)
	f.q = keeper.NewQueryServer(f.k)
	return f
}

func testParams() types.Params {
	p := types.DefaultParams()
	p.MinBond, p.DisputeStake = coin(minBond), coin(stake)
	p.BurnShare = sdkmath.LegacyNewDecWithPrec(2, 1)
	p.ChallengeWindowBlocks, p.MoveTimeoutBlocks, p.InputTimeoutBlocks, p.UnbondingBlocks = window, timeout, timeout, 30
	p.ReceiptWindowBlocks = receiptWindow
	return p
}

// anchor has log anchor a checkpoint of size with root at the current
// height in the fake x/receipts. Tests that swap the entries of a tree
// re-anchor a size with another root; the first anchoring of a size keeps
// its height.
func (f *fixture) anchor(log string, size uint64, root []byte) {
	if f.roots[log] == nil {
		f.roots[log] = map[uint64][]byte{}
	}
	if _, again := f.roots[log][size]; !again {
		f.anchors[log] = append(f.anchors[log], anchor{height: f.ctx.BlockHeight(), size: size})
	}
	f.roots[log][size] = root
}

// endBlock runs the EndBlocker, checks the invariants and moves to the
// next block.
func (f *fixture) endBlock(t testing.TB) {
	t.Helper()
	if err := f.k.EndBlocker(f.ctx); err != nil {
		t.Fatalf("end block %d: %v", f.ctx.BlockHeight(), err)
	}
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		t.Fatalf("invariants after block %d: %v", f.ctx.BlockHeight(), err)
	}
	f.ctx = f.ctx.WithBlockHeight(f.ctx.BlockHeight() + 1).WithBlockTime(f.ctx.BlockTime().Add(time.Second)).WithEventManager(sdk.NewEventManager())
}

// endBlocks ends n blocks.
func (f *fixture) endBlocks(t testing.TB, n int) {
	t.Helper()
	for range n {
		f.endBlock(t)
	}
}

func (f *fixture) bond(t testing.TB, who string, amount int64, key string) {
	t.Helper()
	if _, err := f.msgs.Bond(f.ctx, &types.MsgBond{Provider: addr(who), Amount: coin(amount), ReceiptKey: key}); err != nil {
		t.Fatal(err)
	}
}

// trace is a fake trace of size n: leaf 0 the input digest, leaf n-1 the
// output digest, steps in between named by variant from leaf from on.
type trace struct{ leaves [][32]byte }

func newTrace(n int, input, output []byte, variant string, from int) trace {
	tr := trace{leaves: make([][32]byte, n)}
	copy(tr.leaves[0][:], input)
	copy(tr.leaves[n-1][:], output)
	for i := 1; i < n-1; i++ {
		name := "honest"
		if i >= from {
			name = variant
		}
		tr.leaves[i] = sha256.Sum256(fmt.Appendf(nil, "%s state %d", name, i))
	}
	return tr
}

func (tr trace) root() []byte {
	r := onnxint.TraceRoot(tr.leaves)
	return r[:]
}

func (tr trace) prefix(size uint64) []byte {
	r := onnxint.PrefixRoot(tr.leaves, size)
	return r[:]
}

func (f *fixture) postClaim(t testing.TB, who string, tr trace) uint64 {
	t.Helper()
	res, err := f.msgs.PostClaim(f.ctx, &types.MsgPostClaim{Provider: addr(who), ModelId: fakeModelID,
		InputDigest: tr.leaves[0][:], OutputDigest: tr.leaves[len(tr.leaves)-1][:], TraceRoot: tr.root(), TraceSize: uint64(len(tr.leaves))})
	if err != nil {
		t.Fatal(err)
	}
	return res.ClaimId
}

func (f *fixture) challenge(t testing.TB, who string, claim uint64, tr trace) uint64 {
	t.Helper()
	res, err := f.msgs.Challenge(f.ctx, &types.MsgChallenge{Challenger: addr(who), Claim: types.ClaimRef{ClaimId: claim},
		TraceRoot: tr.root(), OutputDigest: tr.leaves[len(tr.leaves)-1][:], Bond: coin(stake)})
	if err != nil {
		t.Fatal(err)
	}
	return res.DisputeId
}

func (f *fixture) dispute(t testing.TB, id uint64) types.Dispute {
	t.Helper()
	d, err := f.k.Disputes.Get(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) claim(t testing.TB, id uint64) types.Claim {
	t.Helper()
	c, err := f.k.Claims.Get(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bisect plays both parties honestly from their own traces until the
// dispute reaches one step (or is decided), failing on any refused move.
func (f *fixture) bisect(t testing.TB, id uint64, defender, challenger string, dt, ct trace) types.Dispute {
	t.Helper()
	for {
		d := f.dispute(t, id)
		if d.Phase != types.DisputePhase_DISPUTE_PHASE_BISECT {
			return d
		}
		who, tr := defender, dt
		if d.Turn == types.Party_PARTY_CHALLENGER {
			who, tr = challenger, ct
		}
		if _, err := f.msgs.Bisect(f.ctx, &types.MsgBisect{Sender: addr(who), DisputeId: id, Root: tr.prefix(d.Mid)}); err != nil {
			t.Fatalf("bisect by %s at %d: %v", who, d.Mid, err)
		}
		f.endBlock(t)
	}
}

// state is everything the tests compare to show that a refused message
// changed nothing: the exported genesis and every balance.
func (f *fixture) state(t testing.TB) []byte {
	t.Helper()
	gs, err := f.k.ExportGenesis(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	out := cdc.MustMarshalJSON(gs)
	for _, a := range []string{"alice", "bob", "carol", "dave"} {
		out = append(out, f.bank.bal[addr(a)].String()...)
	}
	return append(out, f.bank.bal["module:"+types.ModuleName].String()...)
}

// refused fails t unless err is a registered error of the module (or the
// SDK) and the call left the state as it was.
func (f *fixture) refused(t testing.TB, before []byte, err error, want error) {
	t.Helper()
	if err == nil {
		t.Fatal("accepted")
	}
	if space, code, _ := errorsmod.ABCIInfo(err, false); (space != types.ModuleName && space != sdkerrors.RootCodespace) || code < 2 {
		t.Fatalf("error %q is not registered (codespace %q, code %d)", err, space, code)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	if after := f.state(t); !bytes.Equal(before, after) {
		t.Fatalf("refused message (%v) changed the state", err)
	}
}
