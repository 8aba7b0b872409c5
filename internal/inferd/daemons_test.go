package inferd

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/tensorio"
	"github.com/prova-network/prova/x/infer/types"
)

// The daemons against the fake chain: a provider that lies on some
// inferences, a watcher that catches every lie and wins every dispute,
// restarts of both in the middle of a dispute, and input requests on
// chain when the provider's API is not reachable.

const testModelID = "sha256:1111111111111111111111111111111111111111111111111111111111111111"

type seen struct {
	who string
	Event
}

type eventLog struct {
	mu  sync.Mutex
	evs []seen
}

func (l *eventLog) reporter(who string, also func(Event)) func(Event) {
	return func(e Event) {
		l.mu.Lock()
		l.evs = append(l.evs, seen{who, e})
		l.mu.Unlock()
		if also != nil {
			also(e)
		}
	}
}

func (l *eventLog) count(who, name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.evs {
		if e.who == who && e.Name == name {
			n++
		}
	}
	return n
}

func (l *eventLog) dump() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, e := range l.evs {
		fmt.Fprintf(&b, "%s: %s\n", e.who, e.Text)
	}
	return b.String()
}

func (l *eventLog) waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; events:\n%s", what, l.dump())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// running is a daemon started in a goroutine.
type running struct {
	cancel context.CancelFunc
	done   chan error
	url    string
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("daemon stopped with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("daemon did not stop")
	}
}

func startProvider(t *testing.T, cfg ProviderConfig, prog Program, chain Chain, report func(Event)) *running {
	t.Helper()
	p, err := NewProvider(cfg, prog, chain, testLogger(t), report)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() { r.done <- p.Run(ctx, func(u string) { ready <- u }) }()
	select {
	case r.url = <-ready:
	case err := <-r.done:
		t.Fatalf("provider did not start: %v", err)
	}
	return r
}

func startWatcher(t *testing.T, cfg WatcherConfig, chain Chain, report func(Event)) *running {
	t.Helper()
	w, err := NewWatcher(cfg, chain, testLogger(t), report)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- w.Run(ctx) }()
	return r
}

