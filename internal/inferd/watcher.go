package inferd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/x/infer/types"
)

// Watcher defaults.
const (
	// DefaultFetchTries is how many passes a watcher tries the provider's
	// HTTP API for a claim's (or receipt's) inputs before it demands them
	// on chain.
	DefaultFetchTries = 3
	// endpointTTL is how long a provider's endpoint read from its bond is
	// used before it is read again.
	endpointTTL = time.Minute
	// receiptsPerPass bounds the log entries read in one pass.
	receiptsPerPass = 256
	// fetchTimeout bounds one HTTP fetch of inputs.
	fetchTimeout = 30 * time.Second
)

// WatcherConfig is what a Watcher runs with.
type WatcherConfig struct {
	// Dir holds the watcher's state.
	Dir string
	// ModelID, if set, restricts the watcher to that model's claims.
	ModelID string
	// Model, if set, is a local program used for the claims of any model
	// whose executable it matches (tensor root and trace size); other
	// models are run from the ONNX file stored on chain, when it is.
	Model Program
	// ProviderURLs names where a provider's inputs are fetched (GET
	// /v1/inputs/{digest}), and ProviderURL where every other provider's
	// are; without either, the endpoint the provider's bond records is
	// used.
	ProviderURL  string
	ProviderURLs map[string]string
	// Log, if set, is a receipt log whose receipts with trace roots are
	// checked too (entries up to the size anchored on chain).
	Log *receiptlog.Client
	// Sample is the fraction of claims checked, in (0, 1].
	Sample float64
	Poll   time.Duration
	// Bond is the challenger bond; zero means params.dispute_stake.
	Bond       sdk.Coin
	FetchTries int
	HTTP       *http.Client
	// Load builds a program from an ONNX file fetched from the chain
	// (default: onnxint.Load).
	Load func([]byte) (Program, error)
}

// DefaultWatcherConfig returns the defaults (no directory).
func DefaultWatcherConfig() WatcherConfig {
	return WatcherConfig{Sample: 1, Poll: DefaultPoll, FetchTries: DefaultFetchTries}
}

// Validate reports settings a watcher cannot run with.
func (c WatcherConfig) Validate() error {
	switch {
	case c.Dir == "":
		return errors.New("a state directory is required")
	case !(c.Sample > 0 && c.Sample <= 1):
		return errors.New("--sample must be in (0, 1]")
	case c.Poll <= 0:
		return errors.New("--poll must be positive")
	case c.FetchTries < 0:
		return errors.New("--fetch-tries must not be negative")
	}
	if c.ModelID != "" {
		if _, err := fingerprint.ParseDigest(c.ModelID); err != nil {
			return fmt.Errorf("model ID: %w", err)
		}
	}
	return nil
}

type modelEntry struct {
	prog Program
	err  error
}

// Watcher is the daemon behind 'provad infer watch'.
type Watcher struct {
	cfg    WatcherConfig
	chain  Chain
	log    *slog.Logger
	report func(Event)
	st     *watchState
	lock   *os.File
	models map[string]modelEntry
	traces map[uint64]*Trace // by dispute
	player *player
	bonds  map[string]bondEntry // by provider, or "key " + receipt key ID
}

// bondEntry is what the watcher read of a provider's bond.
type bondEntry struct {
	provider, endpoint string
	at                 time.Time
}

// NewWatcher checks cfg and loads the watcher's state from cfg.Dir.
func NewWatcher(cfg WatcherConfig, chain Chain, logger *slog.Logger, report func(Event)) (*Watcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := chain.check(cfg.Log != nil); err != nil {
		return nil, err
	}
	chain = chain.serialized()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if report == nil {
		report = func(Event) {}
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: fetchTimeout}
	}
	if cfg.Load == nil {
		cfg.Load = func(b []byte) (Program, error) { return onnxint.Load(b) }
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, err
	}
	lock, err := lockDir(cfg.Dir)
	if err != nil {
		return nil, err
	}
	st, err := loadWatchState(cfg.Dir)
	if err != nil {
		unlockDir(lock)
		return nil, err
	}
	w := &Watcher{cfg: cfg, chain: chain, report: report, st: st, lock: lock, models: map[string]modelEntry{}, traces: map[uint64]*Trace{},
		bonds: map[string]bondEntry{}}
	w.log = logger.With("watcher", chain.Address)
	w.player = &player{role: Challenger, chain: chain, log: w.log, report: report}
	return w, nil
}

