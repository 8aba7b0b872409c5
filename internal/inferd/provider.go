package inferd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"golang.org/x/sync/errgroup"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/x/infer/types"
)

// Provider defaults.
const (
	// DefaultListen is the provider's HTTP address.
	DefaultListen = "127.0.0.1:8620"
	// DefaultFlushInterval is how often queued claims are posted, all in
	// one transaction.
	DefaultFlushInterval = time.Second
	// DefaultMaxBatch bounds the claims of one transaction; at ~60k gas a
	// claim, 20 stay well inside txclient.DefaultGasLimit.
	DefaultMaxBatch = 20
	// DefaultPoll is how often the chain is asked for disputes and input
	// requests (and, by the watcher, for claims and moves): a dispute move
	// waits for it, so it is about two dev-chain blocks.
	DefaultPoll = time.Second
	// DefaultMaxBody caps a request body (the chain's input cap,
	// types.MaxInputBytes, in the densest JSON is far less).
	DefaultMaxBody = 4 << 20
	// DefaultClaimWait is how long POST /v1/infer waits for the claim (and
	// receipt) before answering with "pending": true.
	DefaultClaimWait = 30 * time.Second
	// shutdownGrace bounds the last flush and the HTTP drain at shutdown.
	shutdownGrace = 15 * time.Second
	// maxBackoff caps the wait between failed flushes.
	maxBackoff = time.Minute
	// traceCache is how many recomputed traces a daemon keeps for its
	// disputes.
	traceCache = 16
)

// ProviderConfig is what a Provider runs with.
type ProviderConfig struct {
	// ModelID is the registered model the program is (its executable's
	// tensor root and trace size are checked against the program).
	ModelID string
	// Listen is the HTTP address; it must be a loopback address.
	Listen string
	// PublicURL is where others reach the HTTP API (through whatever proxy
	// fronts Listen); it is recorded as the bond's endpoint, where watchers
	// fetch inputs. Empty means http://<Listen address>.
	PublicURL string
	// Dir holds the run store.
	Dir string
	// ClaimOnChain posts an MsgPostClaim per run; ReceiptKey (with Log)
	// logs a receipt carrying the trace root per run. At least one.
	ClaimOnChain bool
	ReceiptKey   ed25519.PrivateKey
	Log          *receiptlog.Client
	// ProviderName is the receipt's provider.id.
	ProviderName string
	// Bond is the free bond kept: if less is free at start (or when a claim
	// fails for want of bond) the difference is bonded. Zero means
	// params.min_bond + params.dispute_stake.
	Bond          sdk.Coin
	FlushInterval time.Duration
	MaxBatch      int
	Poll          time.Duration
	MaxBody       int64
	// MaxConcurrent runs at once; up to 4× as many requests wait, more are
	// refused with 503.
	MaxConcurrent int
	ClaimWait     time.Duration
	// LieEvery, for tests and demos only: every Nth inference answers a
	// falsified output (see Falsify) and claims and defends it.
	LieEvery int
}

// DefaultProviderConfig returns the defaults (no model, no directory).
func DefaultProviderConfig() ProviderConfig {
	return ProviderConfig{
		Listen: DefaultListen, ClaimOnChain: true, ProviderName: "provad-infer-serve",
		FlushInterval: DefaultFlushInterval, MaxBatch: DefaultMaxBatch, Poll: DefaultPoll,
		MaxBody: DefaultMaxBody, MaxConcurrent: runtime.NumCPU(), ClaimWait: DefaultClaimWait,
	}
}

// Validate reports settings a provider cannot run with.
func (c ProviderConfig) Validate() error {
	switch {
	case c.ModelID == "":
		return errors.New("the registered model ID is required (--model-id)")
	case c.Dir == "":
		return errors.New("a data directory is required")
	case !c.ClaimOnChain && c.ReceiptKey == nil:
		return errors.New("claim on chain, with receipts, or both")
	case c.ReceiptKey != nil && c.Log == nil:
		return errors.New("receipts need a receipt log URL")
	case c.FlushInterval <= 0 || c.Poll <= 0:
		return errors.New("--flush-interval and --poll must be positive")
	case c.MaxBatch < 1 || c.MaxConcurrent < 1 || c.MaxBody < 1:
		return errors.New("--max-batch, --max-concurrent and --max-body must be positive")
	case c.LieEvery < 0:
		return errors.New("--lie-every must not be negative")
	case c.ClaimWait < 0:
		return errors.New("--claim-wait must not be negative")
	}
	if _, err := fingerprint.ParseDigest(c.ModelID); err != nil {
		return fmt.Errorf("model ID: %w", err)
	}
	if c.PublicURL != "" {
		if err := types.ValidateEndpoint(c.PublicURL); err != nil {
			return fmt.Errorf("public URL: %w", err)
		}
	}
	return CheckLoopback(c.Listen)
}

