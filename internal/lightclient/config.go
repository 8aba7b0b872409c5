package lightclient

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cometbft/cometbft/crypto/tmhash"
)

// Defaults used by DefaultConfig.
const (
	// DefaultRPC is the CometBFT RPC address of a local node.
	DefaultRPC = "http://127.0.0.1:26657"
	// DefaultTrustingPeriod is two thirds of the SDK's default 21-day
	// unbonding period, the usual choice: a header older than this can no
	// longer be trusted because its validators may have unbonded.
	DefaultTrustingPeriod = 14 * 24 * time.Hour
	// DefaultRequestTimeout bounds each RPC request.
	DefaultRequestTimeout = 10 * time.Second
	// DefaultNextBlockTimeout bounds the wait for header H+1 when a query at
	// height H needs it and the chain has not produced it yet.
	DefaultNextBlockTimeout = 30 * time.Second
	// DefaultPollInterval is how often the node is asked for its height
	// while waiting for the next block.
	DefaultPollInterval = 250 * time.Millisecond
)

// Config says which chain to follow, where to ask, and what to trust.
//
// Exactly one root of trust must be set: TrustHeight with TrustHash (obtained
// from a source you trust, e.g. a validator operator or a block explorer you
// control), or TrustFromGenesis for a dev chain.
type Config struct {
	// ChainID is the chain to follow; headers of any other chain are rejected.
	ChainID string
	// RPC is the primary CometBFT RPC address, e.g. http://127.0.0.1:26657.
	RPC string
	// Witnesses are further RPC addresses that cross-check the primary's
	// headers (fork detection). When empty the primary is its own witness,
	// which gives no fork detection: fine for a single-node dev chain, not
	// for a network you do not run.
	Witnesses []string

	// TrustHeight and TrustHash name the header the light client trusts
	// without verification (--trust-height, --trust-hash).
	TrustHeight int64
	TrustHash   []byte
	// TrustFromGenesis trusts header 1 exactly as the node reports it: trust
	// on first use. Anyone controlling the node (or the network path to it)
	// can then feed a fake chain. Use it for local dev chains only.
	TrustFromGenesis bool
	// TrustingPeriod is how long a trusted header stays usable as a root of
	// trust; it must be shorter than the chain's unbonding period.
	TrustingPeriod time.Duration

	// DataDir, when set, keeps verified headers in a database under this
	// directory so later runs start from them instead of the trust options.
	// When empty the trusted store lives in memory for this process only.
	DataDir string

	// RequestTimeout bounds each RPC request.
	RequestTimeout time.Duration
	// NextBlockTimeout bounds the wait for header H+1 in VerifyABCIQuery.
	NextBlockTimeout time.Duration
	// PollInterval is how often the node's height is polled while waiting.
	PollInterval time.Duration

	// Logger receives the light client's progress; nil discards it.
	Logger *slog.Logger
}

// DefaultConfig returns a Config for a local node with default timeouts and
// trusting period. ChainID and a root of trust must still be set.
func DefaultConfig() Config {
	return Config{
		RPC:              DefaultRPC,
		TrustingPeriod:   DefaultTrustingPeriod,
		RequestTimeout:   DefaultRequestTimeout,
		NextBlockTimeout: DefaultNextBlockTimeout,
		PollInterval:     DefaultPollInterval,
	}
}

// Validate reports the first problem with c, wrapped in ErrInvalidConfig.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	switch {
	case c.ChainID == "":
		return bad("chain id is empty; pass --chain-id")
	case c.RPC == "":
		return bad("rpc address is empty; pass --node")
	case c.TrustingPeriod <= 0:
		return bad("trusting period must be positive")
	case c.RequestTimeout <= 0 || c.NextBlockTimeout <= 0 || c.PollInterval <= 0:
		return bad("timeouts and poll interval must be positive")
	}
	explicit := c.TrustHeight != 0 || len(c.TrustHash) != 0
	switch {
	case explicit && c.TrustFromGenesis:
		return bad("both a trusted height/hash and trust-from-genesis are set; choose one")
	case !explicit && !c.TrustFromGenesis:
		return bad("no root of trust; pass --trust-height and --trust-hash (or, on a dev chain only, trust from genesis)")
	case explicit && c.TrustHeight <= 0:
		return bad("trusted height must be positive; pass --trust-height with --trust-hash")
	case explicit && len(c.TrustHash) != tmhash.Size:
		return bad("trusted hash must be %d bytes, got %d; pass the block hash as hex with --trust-hash", tmhash.Size, len(c.TrustHash))
	}
	return nil
}

// ParseHash decodes a block hash given as hex (upper or lower case, with or
// without a 0x prefix), as printed by `provad q block` or a block explorer.
func ParseHash(s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: hash is not hex: %w", ErrInvalidConfig, err)
	}
	if len(b) != tmhash.Size {
		return nil, fmt.Errorf("%w: hash must be %d bytes (%d hex digits), got %d bytes",
			ErrInvalidConfig, tmhash.Size, 2*tmhash.Size, len(b))
	}
	return b, nil
}
