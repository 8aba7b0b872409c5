package e2e

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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