func infer(t *testing.T, url, body string) InferResponse {
	t.Helper()
	resp, err := http.Post(url+PathInfer, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: HTTP %d: %s", body, resp.StatusCode, b)
	}
	var r InferResponse
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func providerConfig(dir string) ProviderConfig {
	cfg := DefaultProviderConfig()
	cfg.ModelID, cfg.Dir, cfg.Listen = testModelID, dir, "127.0.0.1:0"
	cfg.FlushInterval, cfg.Poll, cfg.ClaimWait = 10*time.Millisecond, 20*time.Millisecond, 10*time.Second
	return cfg
}

func watcherConfig(dir, url string, prog Program) WatcherConfig {
	cfg := DefaultWatcherConfig()
	cfg.Dir, cfg.ProviderURL, cfg.Model, cfg.Poll = dir, url, prog, 20*time.Millisecond
	return cfg
}

func TestLyingProviderLosesEveryDispute(t *testing.T) {
	prog := newFakeProgram(6)
	fc := newFakeChain(prog, testModelID)
	prov, watcher := testAddr(1), testAddr(2)
	var log eventLog

	cfg := providerConfig(t.TempDir())
	cfg.LieEvery = 2
	p := startProvider(t, cfg, prog, fc.chain(prov), log.reporter("provider", nil))
	if log.count("provider", EventBonded) != 1 || fc.bonds[prov].Amount.Amount.Int64() != 150 || fc.bonds[prov].Endpoint != p.url {
		t.Fatalf("bond at start: %v", fc.bonds[prov])
	}
	for i := 1; i <= 4; i++ {
		r := infer(t, p.url, fmt.Sprintf("[%d, 2, 3, 4]", i))
		honest, err := Execute(prog, fakeInput(int32(i), 2, 3, 4), false)
		if err != nil {
			t.Fatal(err)
		}
		lie := i%2 == 0
		if r.Run != uint64(i) || r.ClaimID != uint64(i) || r.Pending || (r.TraceRoot == DigestText(honest.Root)) == lie {
			t.Fatalf("inference %d: %+v", i, r)
		}
		if (*r.Argmax == tensorio.Argmax(honest.Outputs[0])) == lie {
			t.Fatalf("inference %d (lie %t): argmax %d", i, lie, *r.Argmax)
		}
	}
	// No --provider-url: the watcher finds the provider's API at the
	// endpoint its bond records.
	w := startWatcher(t, watcherConfig(t.TempDir(), "", prog), fc.chain(watcher), log.reporter("watcher", nil))
	log.waitFor(t, "two disputes won and two claims checked", func() bool {
		return log.count("watcher", EventDisputeWon) == 2 && log.count("watcher", EventClaimOK) == 2 && log.count("provider", EventDisputeLost) == 2
	})
	w.stop(t)
	p.stop(t)
	for i, want := range []types.ClaimStatus{types.ClaimStatus_CLAIM_STATUS_PENDING, types.ClaimStatus_CLAIM_STATUS_REFUTED} {
		for _, id := range []int{1 + i, 3 + i} {
			if got := fc.claims[id-1].Status; got != want {
				t.Errorf("claim %d is %v, want %v", id, got, want)
			}
		}
	}
	if log.count("watcher", EventChallenged) != 2 || log.count("provider", EventDisputeWon) != 0 || log.count("watcher", EventDisputeLost) != 0 ||
		log.count("watcher", EventInputAsked) != 0 {
		t.Fatalf("unexpected events:\n%s", log.dump())
	}
}

// TestRestartsMidDispute: the watcher finds the provider's API down (its
// public URL answers nothing), so it demands the inputs on chain; the provider posts them; the watcher
// challenges and both stop after the first move. New processes on the same
// directories finish the dispute.
func TestRestartsMidDispute(t *testing.T) {
	prog := newFakeProgram(12)
	fc := newFakeChain(prog, testModelID)
	prov, watcher := testAddr(1), testAddr(2)
	var log eventLog

	pdir, wdir := t.TempDir(), t.TempDir()
	cfg := providerConfig(pdir)
	cfg.LieEvery, cfg.PublicURL = 1, deadURL(t)
	p := startProvider(t, cfg, prog, fc.chain(prov), log.reporter("provider", nil))
	r := infer(t, p.url, "[5, 6, 7, 8]")
	if fc.bonds[prov].Endpoint != cfg.PublicURL {
		t.Fatalf("endpoint %q, want the public URL %q", fc.bonds[prov].Endpoint, cfg.PublicURL)
	}

	wcfg := watcherConfig(wdir, "", prog) // the endpoint is dead: inputs come from the chain
	wcfg.FetchTries = 1
	moved := make(chan struct{})
	var once sync.Once
	w := startWatcher(t, wcfg, fc.chain(watcher), log.reporter("watcher", func(e Event) {
		if e.Name == EventMove {
			once.Do(func() { close(moved) })
		}
	}))
	<-moved
	w.stop(t)
	p.stop(t)
	if log.count("watcher", EventInputAsked) != 1 || log.count("provider", EventInputPosted) != 1 || log.count("watcher", EventChallenged) != 1 {
		t.Fatalf("before the restart:\n%s", log.dump())
	}
	d := fc.disputes[0]
	if d.Phase != types.DisputePhase_DISPUTE_PHASE_BISECT || d.ClaimId != r.ClaimID {
		t.Fatalf("dispute before the restart: %+v", d)
	}

	p = startProvider(t, cfg, prog, fc.chain(prov), log.reporter("provider", nil))
	w = startWatcher(t, wcfg, fc.chain(watcher), log.reporter("watcher", nil))
	log.waitFor(t, "the dispute won after the restart", func() bool {
		return log.count("watcher", EventDisputeWon) == 1 && log.count("provider", EventDisputeLost) == 1
	})
	w.stop(t)
	p.stop(t)
	if fc.claims[0].Status != types.ClaimStatus_CLAIM_STATUS_REFUTED || log.count("watcher", EventChallenged) != 1 {
		t.Fatalf("after the restart:\n%s", log.dump())
	}
	// Runs survive, and a third start reports nothing twice.
	s, err := OpenStore(pdir)
	if err != nil || s.Len() != 1 || !s.Settled(1) {
		t.Fatalf("store after restarts: %v", err)
	}
	s.Close()
}

// TestHonestProviderWins: a challenger with a wrong trace (diverging at a
// middle step) or with the claim's own root but another output digest
// loses to an honest provider, which reports "dispute D won".
func TestHonestProviderWins(t *testing.T) {
	prog := newFakeProgram(9)
	fc := newFakeChain(prog, testModelID)
	prov, bad := testAddr(1), testAddr(3)
	var log eventLog
	p := startProvider(t, providerConfig(t.TempDir()), prog, fc.chain(prov), log.reporter("provider", nil))
	defer p.stop(t)
	r1 := infer(t, p.url, "[1, 2, 3, 4]")
	r2 := infer(t, p.url, "[4, 3, 2, 1]")

	honest, err := Execute(prog, fakeInput(1, 2, 3, 4), false)
	if err != nil {
		t.Fatal(err)
	}
	wrong := &Trace{Leaves: diverge(honest.Leaves, 5, "wrong"), States: honest.States}
	wrong.Root = onnxint.TraceRoot(wrong.Leaves)
	ch := fc.chain(bad)
	challenge := func(claim uint64, root, out [32]byte) uint64 {
		t.Helper()
		res, err := ch.Send(t.Context(), &types.MsgChallenge{
			Challenger: bad, Claim: types.ClaimRef{ClaimId: claim}, TraceRoot: root[:], OutputDigest: out[:], Bond: fc.params.DisputeStake,
		})
		if err != nil {
			t.Fatal(err)
		}
		id, _ := attrUint(res, types.EventTypeDisputeOpened, types.AttributeKeyDisputeID)
		return id
	}
	d1 := challenge(r1.ClaimID, wrong.Root, wrong.Leaves[len(wrong.Leaves)-1])
	// The bad challenger plays its wrong trace to the end, as a watcher
	// with a broken runtime would.
	pl := &player{role: Challenger, chain: ch, log: testLogger(t), report: func(Event) {}}
	log.waitFor(t, "the bisection played out", func() bool {
		res, _ := fc.Dispute(t.Context(), &types.QueryDisputeRequest{DisputeId: d1})
		settled, err := pl.play(t.Context(), prog, &res.Dispute, wrong)
		if err != nil && !errors.Is(err, ErrNotOurTrace) {
			t.Fatal(err)
		}
		return settled
	})
	// Same root, another output digest: the provider proves its output.
	honest2, _ := Execute(prog, fakeInput(4, 3, 2, 1), false)
	d2 := challenge(r2.ClaimID, honest2.Root, sha256.Sum256([]byte("another output")))
	log.waitFor(t, "both disputes won by the provider", func() bool { return log.count("provider", EventDisputeWon) == 2 })
	for _, id := range []uint64{d1, d2} {
		if d := fc.disputes[id-1]; d.Outcome != types.Outcome_OUTCOME_DEFENDER_WON {
			t.Fatalf("dispute %d: %v", id, d.Outcome)
		}
	}
	if fc.claims[0].Status != types.ClaimStatus_CLAIM_STATUS_PENDING || log.count("provider", EventDisputeLost) != 0 {
		t.Fatalf("events:\n%s", log.dump())
	}
}

// deadURL is an http URL on 127.0.0.1 where nothing listens: a port that
// was just bound and closed.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	ln.Close()
	return u
}

