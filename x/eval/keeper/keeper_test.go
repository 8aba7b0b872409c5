package keeper_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/crypto/keys/ed25519"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	_ "github.com/prova-network/prova/app" // bech32 prefixes, bond denom
	"github.com/prova-network/prova/x/eval/keeper"
	"github.com/prova-network/prova/x/eval/types"
)

// fakeBank keeps balances in memory (a unit-test stand-in for x/bank).
type fakeBank struct{ bal map[string]sdk.Coins }

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
func (b *fakeBank) GetAllBalances(_ context.Context, a sdk.AccAddress) sdk.Coins {
	return b.bal["module:"+types.ModuleName]
}

// fakeStaking knows bonded validators and records slashes. getErr and
// slashErr inject failures by validator operator and consensus address.
type fakeStaking struct {
	vals     map[string]stakingtypes.Validator
	slashed  map[string]sdkmath.LegacyDec
	getErr   map[string]error
	slashErr map[string]error
}

func (s *fakeStaking) GetValidator(_ context.Context, a sdk.ValAddress) (stakingtypes.Validator, error) {
	if err := s.getErr[a.String()]; err != nil {
		return stakingtypes.Validator{}, err
	}
	v, ok := s.vals[a.String()]
	if !ok {
		return v, stakingtypes.ErrNoValidatorFound
	}
	return v, nil
}
func (s *fakeStaking) Slash(_ context.Context, c sdk.ConsAddress, _, _ int64, f sdkmath.LegacyDec) (sdkmath.Int, error) {
	if err := s.slashErr[c.String()]; err != nil {
		return sdkmath.ZeroInt(), err
	}
	s.slashed[c.String()] = f
	return sdkmath.ZeroInt(), nil
}
func (s *fakeStaking) PowerReduction(context.Context) sdkmath.Int { return sdk.DefaultPowerReduction }

type fixture struct {
	ctx     sdk.Context
	k       keeper.Keeper
	msgs    types.MsgServer
	bank    *fakeBank
	staking *fakeStaking
	vals    []string // operator account addresses
	cons    map[string]string
}

const target = "blake3:00000000000000000000000000000000000000000000000000000000000000aa"

func newFixture(t *testing.T) *fixture {
	key := storetypes.NewKVStoreKey(types.StoreKey)
	ctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("t")).Ctx.
		WithBlockHeader(cmtproto.Header{Height: 100, Time: time.Unix(1_700_000_000, 0)})
	f := &fixture{ctx: ctx, bank: &fakeBank{bal: map[string]sdk.Coins{}}, staking: &fakeStaking{vals: map[string]stakingtypes.Validator{}, slashed: map[string]sdkmath.LegacyDec{}, getErr: map[string]error{}, slashErr: map[string]error{}}, cons: map[string]string{}}
	for i := range 5 {
		acc := sdk.AccAddress(fmt.Sprintf("validator-%011d", i))
		pk := ed25519.GenPrivKeyFromSecret([]byte{byte(i)}).PubKey()
		v, err := stakingtypes.NewValidator(sdk.ValAddress(acc).String(), pk, stakingtypes.Description{})
		if err != nil {
			t.Fatal(err)
		}
		v.Status, v.Tokens = stakingtypes.Bonded, sdkmath.NewInt(1_000_000)
		f.staking.vals[sdk.ValAddress(acc).String()] = v
		f.vals = append(f.vals, acc.String())
		f.cons[acc.String()] = sdk.ConsAddress(pk.Address()).String()
	}
	f.vals = append(f.vals, sdk.AccAddress("not-a-validator-0000").String())
	f.bank.bal[sdk.AccAddress("creator-00000000000").String()] = sdk.NewCoins(sdk.NewInt64Coin("uprova", 100_000_000))
	f.useStore(t, key, ctx)
	if err := f.k.InitGenesis(f.ctx, types.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	return f
}

// gov is the authority address the fixture's keeper accepts.
var gov = sdk.AccAddress("gov-module-account00").String()

// useStore points the fixture at a keeper over key (with the same fake
// bank and staking), as a node starting from another store would be.
func (f *fixture) useStore(t *testing.T, key *storetypes.KVStoreKey, ctx sdk.Context) {
	t.Helper()
	exists := func(_ context.Context, id string) (bool, error) { return id == target, nil }
	f.ctx = ctx
	addrs := addresscodec.NewBech32Codec(sdk.GetConfig().GetBech32AccountAddrPrefix())
	f.k = keeper.NewKeeper(codec.NewProtoCodec(codectypes.NewInterfaceRegistry()), runtime.NewKVStoreService(key), addrs, f.bank, f.staking, exists, sdk.AccAddress("eval-module"), gov)
	f.msgs = keeper.NewMsgServer(f.k)
}

