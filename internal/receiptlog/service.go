package receiptlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"

	"github.com/prova-network/prova/internal/tlog"
)

// Layout under Config.Dir.
const (
	logSubdir   = "log"   // Tessera POSIX storage: checkpoint, tile/...
	stateSubdir = "state" // provider keys and the leaf index side file
)

// Deps are what the service needs from the node.
type Deps struct {
	Logger      *slog.Logger
	ModelStatus ModelStatusFunc
}

// Service is a running receipt log. Its methods are safe for concurrent use.
type Service struct {
	cfg          Config
	log          *slog.Logger
	origin       string
	verifierKey  string
	quotedOrigin []byte

	cancel   context.CancelFunc
	appender *tessera.Appender
	shutdown func(context.Context) error
	reader   tessera.LogReader

	models  *modelCache
	keys    *keyStore
	index   *leafIndex
	tiles   *tileCache
	bundles *bundleCache
	cps     *checkpointWatcher
	limiter *rateLimiter
	submits *submitGate

	appendMu  sync.Mutex // keeps one request's new entries contiguous
	pending   atomic.Int64
	closeOnce sync.Once
	closed    atomic.Bool
	wg        sync.WaitGroup
}

// New opens (or creates) the log in cfg.Dir and starts Tessera. The
// checkpoint key is read from cfg.SignerKeyFile, or generated there (0600)
// on first start.
func New(ctx context.Context, cfg Config, deps Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.ModelStatus == nil {
		return nil, errors.New("receipt log: deps.ModelStatus is nil")
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Join(cfg.Dir, stateSubdir), 0o755); err != nil {
		return nil, fmt.Errorf("receipt log: %w", err)
	}
	signerKey, verifierKey, err := loadOrCreateKey(cfg.signerKeyPath(), cfg.Origin)
	if err != nil {
		return nil, err
	}
	signer, err := note.NewSigner(signerKey)
	if err != nil {
		return nil, fmt.Errorf("receipt log: signer key: %w", err)
	}
	keys, err := openKeyStore(filepath.Join(cfg.Dir, stateSubdir, "keys"))
	if err != nil {
		return nil, err
	}

	// The driver's goroutines live until Close.
	bg, cancel := context.WithCancel(context.Background())
	driver, err := posix.New(bg, posix.Config{Path: filepath.Join(cfg.Dir, logSubdir)})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("receipt log: tessera: %w", err)
	}
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithBatching(cfg.BatchMaxSize, cfg.BatchMaxAge).
		WithCheckpointInterval(cfg.CheckpointInterval).
		WithPushback(uint(cfg.MaxPending))
	appender, shutdown, reader, err := tessera.NewAppender(bg, driver, opts)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("receipt log: tessera: %w", err)
	}
	s := &Service{
		cfg: cfg, log: logger, origin: cfg.Origin, verifierKey: verifierKey, quotedOrigin: quoteJSON(cfg.Origin),
		cancel: cancel, appender: appender, shutdown: shutdown, reader: reader,
		models:  newModelCache(deps.ModelStatus, cfg.ModelCacheTTL),
		keys:    keys,
		tiles:   newTileCache(reader, cfg.TileCacheEntries),
		bundles: newBundleCache(reader, filepath.Join(cfg.Dir, logSubdir), cfg.BundleCacheEntries),
		limiter: newRateLimiter(cfg),
		submits: newSubmitGate(cfg),
	}
	s.cps = newCheckpointWatcher(reader, verifierKey, cfg.CheckpointPoll, cfg.CheckpointHistory, logger)
	if err := s.cps.poll(ctx); err != nil {
		s.abort()
		return nil, err
	}
	size, err := reader.IntegratedSize(ctx)
	if err != nil {
		s.abort()
		return nil, fmt.Errorf("receipt log: integrated size: %w", err)
	}
	if s.index, err = openLeafIndex(ctx, filepath.Join(cfg.Dir, stateSubdir, "leaves"), size, s.bundles); err != nil {
		s.abort()
		return nil, err
	}
	s.wg.Add(1)
	go func() { defer s.wg.Done(); s.cps.run(bg) }()
	logger.Info("receipt log open", "origin", cfg.Origin, "dir", cfg.Dir, "size", size)
	return s, nil
}

func (s *Service) abort() {
	s.cancel()
	if s.index != nil {
		_ = s.index.close()
	}
}

// Close stops taking entries, waits (bounded by ctx inside Tessera's own
// timeout) for everything appended to be in a published checkpoint, and
// stops the log's goroutines.
func (s *Service) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.appendMu.Lock() // no request is between Add calls after this
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = s.shutdown(ctx)
		s.appendMu.Unlock()
		s.cancel()
		s.wg.Wait()
		if e := s.index.close(); err == nil {
			err = e
		}
	})
	return err
}

// Origin is the log ID: the origin line of its checkpoints.
func (s *Service) Origin() string { return s.origin }

// VerifierKey is the note verifier key of the log's checkpoints (public).
func (s *Service) VerifierKey() string { return s.verifierKey }

// LatestCheckpoint returns the latest published signed checkpoint.
func (s *Service) LatestCheckpoint(ctx context.Context) ([]byte, error) {
	st := s.cps.latest()
	if st == nil {
		return nil, fmt.Errorf("%w: no checkpoint published yet", ErrNotFound)
	}
	return st.raw, nil
}

// EnsureKey returns the verifier key of the log that cfg describes,
// creating its signer key file first if the log has never run. Tools that
// print a log's key before starting it (provad dev) use it.
func EnsureKey(cfg Config) (verifier string, err error) {
	_, verifier, err = loadOrCreateKey(cfg.signerKeyPath(), cfg.Origin)
	return verifier, err
}

// loadOrCreateKey reads the signer key file (signer key line, verifier key
// line) or creates it with a new key pair named origin.
func loadOrCreateKey(path, origin string) (signer, verifier string, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		signer, verifier, err = tlog.GenerateKey(origin)
		if err != nil {
			return "", "", fmt.Errorf("receipt log: generate key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", "", fmt.Errorf("receipt log: %w", err)
		}
		if err := writeFileSync(path, []byte(signer+"\n"+verifier+"\n"), 0o600); err != nil {
			return "", "", fmt.Errorf("receipt log: write key: %w", err)
		}
		return signer, verifier, nil
	}
	if err != nil {
		return "", "", fmt.Errorf("receipt log: read key: %w", err)
	}
	lines := strings.Fields(string(b))
	if len(lines) != 2 {
		return "", "", fmt.Errorf("receipt log: key file %s must hold a signer and a verifier key line", path)
	}
	signer, verifier = lines[0], lines[1]
	s, err := note.NewSigner(signer)
	if err != nil {
		return "", "", fmt.Errorf("receipt log: key file %s: %w", path, err)
	}
	v, err := note.NewVerifier(verifier)
	if err != nil || v.KeyHash() != s.KeyHash() || v.Name() != s.Name() {
		return "", "", fmt.Errorf("receipt log: key file %s: verifier key does not match the signer key", path)
	}
	if s.Name() != origin {
		return "", "", fmt.Errorf("receipt log: key file %s is for origin %q, config says %q", path, s.Name(), origin)
	}
	return signer, verifier, nil
}

// writeFileSync writes a file atomically and durably: temp file, fsync,
// rename, fsync of the directory.
func writeFileSync(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
