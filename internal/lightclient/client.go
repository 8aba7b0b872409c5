package lightclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"strings"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	"github.com/cometbft/cometbft/light/store"
	lightdb "github.com/cometbft/cometbft/light/store/db"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"
)

// nodeRPC is the part of the CometBFT RPC client this package uses besides
// the light client's provider. *rpchttp.HTTP implements it.
type nodeRPC interface {
	ABCIQueryWithOptions(ctx context.Context, path string, data cmtbytes.HexBytes,
		opts rpcclient.ABCIQueryOptions) (*coretypes.ResultABCIQuery, error)
	Status(ctx context.Context) (*coretypes.ResultStatus, error)
}

var _ nodeRPC = (*rpchttp.HTTP)(nil)

// Client verifies headers with the CometBFT light client and state with
// ICS23 proofs against those headers. It is safe for concurrent use.
type Client struct {
	cfg   Config
	lc    *light.Client
	rpc   nodeRPC
	log   *slog.Logger
	now   func() time.Time
	close func() error
}

// deps are what New builds from a Config; tests supply their own.
type deps struct {
	primary   provider.Provider
	witnesses []provider.Provider
	rpc       nodeRPC
	store     store.Store
	now       func() time.Time
	close     func() error
}

// New connects to cfg.RPC, establishes the root of trust and returns a
// Client. With TrustHeight/TrustHash it fetches that header and checks its
// hash and signatures; with TrustFromGenesis it trusts the node's header 1
// (dev chains only). Call Close when done.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	node, err := newRPC(cfg.RPC, cfg.RequestTimeout)
	if err != nil {
		return nil, err
	}
	d := deps{
		primary: lighthttp.NewWithClient(cfg.ChainID, node),
		rpc:     node,
		now:     time.Now,
	}
	for _, addr := range cfg.Witnesses {
		w, err := newRPC(addr, cfg.RequestTimeout)
		if err != nil {
			return nil, err
		}
		d.witnesses = append(d.witnesses, lighthttp.NewWithClient(cfg.ChainID, w))
	}
	if len(d.witnesses) == 0 {
		// The CometBFT light client insists on a witness. Without another
		// node the primary witnesses itself: no fork detection (see
		// Config.Witnesses), but every header is still fully verified.
		d.witnesses = []provider.Provider{lighthttp.NewWithClient(cfg.ChainID, node)}
	}

	var db dbm.DB = dbm.NewMemDB()
	if cfg.DataDir != "" {
		if db, err = dbm.NewGoLevelDB("lightclient", cfg.DataDir); err != nil {
			return nil, fmt.Errorf("opening trusted header store in %s: %w", cfg.DataDir, err)
		}
	}
	d.store = lightdb.New(db, cfg.ChainID)
	d.close = db.Close

	c, err := newClient(ctx, cfg, d)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return c, nil
}

func newRPC(addr string, timeout time.Duration) (*rpchttp.HTTP, error) {
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	secs := uint(math.Ceil(timeout.Seconds()))
	node, err := rpchttp.NewWithTimeout(addr, "/websocket", secs)
	if err != nil {
		return nil, fmt.Errorf("%w: rpc address %q: %w", ErrInvalidConfig, addr, err)
	}
	return node, nil
}

func newClient(ctx context.Context, cfg Config, d deps) (*Client, error) {
	logger := cfg.Logger
	if logger == nil {
		logger = discardLogger()
	}
	logger = logger.With(logKeyChainID, cfg.ChainID)
	c := &Client{cfg: cfg, rpc: d.rpc, log: logger, now: d.now, close: d.close}
	if c.close == nil {
		c.close = func() error { return nil }
	}

	trust := light.TrustOptions{Period: cfg.TrustingPeriod, Height: cfg.TrustHeight, Hash: cfg.TrustHash}
	if cfg.TrustFromGenesis {
		lb, err := d.primary.LightBlock(ctx, 1)
		if err != nil {
			return nil, fmt.Errorf("fetching header 1 to trust on first use "+
				"(if the node pruned it, pass --trust-height and --trust-hash instead): %w", c.headerError(1, err))
		}
		trust.Height, trust.Hash = 1, lb.Hash()
		logger.Warn("trusting header 1 as reported by the node (trust on first use); use only on dev chains",
			logKeyHeight, trust.Height, logKeyHash, cmtbytes.HexBytes(trust.Hash).String())
	}

	opts := []light.Option{light.Logger(cmtLogger{logger})}
	var (
		lc  *light.Client
		err error
	)
	stored, serr := d.store.LightBlock(trust.Height)
	switch {
	case serr == nil && !bytes.Equal(stored.Hash(), trust.Hash):
		return nil, fmt.Errorf("%w: the trusted header store holds block %X at height %d, but the root of trust is %X: "+
			"the chain was reset or the trust hash is wrong; remove %s or fix --trust-hash",
			ErrHeaderUnverified, stored.Hash(), trust.Height, trust.Hash, cfg.DataDir)
	case serr == nil:
		// Already verified in an earlier run: resume from the store instead of
		// rolling it back to the trust height.
		lc, err = light.NewClientFromTrustedStore(cfg.ChainID, cfg.TrustingPeriod, d.primary, d.witnesses, d.store, opts...)
	default:
		lc, err = light.NewClient(ctx, cfg.ChainID, trust, d.primary, d.witnesses, d.store, opts...)
	}
	if err != nil {
		return nil, c.headerError(trust.Height, err)
	}
	c.lc = lc
	logger.Debug("light client ready", logKeyHeight, trust.Height, logKeyHash, cmtbytes.HexBytes(trust.Hash).String())
	return c, nil
}

