package keeper_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/eval/keeper"
	"github.com/prova-network/prova/x/eval/types"
)

// commitAndReveal commits scores[i] for evaluator i at the current height.
func (f *fixture) commitAll(t *testing.T, id uint64, scores map[int]uint64) {
	t.Helper()
	for i := range len(f.vals) {
		s, ok := scores[i]
		if !ok {
			continue
		}
		if _, err := f.msgs.CommitScore(f.ctx, &types.MsgCommitScore{Evaluator: f.vals[i], TaskId: id, Hash: types.CommitHash(id, f.vals[i], s, salt(i))}); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) reveal(t *testing.T, id uint64, i int, score uint64) {
	t.Helper()
	if _, err := f.msgs.RevealScore(f.ctx, &types.MsgRevealScore{Evaluator: f.vals[i], TaskId: id, Score: score, Salt: salt(i)}); err != nil {
		t.Fatal(err)
	}
}

// TestGenesisRoundTrip exports a state with a finished task, an open task
// mid-reveal, reputations and changed params; imports it into a fresh
// store; and checks that a second export is identical, the indexes are
// rebuilt, the invariants hold, and the open task still tallies correctly
// (paying each evaluator once).
func TestGenesisRoundTrip(t *testing.T) {
	f := newFixture(t)
	p := types.DefaultParams()
	p.SlashFractionDeviation = sdkmath.LegacyNewDecWithPrec(3, 2)
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: gov, Params: p}); err != nil {
		t.Fatal(err)
	}
	// Task 1: finished (succeeded).
	done := f.createTask(t)
	f.commitAll(t, done, map[int]uint64{0: 7000, 1: 7100, 2: 7200, 3: 500})
	f.at(111)
	for i, s := range []uint64{7000, 7100, 7200, 500} {
		f.reveal(t, done, i, s)
	}
	f.at(120)
	if err := f.k.EndBlocker(f.ctx); err != nil {
		t.Fatal(err)
	}
	// Task 2: open; three commits, two reveals so far, one evaluator silent.
	f.at(121)
	open := f.createTask(t) // commits until 131, reveals 132..141
	f.commitAll(t, open, map[int]uint64{0: 4000, 1: 4100, 4: 4200})
	f.at(132)
	f.reveal(t, open, 0, 4000)
	f.reveal(t, open, 1, 4100)
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		t.Fatal(err)
	}

	exported, err := f.k.ExportGenesis(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(exported.Tasks) != 2 || len(exported.Commits) != 7 || len(exported.Reveals) != 6 || len(exported.Reputations) != 4 || exported.NextTaskId != 3 {
		t.Fatalf("export is missing state: %d tasks, %d commits, %d reveals, %d reputations, next id %d",
			len(exported.Tasks), len(exported.Commits), len(exported.Reveals), len(exported.Reputations), exported.NextTaskId)
	}
	if err := exported.Validate(); err != nil {
		t.Fatalf("exported genesis does not validate: %v", err)
	}
	// Through JSON, as `provad export` and `init` do.
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	bz, err := cdc.MarshalJSON(exported)
	if err != nil {
		t.Fatal(err)
	}
	var decoded types.GenesisState
	if err := cdc.UnmarshalJSON(bz, &decoded); err != nil {
		t.Fatal(err)
	}

	key := storetypes.NewKVStoreKey(types.StoreKey)
	ctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("t2")).Ctx.
		WithBlockHeader(cmtproto.Header{Height: 132, Time: f.ctx.BlockTime()})
	dueBefore, byTargetBefore := collect(t, f.ctx, f.k.Due.Walk), collect(t, f.ctx, byTargetWalk(f.k))
	f.useStore(t, key, ctx)
	if err := f.k.InitGenesis(f.ctx, &decoded); err != nil {
		t.Fatal(err)
	}
	again, err := f.k.ExportGenesis(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	bz2, _ := cdc.MarshalJSON(again)
	if string(bz) != string(bz2) {
		t.Fatalf("export after import differs:\nfirst:  %s\nsecond: %s", bz, bz2)
	}
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		t.Fatalf("invariants after import: %v", err)
	}
	// Indexes rebuilt exactly.
	if got := collect(t, f.ctx, f.k.Due.Walk); len(dueBefore) != 1 || !reflect.DeepEqual(got, dueBefore) {
		t.Errorf("due index: before %v, after import %v", dueBefore, got)
	}
	if got := collect(t, f.ctx, byTargetWalk(f.k)); len(byTargetBefore) != 2 || !reflect.DeepEqual(got, byTargetBefore) {
		t.Errorf("by-target index: before %v, after import %v", byTargetBefore, got)
	}
	latest, err := f.k.Latest.Get(f.ctx, target)
	if err != nil || latest.Id != done || latest.Result != 7000 { // lower median of 500, 7000, 7100, 7200
		t.Fatalf("latest result after import: %+v, %v", latest, err)
	}
	q := keeper.NewQueryServer(f.k)
	openRes, err := q.OpenTasks(f.ctx, &types.QueryOpenTasksRequest{})
	if err != nil || len(openRes.Tasks) != 1 || openRes.Tasks[0].Id != open {
		t.Fatalf("open tasks after import: %+v, %v", openRes, err)
	}
	part, err := q.Participation(f.ctx, &types.QueryParticipationRequest{TaskId: open, Evaluator: f.vals[4]})
	if err != nil || part.Commit == nil || part.Reveal != nil {
		t.Fatalf("participation of the silent evaluator after import: %+v, %v", part, err)
	}

	// The open task finishes on the imported state: the silent evaluator
	// is slashed with the imported (changed) params, the others paid once.
	before := []sdkmath.Int{f.bank.bal[f.vals[0]].AmountOf("uprova"), f.bank.bal[f.vals[1]].AmountOf("uprova")}
	f.at(141)
	if err := f.k.EndBlocker(f.ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		t.Fatal(err)
	}
	task, _ := f.k.Tasks.Get(f.ctx, open)
	if task.Status != types.TaskStatus_TASK_STATUS_FAILED { // 2 reveals < 3 needed
		t.Fatalf("open task after tally: %s", task.Status)
	}
	if f.bank.bal[f.vals[0]].AmountOf("uprova").Sub(before[0]).IsPositive() || f.bank.bal[f.vals[1]].AmountOf("uprova").Sub(before[1]).IsPositive() {
		t.Fatal("evaluators of a failed task were paid")
	}
	if got := f.staking.slashed[f.cons[f.vals[4]]]; !got.Equal(p.SlashFractionNoReveal) {
		t.Fatalf("silent evaluator slashed by %v", got)
	}
	// Tallying the same height again pays nobody twice.
	snapshot := f.bank.bal[f.vals[0]]
	if err := f.k.EndBlocker(f.ctx); err != nil {
		t.Fatal(err)
	}
	if !f.bank.bal[f.vals[0]].Equal(snapshot) {
		t.Fatal("a second EndBlocker at the same height paid again")
	}
}