// Run follows the chain (and the log) every Poll until ctx ends; Ctrl-C
// is a clean stop. The state is saved after every change and released on
// return.
func (w *Watcher) Run(ctx context.Context) error {
	defer unlockDir(w.lock)
	what := "all models"
	if w.cfg.ModelID != "" {
		what = w.cfg.ModelID
	}
	// A wrong --node is an error at once; later failures are retried.
	if _, err := w.chain.Height(ctx); err != nil {
		return fmt.Errorf("node height: %w", err)
	}
	w.log.Info("watcher started", "dir", w.cfg.Dir, logModel, what, "sample", w.cfg.Sample, "claim_cursor", w.st.ClaimCursor,
		"checks", len(w.st.Claims)+len(w.st.Receipts), "disputes", len(w.st.Disputes), "log", w.cfg.Log != nil)
	w.report(event(EventWatching, map[string]any{"challenger": w.chain.Address, "model_id": w.cfg.ModelID, "claim_cursor": w.st.ClaimCursor, "disputes": len(w.st.Disputes)},
		"watching claims of %s as %s", what, w.chain.Address))
	for {
		if err := w.Pass(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("pass failed; retrying", logErr, err.Error())
		}
		select {
		case <-ctx.Done():
			w.log.Info("watcher stopped", "claim_cursor", w.st.ClaimCursor, "disputes", len(w.st.Disputes))
			return nil
		case <-time.After(w.cfg.Poll):
		}
	}
}