func (f *fixture) at(h int64) { f.ctx = f.ctx.WithBlockHeight(h) }

func creator() string { return sdk.AccAddress("creator-00000000000").String() }

func salt(i int) []byte { return []byte(fmt.Sprintf("salt-for-evaluator-%d", i)) }

func (f *fixture) createTask(t *testing.T) uint64 {
	t.Helper()
	res, err := f.msgs.CreateEvalTask(f.ctx, &types.MsgCreateEvalTask{
		Creator: creator(), TargetId: target, Metric: "accuracy", ScoreMax: 10_000,
		Pool: sdk.NewInt64Coin("uprova", 10_000_000), CommitBlocks: 10, RevealBlocks: 10,
		MinEvaluators: 3, Tolerance: 500, SlashDistance: 2000,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.TaskId
}

func TestTaskLifecycle(t *testing.T) {
	f := newFixture(t)
	id := f.createTask(t) // commits until 110, reveals 111..120
	scores := []uint64{7000, 7200, 6900, 1000}
	for i, s := range scores {
		if _, err := f.msgs.CommitScore(f.ctx, &types.MsgCommitScore{Evaluator: f.vals[i], TaskId: id, Hash: types.CommitHash(id, f.vals[i], s, salt(i))}); err != nil {
			t.Fatal(err)
		}
	}
	// Validator 4 commits and never reveals.
	if _, err := f.msgs.CommitScore(f.ctx, &types.MsgCommitScore{Evaluator: f.vals[4], TaskId: id, Hash: types.CommitHash(id, f.vals[4], 5000, salt(4))}); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		run  func() error
		want *errorsmod.Error
	}{
		{"double commit", func() error {
			_, err := f.msgs.CommitScore(f.ctx, &types.MsgCommitScore{Evaluator: f.vals[0], TaskId: id, Hash: make([]byte, 32)})
			return err
		}, types.ErrAlreadyDone},
		{"non-validator commit", func() error {
			_, err := f.msgs.CommitScore(f.ctx, &types.MsgCommitScore{Evaluator: f.vals[5], TaskId: id, Hash: make([]byte, 32)})
			return err
		}, types.ErrNotEvaluator},
		{"reveal before the window", func() error {
			_, err := f.msgs.RevealScore(f.ctx, &types.MsgRevealScore{Evaluator: f.vals[0], TaskId: id, Score: 7000, Salt: salt(0)})
			return err
		}, types.ErrRevealClosed},
		{"unknown target", func() error {
			_, err := f.msgs.CreateEvalTask(f.ctx, &types.MsgCreateEvalTask{Creator: creator(), TargetId: "blake3:" + fmt.Sprintf("%064x", 1), Metric: "m", ScoreMax: 1, Pool: sdk.NewInt64Coin("uprova", 1_000_000), CommitBlocks: 1, RevealBlocks: 1, MinEvaluators: 1})
			return err
		}, types.ErrUnknownTarget},
		{"under-funded pool", func() error {
			_, err := f.msgs.CreateEvalTask(f.ctx, &types.MsgCreateEvalTask{Creator: creator(), TargetId: target, Metric: "m", ScoreMax: 1, Pool: sdk.NewInt64Coin("uprova", 10), CommitBlocks: 1, RevealBlocks: 1, MinEvaluators: 1})
			return err
		}, types.ErrPoolTooSmall},
	}
	for _, tc := range bad {
		if err := tc.run(); !errorsmod.IsOf(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	f.at(111)
	if _, err := f.msgs.CommitScore(f.ctx, &types.MsgCommitScore{Evaluator: f.vals[4], TaskId: id, Hash: make([]byte, 32)}); !errorsmod.IsOf(err, types.ErrCommitClosed) && !errorsmod.IsOf(err, types.ErrAlreadyDone) {
		t.Errorf("commit after the window: %v", err)
	}
	if _, err := f.msgs.RevealScore(f.ctx, &types.MsgRevealScore{Evaluator: f.vals[0], TaskId: id, Score: 7001, Salt: salt(0)}); !errorsmod.IsOf(err, types.ErrRevealMismatch) {
		t.Errorf("mismatched reveal: %v", err)
	}
	if _, err := f.msgs.RevealScore(f.ctx, &types.MsgRevealScore{Evaluator: f.vals[5], TaskId: id, Score: 1, Salt: salt(5)}); !errorsmod.IsOf(err, types.ErrNoCommit) {
		t.Errorf("reveal by non-committer: %v", err)
	}
	for i, s := range scores {
		if _, err := f.msgs.RevealScore(f.ctx, &types.MsgRevealScore{Evaluator: f.vals[i], TaskId: id, Score: s, Salt: salt(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.at(120)
	if err := f.k.EndBlocker(f.ctx); err != nil {
		t.Fatal(err)
	}
	task, _ := f.k.Tasks.Get(f.ctx, id)
	if task.Status != types.TaskStatus_TASK_STATUS_SUCCEEDED || task.Result != 6900 {
		t.Fatalf("task %+v", task)
	}
	if latest, err := f.k.Latest.Get(f.ctx, target); err != nil || latest.Id != id || latest.Result != 6900 {
		t.Fatalf("latest result for the target: %+v, %v", latest, err)
	}
	// Equal weights: median 6900 (lower median of 1000, 6900, 7000, 7200);
	// evaluators 0 (100 away) and 2 (0) share the pool, 1 (300) too.
	paid := sdkmath.ZeroInt()
	for i := 0; i < 3; i++ {
		got := f.bank.bal[f.vals[i]].AmountOf("uprova")
		if !got.IsPositive() {
			t.Errorf("honest evaluator %d was not paid", i)
		}
		paid = paid.Add(got)
	}
	if !paid.Equal(sdkmath.NewInt(10_000_000)) || f.bank.bal[f.vals[3]].AmountOf("uprova").IsPositive() {
		t.Fatalf("payout: honest %s, outlier %s", paid, f.bank.bal[f.vals[3]])
	}
	p := types.DefaultParams()
	if got := f.staking.slashed[f.cons[f.vals[3]]]; !got.Equal(p.SlashFractionDeviation) {
		t.Errorf("outlier slashed by %v, want %v", got, p.SlashFractionDeviation)
	}
	if got := f.staking.slashed[f.cons[f.vals[4]]]; !got.Equal(p.SlashFractionNoReveal) {
		t.Errorf("silent evaluator slashed by %v, want %v", got, p.SlashFractionNoReveal)
	}
	for i := 0; i < 3; i++ {
		if _, ok := f.staking.slashed[f.cons[f.vals[i]]]; ok {
			t.Errorf("honest evaluator %d slashed", i)
		}
	}
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		t.Fatal(err)
	}
	if rep, _ := f.k.Reputation.Get(f.ctx, f.vals[4]); rep != 9000 {
		t.Errorf("silent evaluator reputation %d, want 9000", rep)
	}
}

func TestTooFewRevealsRefunds(t *testing.T) {
	f := newFixture(t)
	id := f.createTask(t)
	before := f.bank.bal[creator()].AmountOf("uprova")
	if _, err := f.msgs.CommitScore(f.ctx, &types.MsgCommitScore{Evaluator: f.vals[0], TaskId: id, Hash: types.CommitHash(id, f.vals[0], 1, salt(0))}); err != nil {
		t.Fatal(err)
	}
	f.at(111)
	if _, err := f.msgs.RevealScore(f.ctx, &types.MsgRevealScore{Evaluator: f.vals[0], TaskId: id, Score: 1, Salt: salt(0)}); err != nil {
		t.Fatal(err)
	}
	f.at(120)
	if err := f.k.EndBlocker(f.ctx); err != nil {
		t.Fatal(err)
	}
	task, _ := f.k.Tasks.Get(f.ctx, id)
	if task.Status != types.TaskStatus_TASK_STATUS_FAILED {
		t.Fatalf("status %s", task.Status)
	}
	if has, _ := f.k.Latest.Has(f.ctx, target); has {
		t.Fatal("a failed task was recorded as the target's latest result")
	}
	if got := f.bank.bal[creator()].AmountOf("uprova"); !got.Equal(before.AddRaw(10_000_000)) {
		t.Fatalf("creator has %s, want the pool back (%s)", got, before.AddRaw(10_000_000))
	}
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		t.Fatal(err)
	}
}