func collect[K any](t *testing.T, ctx sdk.Context, walk func(ctx context.Context, r collections.Ranger[K], fn func(K) (bool, error)) error) []K {
	t.Helper()
	var out []K
	if err := walk(ctx, nil, func(k K) (bool, error) { out = append(out, k); return false, nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGenesisValidateRejects: a genesis that would break the invariants
// or let an evaluator be paid twice does not validate.
func TestGenesisValidateRejects(t *testing.T) {
	f := newFixture(t)
	id := f.createTask(t)
	f.commitAll(t, id, map[int]uint64{0: 1, 1: 2})
	f.at(111)
	f.reveal(t, id, 0, 1)
	good, err := f.k.ExportGenesis(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit func(gs *types.GenesisState)
		want string
	}{
		{"duplicate commit", func(gs *types.GenesisState) { gs.Commits = append(gs.Commits, gs.Commits[0]) }, "duplicate commit"},
		{"duplicate reveal", func(gs *types.GenesisState) { gs.Reveals = append(gs.Reveals, gs.Reveals[0]) }, "duplicate reveal"},
		{"reveal without commit", func(gs *types.GenesisState) { gs.Reveals[0].Evaluator = f.vals[3] }, "without a commit"},
		{"commit on unknown task", func(gs *types.GenesisState) { gs.Commits[0].TaskId = 9 }, "unknown task"},
		{"counter mismatch", func(gs *types.GenesisState) { gs.Tasks[0].Reveals = 2 }, "counts"},
		{"task id at next id", func(gs *types.GenesisState) { gs.NextTaskId = 1 }, "below next_task_id"},
		{"duplicate task", func(gs *types.GenesisState) { gs.Tasks = append(gs.Tasks, gs.Tasks[0]) }, "ascending"},
		{"unspecified status", func(gs *types.GenesisState) { gs.Tasks[0].Status = types.TaskStatus_TASK_STATUS_UNSPECIFIED }, "invalid status"},
		{"score above the scale", func(gs *types.GenesisState) { gs.Reveals[0].Reveal.Score = 10_001 }, "score above"},
		{"reputation above 100%", func(gs *types.GenesisState) {
			gs.Reputations = append(gs.Reputations, types.GenesisReputation{Evaluator: f.vals[0], Reputation: types.BasisPoints + 1})
		}, "reputation"},
		{"bad params", func(gs *types.GenesisState) { gs.Params.ReputationWindow = 0 }, "reputation window"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gs := cloneGenesis(t, f, good)
			tc.edit(gs)
			err := gs.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func cloneGenesis(t *testing.T, f *fixture, gs *types.GenesisState) *types.GenesisState {
	t.Helper()
	bz, err := codec.NewProtoCodec(codectypes.NewInterfaceRegistry()).MarshalJSON(gs)
	if err != nil {
		t.Fatal(err)
	}
	var out types.GenesisState
	if err := codec.NewProtoCodec(codectypes.NewInterfaceRegistry()).UnmarshalJSON(bz, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// TestUpdateParams: only the gov authority changes the parameters, the
// authority is checked before the parameters, and bad parameters change
// nothing.
func TestUpdateParams(t *testing.T) {
	f := newFixture(t)
	p := types.DefaultParams()
	p.SlashFractionDeviation = sdkmath.LegacyNewDecWithPrec(2, 2)
	bad := p
	bad.SlashFractionNoReveal = sdkmath.LegacyNewDec(2)
	cases := []struct {
		name string
		msg  *types.MsgUpdateParams
		want *errorsmod.Error
	}{
		{"non-authority", &types.MsgUpdateParams{Authority: f.vals[0], Params: p}, types.ErrInvalidAuthority},
		{"non-authority with bad params", &types.MsgUpdateParams{Authority: f.vals[0], Params: bad}, types.ErrInvalidAuthority},
		{"authority with bad params", &types.MsgUpdateParams{Authority: gov, Params: bad}, types.ErrInvalidParams},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.msgs.UpdateParams(f.ctx, tc.msg); !errorsmod.IsOf(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if got, _ := f.k.Params.Get(f.ctx); ptr(got).String() != ptr(types.DefaultParams()).String() {
				t.Fatalf("params changed to %+v", got)
			}
		})
	}
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: gov, Params: p}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.k.Params.Get(f.ctx); ptr(got).String() != ptr(p).String() {
		t.Fatalf("params %+v, want %+v", got, p)
	}
	// The new slash fraction applies to the next tally.
	id := f.createTask(t)
	f.commitAll(t, id, map[int]uint64{0: 5000, 1: 5000, 2: 5000, 3: 100})
	f.at(111)
	for i, s := range []uint64{5000, 5000, 5000, 100} {
		f.reveal(t, id, i, s)
	}
	f.at(120)
	if err := f.k.EndBlocker(f.ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.staking.slashed[f.cons[f.vals[3]]]; !got.Equal(p.SlashFractionDeviation) {
		t.Fatalf("outlier slashed by %v, want the updated %v", got, p.SlashFractionDeviation)
	}
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// byTargetWalk walks the target index as the (target, task) key set it is
// stored as.
func byTargetWalk(k keeper.Keeper) func(context.Context, collections.Ranger[collections.Pair[string, uint64]], func(collections.Pair[string, uint64]) (bool, error)) error {
	return func(ctx context.Context, r collections.Ranger[collections.Pair[string, uint64]], fn func(collections.Pair[string, uint64]) (bool, error)) error {
		return k.ByTarget.Walk(ctx, r, func(target string, id uint64) (bool, error) { return fn(collections.Join(target, id)) })
	}
}