// receiptJobFor is the watcher's job for a receipt signed by priv over
// inference r, claiming traceRoot, at index of a log of two entries.
func receiptJobFor(t *testing.T, priv ed25519.PrivateKey, r InferResponse, traceRoot string, index uint64) *receiptJob {
	t.Helper()
	pub := priv.Public().(ed25519.PublicKey)
	p := receipt.Predicate{
		Model: testModelID, Provider: receipt.Provider{ID: "provider", KeyID: receipt.KeyID(pub)},
		InputDigest: r.InputDigest, OutputDigest: r.OutputDigest, TraceRoot: traceRoot, TraceSize: r.TraceSize,
		Tokens: receipt.Tokens{Input: 1, Output: 1}, RequestID: fmt.Sprint("run-", r.Run), Time: receipt.FormatTime(time.Unix(1_700_000_000, 0)),
	}
	env, err := receipt.Sign(receipt.NewStatement(p), priv)
	if err != nil {
		t.Fatal(err)
	}
	return &receiptJob{Index: index, TreeSize: 2, Entry: env.Canonical(), Proof: [][]byte{make([]byte, 32)}, ModelID: testModelID,
		InputDigest: r.InputDigest, OutputDigest: r.OutputDigest, TraceRoot: traceRoot, TraceSize: r.TraceSize, KeyID: receipt.KeyID(pub), Stage: stageFetch}
}

