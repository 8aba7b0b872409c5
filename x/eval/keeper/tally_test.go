package keeper_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/prova-network/prova/x/eval/types"
)

// attrs returns the attributes of the events of type typ, one map per event.
func attrs(ctx sdk.Context, typ string) []map[string]string {
	var out []map[string]string
	for _, ev := range ctx.EventManager().Events() {
		if ev.Type != typ {
			continue
		}
		m := map[string]string{}
		for _, a := range ev.Attributes {
			m[a.Key] = a.Value
		}
		out = append(out, m)
	}
	return out
}

// twoTasks creates two tasks due at height 120: in the first only
// validator 4 commits and it never reveals, so the tally's first step is to
// slash it; in the second, validators 0-2 reveal and nobody is slashed.
// (The fake bank lives outside the store, so a failing tally must fail
// before it moves coins for the test to see a clean rollback; x/bank's
// balances are in the store and roll back with the cached context.)
func twoTasks(t *testing.T, f *fixture) (failing, healthy uint64) {
	t.Helper()
	failing, healthy = f.createTask(t), f.createTask(t)
	f.commitAll(t, healthy, map[int]uint64{0: 7000, 1: 7000, 2: 7000})
	if _, err := f.msgs.CommitScore(f.ctx, &types.MsgCommitScore{Evaluator: f.vals[4], TaskId: failing, Hash: types.CommitHash(failing, f.vals[4], 5000, salt(4))}); err != nil {
		t.Fatal(err)
	}
	f.at(111)
	for i := range 3 {
		f.reveal(t, healthy, i, 7000)
	}
	f.at(120)
	return failing, healthy
}

// checkTallyFailed asserts that the failing task was closed with its pool
// refunded and nothing else of its tally applied, that the failure was
// reported as an event, and that the healthy task was still tallied.
func checkTallyFailed(t *testing.T, f *fixture, failing, healthy uint64, before sdk.Coins, wantErr string) {
	t.Helper()
	evs := attrs(f.ctx, "prova.eval.tally_failed")
	if len(evs) != 1 || evs[0]["task_id"] != strconv.FormatUint(failing, 10) || !strings.Contains(evs[0]["error"], wantErr) {
		t.Fatalf("tally_failed events %v, want one for task %d mentioning %q", evs, failing, wantErr)
	}
	task, err := f.k.Tasks.Get(f.ctx, failing)
	if err != nil {
		t.Fatal(err)
	}
	if task.Status != types.TaskStatus_TASK_STATUS_FAILED {
		t.Fatalf("failing task has status %s", task.Status)
	}
	if got, want := f.bank.bal[creator()], before.Add(task.Pool); !got.Equal(want) {
		t.Fatalf("creator holds %s, want %s (the failing task's pool back)", got, want)
	}
	if rep, err := f.k.Reputation.Get(f.ctx, f.vals[4]); err == nil {
		t.Fatalf("the failed tally's reputation change was kept: %d", rep)
	}
	if _, ok := f.staking.slashed[f.cons[f.vals[4]]]; ok {
		t.Fatal("the failed tally's slash was kept")
	}
	other, err := f.k.Tasks.Get(f.ctx, healthy)
	if err != nil {
		t.Fatal(err)
	}
	if other.Status != types.TaskStatus_TASK_STATUS_SUCCEEDED || other.Result != 7000 {
		t.Fatalf("the other task due in the same block was not tallied: %+v", other)
	}
	for i := range 3 {
		if !f.bank.bal[f.vals[i]].IsAllPositive() {
			t.Fatalf("evaluator %d of the healthy task was not paid", i)
		}
	}
	if has, err := f.k.Due.Has(f.ctx, collections.Join(int64(120), failing)); err != nil || has {
		t.Fatalf("the failed task is still due: %v %v", has, err)
	}
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		t.Fatal(err)
	}
}

// TestTallyFailureDoesNotHalt: a tally that fails (here x/staking refuses
// the slash) must not halt the chain. EndBlocker returns nil, the task is
// closed with its pool refunded, the failure is an event, and the other
// task due in the same block is tallied.
func TestTallyFailureDoesNotHalt(t *testing.T) {
	f := newFixture(t)
	failing, healthy := twoTasks(t, f)
	before := f.bank.bal[creator()]
	f.staking.slashErr[f.cons[f.vals[4]]] = errors.New("slashing is broken")
	if err := f.k.EndBlocker(f.ctx); err != nil {
		t.Fatalf("EndBlocker returned %v; one task's failure halted the chain", err)
	}
	checkTallyFailed(t, f, failing, healthy, before, "slashing is broken")
}

// TestSlashLookupErrors: only "no such validator" means there is nothing to
// slash; any other error looking the validator up fails the tally instead
// of skipping the slash.
func TestSlashLookupErrors(t *testing.T) {
	t.Run("store error fails the tally", func(t *testing.T) {
		f := newFixture(t)
		failing, healthy := twoTasks(t, f)
		before := f.bank.bal[creator()]
		f.staking.getErr[sdk.ValAddress(sdk.MustAccAddressFromBech32(f.vals[4])).String()] = errors.New("staking store unreadable")
		if err := f.k.EndBlocker(f.ctx); err != nil {
			t.Fatal(err)
		}
		checkTallyFailed(t, f, failing, healthy, before, "staking store unreadable")
	})
	t.Run("validator gone is nothing to slash", func(t *testing.T) {
		f := newFixture(t)
		failing, _ := twoTasks(t, f)
		f.staking.getErr[sdk.ValAddress(sdk.MustAccAddressFromBech32(f.vals[4])).String()] = stakingtypes.ErrNoValidatorFound
		if err := f.k.EndBlocker(f.ctx); err != nil {
			t.Fatal(err)
		}
		if evs := attrs(f.ctx, "prova.eval.tally_failed"); len(evs) != 0 {
			t.Fatalf("tally failed: %v", evs)
		}
		if task, _ := f.k.Tasks.Get(f.ctx, failing); task.Status != types.TaskStatus_TASK_STATUS_FAILED { // too few reveals
			t.Fatalf("status %s", task.Status)
		}
		if rep, _ := f.k.Reputation.Get(f.ctx, f.vals[4]); rep != 9000 {
			t.Fatalf("silent evaluator's reputation %d, want 9000", rep)
		}
		if err := f.k.CheckInvariants(f.ctx); err != nil {
			t.Fatal(err)
		}
	})
}
