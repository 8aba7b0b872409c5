package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEvalTaskOnDevChain runs a commit-reveal evaluation through the CLI on
// a single-validator chain: the validator's revealed score becomes the
// result and the validator receives the pool.
func TestEvalTaskOnDevChain(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "dev")
	d := startDev(t, home, "--free-ports", "--block-time", "300ms")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "weights.bin"), []byte("model bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	kr := []string{"--home", home, "--keyring-backend", "test", "--yes"}
	mustSucceed(t, provad(t, append([]string{"tx", "registry", "register-model", dir, "--license", "MIT", "--format", "other", "--from", "alice"}, kr...)...))
	id := strings.TrimSpace(mustSucceed(t, provad(t, "hash", dir)).Stdout)
	// The validator commits right after the task is created, and the
	// commit window leaves room for the two refused calls that follow it,
	// even with other tests running side by side on two cores. The reveal
	// window (18 s) is as wide: a CI run on two busy cores needed more than
	// 25 blocks (7.5 s) to start the reveal command and get it into a block.
	mustSucceed(t, provad(t, append([]string{"tx", "eval", "create-task", id, "5000000uprova", "--metric", "accuracy",
		"--commit-blocks", "40", "--reveal-blocks", "60", "--min-evaluators", "1", "--from", "alice"}, kr...)...))
	mustSucceed(t, provad(t, append([]string{"tx", "eval", "commit", "1", "8100", "--from", "validator"}, kr...)...))
	// A reveal inside the commit window is refused; so are a second commit
	// and a reveal by an account that never committed.
	if r := provad(t, append([]string{"tx", "eval", "reveal", "1", "--from", "validator"}, kr...)...); r.Code == 0 {
		t.Fatal("a reveal inside the commit window succeeded")
	}
	if r := provad(t, append([]string{"tx", "eval", "commit", "1", "8100", "--from", "validator"}, kr...)...); r.Code == 0 {
		t.Fatal("a second commit succeeded")
	}
	task := func() (status string, result string, commitEnd, revealEnd int64) {
		var res struct {
			Task struct {
				Status    string `json:"status"`
				Result    string `json:"result"`
				CommitEnd string `json:"commit_end"`
				RevealEnd string `json:"reveal_end"`
			} `json:"task"`
		}
		r := mustSucceed(t, provad(t, "q", "eval", "task", "1", "--home", home, "-o", "json"))
		if err := json.Unmarshal([]byte(r.Stdout), &res); err != nil {
			t.Fatalf("%v: %s", err, r.Stdout)
		}
		var ce, re int64
		_, _ = fmtSscan(res.Task.CommitEnd, &ce), fmtSscan(res.Task.RevealEnd, &re)
		return res.Task.Status, res.Task.Result, ce, re
	}
	_, _, commitEnd, revealEnd := task()
	valAddr := d.addr(t, "validator").String()
	before := restBalance(t, d.api, valAddr, "uprova")
	if r := provad(t, append([]string{"tx", "eval", "reveal", "1", "--from", "alice"}, kr...)...); r.Code == 0 {
		t.Fatal("a reveal without a commit succeeded")
	}
	waitHeight(t, d.rpc, commitEnd+1, time.Minute)
	mustSucceed(t, provad(t, append([]string{"tx", "eval", "reveal", "1", "--from", "validator"}, kr...)...))
	waitHeight(t, d.rpc, revealEnd+1, time.Minute)
	status, result, _, _ := task()
	if status != "TASK_STATUS_SUCCEEDED" || result != "8100" {
		t.Fatalf("task status %s result %s, want succeeded with 8100", status, result)
	}
	v := mustSucceed(t, provad(t, "verify", dir, "--trust-genesis", "--home", home))
	mustContain(t, "verify output", v.Stdout, "accuracy 8100 / 10000", "task 1")
	var b, a int64
	_, _ = fmtSscan(before, &b), fmtSscan(restBalance(t, d.api, valAddr, "uprova"), &a)
	if a-b != 5_000_000 {
		t.Fatalf("validator balance changed by %d, want the whole pool (5000000)", a-b)
	}
}