// Close releases the trusted header store.
func (c *Client) Close() error { return c.close() }

// ChainID returns the chain the client follows.
func (c *Client) ChainID() string { return c.cfg.ChainID }

// VerifiedHeader returns the signed header at height after verifying it with
// the light client (or from the trusted store, if verified before). The
// header's AppHash commits to the state after block height-1.
func (c *Client) VerifiedHeader(ctx context.Context, height int64) (*types.SignedHeader, error) {
	if height <= 0 {
		return nil, fmt.Errorf("%w: height must be positive, got %d", ErrHeightNotAvailable, height)
	}
	lb, err := c.lc.VerifyLightBlockAtHeight(ctx, height, c.now())
	if err != nil {
		return nil, c.headerError(height, err)
	}
	return lb.SignedHeader, nil
}

// LatestVerifiedHeight advances the light client to the node's latest block,
// verifying it, and returns the highest verified height.
func (c *Client) LatestVerifiedHeight(ctx context.Context) (int64, error) {
	if _, err := c.lc.Update(ctx, c.now()); err != nil {
		return 0, c.headerError(0, err)
	}
	h, err := c.lc.LastTrustedHeight()
	if err != nil {
		return 0, fmt.Errorf("reading trusted header store: %w", err)
	}
	return h, nil
}

// headerError classifies a light client error.
func (c *Client) headerError(height int64, err error) error {
	var expired light.ErrOldHeaderExpired
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case unreachable(err):
		return fmt.Errorf("%w: %w", ErrNodeUnreachable, err)
	case errors.Is(err, provider.ErrHeightTooHigh), errors.Is(err, provider.ErrLightBlockNotFound):
		return fmt.Errorf("%w: header %d: %w", ErrHeightNotAvailable, height, err)
	case errors.As(err, &expired):
		return fmt.Errorf("%w: the trusted header expired at %s (trusting period %s); "+
			"pass a recent --trust-height and --trust-hash: %w",
			ErrHeaderUnverified, expired.At.Format(time.RFC3339), c.cfg.TrustingPeriod, err)
	default:
		return fmt.Errorf("%w: header %d: %w", ErrHeaderUnverified, height, err)
	}
}

// unreachable reports whether err is a transport failure rather than an
// answer: the RPC client wraps net/http errors with %w.
func unreachable(err error) bool {
	var urlErr *url.Error
	var opErr *net.OpError
	return errors.Is(err, provider.ErrNoResponse) || errors.As(err, &urlErr) || errors.As(err, &opErr)
}

// waitVerifiedHeader returns the verified header at height, first waiting
// (at most cfg.NextBlockTimeout) for the chain to produce it.
func (c *Client) waitVerifiedHeader(ctx context.Context, height int64) (*types.SignedHeader, error) {
	if lb, err := c.lc.TrustedLightBlock(height); err == nil {
		return lb.SignedHeader, nil
	}
	wctx, cancel := context.WithTimeout(ctx, c.cfg.NextBlockTimeout)
	defer cancel()
	var latest int64
	for {
		st, err := c.rpc.Status(wctx)
		if err == nil {
			latest = st.SyncInfo.LatestBlockHeight
			if latest >= height {
				break
			}
		} else {
			c.log.Debug("polling node status", "err", err)
		}
		c.log.Debug("waiting for block", logKeyHeight, height, "latest", latest)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-wctx.Done():
			return nil, fmt.Errorf("%w: waited %s for block %d, node is at %d",
				ErrHeightNotAvailable, c.cfg.NextBlockTimeout, height, latest)
		case <-time.After(c.cfg.PollInterval):
		}
	}
	return c.VerifiedHeader(ctx, height)
}
