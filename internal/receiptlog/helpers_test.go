package receiptlog

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prova-network/prova/internal/receipt"
)

const testModel = "blake3:" + "11111111111111111111111111111111111111111111111111111111111111aa"

func testKey(label string) (ed25519.PublicKey, ed25519.PrivateKey) {
	seed := sha256.Sum256([]byte(label))
	priv := ed25519.NewKeyFromSeed(seed[:])
	return priv.Public().(ed25519.PublicKey), priv
}

func digest(alg, s string) string {
	sum := sha256.Sum256([]byte(s))
	return alg + ":" + hex.EncodeToString(sum[:])
}

func statement(pub ed25519.PublicKey, model string, n int) *receipt.Statement {
	return receipt.NewStatement(receipt.Predicate{
		Model:        model,
		Provider:     receipt.Provider{ID: "provider-1", KeyID: receipt.KeyID(pub)},
		InputDigest:  digest("sha256", fmt.Sprint("in", n)),
		OutputDigest: digest("blake3", fmt.Sprint("out", n)),
		Tokens:       receipt.Tokens{Input: 3, Output: 5},
		RequestID:    fmt.Sprintf("req-%d", n),
		Time:         receipt.FormatTime(time.Date(2026, 11, 21, 2, 0, n%60, 0, time.UTC)),
	})
}

func envelope(t testing.TB, priv ed25519.PrivateKey, model string, n int) *receipt.Envelope {
	t.Helper()
	env, err := receipt.Sign(statement(priv.Public().(ed25519.PublicKey), model, n), priv)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func batch(t testing.TB, priv ed25519.PrivateKey, model string, from, n int) *receipt.Batch {
	t.Helper()
	sts := make([]*receipt.Statement, n)
	for i := range sts {
		sts[i] = statement(priv.Public().(ed25519.PublicKey), model, from+i)
	}
	b, err := receipt.SignBatch(sts, priv)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeRegistry answers model lookups from a table and counts them.
type fakeRegistry struct {
	mu     sync.Mutex
	models map[string]ModelStatus
	calls  int
}

func (f *fakeRegistry) lookup(_ context.Context, id string) (ModelStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.models[id], nil
}

func testConfig(dir string) Config {
	cfg := DefaultConfig(dir)
	cfg.BatchMaxAge = 5 * time.Millisecond
	cfg.CheckpointInterval = 100 * time.Millisecond
	cfg.CheckpointPoll = 5 * time.Millisecond
	cfg.RatePerSecond = 0
	return cfg
}

type harness struct {
	svc    *Service
	reg    *fakeRegistry
	srv    *httptest.Server
	client *Client
}

func newHarness(t *testing.T, cfg Config, reg *fakeRegistry) *harness {
	t.Helper()
	if reg == nil {
		reg = &fakeRegistry{models: map[string]ModelStatus{testModel: {State: ModelRegistered}}}
	}
	svc, err := New(t.Context(), cfg, Deps{Logger: slog.New(slog.DiscardHandler), ModelStatus: reg.lookup})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	h := &harness{svc: svc, reg: reg, srv: srv, client: NewClient(srv.URL, srv.Client())}
	t.Cleanup(func() {
		srv.Close()
		_ = svc.Close()
	})
	return h
}

func (h *harness) close(t *testing.T) {
	t.Helper()
	h.srv.Close()
	if err := h.svc.Close(); err != nil {
		t.Fatal(err)
	}
}

// size is the integrated size of the log on disk.
func (h *harness) size(t *testing.T) uint64 {
	t.Helper()
	n, err := h.svc.reader.IntegratedSize(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