// CheckLoopback requires host:port on a loopback address: Prova's servers
// listen on 127.0.0.1, behind whatever proxy an operator puts in front.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("listen address %q is not a loopback address; use 127.0.0.1:PORT (put a proxy in front to serve others)", addr)
	}
	return nil
}

// Provider is the daemon behind 'provad infer serve'.
type Provider struct {
	cfg    ProviderConfig
	prog   Program
	chain  Chain
	store  *Store
	log    *slog.Logger
	report func(Event)
	pub    ed25519.PublicKey
	// endpoint is recorded in the bond (set by Run before anything runs).
	endpoint string

	admit  chan struct{} // requests admitted (running or waiting)
	worker chan struct{} // requests running
	served atomic.Uint64 // inferences answered, for --lie-every

	mu       sync.Mutex
	claimQ   []uint64 // runs whose claim is not posted
	receiptQ []uint64 // runs whose receipt is not logged
	waiters  map[uint64][]chan struct{}
	kick     chan struct{}
	closed   chan struct{} // closed when the flusher has stopped

	// Defence state, only touched by the defence loop.
	traces   map[[32]byte]*Trace
	answered map[uint64]bool // claims whose input request we answered
	running  map[uint64]bool // disputes running at the last pass (nil before the first)
	warned   map[uint64]bool // disputes we cannot play, logged once
}

// NewProvider checks cfg and opens the store; Run starts it.
func NewProvider(cfg ProviderConfig, prog Program, chain Chain, logger *slog.Logger, report func(Event)) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := chain.check(false); err != nil {
		return nil, err
	}
	chain = chain.serialized()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if report == nil {
		report = func(Event) {}
	}
	st, err := OpenStore(cfg.Dir)
	if err != nil {
		return nil, err
	}
	p := &Provider{
		cfg: cfg, prog: prog, chain: chain, store: st, report: report,
		log:   logger.With("provider", chain.Address, logModel, cfg.ModelID),
		admit: make(chan struct{}, 4*cfg.MaxConcurrent), worker: make(chan struct{}, cfg.MaxConcurrent),
		waiters: map[uint64][]chan struct{}{}, kick: make(chan struct{}, 1), closed: make(chan struct{}),
		traces: map[[32]byte]*Trace{}, answered: map[uint64]bool{}, warned: map[uint64]bool{},
	}
	if cfg.ReceiptKey != nil {
		p.pub = cfg.ReceiptKey.Public().(ed25519.PublicKey)
	}
	p.served.Store(uint64(st.Len()))
	if d := st.Dropped(); d > 0 {
		p.log.Warn("dropped an unfinished record at the end of the store (a crash during a write; that request was never answered)", "bytes", d)
	}
	return p, nil
}

// Store is the provider's run store.
func (p *Provider) Store() *Store { return p.store }

// Run checks the model on chain, binds cfg.Listen, keeps the bond (and its
// endpoint: cfg.PublicURL, or the address bound), queues what was not
// claimed before a restart, serves HTTP and defends claims until ctx ends.
// It closes the store when it returns. ready, if not nil, receives the
// HTTP base URL once the server listens.
func (p *Provider) Run(ctx context.Context, ready func(url string)) error {
	defer p.store.Close()
	if err := p.checkExecutable(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", p.cfg.Listen)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	p.endpoint = p.cfg.PublicURL
	if p.endpoint == "" {
		p.endpoint = url
	}
	if err := p.ensureBond(ctx); err != nil {
		ln.Close()
		return err
	}
	if err := p.requeue(ctx); err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler: p.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: p.cfg.ClaimWait + 2*time.Minute, IdleTimeout: time.Minute, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(p.log.Handler(), slog.LevelWarn),
	}
	p.log.Info("provider started", "url", url, "store", p.cfg.Dir, "runs", p.store.Len(), "claim_on_chain", p.cfg.ClaimOnChain,
		"receipts", p.pub != nil, "trace_size", p.prog.TraceSize(), "lie_every", p.cfg.LieEvery)
	p.report(event(EventServing, map[string]any{"url": url, "model_id": p.cfg.ModelID, "provider": p.chain.Address},
		"serving on %s", url))
	if ready != nil {
		ready(url)
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error { p.flushLoop(gctx); return nil })
	g.Go(func() error { p.defendLoop(gctx); return nil })
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	err = g.Wait()
	p.log.Info("provider stopped", "runs", p.store.Len())
	if ctx.Err() != nil && err == nil {
		return nil
	}
	return err
}

