package e2e

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	sdkmath "cosmossdk.io/math"

	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/prova-network/prova/internal/devnet"
	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnxint"
	registrytypes "github.com/prova-network/prova/x/registry/types"
)

// inferTestnetParams shorten x/infer's windows for the test: claims are
// open for 40 blocks, each dispute move is due within 20. They go into
// the genesis of every node before the network first starts; `provad
// testnet init-files` has no flag for module parameters.
var inferTestnetParams = map[string]string{
	"challenge_window_blocks": "40",
	"move_timeout_blocks":     "20",
	"input_timeout_blocks":    "10",
	"unbonding_blocks":        "100",
}

// TestInferTestnet runs verifiable inference on a 4-validator `provad
// testnet`, with the provider and watcher daemons as real processes:
//
//   - an on-chain MsgRunModel gives every node the same app hash and the
//     same stored run, the runtime's;
//   - an honest claim nobody disputes becomes final with its provider's
//     bond intact;
//   - a provider that lies (--lie-every 1) about a claim and a receipt
//     (logged with its trace root in node0's receipt log, anchored on
//     chain) is challenged by the watcher on both and slashed twice;
//   - a challenger posting a wrong trace root (tx infer challenge, its
//     moves by tx infer bisect) loses its stake to the honest provider,
//     whose daemon bisects and sends the resolution;
//   - a provider killed (SIGKILL) mid-dispute loses at the move deadline,
//     honest as it was.
func TestInferTestnet(t *testing.T) {
	t.Parallel()
	n := startInferTestnet(t)
	ctx := t.Context()
	bob, err := n.client.Address("bob")
	if err != nil {
		t.Fatal(err)
	}
	alice, err := n.client.Address("alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := n.client.SendMsgs(ctx, "alice", &registrytypes.MsgRegisterModel{Owner: alice.String(),
		Model: registrytypes.ModelInfo{Id: n.id, Name: "mnist-mlp", Version: "1", Format: "onnx", License: "MIT"}}); err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, n.tx(t, 0, "alice", "register-executable", n.id, n.file))

	t.Run("run model: every node agrees", func(t *testing.T) {
		x, res := n.input(t, 7)
		r := mustSucceed(t, n.tx(t, 0, "bob", "run", n.id, n.write(t, "run.bin", onnxint.Encode(x))))
		m := regexp.MustCompile(`committed in block (\d+)`).FindStringSubmatch(r.Stderr)
		if m == nil {
			t.Fatalf("no block height in:\n%s", r.Stderr)
		}
		h, _ := strconv.ParseInt(m[1], 10, 64)
		var first string
		for i := range n.nodes {
			q := mustSucceed(t, provad(t, "q", "infer", "run", "1", "--home", n.home(0), "--node", n.nodeFlag(i), "-o", "json"))
			if first == "" {
				first = q.Stdout
			} else if q.Stdout != first {
				t.Fatalf("validator%d stores run 1 as\n%s\nvalidator0 as\n%s", i, q.Stdout, first)
			}
		}
		var run struct {
			Run struct {
				OutputDigest string `json:"output_digest"`
				TraceRoot    string `json:"trace_root"`
				Height       string `json:"height"`
			} `json:"run"`
		}
		if err := json.Unmarshal([]byte(first), &run); err != nil {
			t.Fatalf("%v: %s", err, first)
		}
		out := res.Leaves[len(res.Leaves)-1]
		b64 := base64.StdEncoding.EncodeToString
		if run.Run.TraceRoot != b64(res.Root[:]) || run.Run.OutputDigest != b64(out[:]) || run.Run.Height != m[1] {
			t.Fatalf("run 1 %+v; the runtime gives trace root %x and output %x, the tx was in block %d", run.Run, res.Root, out, h)
		}
		for i := range n.nodes {
			waitHeight(t, n.rpc(i), h+3, time.Minute)
		}
		for hh := h; hh <= h+2; hh++ {
			assertSameAppHash(t, ctx, n.nodes, []int{0, 1, 2, 3}, hh)
		}
	})

	dir := t.TempDir()
	logURL := n.nodes[0].Ports.ReceiptsURL()
	honest := n.daemon(t, "provider bob", "infer", "serve", n.file, "--model-id", n.id, "--from", "bob", "--home", n.home(0),
		"--listen", "127.0.0.1:0", "--dir", filepath.Join(dir, "honest"), "--claims", "chain")
	liar := n.daemon(t, "provider validator1", "infer", "serve", n.file, "--model-id", n.id, "--from", "validator", "--home", n.home(1),
		"--listen", "127.0.0.1:0", "--dir", filepath.Join(dir, "liar"), "--claims", "chain,receipt", "--log", logURL, "--lie-every", "1")
	honestURL := honest.wait(t, "serving", nil)["url"]
	liarURL := liar.wait(t, "serving", nil)["url"]
	watcher := n.daemon(t, "watcher validator2", "infer", "watch", "--from", "validator", "--home", n.home(2), "--dir", filepath.Join(dir, "watch"),
		"--model", n.file, "--provider-url", liarURL, "--provider-url", bob.String()+"="+honestURL, "--receipts", "--log", logURL)
	watcher.wait(t, "watching", nil)
	liarAddr, watcherAddr := n.nodes[1].Validator.Address, n.nodes[2].Validator.Address
	stake, reward := n.stakes(t)

	t.Run("claims and disputes", func(t *testing.T) {
		t.Run("honest claim survives its window", func(t *testing.T) {
			t.Parallel()
			bond := n.bond(t, 3, bob.String())
			_, res := n.input(t, 11)
			c := honest.infer(t, honestURL, n, res)
			watcher.wait(t, "claim_ok", map[string]string{"claim_id": c})
			var claim restClaim
			waitFor(t, 2*time.Minute, 300*time.Millisecond, "claim "+c+" to become final", func() bool {
				n.get(t, 3, "/prova/infer/v1/claims/"+c, &claim)
				return claim.Claim.Status != "CLAIM_STATUS_PENDING"
			})
			if claim.Claim.Status != "CLAIM_STATUS_FINAL" || claim.Claim.OpenDispute != "0" {
				t.Fatalf("claim %s: %+v", c, claim.Claim)
			}
			if after := n.bond(t, 3, bob.String()); after.Amount.Amount != bond.Amount.Amount {
				t.Fatalf("bob's bond went from %s to %s over an honest claim", bond.Amount.Amount, after.Amount.Amount)
			}
		})

		t.Run("lying provider slashed for its claim and its receipt", func(t *testing.T) {
			t.Parallel()
			bond, paid := n.bond(t, 1, liarAddr), n.balance(t, 2, watcherAddr)
			_, res := n.input(t, 13)
			c := liar.infer(t, liarURL, n, res)
			liar.wait(t, "receipt_logged", nil)
			onClaim := watcher.wait(t, "challenged", map[string]string{"claim_id": c})["dispute_id"]
			onReceipt := watcher.wait(t, "challenged", func(e map[string]string) bool { return strings.Contains(e["text"], "(receipt ") })["dispute_id"]
			if onClaim == onReceipt {
				t.Fatalf("one dispute (%s) for the claim and the receipt", onClaim)
			}
			for _, id := range []string{onClaim, onReceipt} {
				watcher.wait(t, "dispute_won", map[string]string{"dispute_id": id})
				liar.wait(t, "dispute_lost", map[string]string{"dispute_id": id})
				d := n.dispute(t, 2, id)
				if d.Outcome != "OUTCOME_CHALLENGER_WON" || d.Challenger != watcherAddr || !d.resolved() {
					t.Fatalf("dispute %s: %+v", id, d)
				}
				var claim restClaim
				n.get(t, 2, "/prova/infer/v1/claims/"+d.ClaimID, &claim)
				if claim.Claim.Status != "CLAIM_STATUS_REFUTED" {
					t.Fatalf("claim %s after dispute %s: %+v", d.ClaimID, id, claim.Claim)
				}
				want := map[string]string{onClaim: "CLAIM_KIND_SINGLE", onReceipt: "CLAIM_KIND_RECEIPT"}[id]
				if claim.Claim.Kind != want {
					t.Fatalf("dispute %s is over a claim of kind %s, want %s", id, claim.Claim.Kind, want)
				}
			}
			if got := n.bond(t, 1, liarAddr).Amount.Amount; mustInt(t, bond.Amount.Amount)-mustInt(t, got) != 2*stake {
				t.Fatalf("liar's bond went from %s to %s; two lost disputes take %d", bond.Amount.Amount, got, 2*stake)
			}
			if got := n.balance(t, 2, watcherAddr); got-paid != 2*reward {
				t.Fatalf("watcher's balance went from %d to %d; two won disputes pay %d", paid, got, 2*reward)
			}
		})

		t.Run("lying challenger loses its bond", func(t *testing.T) {
			t.Parallel()
			_, res := n.input(t, 17)
			c := honest.infer(t, honestURL, n, res)
			watcher.wait(t, "claim_ok", map[string]string{"claim_id": c})
			aliceBefore, bobBefore := n.balance(t, 0, alice.String()), n.balance(t, 0, bob.String())
			id := n.challenge(t, c, res)
			if moves := n.bisectAsChallenger(t, id, fakeLeaves(res), 0); moves < 2 {
				t.Fatalf("the challenger made %d moves", moves)
			}
			honest.wait(t, "dispute_won", map[string]string{"dispute_id": id})
			d := n.dispute(t, 0, id)
			if d.Outcome != "OUTCOME_DEFENDER_WON" || !d.resolved() {
				t.Fatalf("dispute %s: %+v", id, d)
			}
			if got := n.balance(t, 0, alice.String()); aliceBefore-got != stake {
				t.Fatalf("alice's balance went from %d to %d; a lost challenge takes %d", aliceBefore, got, stake)
			}
			if got := n.balance(t, 0, bob.String()); got-bobBefore != reward {
				t.Fatalf("bob's balance went from %d to %d; a won defence pays %d", bobBefore, got, reward)
			}
		})
	})

	t.Run("a killed provider loses at the move deadline", func(t *testing.T) {
		_, res := n.input(t, 19)
		c := honest.infer(t, honestURL, n, res)
		watcher.wait(t, "claim_ok", map[string]string{"claim_id": c})
		bond, aliceBefore := n.bond(t, 0, bob.String()), n.balance(t, 0, alice.String())
		id := n.challenge(t, c, res)
		honest.wait(t, "move", map[string]string{"dispute_id": id})
		pid := honest.cmd.Process.Pid
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-honest.done
		if moves := n.bisectAsChallenger(t, id, fakeLeaves(res), 1); moves != 1 {
			t.Fatalf("the challenger made %d moves", moves)
		}
		var d restDisputeBody
		waitFor(t, 2*time.Minute, 300*time.Millisecond, "dispute "+id+" to settle", func() bool {
			d = n.dispute(t, 3, id)
			return d.Phase == "DISPUTE_PHASE_SETTLED"
		})
		last := d.Moves[len(d.Moves)-1]
		if d.Outcome != "OUTCOME_CHALLENGER_WON" || last.Kind != "timeout" || mustInt(t, last.Height) != mustInt(t, d.Deadline) {
			t.Fatalf("dispute %s: %+v", id, d)
		}
		var claim restClaim
		n.get(t, 3, "/prova/infer/v1/claims/"+c, &claim)
		if claim.Claim.Status != "CLAIM_STATUS_REFUTED" {
			t.Fatalf("claim %s after its provider missed a move: %+v", c, claim.Claim)
		}
		if got := n.bond(t, 3, bob.String()).Amount.Amount; mustInt(t, bond.Amount.Amount)-mustInt(t, got) != stake {
			t.Fatalf("bob's bond went from %s to %s; a lost dispute takes %d", bond.Amount.Amount, got, stake)
		}
		if got := n.balance(t, 3, alice.String()); got-aliceBefore != reward {
			t.Fatalf("alice's balance went from %d to %d; a won challenge pays %d", aliceBefore, got, reward)
		}
	})
}

