package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/internal/tlog"
)

var reReceipts = regexp.MustCompile(`receipt log\s+(http://\S+)`)

// anchoredSize returns the size of the log's latest checkpoint on chain
// (0 when none), read over REST.
func anchoredSize(t *testing.T, api, logID string) uint64 {
	t.Helper()
	var out struct {
		Checkpoint struct {
			TreeSize string `json:"tree_size"`
		} `json:"checkpoint"`
	}
	body := restGet(t, api+"/prova/receipts/v1/checkpoints/latest?log_id="+logID)
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.Checkpoint.TreeSize == "" {
		return 0
	}
	n, _ := strconv.ParseUint(out.Checkpoint.TreeSize, 10, 64)
	return n
}

func waitAnchoredSize(t *testing.T, api, logID string, atLeast uint64, timeout time.Duration) uint64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if n := anchoredSize(t, api, logID); n >= atLeast {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("log %s: no checkpoint of size >= %d anchored within %s", logID, atLeast, timeout)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// signedReceipt signs a receipt of model with random input and output.
func signedReceipt(t *testing.T, priv ed25519.PrivateKey, model string, i int) *receipt.Envelope {
	t.Helper()
	var in, out [32]byte
	rand.Read(in[:])
	rand.Read(out[:])
	p := receipt.Predicate{Model: model, InputDigest: fmt.Sprintf("sha256:%x", in), OutputDigest: fmt.Sprintf("sha256:%x", out),
		RequestID: fmt.Sprintf("load-%d", i), Time: receipt.FormatTime(time.Now())}
	p.Provider.ID, p.Provider.KeyID = "e2e-load", receipt.KeyID(priv.Public().(ed25519.PublicKey))
	env, err := receipt.Sign(receipt.NewStatement(p), priv)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// TestReceipts: a provider logs receipts in the node's receipt log, the log
// anchors its checkpoints on chain, and a client verifies a receipt end to
// end with light-client proofs. A tampered receipt, a forged proof, an
// unregistered model and a non-append checkpoint are refused; kill -9 under
// load loses no acknowledged receipt; equivocation slashes the log's bond.
func TestReceipts(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "dev")
	d := startDev(t, home, "--free-ports", "--block-time", "300ms")
	logURL := d.proc.waitOutput(t, reReceipts, time.Minute)[1]
	dir := t.TempDir()
	kr := []string{"--home", home, "--keyring-backend", "test", "--yes"}

	modelDir := filepath.Join(dir, "model")
	os.MkdirAll(modelDir, 0o755)
	os.WriteFile(filepath.Join(modelDir, "weights.bin"), []byte("receipt model"), 0o644)
	mustSucceed(t, provad(t, append([]string{"tx", "registry", "register-model", modelDir, "--license", "MIT", "--format", "other", "--from", "alice"}, kr...)...))
	model := strings.TrimSpace(mustSucceed(t, provad(t, "hash", modelDir)).Stdout)
	in, out := filepath.Join(dir, "prompt.txt"), filepath.Join(dir, "answer.txt")
	os.WriteFile(in, []byte("what is provenance?"), 0o644)
	os.WriteFile(out, []byte("where things come from"), 0o644)

	// No --log: the home's app.toml names this chain's log (on a free port,
	// not the default 1318).
	submit := func(bundle string, extra ...string) cliResult {
		args := append([]string{"receipt", "submit", "--home", home, "--model", model,
			"--input", in, "--output-file", out, "--tokens-in", "4", "--tokens-out", "5", "--out", bundle}, extra...)
		return provad(t, args...)
	}
	verify := func(bundle string) cliResult {
		return provad(t, "receipt", "verify", bundle, "--home", home, "--trust-genesis", "-o", "json")
	}

	// Two receipts, so the second one's inclusion proof is not empty.
	first, second := filepath.Join(dir, "r1.json"), filepath.Join(dir, "r2.json")
	mustSucceed(t, submit(first))
	mustSucceed(t, submit(second, "--param", "temperature=0.2"))
	var rep struct {
		Model          string
		AnchoredSize   uint64 `json:"anchored_size"`
		CheckpointSize uint64 `json:"checkpoint_size"`
		Index          uint64
	}
	if err := json.Unmarshal([]byte(mustSucceed(t, verify(second)).Stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Model != model || rep.Index != 1 || rep.AnchoredSize < 2 || rep.CheckpointSize != rep.AnchoredSize {
		t.Fatalf("verify report %+v", rep)
	}
	text := mustSucceed(t, provad(t, "receipt", "verify", first, "--home", home, "--trust-genesis"))
	mustContain(t, "verify text", text.Stdout, "✓ provider signature", "✓ included", "✓ anchored", model)
	raw, _ := os.ReadFile(second)
	var b receiptlog.Bundle
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	logID := b.LogID

	t.Run("tampered receipt", func(t *testing.T) {
		// Change the token count inside the signed payload and re-encode it:
		// well formed, but no longer what the provider signed.
		var env map[string]any
		if err := json.Unmarshal(b.Entry, &env); err != nil {
			t.Fatal(err)
		}
		payload, err := base64.StdEncoding.DecodeString(env["payload"].(string))
		if err != nil {
			t.Fatal(err)
		}
		changed := bytes.Replace(payload, []byte(`"input":4`), []byte(`"input":40`), 1)
		if bytes.Equal(changed, payload) {
			t.Fatalf("token count not found in %s", payload)
		}
		env["payload"] = base64.StdEncoding.EncodeToString(changed)
		tb := b
		if tb.Entry, err = json.Marshal(env); err != nil {
			t.Fatal(err)
		}
		r := verify(writeBundle(t, dir, "tampered.json", tb))
		if r.Code == 0 {
			t.Fatal("a tampered receipt verified")
		}
	})
	t.Run("forged inclusion proof", func(t *testing.T) {
		if len(b.InclusionProof) == 0 {
			t.Fatal("expected a non-empty inclusion proof")
		}
		fb := b
		fb.InclusionProof = append([][]byte(nil), b.InclusionProof...)
		forged := sha256.Sum256([]byte("forged"))
		fb.InclusionProof[0] = forged[:]
		r := verify(writeBundle(t, dir, "forged.json", fb))
		if r.Code == 0 {
			t.Fatal("a forged inclusion proof verified")
		}
		mustContain(t, "forged proof", r.Stderr, "inclusion")
	})
	t.Run("unregistered model", func(t *testing.T) {
		r := provad(t, "receipt", "submit", "--home", home, "--log", logURL, "--model", "blake3:"+strings.Repeat("ab", 32),
			"--input", in, "--output-file", out, "--wait", "0")
		if r.Code == 0 {
			t.Fatal("a receipt for an unregistered model was logged")
		}
		mustContain(t, "unknown model", r.Stderr, "model")
	})

	// kill -9 of the node while providers submit: every acknowledged receipt
	// is in the log after restart, and the next anchor extends the last one.
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	pub := priv.Public().(ed25519.PublicKey)
	client := receiptlog.NewClient(logURL, nil)
	ctx, cancel := context.WithCancel(t.Context())
	var (
		mu    sync.Mutex
		acked = map[uint64]string{} // index -> receipt ID
		wg    sync.WaitGroup
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				envs := make([]*receipt.Envelope, 20)
				for j := range envs {
					envs[j] = signedReceipt(t, priv, model, w*1_000_000+i*20+j)
				}
				res, err := client.Submit(ctx, []ed25519.PublicKey{pub}, envs...)
				if err != nil {
					if ctx.Err() == nil {
						t.Logf("load worker %d stopped: %v", w, err)
					}
					return // the node is gone: what was acknowledged is what counts
				}
				mu.Lock()
				for _, e := range res.Entries {
					acked[e.Index] = e.ReceiptID
				}
				mu.Unlock()
			}
		}()
	}
	// Kill the log in the middle of the load: once hundreds of receipts
	// are acknowledged and more are in flight.
	waitFor(t, time.Minute, 100*time.Millisecond, "500 acknowledged receipts", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 500
	})
	preAnchored := anchoredSize(t, d.api, logID)
	d.proc.kill9()
	cancel()
	wg.Wait()
	mu.Lock()
	n := len(acked)
	var maxIndex uint64
	for i := range acked {
		maxIndex = max(maxIndex, i)
	}
	mu.Unlock()
	if n == 0 {
		t.Fatal("no receipt was acknowledged before kill -9")
	}
	t.Logf("%d receipts acknowledged before kill -9 (max index %d, anchored size %d)", n, maxIndex, preAnchored)

	d = startDev(t, home)
	logURL = d.proc.waitOutput(t, reReceipts, time.Minute)[1]
	client = receiptlog.NewClient(logURL, nil)
	vkey := strings.Split(strings.TrimSpace(readFile(t, filepath.Join(home, "data", "receipts", "signer.key"))), "\n")[1]
	mustContain(t, "provad dev banner", d.proc.out.String(), "log key       "+vkey)
	for idx, id := range acked {
		bn, err := client.Proof(t.Context(), idx, 0)
		for try := 0; errors.Is(err, receiptlog.ErrRateLimited) && try < 50; try++ {
			time.Sleep(100 * time.Millisecond) // the log limits each client's request rate
			bn, err = client.Proof(t.Context(), idx, 0)
		}
		if err != nil {
			t.Fatalf("acknowledged receipt %d is gone after kill -9: %v", idx, err)
		}
		vr, err := receiptlog.VerifyBundle(*bn, vkey)
		if err != nil || vr.ReceiptID != id {
			t.Fatalf("receipt %d after restart: %v (id %s, want %s)", idx, err, vr.ReceiptID, id)
		}
	}
	// The chain only accepts an append, so an anchor past the old size is
	// the proof that the restarted log extends what was anchored before.
	after := waitAnchoredSize(t, d.api, logID, max(maxIndex+1, preAnchored+1), 60*time.Second)
	t.Logf("after restart: every acknowledged receipt proven; anchored size %d > %d", after, preAnchored)
	mustSucceed(t, verify(second))

	// A checkpoint that is not an append is refused on chain; two views of
	// one size are equivocation and slash the operator's bond.
	keyLines := strings.Split(strings.TrimSpace(readFile(t, filepath.Join(home, "data", "receipts", "signer.key"))), "\n")
	fork := sha256.Sum256([]byte("another history"))
	forkBig, err := tlog.Sign(tlog.Checkpoint{Origin: logID, Size: after + 10, Hash: fork[:]}, keyLines[0])
	if err != nil {
		t.Fatal(err)
	}
	forkBigFile := filepath.Join(dir, "fork-big.txt")
	os.WriteFile(forkBigFile, forkBig, 0o644)
	r := provad(t, append([]string{"tx", "receipts", "anchor", logID, forkBigFile, "--from", "receipts"}, kr...)...)
	if r.Code == 0 {
		t.Fatal("a checkpoint without a valid consistency proof was anchored")
	}
	forkSame, err := tlog.Sign(tlog.Checkpoint{Origin: logID, Size: after, Hash: fork[:]}, keyLines[0])
	if err != nil {
		t.Fatal(err)
	}
	forkFile := filepath.Join(dir, "fork.txt")
	os.WriteFile(forkFile, forkSame, 0o644)

	// A receipt bundle carrying the other view is refused by verify.
	eb := b
	eb.Checkpoint = string(forkSame)
	if r := verify(writeBundle(t, dir, "equivocating.json", eb)); r.Code == 0 {
		t.Fatal("a receipt bundle with an equivocating checkpoint verified")
	}

	bob := d.addr(t, "bob").String()
	bobBefore := restBalance(t, d.api, bob, "uprova")
	mustSucceed(t, provad(t, append([]string{"tx", "receipts", "report-equivocation", logID, forkFile, "--from", "bob"}, kr...)...))
	var lg struct {
		Log struct {
			Frozen  bool `json:"frozen"`
			Slashed struct {
				Amount string `json:"amount"`
			} `json:"slashed"`
		} `json:"log"`
	}
	if err := json.Unmarshal([]byte(restGet(t, d.api+"/prova/receipts/v1/log?log_id="+logID)), &lg); err != nil {
		t.Fatal(err)
	}
	slashed, _ := strconv.ParseInt(lg.Log.Slashed.Amount, 10, 64)
	if !lg.Log.Frozen || slashed <= 0 {
		t.Fatalf("after equivocation: log %+v", lg.Log)
	}
	before, _ := strconv.ParseInt(bobBefore, 10, 64)
	bobAfter, _ := strconv.ParseInt(restBalance(t, d.api, bob, "uprova"), 10, 64)
	if bobAfter <= before || bobAfter-before > slashed {
		t.Fatalf("reporter balance %d -> %d, slashed %d", before, bobAfter, slashed)
	}
	t.Logf("equivocation: bond slashed by %d, reporter rewarded %d, log frozen", slashed, bobAfter-before)
}

func writeBundle(t *testing.T, dir, name string, b receiptlog.Bundle) string {
	t.Helper()
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
