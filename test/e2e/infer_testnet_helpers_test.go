package e2e

import (
	"bufio"
	"bytes"
	"crypto/sha256"
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
	"testing"
	"time"

	sdkmath "cosmossdk.io/math"

	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/prova-network/prova/internal/devnet"
	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnxint"
)

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
