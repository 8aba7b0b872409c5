package e2e

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/prova-network/prova/internal/devnet"
	"github.com/prova-network/prova/internal/formats/safetensors/safetensorstest"
	evaltypes "github.com/prova-network/prova/x/eval/types"
)

// evalNet is a running 4-validator `provad testnet` seen from the test.
type evalNet struct {
	t     *testing.T
	dir   string
	nodes []devnet.Node
	pids  map[string]int
}

// kr returns the key flags for node i's own keyring and node.
func (n *evalNet) kr(i int) []string {
	return []string{"--home", n.nodes[i].Home, "--keyring-backend", "test", "--yes"}
}

func (n *evalNet) tx(i int, args ...string) cliResult {
	n.t.Helper()
	return mustSucceed(n.t, provad(n.t, append(append([]string{"tx"}, args...), n.kr(i)...)...))
}

func (n *evalNet) valoper(i int) string {
	acc, err := sdk.AccAddressFromBech32(n.nodes[i].Validator.Address)
	if err != nil {
		n.t.Fatal(err)
	}
	return sdk.ValAddress(acc).String()
}

type validatorState struct {
	Tokens sdkmath.Int
	Jailed bool
	Status string
}

func (n *evalNet) validator(i int) validatorState {
	n.t.Helper()
	var res struct {
		Validator struct {
			Tokens string `json:"tokens"`
			Jailed bool   `json:"jailed"`
			Status string `json:"status"`
		} `json:"validator"`
	}
	n.restJSON("/cosmos/staking/v1beta1/validators/"+n.valoper(i), &res)
	tok, ok := sdkmath.NewIntFromString(res.Validator.Tokens)
	if !ok {
		n.t.Fatalf("validator %d tokens %q", i, res.Validator.Tokens)
	}
	return validatorState{Tokens: tok, Jailed: res.Validator.Jailed, Status: res.Validator.Status}
}

func (n *evalNet) balance(i int) sdkmath.Int {
	n.t.Helper()
	amt, ok := sdkmath.NewIntFromString(restBalance(n.t, n.nodes[0].Ports.APIURL(), n.nodes[i].Validator.Address, "uprova"))
	if !ok {
		n.t.Fatal("bad balance")
	}
	return amt
}

type taskJSON struct {
	Status    string                  `json:"status"`
	Result    string                  `json:"result"`
	CommitEnd string                  `json:"commit_end"`
	RevealEnd string                  `json:"reveal_end"`
	Pool      struct{ Amount string } `json:"pool"`
	Tolerance string                  `json:"tolerance"`
	SlashDist string                  `json:"slash_distance"`
	ScoreMax  string                  `json:"score_max"`
	MinEval   int                     `json:"min_evaluators"`
}

func (n *evalNet) task(id uint64) taskJSON {
	n.t.Helper()
	var res struct{ Task taskJSON }
	n.restJSON("/prova/eval/v1/tasks/"+strconv.FormatUint(id, 10), &res)
	return res.Task
}

func atoi64(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

// decParam reads a decimal module parameter over REST (path is the params
// route, e.g. /prova/eval/v1/params).
func (n *evalNet) decParam(path, field string) sdkmath.LegacyDec {
	n.t.Helper()
	var res struct{ Params map[string]any }
	n.restJSON(path, &res)
	s, _ := res.Params[field].(string)
	d, err := sdkmath.LegacyNewDecFromStr(s)
	if err != nil {
		n.t.Fatalf("%s %s = %v: %v", path, field, res.Params[field], err)
	}
	return d
}

func (n *evalNet) restJSON(path string, out any) {
	n.t.Helper()
	resp, err := http.Get(n.nodes[0].Ports.APIURL() + path)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	bz, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		n.t.Fatalf("GET %s: %s\n%s", path, resp.Status, bz)
	}
	if err := json.Unmarshal(bz, out); err != nil {
		n.t.Fatalf("GET %s: %v\n%s", path, err, bz)
	}
}

