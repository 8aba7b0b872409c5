package keeper_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"cosmossdk.io/collections"

	"github.com/cosmos/cosmos-sdk/codec"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/x/receipts/keeper"
	"github.com/prova-network/prova/x/receipts/types"
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
		return fmt.Errorf("insufficient funds: %s < %s", have, amt)
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

var moduleAddr = sdk.AccAddress("receipts-module-addr")

const (
	denom     = "uprova"
	authority = "gov"
)

func addr(name string) string { return sdk.AccAddress(fmt.Sprintf("%-20s", name)).String() }

func model(n int) string {
	sum := sha256.Sum256([]byte(fmt.Sprint("model", n)))
	return fmt.Sprintf("blake3:%x", sum)
}

type fixture struct {
	ctx  sdk.Context
	k    keeper.Keeper
	msgs types.MsgServer
	q    types.QueryServer
	bank *fakeBank
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	ctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("t")).Ctx.
		WithBlockHeader(cmtproto.Header{Height: 10, Time: time.Unix(1_700_000_000, 0)})
	f := &fixture{ctx: ctx, bank: &fakeBank{bal: map[string]sdk.Coins{}}}
	for _, a := range []string{"alice", "bob", "carol"} {
		f.bank.bal[addr(a)] = sdk.NewCoins(sdk.NewInt64Coin(denom, 100_000_000))
	}
	registered := func(_ context.Context, id string) (bool, error) { return id == model(1), nil }
	addrs := addresscodec.NewBech32Codec(sdk.GetConfig().GetBech32AccountAddrPrefix())
	f.k = keeper.NewKeeper(codec.NewProtoCodec(codectypes.NewInterfaceRegistry()), runtime.NewKVStoreService(key), addrs, f.bank, registered, moduleAddr, addr(authority))
	gs := types.DefaultGenesis()
	gs.Params.MinBond = sdk.NewInt64Coin(denom, 10_000_000)
	if err := f.k.InitGenesis(ctx, gs); err != nil {
		t.Fatal(err)
	}
	f.msgs = keeper.NewMsgServer(f.k)
	f.q = keeper.NewQueryServer(f.k)
	return f
}

// endBlock checks the invariants and moves to the next block.
func (f *fixture) endBlock(t *testing.T) {
	t.Helper()
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		t.Fatalf("invariants after block %d: %v", f.ctx.BlockHeight(), err)
	}
	f.ctx = f.ctx.WithBlockHeight(f.ctx.BlockHeight() + 1).WithBlockTime(f.ctx.BlockTime().Add(time.Second))
}

// logKeys is a log's note key pair.
type logKeys struct{ origin, signer, verifier string }

func newLogKeys(t testing.TB, origin string) logKeys {
	t.Helper()
	s, v, err := tlog.GenerateKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	return logKeys{origin, s, v}
}

// entries returns n log entries; variant changes their content, so two
// variants make two different logs of the same origin.
func entries(n int, variant string) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "%s entry %d", variant, i)
	}
	return out
}

// The reference RFC 6962 functions below follow RFC 6962 section 2.1
// (MTH) and 2.1.2 (PROOF and SUBPROOF) literally, with tlog's leaf and
// node hashes; they build the small trees the tests anchor.

func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

func mth(d [][]byte) []byte {
	switch len(d) {
	case 0:
		return tlog.EmptyRoot()
	case 1:
		return tlog.LeafHash(d[0])
	}
	k := split(len(d))
	return tlog.NodeHash(mth(d[:k]), mth(d[k:]))
}

func subproof(m int, d [][]byte, complete bool) [][]byte {
	n := len(d)
	if m == n {
		if complete {
			return nil
		}
		return [][]byte{mth(d)}
	}
	k := split(n)
	if m <= k {
		return append(subproof(m, d[:k], complete), mth(d[k:]))
	}
	return append(subproof(m-k, d[k:], false), mth(d[:k]))
}

// consistency is PROOF(m, D[n]); empty for m = 0.
func consistency(m int, d [][]byte) [][]byte {
	if m == 0 {
		return nil
	}
	return subproof(m, d, true)
}

// sign returns the signed checkpoint of the first n of d.
func (lk logKeys) sign(t testing.TB, d [][]byte) []byte {
	t.Helper()
	note, err := tlog.Sign(tlog.Checkpoint{Origin: lk.origin, Size: uint64(len(d)), Hash: mth(d)}, lk.signer)
	if err != nil {
		t.Fatal(err)
	}
	return note
}

func (f *fixture) register(t *testing.T, operator string, lk logKeys, bond int64) {
	t.Helper()
	if _, err := f.msgs.RegisterLog(f.ctx, &types.MsgRegisterLog{Operator: operator, Origin: lk.origin, VerifierKey: lk.verifier, Bond: sdk.NewInt64Coin(denom, bond)}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) anchor(operator string, lk logKeys, d [][]byte, from int, t *testing.T) error {
	t.Helper()
	_, err := f.msgs.AnchorCheckpoint(f.ctx, &types.MsgAnchorCheckpoint{Operator: operator, LogId: lk.origin, Checkpoint: lk.sign(t, d), ConsistencyProof: consistency(from, d)})
	return err
}

func joinSize(id string, size uint64) collections.Pair[string, uint64] {
	return collections.Join(id, size)
}