// inferTestnet is a running 4-validator testnet with the MNIST MLP.
type inferTestnet struct {
	nodes    []devnet.Node
	client   *devnet.Client // node0's keyring (alice, bob) on node0
	prog     *onnxint.Model
	file, id string
	files    string // scratch directory
}

// startInferTestnet writes a 4-validator network with short x/infer
// windows and a receipt log on node0 (operated by node0's validator key),
// starts it and waits for blocks.
func startInferTestnet(t *testing.T) *inferTestnet {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "testnet")
	mustSucceed(t, provad(t, "testnet", "init-files", "--validators", "4", "--output-dir", dir, "--free-ports", "--block-time", "300ms"))
	n := &inferTestnet{files: t.TempDir()}
	for i := range 4 {
		net, err := devnet.Load(filepath.Join(dir, fmt.Sprintf("node%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		n.nodes = append(n.nodes, net.Nodes[i])
	}
	patchInferGenesis(t, n.nodes)
	enableReceiptLog(t, n.nodes[0])
	tn := startBackground(t, "testnet", "start", "--output-dir", dir)
	logNodesOnFailure(t, tn, n.nodes)
	tn.waitOutput(t, regexp.MustCompile(`network is producing blocks`), 2*time.Minute)
	waitHeight(t, n.rpc(0), 2, time.Minute)
	waitQueryable(t, n.nodes[0].Ports.APIURL(), time.Minute)
	c, err := devnet.NewClient(devnet.DefaultTestnetChainID, n.rpc(0), n.home(0))
	if err != nil {
		t.Fatal(err)
	}
	n.client = c
	n.file = n.write(t, "mlp.onnx", mnist.MLP())
	n.id = strings.TrimSpace(mustSucceed(t, provad(t, "hash", n.file)).Stdout)
	if n.prog, err = onnxint.Load(mnist.MLP()); err != nil {
		t.Fatal(err)
	}
	return n
}

// patchInferGenesis sets inferTestnetParams in the (identical) genesis of
// every node.
func patchInferGenesis(t *testing.T, nodes []devnet.Node) {
	t.Helper()
	path := func(i int) string { return filepath.Join(nodes[i].Home, "config", "genesis.json") }
	g, err := genutiltypes.AppGenesisFromFile(path(0))
	if err != nil {
		t.Fatal(err)
	}
	var state map[string]json.RawMessage
	if err := json.Unmarshal(g.AppState, &state); err != nil {
		t.Fatal(err)
	}
	var infer map[string]json.RawMessage
	if err := json.Unmarshal(state["infer"], &infer); err != nil {
		t.Fatal(err)
	}
	var params map[string]json.RawMessage
	if err := json.Unmarshal(infer["params"], &params); err != nil {
		t.Fatal(err)
	}
	for k, v := range inferTestnetParams {
		if _, ok := params[k]; !ok {
			t.Fatalf("x/infer params have no %q: %s", k, infer["params"])
		}
		params[k], _ = json.Marshal(v)
	}
	infer["params"], _ = json.Marshal(params)
	state["infer"], _ = json.Marshal(infer)
	if g.AppState, err = json.Marshal(state); err != nil {
		t.Fatal(err)
	}
	for i := range nodes {
		if err := g.SaveAs(path(i)); err != nil {
			t.Fatal(err)
		}
	}
}

// enableReceiptLog turns on node's receipt log on its reserved port,
// registered, bonded and anchored every second by its validator key, as
// `provad dev` sets up its own.
func enableReceiptLog(t *testing.T, node devnet.Node) {
	t.Helper()
	path := filepath.Join(node.Home, "config", "app.toml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, section, ok := strings.Cut(string(b), "\n[receipt-log]\n")
	if !ok {
		t.Fatalf("%s has no [receipt-log] section", path)
	}
	for key, val := range map[string]string{
		"enable": "true", "listen": strconv.Quote(strings.TrimPrefix(node.Ports.ReceiptsURL(), "http://")),
		"operator-key": `"validator"`, "keyring-backend": `"test"`, "anchor-interval": `"1s"`, "register-bond": `"10000000uprova"`,
	} {
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + ` = .*$`)
		if len(re.FindAllString(section, -1)) != 1 {
			t.Fatalf("%s: [receipt-log] %s is not set exactly once", path, key)
		}
		section = re.ReplaceAllLiteralString(section, key+" = "+val)
	}
	if err := os.WriteFile(path, []byte(head+"\n[receipt-log]\n"+section), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (n *inferTestnet) home(i int) string { return n.nodes[i].Home }
func (n *inferTestnet) rpc(i int) string  { return n.nodes[i].Ports.RPCURL() }
func (n *inferTestnet) nodeFlag(i int) string {
	return "tcp://" + strings.TrimPrefix(n.rpc(i), "http://")
}

func (n *inferTestnet) write(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(n.files, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tx runs `provad tx infer ARGS` from node0's keyring through node i.
func (n *inferTestnet) tx(t *testing.T, i int, from string, args ...string) cliResult {
	t.Helper()
	return provad(t, append(append([]string{"tx", "infer"}, args...), "--from", from, "--home", n.home(0), "--node", n.nodeFlag(i),
		"--keyring-backend", "test", "--yes", "--gas", "20000000")...)
}

// input is the k-th made-up 28×28 image (pixels ((i·k) mod 256)/256,
// exact in float32 and in decimal) and the runtime's traced run of it.
func (n *inferTestnet) input(t *testing.T, k int) (*onnxint.Tensor, *onnxint.Result) {
	t.Helper()
	x := &onnxint.Tensor{Type: onnxint.Float, Dims: slices.Clone(mnist.MLPInputDims), F: make([]uint32, 784)}
	for i := range x.F {
		x.F[i] = math.Float32bits(float32((i*k)%256) / 256)
	}
	res, err := n.prog.Run([]*onnxint.Tensor{x}, onnxint.Options{Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	return x, res
}

// get decodes a REST answer of node i.
func (n *inferTestnet) get(t *testing.T, i int, path string, out any) {
	t.Helper()
	resp, err := http.Get(n.nodes[i].Ports.APIURL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", path, resp.Status, buf.String())
	}
	if err := json.Unmarshal(buf.Bytes(), out); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, buf.String())
	}
}

type restCoin struct{ Denom, Amount string }

type restBond struct {
	Amount restCoin `json:"amount"`
	Locked string   `json:"locked"`
}

type restClaim struct {
	Claim struct {
		Kind        string `json:"kind"`
		Status      string `json:"status"`
		OpenDispute string `json:"open_dispute"`
	} `json:"claim"`
}

type restMove struct {
	Kind   string `json:"kind"`
	Party  string `json:"party"`
	Height string `json:"height"`
}

type restDisputeBody struct {
	ClaimID    string     `json:"claim_id"`
	Challenger string     `json:"challenger"`
	Phase      string     `json:"phase"`
	Turn       string     `json:"turn"`
	Mid        string     `json:"mid"`
	Deadline   string     `json:"deadline"`
	Outcome    string     `json:"outcome"`
	Reason     string     `json:"reason"`
	Moves      []restMove `json:"moves"`
}

// resolved reports whether a resolution (re-executed step or output
// proof), not a missed deadline, settled the dispute.
func (d restDisputeBody) resolved() bool {
	return slices.ContainsFunc(d.Moves, func(m restMove) bool { return m.Kind == "resolve_step" || m.Kind == "prove_output" })
}

func (n *inferTestnet) dispute(t *testing.T, i int, id string) restDisputeBody {
	t.Helper()
	var d struct{ Dispute restDisputeBody }
	n.get(t, i, "/prova/infer/v1/disputes/"+id, &d)
	return d.Dispute
}

func (n *inferTestnet) bond(t *testing.T, i int, addr string) restBond {
	t.Helper()
	var b struct{ Bond restBond }
	n.get(t, i, "/prova/infer/v1/bonds/"+addr, &b)
	return b.Bond
}

func (n *inferTestnet) balance(t *testing.T, i int, addr string) int64 {
	t.Helper()
	return mustInt(t, restBalance(t, n.nodes[i].Ports.APIURL(), addr, "uprova"))
}

// stakes returns the dispute stake and what a winner gets of the loser's
// (the stake less the burned share), from the chain's params.
func (n *inferTestnet) stakes(t *testing.T) (stake, reward int64) {
	t.Helper()
	var p struct {
		Params struct {
			DisputeStake restCoin `json:"dispute_stake"`
			BurnShare    string   `json:"burn_share"`
		}
	}
	n.get(t, 0, "/prova/infer/v1/params", &p)
	s, ok := sdkmath.NewIntFromString(p.Params.DisputeStake.Amount)
	burn, err := sdkmath.LegacyNewDecFromStr(p.Params.BurnShare)
	if !ok || err != nil {
		t.Fatalf("params %+v", p)
	}
	return s.Int64(), s.Sub(burn.MulInt(s).TruncateInt()).Int64()
}

// fakeLeaves is the honest trace with leaf 3 (a state of fc1) replaced.
func fakeLeaves(res *onnxint.Result) [][32]byte {
	l := slices.Clone(res.Leaves)
	l[3] = sha256.Sum256([]byte("not the state"))
	return l
}

// challenge disputes claim c as alice with the root of fakeLeaves and
// returns the dispute ID.
func (n *inferTestnet) challenge(t *testing.T, c string, res *onnxint.Result) string {
	t.Helper()
	root, out := onnxint.TraceRoot(fakeLeaves(res)), res.Leaves[len(res.Leaves)-1]
	mustSucceed(t, n.tx(t, 1, "alice", "challenge", c, "--trace-root", "sha256:"+hex.EncodeToString(root[:]),
		"--output-digest", "sha256:"+hex.EncodeToString(out[:]), "--bond", "5000000uprova"))
	var claim restClaim
	n.get(t, 1, "/prova/infer/v1/claims/"+c, &claim)
	if claim.Claim.OpenDispute == "0" || claim.Claim.OpenDispute == "" {
		t.Fatalf("claim %s has no open dispute after the challenge: %+v", c, claim.Claim)
	}
	return claim.Claim.OpenDispute
}

// bisectAsChallenger plays alice's bisection moves in dispute id from
// leaves with `tx infer bisect` through node1 (one node, so that the
// account sequence it reads is never a block behind), until the bisection ends or (max > 0)
// after max moves, and returns the moves made.
func (n *inferTestnet) bisectAsChallenger(t *testing.T, id string, leaves [][32]byte, max int) int {
	t.Helper()
	moves := 0
	waitFor(t, 2*time.Minute, 200*time.Millisecond, "the bisection of dispute "+id, func() bool {
		d := n.dispute(t, 1, id)
		if d.Phase != "DISPUTE_PHASE_BISECT" || (max > 0 && moves == max) {
			return true
		}
		if d.Turn != "PARTY_CHALLENGER" {
			return false
		}
		root := onnxint.PrefixRoot(leaves, uint64(mustInt(t, d.Mid)))
		mustSucceed(t, n.tx(t, 1, "alice", "bisect", id, hex.EncodeToString(root[:])))
		moves++
		return false
	})
	return moves
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

// inferDaemon is `provad infer serve|watch` run with -o json: its event
// lines are JSON objects with an "event" key (the log lines have none).
type inferDaemon struct {
	*bgProcess
	name string
}

// daemon starts provad ARGS (their --home names the keyring and, through
// its client.toml, the node), polling every 300 ms.
func (n *inferTestnet) daemon(t *testing.T, name string, args ...string) *inferDaemon {
	t.Helper()
	d := &inferDaemon{startBackground(t, append(args, "--keyring-backend", "test", "--poll", "300ms", "-o", "json")...), name}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s printed:\n%s", d.name, tail(d.out.String(), 12000))
		}
	})
	return d
}

// events returns the event lines named name, fields as strings.
func (d *inferDaemon) events(name string) []map[string]string {
	var out []map[string]string
	sc := bufio.NewScanner(strings.NewReader(d.out.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte("{")) {
			continue
		}
		var raw map[string]any
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		if dec.Decode(&raw) != nil || raw["event"] != name {
			continue
		}
		e := map[string]string{}
		for k, v := range raw {
			e[k] = fmt.Sprint(v)
		}
		out = append(out, e)
	}
	return out
}

// wait waits for an event named name whose fields include want (a
// map[string]string of fields, a func(map[string]string) bool, or nil)
// and returns it.
func (d *inferDaemon) wait(t *testing.T, name string, want any) map[string]string {
	t.Helper()
	match := func(e map[string]string) bool {
		switch w := want.(type) {
		case map[string]string:
			for k, v := range w {
				if e[k] != v {
					return false
				}
			}
		case func(map[string]string) bool:
			return w(e)
		}
		return true
	}
	var got map[string]string
	waitFor(t, 2*time.Minute, 200*time.Millisecond, fmt.Sprintf("%s to report %s %v", d.name, name, want), func() bool {
		for _, e := range d.events(name) {
			if match(e) {
				got = e
				return true
			}
		}
		select {
		case <-d.done:
			t.Fatalf("%s exited:\n%s", d.name, tail(d.out.String(), 8000))
		default:
		}
		return false
	})
	return got
}

// infer posts one image to a provider and returns the claim ID; the
// provider's answer must be the runtime's.
func (d *inferDaemon) infer(t *testing.T, url string, n *inferTestnet, res *onnxint.Result) string {
	t.Helper()
	pix := make([]string, 784)
	for i, u := range res.States[0][0].F {
		pix[i] = strconv.FormatFloat(float64(math.Float32frombits(u)), 'g', -1, 32)
	}
	body := "[[" + strings.Join(pix, ",") + "]]"
	resp, err := http.Post(url+"/v1/infer", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ans struct {
		InputDigest string `json:"input_digest"`
		TraceRoot   string `json:"trace_root"`
		ClaimID     uint64 `json:"claim_id"`
		Pending     bool   `json:"pending"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s/v1/infer: %s %v", url, resp.Status, err)
	}
	if ans.InputDigest != "sha256:"+hex.EncodeToString(res.Leaves[0][:]) || ans.ClaimID == 0 || ans.Pending {
		t.Fatalf("%s answered %+v; the input digest is %x", d.name, ans, res.Leaves[0])
	}
	if lie := slices.Contains(d.cmd.Args, "--lie-every"); lie == (ans.TraceRoot == "sha256:"+hex.EncodeToString(res.Root[:])) {
		t.Fatalf("%s answered trace root %s; the runtime's is %x (lying: %v)", d.name, ans.TraceRoot, res.Root, lie)
	}
	return strconv.FormatUint(ans.ClaimID, 10)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