func mustMatch(t *testing.T, what, s string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(s) {
			t.Fatalf("%s does not match %q:\n%s", what, p, s)
		}
	}
}

// slashAmount is what x/staking burns for fraction of a validator holding
// tokens at the infraction: its consensus power in tokens times the
// fraction, truncated.
func slashAmount(tokens sdkmath.Int, fraction sdkmath.LegacyDec) sdkmath.Int {
	power := tokens.Quo(sdk.DefaultPowerReduction)
	return sdkmath.LegacyNewDecFromInt(power.Mul(sdk.DefaultPowerReduction)).Mul(fraction).TruncateInt()
}

// tallyFromChain recomputes a finished task's tally from the revealed
// scores and weights the chain recorded.
func (n *evalNet) tallyFromChain(id uint64, committers []int) evaltypes.Tally {
	n.t.Helper()
	tk := n.task(id)
	var addrs []string
	var reveals []evaltypes.WeightedScore
	for _, i := range committers {
		var p struct {
			Commit *struct{ Hash string } `json:"commit"`
			Reveal *struct {
				Score  string `json:"score"`
				Weight string `json:"weight"`
			} `json:"reveal"`
		}
		n.restJSON("/prova/eval/v1/tasks/"+strconv.FormatUint(id, 10)+"/evaluators/"+n.nodes[i].Validator.Address, &p)
		if p.Commit == nil {
			n.t.Fatalf("validator%d has no commit on task %d", i, id)
		}
		addrs = append(addrs, n.nodes[i].Validator.Address)
		if p.Reveal != nil {
			w, _ := sdkmath.NewIntFromString(p.Reveal.Weight)
			reveals = append(reveals, evaltypes.WeightedScore{Evaluator: n.nodes[i].Validator.Address, Score: uint64(atoi64(n.t, p.Reveal.Score)), Weight: w})
		}
	}
	pool, _ := sdkmath.NewIntFromString(tk.Pool.Amount)
	res, err := evaltypes.ComputeTally(evaltypes.TallyParams{
		MinReveals: tk.MinEval, Tolerance: uint64(atoi64(n.t, tk.Tolerance)),
		SlashDistance: uint64(atoi64(n.t, tk.SlashDist)), ScoreMax: uint64(atoi64(n.t, tk.ScoreMax)),
	}, pool, addrs, reveals)
	if err != nil {
		n.t.Fatal(err)
	}
	return res
}