// checkExecutable requires the model to be registered for execution with
// the program's tensor root and trace size.
func (p *Provider) checkExecutable(ctx context.Context) error {
	res, err := p.chain.Infer.Executable(ctx, &types.QueryExecutableRequest{ModelId: p.cfg.ModelID})
	if isNotFound(err) {
		return fmt.Errorf("model %s is not registered for execution on chain; its owner registers it first ('provad tx infer register-executable')", p.cfg.ModelID)
	}
	if err != nil {
		return fmt.Errorf("look up the executable of %s: %w", p.cfg.ModelID, err)
	}
	root := p.prog.TensorRoot()
	e := res.Executable
	if !bytes.Equal(e.TensorRoot, root[:]) || e.TraceSize != p.prog.TraceSize() {
		return fmt.Errorf("the ONNX file is not model %s as registered: tensor root %x and trace size %d on chain, %x and %d here",
			p.cfg.ModelID, e.TensorRoot, e.TraceSize, root, p.prog.TraceSize())
	}
	return nil
}

// ensureBond tops the free bond up to cfg.Bond (default: min_bond plus a
// dispute stake), binds the receipt key and records the endpoint.
func (p *Provider) ensureBond(ctx context.Context) error {
	endpoint := p.endpoint
	pr, err := p.chain.Infer.Params(ctx, &types.QueryParamsRequest{})
	if err != nil {
		return fmt.Errorf("x/infer params: %w", err)
	}
	want := p.cfg.Bond
	if want.IsNil() || want.IsZero() {
		want = pr.Params.MinBond.Add(sdk.NewCoin(pr.Params.MinBond.Denom, pr.Params.DisputeStake.Amount))
	}
	if want.Denom != pr.Params.MinBond.Denom {
		return fmt.Errorf("bonds are in %s, not %s", pr.Params.MinBond.Denom, want.Denom)
	}
	free, boundKey, recorded := sdkmath.ZeroInt(), []byte(nil), ""
	res, err := p.chain.Infer.Bond(ctx, &types.QueryBondRequest{Provider: p.chain.Address})
	switch {
	case err == nil:
		if res.Bond.Amount.Denom == want.Denom {
			free = res.Bond.Amount.Amount
			if !res.Bond.Locked.IsNil() {
				free = free.Sub(res.Bond.Locked)
			}
		}
		boundKey, recorded = res.Bond.ReceiptKey, res.Bond.Endpoint
	case !isNotFound(err):
		return fmt.Errorf("look up our bond: %w", err)
	}
	msg := &types.MsgBond{Provider: p.chain.Address}
	if p.pub != nil {
		switch {
		case len(boundKey) == 0:
			msg.ReceiptKey = hex.EncodeToString(p.pub)
		case !bytes.Equal(boundKey, p.pub):
			return fmt.Errorf("our bond binds receipt key %s, but this provider signs with %s; use the bound key (--provider-key)",
				receipt.KeyID(boundKey), receipt.KeyID(p.pub))
		}
	}
	if recorded != endpoint {
		msg.Endpoint = endpoint
	}
	topUp := want.Amount.Sub(free)
	if !topUp.IsPositive() && msg.ReceiptKey == "" && msg.Endpoint == "" {
		p.log.Info("bond sufficient", "free", free.String()+want.Denom, "want", want.String(), "endpoint", endpoint)
		return nil
	}
	if !topUp.IsPositive() {
		topUp = sdkmath.OneInt() // a bond message binds the key or sets the endpoint; it must move something
	}
	msg.Amount = sdk.NewCoin(want.Denom, topUp)
	r, err := p.chain.Send(ctx, msg)
	if err != nil {
		return fmt.Errorf("bond %s: %w", msg.Amount, err)
	}
	p.log.Info("bonded", "amount", msg.Amount.String(), "receipt_key", msg.ReceiptKey, "endpoint", endpoint, logTx, r.Hash, logHeight, r.Height)
	fields := map[string]any{"amount": msg.Amount.String(), "free_before": free.String() + want.Denom, "endpoint": endpoint}
	if p.pub != nil {
		fields["receipt_key_id"] = receipt.KeyID(p.pub)
	}
	p.report(event(EventBonded, fields, "bonded %s", msg.Amount))
	return nil
}
