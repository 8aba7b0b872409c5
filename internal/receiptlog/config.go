package receiptlog

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"
)

// Defaults. The batching and checkpoint figures are chosen so that an entry
// waits at most DefaultBatchMaxAge to be sequenced and DefaultCheckpointInterval
// more to be in a published checkpoint: p99 submit→checkpoint stays under
// one second with room for fsyncs.
const (
	// DefaultListen is the service's address. 1318 sits next to the SDK's
	// REST port 1317 and clashes with none of the SDK or CometBFT defaults
	// (1317, 9090, 26656, 26657, 26658, 26660).
	DefaultListen = "127.0.0.1:1318"
	// DefaultOrigin names the log in its checkpoints (C2SP origin line).
	DefaultOrigin = "prova.local/receipts"
	// DefaultSignerKeyFile is the checkpoint signer key, relative to Dir.
	DefaultSignerKeyFile = "signer.key"
	// DefaultMaxRequestBytes caps a request body: a full batch
	// (receipt.MaxBatchBytes) plus keys and framing.
	DefaultMaxRequestBytes = 17 << 20
	// DefaultMaxEntries caps the receipts in one request.
	DefaultMaxEntries = 4096
	// DefaultRatePerSecond and DefaultRateBurst limit requests per client
	// address (token bucket).
	DefaultRatePerSecond = 200
	DefaultRateBurst     = 400
	// DefaultBatchMaxSize and DefaultBatchMaxAge bound Tessera's sequencing
	// batches: large batches amortise the fsyncs of a sequencing round.
	DefaultBatchMaxSize = 16384
	DefaultBatchMaxAge  = 100 * time.Millisecond
	// DefaultCheckpointInterval is how often Tessera publishes a checkpoint
	// while the log grows (its minimum is 100ms). It matches
	// DefaultBatchMaxAge: Tessera skips a publication requested (after each
	// sequenced batch) sooner than this after the last one and then waits a
	// whole interval, so 200ms left most batches waiting 200 to 400ms for a
	// checkpoint; at 100ms receiptbench (16 connections, batches of 1,000)
	// measured p50 ~210ms instead of ~340ms and ~1.6 times the receipts
	// per second.
	DefaultCheckpointInterval = 100 * time.Millisecond
	// DefaultCheckpointPoll is how often the service reads the published
	// checkpoint to release waiting requests.
	DefaultCheckpointPoll = 10 * time.Millisecond
	// DefaultAnchorInterval is how often RunAnchorer looks for a new
	// checkpoint to put on chain.
	DefaultAnchorInterval = 5 * time.Second
	// DefaultMaxPending caps receipts accepted but not yet durable; beyond
	// it requests are refused with 503 before anything is appended.
	DefaultMaxPending = 200_000
	// DefaultModelCacheTTL is how long a model lookup is reused.
	DefaultModelCacheTTL = 5 * time.Second
	// DefaultTileCacheEntries bounds cached hash tiles (~16 KiB each).
	DefaultTileCacheEntries = 4096
	// DefaultBundleCacheEntries bounds the entry bundles whose entry
	// offsets are cached (~1 KiB each): 65,536 bundles cover 16M entries.
	DefaultBundleCacheEntries = 1 << 16
	// DefaultCheckpointHistory is how many recent checkpoints are kept in
	// memory to serve proofs at an older tree size.
	DefaultCheckpointHistory = 4096

	// DefaultMaxSubmits caps submit requests in flight (being read,
	// checked or waiting to be durable); more are refused with 503 at once
	// rather than queued. receiptbench runs 16 connections; each request
	// holds its slot through the ~200ms wait for a checkpoint.
	DefaultMaxSubmits = 128
	// DefaultMaxSubmitBytes caps the request bodies held by submits in
	// flight, counted as their buffers grow, so that a flood of large
	// bodies costs at most about this much memory plus the same again in
	// decoding and garbage; a request that would pass it is refused with
	// 503. It admits three full-size requests at once.
	DefaultMaxSubmitBytes = 3 * DefaultMaxRequestBytes
	// DefaultRateClients bounds the rate limiter's table of client
	// buckets. Only buckets idle long enough to have refilled are evicted;
	// past the bound, new clients share one bucket (see rateLimiter).
	DefaultRateClients = 1 << 16

	// HTTP server defaults (NewHTTPServer, Listen). ReadTimeout covers a
	// whole request, body included: 60s lets a full-size body
	// (DefaultMaxRequestBytes) through at ~300 KB/s while a stalled one
	// is cut off. WriteTimeout runs from the end of the headers to the
	// end of the answer, so it covers the body, the checks and the wait
	// for a checkpoint as well.
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 90 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	// DefaultMaxHeaderBytes caps request headers (net/http's own default is
	// 1 MiB; the API needs a few hundred bytes).
	DefaultMaxHeaderBytes = 64 << 10
	// DefaultMaxConns caps open connections (idle keep-alives included);
	// beyond it new connections wait in the kernel's accept queue.
	DefaultMaxConns = 1024
)