// Pass does one round: new claims and receipts, the checks in progress,
// the disputes in progress.
func (w *Watcher) Pass(ctx context.Context) error {
	h, err := w.chain.Height(ctx)
	if err != nil {
		return fmt.Errorf("node height: %w", err)
	}
	var errs []error
	if err := w.discoverClaims(ctx, h); err != nil {
		errs = append(errs, err)
	}
	for _, id := range sortedKeys(w.st.Claims) {
		if ctx.Err() != nil {
			return nil
		}
		if err := w.checkClaim(ctx, w.st.Claims[id]); err != nil && ctx.Err() == nil {
			w.log.Error("claim check failed; will retry", logClaim, id, logErr, err.Error())
		}
	}
	if w.cfg.Log != nil {
		if err := w.discoverReceipts(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	for _, idx := range sortedKeys(w.st.Receipts) {
		if ctx.Err() != nil {
			return nil
		}
		if err := w.checkReceipt(ctx, w.st.Receipts[idx]); err != nil && ctx.Err() == nil {
			w.log.Error("receipt check failed; will retry", "index", idx, logErr, err.Error())
		}
	}
	for _, id := range sortedKeys(w.st.Disputes) {
		if ctx.Err() != nil {
			return nil
		}
		if err := w.playDispute(ctx, w.st.Disputes[id]); err != nil && ctx.Err() == nil {
			w.log.Error("dispute move failed; will retry", logDispute, id, logErr, err.Error())
		}
	}
	return errors.Join(errs...)
}

func sortedKeys[V any](m map[uint64]V) []uint64 {
	keys := make([]uint64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (w *Watcher) save() error {
	if err := w.st.save(w.cfg.Dir); err != nil {
		return fmt.Errorf("save watcher state: %w", err)
	}
	return nil
}

// program returns the program of a model, from --model or the chain.
func (w *Watcher) program(ctx context.Context, modelID string) (Program, error) {
	if e, ok := w.models[modelID]; ok {
		return e.prog, e.err
	}
	res, err := w.chain.Infer.Executable(ctx, &types.QueryExecutableRequest{ModelId: modelID, IncludeFile: true})
	if isNotFound(err) {
		err = fmt.Errorf("model %s is not executable on chain", modelID)
		w.models[modelID] = modelEntry{err: err}
		return nil, err
	}
	if err != nil {
		return nil, err // a transient failure: not remembered
	}
	e := res.Executable
	matches := func(p Program) bool {
		root := p.TensorRoot()
		return bytes.Equal(root[:], e.TensorRoot) && p.TraceSize() == e.TraceSize
	}
	var ent modelEntry
	switch {
	case w.cfg.Model != nil && matches(w.cfg.Model):
		ent.prog = w.cfg.Model
	case len(res.File) > 0:
		p, err := w.cfg.Load(res.File)
		switch {
		case err != nil:
			ent.err = fmt.Errorf("model %s stored on chain does not load: %w", modelID, err)
		case !matches(p):
			ent.err = fmt.Errorf("model %s stored on chain does not match its executable record", modelID)
		default:
			ent.prog = p
		}
	default:
		ent.err = fmt.Errorf("model %s is not stored on chain (only its skeleton); give its ONNX file with --model", modelID)
	}
	if ent.err == nil {
		w.log.Info("model ready", logModel, modelID, "trace_size", e.TraceSize, "from_chain", ent.prog != w.cfg.Model)
	}
	w.models[modelID] = ent
	return ent.prog, ent.err
}

// bondOf reads (or recalls, for endpointTTL) the bond of provider, or
// with provider empty the bond that binds receipt key keyID.
func (w *Watcher) bondOf(ctx context.Context, provider, keyID string) (bondEntry, error) {
	key := provider
	if provider == "" {
		key = "key " + keyID
	}
	if e, ok := w.bonds[key]; ok && time.Since(e.at) < endpointTTL {
		return e, nil
	}
	var b types.Bond
	var err error
	if provider != "" {
		var res *types.QueryBondResponse
		if res, err = w.chain.Infer.Bond(ctx, &types.QueryBondRequest{Provider: provider}); err == nil {
			b = res.Bond
		}
	} else {
		var res *types.QueryBondByReceiptKeyResponse
		if res, err = w.chain.Infer.BondByReceiptKey(ctx, &types.QueryBondByReceiptKeyRequest{KeyId: keyID}); err == nil {
			b = res.Bond
		}
	}
	if err != nil && !isNotFound(err) {
		return bondEntry{}, fmt.Errorf("look up the bond of %s: %w", key, err)
	}
	e := bondEntry{provider: b.Provider, endpoint: strings.TrimSuffix(b.Endpoint, "/"), at: time.Now()}
	w.bonds[key] = e
	return e, nil
}

// providerURL is where provider serves inputs: the --provider-url given for
// it, else the one given for every provider, else the endpoint its bond
// records. A receipt's provider (provider empty) is the account whose bond
// binds its key keyID.
func (w *Watcher) providerURL(ctx context.Context, provider, keyID string) (string, error) {
	if provider == "" && keyID != "" {
		b, err := w.bondOf(ctx, "", keyID)
		if err != nil {
			return "", err
		}
		provider = b.provider
	}
	if u := w.cfg.ProviderURLs[provider]; provider != "" && u != "" {
		return u, nil
	}
	if w.cfg.ProviderURL != "" {
		return w.cfg.ProviderURL, nil
	}
	if provider == "" {
		return "", errors.New("no provider URL to fetch inputs from, and the provider is not known")
	}
	b, err := w.bondOf(ctx, provider, "")
	if err != nil {
		return "", err
	}
	if b.endpoint == "" {
		return "", fmt.Errorf("provider %s records no endpoint in its bond, and no --provider-url names it", provider)
	}
	return b.endpoint, nil
}

// fetchInputs asks a provider's HTTP API for inputs and checks their
// digest; the provider is named by address, or for a receipt by its key.
func (w *Watcher) fetchInputs(ctx context.Context, provider, keyID string, digest [32]byte) ([]byte, error) {
	base, err := w.providerURL(ctx, provider, keyID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+PathInputs+DigestText(digest), nil)
	if err != nil {
		return nil, err
	}
	resp, err := w.cfg.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, types.MaxInputBytes+1))
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("provider answered HTTP %d", resp.StatusCode)
	case len(b) > types.MaxInputBytes:
		return nil, fmt.Errorf("provider sent over %d bytes", types.MaxInputBytes)
	case sha256.Sum256(b) != digest:
		return nil, errors.New("provider sent inputs that do not hash to the input digest")
	}
	return b, nil
}

// playDispute makes our due move in one of our disputes.
func (w *Watcher) playDispute(ctx context.Context, job *disputeJob) error {
	res, err := w.chain.Infer.Dispute(ctx, &types.QueryDisputeRequest{DisputeId: job.DisputeID})
	if err != nil {
		return err
	}
	d := &res.Dispute
	if d.Phase == types.DisputePhase_DISPUTE_PHASE_SETTLED {
		w.log.Info("dispute settled", logDispute, d.Id, logClaim, d.ClaimId, "outcome", d.Outcome.String(), "reason", d.Reason)
		w.report(settledEvent(Challenger, d))
		delete(w.st.Disputes, d.Id)
		delete(w.traces, d.Id)
		if err := w.save(); err != nil {
			return err
		}
		if digest, err := ParseDigest(job.InputDigest); err == nil && !w.inputsInUse(job.InputDigest) {
			_ = os.Remove(inputPath(w.cfg.Dir, digest))
		}
		return nil
	}
	prog, err := w.program(ctx, d.ModelId)
	if err != nil {
		return err
	}
	tr, ok := w.traces[d.Id]
	if !ok {
		digest, err := ParseDigest(job.InputDigest)
		if err != nil {
			return err
		}
		inputs, err := loadInputs(w.cfg.Dir, digest)
		if err != nil {
			return fmt.Errorf("the saved inputs of dispute %d: %w", d.Id, err)
		}
		if tr, err = ExecuteEncoded(prog, inputs, digest, false); err != nil {
			return err
		}
		w.traces[d.Id] = tr
	}
	_, err = w.player.play(ctx, prog, d, tr)
	return err
}

// inputsInUse reports whether a check or dispute still needs saved inputs.
func (w *Watcher) inputsInUse(digest string) bool {
	for _, d := range w.st.Disputes {
		if d.InputDigest == digest {
			return true
		}
	}
	for _, c := range w.st.Claims {
		if c.InputDigest == digest && c.Stage == stageChallenging {
			return true
		}
	}
	for _, r := range w.st.Receipts {
		if r.InputDigest == digest && r.Stage == stageChallenging {
			return true
		}
	}
	return false
}