// TestEvaluators runs issue 5's scenarios on a 4-validator testnet, in an
// order that keeps more than 2/3 of the voting power online:
//
//  1. two evaluation tasks at once: on task 1 three validators score
//     honestly and validator3 far off (slashed by the deviation fraction,
//     the others share the pool, the result is the weighted median); on
//     task 2 validator2 commits and never reveals (slashed by the no-reveal
//     fraction). Validator0 evaluates with a long-running `provad evaluator
//     run`, validator1 with `evaluator run --once`, the others with the CLI.
//  2. a governance proposal flags the model and raises x/eval's deviation
//     slash; all validators vote; `provad verify` shows the flag and its
//     reason, and the new parameter is in force.
//  3. a second node with a copy of validator1's key double-signs; validator1
//     is slashed and tombstoned through x/evidence.
//  4. validator3 stops; x/slashing jails it for downtime.
func TestEvaluators(t *testing.T) {
	t.Parallel()
	start := time.Now()
	phase := func(name string) { t.Logf("%6.1fs %s", time.Since(start).Seconds(), name) }
	dir := filepath.Join(t.TempDir(), "testnet")
	mustSucceed(t, provad(t, "testnet", "init-files", "--validators", "4", "--output-dir", dir, "--free-ports",
		"--block-time", "300ms", "--voting-period", "20s", "--signed-blocks-window", "12"))
	n := &evalNet{t: t, dir: dir, pids: map[string]int{}}
	for i := range 4 {
		net, err := devnet.Load(filepath.Join(dir, fmt.Sprintf("node%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		n.nodes = append(n.nodes, net.Nodes[i])
	}
	tn := startBackground(t, "testnet", "start", "--output-dir", dir)
	logNodesOnFailure(t, tn, n.nodes)
	tn.waitOutput(t, regexp.MustCompile(`network is producing blocks`), 2*time.Minute)
	for _, m := range regexp.MustCompile(`started (validator\d)\s+pid (\d+)`).FindAllStringSubmatch(tn.out.String(), -1) {
		n.pids[m[1]], _ = strconv.Atoi(m[2])
	}
	rpc0 := n.nodes[0].Ports.RPCURL()
	phase("network producing blocks")

	// A registered model to evaluate and, later, to flag.
	model := filepath.Join(t.TempDir(), "model")
	if err := os.MkdirAll(model, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := safetensorstest.Write(filepath.Join(model, "model.safetensors"),
		[]safetensorstest.Tensor{{Name: "w", DType: "F32", Shape: []uint64{8, 8}}}, nil); err != nil {
		t.Fatal(err)
	}
	n.tx(0, "registry", "register-model", model, "--license", "MIT", "--from", "alice")
	modelID := strings.TrimSpace(mustSucceed(t, provad(t, "hash", model)).Stdout)

	// The helper refuses an account that operates no validator.
	r := provad(t, "evaluator", "run", "--once", "--from", "alice", "--command", "echo 1", "--home", n.nodes[0].Home, "--keyring-backend", "test")
	if r.Code == 0 || !strings.Contains(r.Stderr, "not a bonded validator") {
		t.Fatalf("evaluator run for a non-validator: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}

	// ---- 1. Evaluations ----
	envLog := filepath.Join(t.TempDir(), "env.log")
	cfg := filepath.Join(t.TempDir(), "evaluator.toml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, `command = 'echo "$PROVA_TASK_ID $PROVA_TARGET_ID $PROVA_SCORE_MAX $PROVA_METRIC $PROVA_BENCHMARK_URI $RUN_TAG" >> %s; echo evaluating >&2; echo 8000'
poll = "500ms"
timeout = "1m"
[env]
RUN_TAG = "from-config"
`, envLog), 0o644); err != nil {
		t.Fatal(err)
	}
	ev0 := startBackground(t, "evaluator", "run", "--from", "validator", "--config", cfg, "-o", "json",
		"--home", n.nodes[0].Home, "--keyring-backend", "test")
	ev0.waitOutput(t, regexp.MustCompile(`"msg":"evaluator started"`), time.Minute)

	before := map[int]sdkmath.Int{}
	tokens := map[int]sdkmath.Int{}
	for i := range 4 {
		before[i], tokens[i] = n.balance(i), n.validator(i).Tokens
	}
	create := func(minEval string) {
		n.tx(0, "eval", "create-task", modelID, "9000000uprova", "--metric", "accuracy", "--benchmark-uri", "https://example.org/bench",
			"--commit-blocks", "80", "--reveal-blocks", "40", "--min-evaluators", minEval, "--tolerance", "500", "--slash-distance", "2000", "--from", "alice")
	}
	phase("evaluator started")
	create("3") // task 1: validator3 will be the outlier
	create("2") // task 2: validator2 will commit and stay silent
	n.tx(2, "eval", "commit", "1", "8200", "--from", "validator")
	n.tx(3, "eval", "commit", "1", "1000", "--from", "validator")
	n.tx(2, "eval", "commit", "2", "8200", "--from", "validator")
	once := func() cliResult {
		return provad(t, "evaluator", "run", "--once", "--from", "validator", "--command", "echo 8100",
			"--home", n.nodes[1].Home, "--keyring-backend", "test")
	}
	r = mustSucceed(t, once())
	mustMatch(t, "evaluator --once (commit)", r.Stdout, `msg=committed evaluator=\S+ task=1 score=8100`, `msg=committed evaluator=\S+ task=2 score=8100`)
	ev0.waitOutput(t, regexp.MustCompile(`"msg":"committed","evaluator":"[^"]+","task":2`), time.Minute)

	t2 := n.task(2)
	phase(fmt.Sprintf("commits sent; waiting for commit end %s", t2.CommitEnd))
	waitHeight(t, rpc0, atoi64(t, t2.CommitEnd)+1, 2*time.Minute)
	r = mustSucceed(t, once())
	mustMatch(t, "evaluator --once (reveal)", r.Stdout, `msg=revealed evaluator=\S+ task=1 score=8100`, `msg=revealed evaluator=\S+ task=2 score=8100`)
	n.tx(2, "eval", "reveal", "1", "--from", "validator")
	n.tx(3, "eval", "reveal", "1", "--from", "validator")
	ev0.waitOutput(t, regexp.MustCompile(`"msg":"revealed","evaluator":"[^"]+","task":2`), time.Minute)
	phase(fmt.Sprintf("reveals sent; waiting for reveal end %s", t2.RevealEnd))
	waitHeight(t, rpc0, atoi64(t, t2.RevealEnd)+2, 2*time.Minute)
	phase("tallied")

	// The long-running helper stops cleanly on Ctrl-C.
	ev0.stop(t)
	if code := ev0.cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(ev0.out.String(), `"msg":"evaluator stopped"`) {
		t.Fatalf("evaluator run exit %d:\n%s", code, ev0.out.String())
	}
	envBytes, _ := os.ReadFile(envLog)
	mustContain(t, "evaluation command environment", string(envBytes),
		"1 "+modelID+" 10000 accuracy https://example.org/bench from-config", "2 "+modelID+" 10000")

	tally1 := n.tallyFromChain(1, []int{0, 1, 2, 3})
	tally2 := n.tallyFromChain(2, []int{0, 1, 2})
	if got := n.task(1); got.Status != "TASK_STATUS_SUCCEEDED" || got.Result != strconv.FormatUint(tally1.Median, 10) || tally1.Median != 8000 {
		t.Fatalf("task 1: %s result %s; weighted median of the reveals is %d", got.Status, got.Result, tally1.Median)
	}
	if got := n.task(2); got.Status != "TASK_STATUS_SUCCEEDED" || got.Result != "8000" {
		t.Fatalf("task 2: %s result %s", got.Status, got.Result)
	}
	reward := map[string]sdkmath.Int{}
	for _, tl := range []evaltypes.Tally{tally1, tally2} {
		for _, res := range tl.Results {
			if reward[res.Evaluator].IsNil() {
				reward[res.Evaluator] = sdkmath.ZeroInt()
			}
			reward[res.Evaluator] = reward[res.Evaluator].Add(res.Reward)
		}
	}
	paid := sdkmath.ZeroInt()
	for i := range 4 {
		want := reward[n.nodes[i].Validator.Address]
		if want.IsNil() {
			want = sdkmath.ZeroInt()
		}
		if got := n.balance(i).Sub(before[i]); !got.Equal(want) {
			t.Errorf("validator%d received %s, want %s", i, got, want)
		}
		paid = paid.Add(want)
	}
	if !paid.Equal(sdkmath.NewInt(18_000_000)) || !reward[n.nodes[3].Validator.Address].IsZero() {
		t.Fatalf("pools paid %s in all (want 18000000), outlier %s", paid, reward[n.nodes[3].Validator.Address])
	}
	devFrac, silentFrac := n.decParam("/prova/eval/v1/params", "slash_fraction_deviation"), n.decParam("/prova/eval/v1/params", "slash_fraction_no_reveal")
	wantCut := map[int]sdkmath.Int{0: sdkmath.ZeroInt(), 1: sdkmath.ZeroInt(),
		2: slashAmount(tokens[2], silentFrac), 3: slashAmount(tokens[3], devFrac)}
	for i := range 4 {
		if got := tokens[i].Sub(n.validator(i).Tokens); !got.Equal(wantCut[i]) {
			t.Errorf("validator%d stake fell by %s, want %s", i, got, wantCut[i])
		}
	}
	if wantCut[3].IsZero() || wantCut[2].IsZero() {
		t.Fatal("expected non-zero slashes")
	}
	if t.Failed() {
		t.FailNow()
	}

	// ---- 3 starts now: a copy of validator1's key joins the network (it
	// needs a while to catch up before it can sign twice) ----
	v1Before, v3Before := n.validator(1).Tokens, n.validator(3).Tokens
	copyHome := cloneValidatorHome(t, n.nodes[1])
	p, err := devnet.StartProcess(provadBin, copyHome, copyHome+".log")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(devnet.DefaultStopTimeout) })

	// ---- 2. Governance flags the model ----
	gov := authtypes.NewModuleAddress("gov").String()
	reason := "memorised its evaluation set"
	prop, _ := json.Marshal(map[string]any{
		"messages": []any{map[string]any{"@type": "/prova.registry.v1.MsgSetModelStatus", "authority": gov,
			"model_id": modelID, "status": "MODEL_STATUS_FLAGGED", "reason": reason},
			// The same proposal raises the deviation slash (x/eval MsgUpdateParams).
			map[string]any{"@type": "/prova.eval.v1.MsgUpdateParams", "authority": gov, "params": map[string]any{
				"slash_fraction_deviation": "0.02", "slash_fraction_no_reveal": "0.005", "reputation_window": "10",
				"max_window_blocks": "86400", "min_pool": map[string]any{"denom": "uprova", "amount": "1000000"}}}},
		"deposit": "10000000uprova", "title": "Flag model", "summary": "flag " + modelID,
	})
	propFile := filepath.Join(t.TempDir(), "proposal.json")
	if err := os.WriteFile(propFile, prop, 0o644); err != nil {
		t.Fatal(err)
	}
	phase("payouts and slashes checked")
	n.tx(0, "gov", "submit-proposal", propFile, "--from", "alice")
	// The four validators vote at once (four accounts, no shared sequence),
	// well inside the voting period even on a loaded machine.
	votes := make([]cliResult, 4)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			votes[i] = provad(t, append([]string{"tx", "gov", "vote", "1", "yes", "--from", "validator"}, n.kr(i)...)...)
		}()
	}
	wg.Wait()
	for i, r := range votes {
		if r.Code != 0 {
			t.Fatalf("validator%d's vote: exit %d\n%s%s", i, r.Code, r.Stdout, r.Stderr)
		}
	}

	// ---- 3 and 4, while the proposal's voting period runs ----
	// 3: the copy of validator1's key double-signs; 4: validator3 stops
	// signing. They run side by side: with one validator double-signing and
	// one down, three quarters of the power still signs, and once both are
	// jailed the two left hold more than two thirds of the bonded stake.
	phase("proposal submitted and voted")
	kill(t, n.pids["validator3"])
	consAddr := consAddress(t, n.nodes[1].Home)
	var passed, tombstoned, jailed bool
	waitFor(t, 3*time.Minute, time.Second, "the proposal to pass, validator1 to be tombstoned and validator3 jailed", func() bool {
		if !passed {
			var p struct {
				Proposal struct {
					Status string `json:"status"`
				} `json:"proposal"`
			}
			n.restJSON("/cosmos/gov/v1/proposals/1", &p)
			if p.Proposal.Status == "PROPOSAL_STATUS_REJECTED" || p.Proposal.Status == "PROPOSAL_STATUS_FAILED" {
				t.Fatalf("proposal status %s", p.Proposal.Status)
			}
			if passed = p.Proposal.Status == "PROPOSAL_STATUS_PASSED"; passed {
				phase("proposal passed")
			}
		}
		if !tombstoned {
			var info struct {
				ValSigningInfo struct {
					Tombstoned bool `json:"tombstoned"`
				} `json:"val_signing_info"`
			}
			n.restJSON("/cosmos/slashing/v1beta1/signing_infos/"+consAddr, &info)
			if tombstoned = info.ValSigningInfo.Tombstoned; tombstoned {
				phase("validator1 tombstoned")
			}
		}
		if !jailed && n.validator(3).Jailed {
			jailed = true
			phase("validator3 jailed")
		}
		return passed && tombstoned && jailed
	})
	_ = p.Stop(devnet.DefaultStopTimeout)

	r = mustSucceed(t, provad(t, "verify", model, "--trust-genesis", "--home", n.nodes[0].Home))
	mustContain(t, "verify output", r.Stdout, "FLAGGED", reason, "accuracy 8000 / 10000")
	if got := n.decParam("/prova/eval/v1/params", "slash_fraction_deviation"); !got.Equal(sdkmath.LegacyNewDecWithPrec(2, 2)) {
		t.Fatalf("eval deviation slash after the proposal: %s, want 0.02", got)
	}
	v1 := n.validator(1)
	if want := slashAmount(v1Before, n.decParam("/cosmos/slashing/v1beta1/params", "slash_fraction_double_sign")); !v1.Jailed || !v1Before.Sub(v1.Tokens).Equal(want) {
		t.Fatalf("double signer: jailed %t, stake fell by %s, want %s", v1.Jailed, v1Before.Sub(v1.Tokens), want)
	}
	if want, got := slashAmount(v3Before, n.decParam("/cosmos/slashing/v1beta1/params", "slash_fraction_downtime")), v3Before.Sub(n.validator(3).Tokens); !got.Equal(want) {
		t.Fatalf("downtime slash %s, want %s", got, want)
	}
	// The remaining validators keep committing.
	h, _, err := status(t.Context(), rpc0)
	if err != nil {
		t.Fatal(err)
	}
	waitHeight(t, rpc0, h+3, time.Minute)
}

// cloneValidatorHome makes a second node home that signs with node's
// validator key: same genesis and priv_validator_key.json, a fresh
// priv_validator_state.json (so it will sign heights node already signed),
// a new node key and its own ports, peered to the network.
func cloneValidatorHome(t *testing.T, node devnet.Node) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "double-signer")
	for _, d := range []string{"config", "data"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ports, err := devnet.FreePorts()
	if err != nil {
		t.Fatal(err)
	}
	swap := strings.NewReplacer(
		fmt.Sprintf("127.0.0.1:%d", node.Ports.RPC), fmt.Sprintf("127.0.0.1:%d", ports.RPC),
		fmt.Sprintf("127.0.0.1:%d", node.Ports.API), fmt.Sprintf("127.0.0.1:%d", ports.API),
		fmt.Sprintf("127.0.0.1:%d", node.Ports.GRPC), fmt.Sprintf("127.0.0.1:%d", ports.GRPC),
		fmt.Sprintf("127.0.0.1:%d", node.Ports.Metrics), fmt.Sprintf("127.0.0.1:%d", ports.Metrics),
		fmt.Sprintf("tcp://127.0.0.1:%d", node.Ports.P2P), fmt.Sprintf("tcp://127.0.0.1:%d", ports.P2P),
		`moniker = "`+node.Moniker+`"`, `moniker = "`+node.Moniker+`-copy"`,
	)
	for _, f := range []string{"config/genesis.json", "config/priv_validator_key.json", "config/config.toml", "config/app.toml", "config/client.toml", devnet.MarkerFile} {
		bz, err := os.ReadFile(filepath.Join(node.Home, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".toml") {
			bz = []byte(swap.Replace(string(bz)))
		}
		if err := os.WriteFile(filepath.Join(home, f), bz, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(home, "data", "priv_validator_state.json"), []byte(`{"height":"0","round":0,"step":0}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

// consAddress is the consensus address of a home's validator key.
func consAddress(t *testing.T, home string) string {
	t.Helper()
	bz, err := os.ReadFile(filepath.Join(home, "config", "priv_validator_key.json"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Address string `json:"address"`
	}
	if err := json.Unmarshal(bz, &k); err != nil {
		t.Fatal(err)
	}
	raw, err := hex.DecodeString(k.Address)
	if err != nil {
		t.Fatal(err)
	}
	return sdk.ConsAddress(raw).String()
}