// Config configures a Service. Read it from app.toml in the wiring layer.
type Config struct {
	Dir                string        // log directory (Tessera POSIX layout plus .receiptlog)
	Listen             string        // host:port of the HTTP API
	Origin             string        // log origin; also the checkpoint key's name
	SignerKeyFile      string        // note signer key; relative paths are under Dir
	MaxRequestBytes    int64         // request body cap
	MaxEntries         int           // receipts per request cap
	RatePerSecond      float64       // requests per second per client address; 0 disables
	RateBurst          int           // token bucket size
	BatchMaxSize       uint          // Tessera sequencing batch size
	BatchMaxAge        time.Duration // Tessera sequencing batch age
	CheckpointInterval time.Duration // Tessera checkpoint publication interval
	CheckpointPoll     time.Duration // how often the published checkpoint is read
	AnchorInterval     time.Duration // RunAnchorer's default interval
	MaxPending         int           // receipts in flight before 503
	ModelCacheTTL      time.Duration // model status cache lifetime
	TileCacheEntries   int           // tile cache bound
	BundleCacheEntries int           // entry bundle cache bound
	CheckpointHistory  int           // recent checkpoints kept for proofs at a size
	MaxSubmits         int           // submit requests in flight before 503
	MaxSubmitBytes     int64         // their request bodies' bytes before 503
	RateClients        int           // rate limiter table bound
	// TrustedProxyHeader names a header (e.g. "X-Forwarded-For") set by a
	// reverse proxy in front of the log; the rate limiter then keys
	// clients by the right-most address in it. Empty: headers are ignored
	// and clients are keyed by the connection's address.
	TrustedProxyHeader string

	// HTTP server settings, used by NewHTTPServer and Listen.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	MaxConns          int // open connections; 0 means no cap
}