// TestReceiptInputsOnChain: when the provider's API does not serve a
// receipt's inputs, the watcher demands them on chain with the receipt;
// the provider answers the request on the receipt's claim like any other
// (found through its open input requests), and the watcher checks the
// receipt: ok when it matches, challenged when it does not.
func TestReceiptInputsOnChain(t *testing.T) {
	prog := newFakeProgram(6)
	fc := newFakeChain(prog, testModelID)
	prov, watcher := testAddr(1), testAddr(2)
	var log eventLog
	cfg := providerConfig(t.TempDir())
	cfg.PublicURL = deadURL(t)
	p := startProvider(t, cfg, prog, fc.chain(prov), log.reporter("provider", nil))
	r1 := infer(t, p.url, "[1, 2, 3, 4]")
	r2 := infer(t, p.url, "[4, 3, 2, 1]")
	// The provider's receipts are signed with a key its bond binds (bound
	// here on the fake chain: this provider claims on chain only).
	seed := sha256.Sum256([]byte("provider receipts"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	fc.mu.Lock()
	fc.bonds[prov].ReceiptKey, fc.bonds[prov].ReceiptKeyId = priv.Public().(ed25519.PublicKey), receipt.KeyID(priv.Public().(ed25519.PublicKey))
	fc.mu.Unlock()

	wdir := t.TempDir()
	st := newWatchState()
	st.LogID = "prova.test/receipts"
	st.Receipts[0] = receiptJobFor(t, priv, r1, r1.TraceRoot, 0)
	st.Receipts[1] = receiptJobFor(t, priv, r2, DigestText(sha256.Sum256([]byte("not the trace"))), 1)
	if err := st.save(wdir); err != nil {
		t.Fatal(err)
	}
	wcfg := watcherConfig(wdir, "", prog)
	wcfg.FetchTries = 1
	w := startWatcher(t, wcfg, fc.chain(watcher), log.reporter("watcher", nil))
	log.waitFor(t, "one receipt ok and one challenged", func() bool {
		return log.count("watcher", EventReceiptOK) == 1 && log.count("watcher", EventChallenged) == 1
	})
	w.stop(t)
	p.stop(t)
	// The two claims posted on chain are checked the same way.
	if log.count("watcher", EventInputAsked) != 4 || log.count("provider", EventInputPosted) != 4 || log.count("watcher", EventClaimOK) != 2 {
		t.Fatalf("events:\n%s", log.dump())
	}
	var receipts []types.Claim
	for _, c := range fc.claims {
		if c.Kind == types.ClaimKind_CLAIM_KIND_RECEIPT {
			receipts = append(receipts, c)
		}
	}
	if len(receipts) != 2 || receipts[0].Provider != prov || receipts[0].OpenDispute != 0 || receipts[1].OpenDispute == 0 ||
		fc.requests[receipts[0].Id].Status != types.InputRequestStatus_INPUT_REQUEST_STATUS_ANSWERED {
		t.Fatalf("receipt claims %+v", receipts)
	}
	if d := fc.disputes[receipts[1].OpenDispute-1]; d.Challenger != watcher || d.ClaimId != receipts[1].Id {
		t.Fatalf("dispute %+v", d)
	}
}
