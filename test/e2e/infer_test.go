package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/tensorio"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnxint"
	infertypes "github.com/prova-network/prova/x/infer/types"
	registrytypes "github.com/prova-network/prova/x/registry/types"
)

// TestInfer drives x/infer through `provad tx infer` and `provad q infer`
// on a dev chain: the MNIST MLP is made executable and run on chain (the
// outputs are the runtime's, over CLI and REST), a provider bonds and
// posts a claim with a wrong state, and the model owner disputes it, both
// parties bisect with the CLI and the challenger settles the one step with
// a resolution file. Bad input fails the command and changes nothing.
func TestInfer(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "dev")
	d := startDev(t, home, "--free-ports", "--block-time", "300ms")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	model := write("mlp.onnx", mnist.MLP())
	r := provad(t, "hash", model)
	mustSucceed(t, r)
	id := strings.TrimSpace(r.Stdout)
	alice := d.addr(t, "alice").String()
	// `tx registry register-model` inspects safetensors and GGUF only, so
	// the model record goes in as a message.
	if _, _, err := d.client.SendMsgs(t.Context(), "alice", &registrytypes.MsgRegisterModel{Owner: alice,
		Model: registrytypes.ModelInfo{Id: id, Name: "mnist-mlp", Version: "1", Format: "onnx", License: "MIT"}}); err != nil {
		t.Fatal(err)
	}
	tx := func(args ...string) cliResult {
		return provad(t, append(append([]string{"tx", "infer"}, args...), "--home", home, "--keyring-backend", "test", "--yes", "--gas", "20000000")...)
	}
	q := func(out any, args ...string) {
		t.Helper()
		r := provad(t, append(append([]string{"q", "infer"}, args...), "--home", home, "-o", "json")...)
		mustSucceed(t, r)
		if err := json.Unmarshal([]byte(r.Stdout), out); err != nil {
			t.Fatalf("%v: %s", err, r.Stdout)
		}
	}
	mustSucceed(t, tx("register-executable", id, model, "--from", "alice"))
	var exe struct {
		Executable struct {
			TraceSize     string `json:"trace_size"`
			HasFile       bool   `json:"has_file"`
			FileMatchesID bool   `json:"file_matches_id"`
		} `json:"executable"`
	}
	if err := json.Unmarshal([]byte(restGet(t, d.api+"/prova/infer/v1/executables/"+id)), &exe); err != nil {
		t.Fatal(err)
	}
	m, err := onnxint.Load(mnist.MLP())
	if err != nil {
		t.Fatal(err)
	}
	if !exe.Executable.HasFile || !exe.Executable.FileMatchesID || exe.Executable.TraceSize != "7" {
		t.Fatalf("executable over REST: %+v", exe)
	}

	// On-chain run.
	x := &onnxint.Tensor{Type: onnxint.Float, Dims: []int64{1, 784}, F: make([]uint32, 784)}
	for i := range x.F {
		x.F[i] = math.Float32bits(float32((i*53)%256) / 255)
	}
	honest, err := m.Run([]*onnxint.Tensor{x}, onnxint.Options{Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	bad := tx("run", id, write("bad.bin", []byte{1, 2, 3}), "--from", "bob")
	if bad.Code == 0 || !strings.Contains(bad.Stderr, "codespace infer") {
		t.Fatalf("a run on garbage inputs: exit %d\n%s", bad.Code, bad.Stderr)
	}
	// The refused run stored nothing: the next run is run 1.
	mustSucceed(t, tx("run", id, write("x.bin", onnxint.Encode(x)), "--from", "bob"))
	var run struct {
		Run struct {
			OutputDigest string `json:"output_digest"`
			TraceRoot    string `json:"trace_root"`
		} `json:"run"`
	}
	q(&run, "run", "1")
	out := onnxint.Digest(honest.Outputs...)
	b64 := base64.StdEncoding.EncodeToString
	if run.Run.TraceRoot != b64(honest.Root[:]) || run.Run.OutputDigest != b64(out[:]) {
		t.Fatalf("run: %+v; the runtime gives trace root %x, output %x", run, honest.Root, out)
	}

	// The same input as .npy: `tx infer run` converts it with the types the
	// chain records (run 2), and `provad infer run` fetches the stored model
	// by its ID; both give the runtime's trace root.
	npy, err := tensorio.WriteNPY(x)
	if err != nil {
		t.Fatal(err)
	}
	npyPath := write("x.npy", npy)
	mustSucceed(t, tx("run", id, npyPath, "--from", "bob"))
	q(&run, "run", "2")
	if run.Run.TraceRoot != b64(honest.Root[:]) {
		t.Fatalf("run of a .npy input: %+v; want trace root %x", run, honest.Root)
	}
	r = provad(t, "infer", "run", id, npyPath, "--node", d.nodeFlag(), "-o", "json")
	mustSucceed(t, r)
	mustContain(t, "provad infer run MODEL_ID", r.Stdout, fmt.Sprintf(`"trace_root": "sha256:%x"`, honest.Root))

	// A lying claim, disputed with the CLI.
	lie := append([][32]byte(nil), honest.Leaves...)
	lie[3] = sha256.Sum256([]byte("not the state"))
	lieRoot := onnxint.TraceRoot(lie)
	mustSucceed(t, tx("bond", "10000000uprova", "--from", "bob"))
	mustSucceed(t, tx("post-claim", id, "--input-digest", "sha256:"+hex.EncodeToString(lie[0][:]), "--output-digest", "sha256:"+hex.EncodeToString(out[:]),
		"--trace-root", "sha256:"+hex.EncodeToString(lieRoot[:]), "--trace-size", "7", "--from", "bob"))
	mustSucceed(t, tx("challenge", "1", "--trace-root", "sha256:"+hex.EncodeToString(honest.Root[:]), "--output-digest", "sha256:"+hex.EncodeToString(out[:]),
		"--bond", "5000000uprova", "--from", "alice"))
	type dispute struct {
		Dispute struct {
			Phase   string `json:"phase"`
			Turn    string `json:"turn"`
			Mid     string `json:"mid"`
			Lo      string `json:"lo"`
			Outcome string `json:"outcome"`
		} `json:"dispute"`
	}
	for range 10 {
		var dp dispute
		q(&dp, "dispute", "1")
		if dp.Dispute.Phase != "DISPUTE_PHASE_BISECT" {
			if dp.Dispute.Phase != "DISPUTE_PHASE_RESOLVE_STEP" || dp.Dispute.Lo != "3" {
				t.Fatalf("bisection ended: %+v", dp)
			}
			break
		}
		from, leaves := "bob", lie
		if dp.Dispute.Turn == "PARTY_CHALLENGER" {
			from, leaves = "alice", honest.Leaves
		}
		mid, err := strconv.ParseUint(dp.Dispute.Mid, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		root := onnxint.PrefixRoot(leaves, mid)
		if from == "bob" { // out of turn first: refused
			if r := tx("bisect", "1", hex.EncodeToString(root[:]), "--from", "alice"); r.Code == 0 || !strings.Contains(r.Stderr, "not the sender's move") {
				t.Fatalf("a move out of turn: exit %d\n%s", r.Code, r.Stderr)
			}
		}
		mustSucceed(t, tx("bisect", "1", hex.EncodeToString(root[:]), "--from", from))
	}
	step := m.Steps()[2]
	msg := &infertypes.MsgResolveStep{Range: onnxint.CompactRange(honest.Leaves, 3)}
	for _, leaf := range step.Reads {
		proof, err := onnxint.InclusionProof(honest.Leaves, uint64(leaf), 3)
		if err != nil {
			t.Fatal(err)
		}
		var enc []byte
		for _, ts := range honest.States[leaf] {
			enc = append(enc, onnxint.Encode(ts)...)
		}
		msg.States = append(msg.States, infertypes.StateProof{LeafIndex: uint64(leaf), Tensors: enc, Proof: proof})
	}
	for _, w := range step.Weights {
		wt, err := m.Weight(w)
		if err != nil {
			t.Fatal(err)
		}
		proof, err := m.TensorProof(w)
		if err != nil {
			t.Fatal(err)
		}
		msg.Weights = append(msg.Weights, infertypes.WeightProof{Index: uint64(w), Tensor: onnxint.Encode(wt), Proof: proof})
	}
	js, err := codec.ProtoMarshalJSON(msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, tx("resolve-step", "1", write("resolution.json", js), "--from", "alice"))
	var dp dispute
	q(&dp, "dispute", "1")
	if dp.Dispute.Outcome != "OUTCOME_CHALLENGER_WON" {
		t.Fatalf("dispute %+v", dp)
	}
	var claim struct {
		Claim struct {
			Status string `json:"status"`
		} `json:"claim"`
	}
	q(&claim, "claim", "1")
	if claim.Claim.Status != "CLAIM_STATUS_REFUTED" {
		t.Fatalf("claim %+v", claim)
	}
}