// DefaultConfig returns the defaults for a log in dir.
func DefaultConfig(dir string) Config {
	return Config{
		Dir:                dir,
		Listen:             DefaultListen,
		Origin:             DefaultOrigin,
		SignerKeyFile:      DefaultSignerKeyFile,
		MaxRequestBytes:    DefaultMaxRequestBytes,
		MaxEntries:         DefaultMaxEntries,
		RatePerSecond:      DefaultRatePerSecond,
		RateBurst:          DefaultRateBurst,
		BatchMaxSize:       DefaultBatchMaxSize,
		BatchMaxAge:        DefaultBatchMaxAge,
		CheckpointInterval: DefaultCheckpointInterval,
		CheckpointPoll:     DefaultCheckpointPoll,
		AnchorInterval:     DefaultAnchorInterval,
		MaxPending:         DefaultMaxPending,
		ModelCacheTTL:      DefaultModelCacheTTL,
		TileCacheEntries:   DefaultTileCacheEntries,
		BundleCacheEntries: DefaultBundleCacheEntries,
		CheckpointHistory:  DefaultCheckpointHistory,
		MaxSubmits:         DefaultMaxSubmits,
		MaxSubmitBytes:     DefaultMaxSubmitBytes,
		RateClients:        DefaultRateClients,
		ReadHeaderTimeout:  DefaultReadHeaderTimeout,
		ReadTimeout:        DefaultReadTimeout,
		WriteTimeout:       DefaultWriteTimeout,
		IdleTimeout:        DefaultIdleTimeout,
		MaxHeaderBytes:     DefaultMaxHeaderBytes,
		MaxConns:           DefaultMaxConns,
	}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Dir == "" {
		bad("receipt log: dir is empty")
	}
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			bad("receipt log: listen %q is not host:port: %v", c.Listen, err)
		}
	}
	if c.Origin == "" || strings.ContainsAny(c.Origin, "+ \t\r\n") {
		bad("receipt log: origin %q must be non-empty with no '+' or whitespace", c.Origin)
	}
	if c.SignerKeyFile == "" {
		bad("receipt log: signer key file is empty")
	}
	if c.MaxRequestBytes < 1<<10 {
		bad("receipt log: max request bytes %d is below 1 KiB", c.MaxRequestBytes)
	}
	if c.MaxEntries < 1 || c.MaxEntries > 1<<20 {
		bad("receipt log: max entries %d must be 1 to %d", c.MaxEntries, 1<<20)
	}
	if c.RatePerSecond < 0 || (c.RatePerSecond > 0 && c.RateBurst < 1) {
		bad("receipt log: rate %v/s with burst %d: rate must be >= 0 and burst >= 1 when limited", c.RatePerSecond, c.RateBurst)
	}
	if c.BatchMaxSize < 1 {
		bad("receipt log: batch max size must be at least 1")
	}
	if c.BatchMaxAge <= 0 || c.BatchMaxAge > time.Second {
		bad("receipt log: batch max age %v must be in (0, 1s]", c.BatchMaxAge)
	}
	if c.CheckpointInterval < 100*time.Millisecond || c.CheckpointInterval > time.Minute {
		bad("receipt log: checkpoint interval %v must be 100ms to 1m (Tessera's minimum is 100ms)", c.CheckpointInterval)
	}
	if c.CheckpointPoll <= 0 || c.CheckpointPoll > c.CheckpointInterval {
		bad("receipt log: checkpoint poll %v must be positive and at most the checkpoint interval", c.CheckpointPoll)
	}
	if c.AnchorInterval <= 0 {
		bad("receipt log: anchor interval must be positive")
	}
	if c.MaxPending < c.MaxEntries {
		bad("receipt log: max pending %d is below max entries %d", c.MaxPending, c.MaxEntries)
	}
	if c.ModelCacheTTL < 0 {
		bad("receipt log: model cache ttl is negative")
	}
	if c.TileCacheEntries < 16 || c.BundleCacheEntries < 2 || c.CheckpointHistory < 1 {
		bad("receipt log: caches need at least 16 tiles, 2 bundles and 1 checkpoint")
	}
	if c.MaxSubmits < 1 {
		bad("receipt log: max submits %d must be at least 1", c.MaxSubmits)
	}
	if c.MaxSubmitBytes < c.MaxRequestBytes {
		bad("receipt log: max submit bytes %d is below max request bytes %d", c.MaxSubmitBytes, c.MaxRequestBytes)
	}
	if c.RateClients < 1 {
		bad("receipt log: rate clients %d must be at least 1", c.RateClients)
	}
	if c.TrustedProxyHeader != "" && !validHeaderName(c.TrustedProxyHeader) {
		bad("receipt log: trusted proxy header %q is not a header name", c.TrustedProxyHeader)
	}
	if c.ReadHeaderTimeout < 0 || c.ReadTimeout < 0 || c.WriteTimeout < 0 || c.IdleTimeout < 0 {
		bad("receipt log: http timeouts must not be negative")
	}
	if c.MaxHeaderBytes < 0 || c.MaxConns < 0 {
		bad("receipt log: max header bytes and max connections must not be negative")
	}
	return errors.Join(errs...)
}

// validHeaderName reports whether s is an HTTP token (RFC 9110 5.1).
func validHeaderName(s string) bool {
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
}

func (c Config) signerKeyPath() string {
	if filepath.IsAbs(c.SignerKeyFile) {
		return c.SignerKeyFile
	}
	return filepath.Join(c.Dir, c.SignerKeyFile)
}
