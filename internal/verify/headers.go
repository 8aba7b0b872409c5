package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	cmtmath "github.com/cometbft/cometbft/libs/math"
	"github.com/cometbft/cometbft/types"
)

// Header verification follows CometBFT's light client protocol (the
// "skipping" verification of its light package) on top of the commit
// checks in cometbft/types, which, unlike the light package, build for
// WebAssembly. TestDifferentialLightClient pins the two together: on the
// same chains, honest and forged, they accept and reject the same headers.

// Defaults of [Headers].
const (
	// DefaultTrustingPeriod is two thirds of the SDK's default 21-day
	// unbonding period: a header older than this can no longer be trusted,
	// because its validators may have unbonded.
	DefaultTrustingPeriod = 14 * 24 * time.Hour
	// DefaultMaxClockDrift is how far in the future a header's time may be.
	DefaultMaxClockDrift = 10 * time.Second
)

// DefaultTrustLevel is the share of the trusted validator set's power that
// must sign a header more than one block ahead: 1/3, as in CometBFT.
var DefaultTrustLevel = cmtmath.Fraction{Numerator: 1, Denominator: 3}

// Source fetches light blocks (a signed header and its validator set) from
// an untrusted node. Height 0 asks for the latest. A browser implements it
// with fetch() over CometBFT's /commit and /validators, the CLI over the
// RPC client.
type Source interface {
	LightBlock(ctx context.Context, height int64) (*types.LightBlock, error)
}

// errCannotTrust is VerifyLightBlock's "trusted validators signed less than
// the trust level": not a forgery, the gap is too wide; bisect.
type errCannotTrust struct{ err error }

func (e errCannotTrust) Error() string { return e.err.Error() }
func (e errCannotTrust) Unwrap() error { return ErrHeaderUnverified }

// VerifyLightBlock checks untrusted against trusted, both of chainID:
// adjacent headers by the trusted header's next-validators hash and a +2/3
// commit, non-adjacent ones by trustLevel of the trusted validators'
// power and a +2/3 commit of the new set. The trusted header must not have
// expired (trustingPeriod before now) and the new one must not be from
// the future (beyond maxClockDrift). Errors wrap ErrHeaderUnverified or
// ErrHeaderExpired.
func VerifyLightBlock(chainID string, trusted, untrusted *types.LightBlock, trustingPeriod time.Duration,
	now time.Time, maxClockDrift time.Duration, trustLevel cmtmath.Fraction,
) error {
	if untrusted == nil || untrusted.SignedHeader == nil || untrusted.ValidatorSet == nil {
		return fmt.Errorf("%w: empty light block", ErrHeaderUnverified)
	}
	if err := untrusted.ValidateBasic(chainID); err != nil {
		return fmt.Errorf("%w: header %d: %w", ErrHeaderUnverified, untrusted.Height, err)
	}
	th, uh := trusted.SignedHeader, untrusted.SignedHeader
	if !th.Time.Add(trustingPeriod).After(now) {
		return fmt.Errorf("%w: header %d expired at %s (trusting period %s)", ErrHeaderExpired,
			th.Height, th.Time.Add(trustingPeriod).Format(time.RFC3339), trustingPeriod)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: header %d: "+format, append([]any{ErrHeaderUnverified, uh.Height}, args...)...)
	}
	switch {
	case uh.Height <= th.Height:
		return bad("not above the trusted height %d", th.Height)
	case !uh.Time.After(th.Time):
		return bad("time %s is not after the trusted header's %s", uh.Time, th.Time)
	case !uh.Time.Before(now.Add(maxClockDrift)):
		return bad("time %s is in the future (now %s, max clock drift %s)", uh.Time, now, maxClockDrift)
	case !bytes.Equal(uh.ValidatorsHash, untrusted.ValidatorSet.Hash()):
		return bad("validators hash %X does not match the validator set supplied (%X)", uh.ValidatorsHash, untrusted.ValidatorSet.Hash())
	}
	if uh.Height == th.Height+1 {
		if !bytes.Equal(uh.ValidatorsHash, th.NextValidatorsHash) {
			return bad("validators %X are not the trusted header's next validators %X", uh.ValidatorsHash, th.NextValidatorsHash)
		}
		if err := untrusted.ValidatorSet.VerifyCommitLight(chainID, uh.Commit.BlockID, uh.Height, uh.Commit); err != nil {
			return bad("%w", err)
		}
		return nil
	}
	cache := types.NewSignatureCache()
	if err := trusted.ValidatorSet.VerifyCommitLightTrustingWithCache(chainID, uh.Commit, trustLevel, cache); err != nil {
		var notEnough types.ErrNotEnoughVotingPowerSigned
		if errors.As(err, &notEnough) {
			return errCannotTrust{bad("trusted validators signed too little: %w", err)}
		}
		return bad("%w", err)
	}
	if err := untrusted.ValidatorSet.VerifyCommitLightWithCache(chainID, uh.Commit.BlockID, uh.Height, uh.Commit, cache); err != nil {
		return bad("%w", err)
	}
	return nil
}

// verifyBackwards checks that older is the block trusted names as its
// predecessor.
func verifyBackwards(chainID string, older *types.LightBlock, trusted *types.SignedHeader) error {
	if older == nil || older.SignedHeader == nil || older.Header == nil {
		return fmt.Errorf("%w: empty light block", ErrHeaderUnverified)
	}
	if err := older.Header.ValidateBasic(); err != nil {
		return fmt.Errorf("%w: header %d: %w", ErrHeaderUnverified, older.Height, err)
	}
	switch {
	case older.ChainID != chainID:
		return fmt.Errorf("%w: header %d belongs to chain %q", ErrHeaderUnverified, older.Height, older.ChainID)
	case !older.Time.Before(trusted.Time):
		return fmt.Errorf("%w: header %d time %s is not before %s", ErrHeaderUnverified, older.Height, older.Time, trusted.Time)
	case !bytes.Equal(older.Header.Hash(), trusted.LastBlockID.Hash):
		return fmt.Errorf("%w: header %d hash %X is not header %d's last block %X", ErrHeaderUnverified,
			older.Height, older.Header.Hash(), trusted.Height, trusted.LastBlockID.Hash)
	}
	return nil
}

// TrustRoot is where trust starts: a header height and hash obtained from a
// source the user trusts.
type TrustRoot struct {
	Height int64
	Hash   []byte
}

// HeadersConfig configures [Headers]; zero fields take the defaults.
type HeadersConfig struct {
	ChainID        string
	Root           TrustRoot
	TrustingPeriod time.Duration
	MaxClockDrift  time.Duration
	TrustLevel     cmtmath.Fraction
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Headers verifies headers fetched from a Source, starting from a trust
// root, and remembers what it verified (in memory). It is safe for
// concurrent use.
type Headers struct {
	cfg HeadersConfig
	src Source

	mu      sync.Mutex
	trusted map[int64]*types.LightBlock
}

// NewHeaders fetches the trust root's light block from src and checks its
// hash; every later header is verified from it.
func NewHeaders(ctx context.Context, cfg HeadersConfig, src Source) (*Headers, error) {
	if cfg.ChainID == "" {
		return nil, fmt.Errorf("%w: no chain id", ErrBadRequest)
	}
	if cfg.Root.Height <= 0 || len(cfg.Root.Hash) == 0 {
		return nil, fmt.Errorf("%w: no trusted height and hash", ErrBadRequest)
	}
	if cfg.TrustingPeriod == 0 {
		cfg.TrustingPeriod = DefaultTrustingPeriod
	}
	if cfg.MaxClockDrift == 0 {
		cfg.MaxClockDrift = DefaultMaxClockDrift
	}
	if cfg.TrustLevel.Denominator == 0 {
		cfg.TrustLevel = DefaultTrustLevel
	}
	if l := cfg.TrustLevel; l.Numerator*3 < l.Denominator || l.Numerator > l.Denominator {
		return nil, fmt.Errorf("%w: trust level %v is outside [1/3, 1]", ErrBadRequest, l)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lb, err := src.LightBlock(ctx, cfg.Root.Height)
	if err != nil {
		return nil, fmt.Errorf("fetch trusted header %d: %w", cfg.Root.Height, err)
	}
	if lb == nil {
		return nil, fmt.Errorf("%w: the node sent an empty light block for height %d", ErrHeaderUnverified, cfg.Root.Height)
	}
	if err := lb.ValidateBasic(cfg.ChainID); err != nil {
		return nil, fmt.Errorf("%w: trusted header %d: %w", ErrHeaderUnverified, cfg.Root.Height, err)
	}
	if lb.Height != cfg.Root.Height || !bytes.Equal(lb.Hash(), cfg.Root.Hash) {
		return nil, fmt.Errorf("%w: the node's header %d has hash %X, the trusted hash is %X", ErrHeaderUnverified,
			lb.Height, lb.Hash(), cfg.Root.Hash)
	}
	if !lb.Time.Add(cfg.TrustingPeriod).After(cfg.Now()) {
		return nil, fmt.Errorf("%w: header %d is from %s", ErrHeaderExpired, lb.Height, lb.Time.Format(time.RFC3339))
	}
	return &Headers{cfg: cfg, src: src, trusted: map[int64]*types.LightBlock{lb.Height: lb}}, nil
}

// ChainID returns the chain the headers belong to.
func (h *Headers) ChainID() string { return h.cfg.ChainID }

// VerifiedHeader returns the header at height (0: the source's latest)
// once it is verified from the trust root.
func (h *Headers) VerifiedHeader(ctx context.Context, height int64) (*types.SignedHeader, error) {
	lb, err := h.VerifyLightBlockAt(ctx, height)
	if err != nil {
		return nil, err
	}
	return lb.SignedHeader, nil
}

// VerifyLightBlockAt returns the light block at height (0: latest) once
// verified: forwards by skipping verification with bisection from the
// nearest trusted block below it, backwards by the hash chain from the
// nearest trusted block above it.
func (h *Headers) VerifyLightBlockAt(ctx context.Context, height int64) (*types.LightBlock, error) {
	if height < 0 {
		return nil, fmt.Errorf("%w: height %d", ErrBadRequest, height)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if lb, ok := h.trusted[height]; ok {
		return lb, nil
	}
	target, err := h.src.LightBlock(ctx, height)
	if err != nil {
		return nil, fmt.Errorf("fetch header %d: %w", height, err)
	}
	if target == nil || target.SignedHeader == nil || target.Header == nil || target.ValidatorSet == nil {
		return nil, fmt.Errorf("%w: the node sent an empty light block for height %d", ErrHeaderUnverified, height)
	}
	if height != 0 && target.Height != height {
		return nil, fmt.Errorf("%w: asked for header %d, got %d", ErrHeaderUnverified, height, target.Height)
	}
	if lb, ok := h.trusted[target.Height]; ok {
		if !bytes.Equal(lb.Hash(), target.Hash()) {
			return nil, fmt.Errorf("%w: header %d differs from the one verified before", ErrHeaderUnverified, target.Height)
		}
		return lb, nil
	}
	below, above := h.neighbours(target.Height)
	now := h.cfg.Now()
	if below != nil {
		if err := h.verifySkipping(ctx, below, target, now); err != nil {
			return nil, err
		}
		return target, nil
	}
	// Below every trusted header: walk the hash chain down from above.
	cur := above
	for cur.Height > target.Height+1 {
		prev, err := h.src.LightBlock(ctx, cur.Height-1)
		if err != nil {
			return nil, fmt.Errorf("fetch header %d: %w", cur.Height-1, err)
		}
		if err := verifyBackwards(h.cfg.ChainID, prev, cur.SignedHeader); err != nil {
			return nil, err
		}
		cur = prev
	}
	if err := verifyBackwards(h.cfg.ChainID, target, cur.SignedHeader); err != nil {
		return nil, err
	}
	if err := target.ValidateBasic(h.cfg.ChainID); err != nil {
		return nil, fmt.Errorf("%w: header %d: %w", ErrHeaderUnverified, target.Height, err)
	}
	h.trusted[target.Height] = target
	return target, nil
}

// neighbours returns the highest trusted block below height and the lowest
// above it.
func (h *Headers) neighbours(height int64) (below, above *types.LightBlock) {
	heights := make([]int64, 0, len(h.trusted))
	for k := range h.trusted {
		heights = append(heights, k)
	}
	sort.Slice(heights, func(i, j int) bool { return heights[i] < heights[j] })
	for _, k := range heights {
		if k < height {
			below = h.trusted[k]
		} else if above == nil {
			above = h.trusted[k]
		}
	}
	return below, above
}

// verifySkipping verifies target from trusted, bisecting while the trusted
// validators' signatures on the block being tried fall below the trust
// level, as CometBFT's light client does; every block it verifies on the
// way is remembered.
func (h *Headers) verifySkipping(ctx context.Context, trusted, target *types.LightBlock, now time.Time) error {
	pending := []*types.LightBlock{target}
	for {
		next := pending[len(pending)-1]
		err := VerifyLightBlock(h.cfg.ChainID, trusted, next, h.cfg.TrustingPeriod, now, h.cfg.MaxClockDrift, h.cfg.TrustLevel)
		var cannot errCannotTrust
		switch {
		case err == nil:
			h.trusted[next.Height] = next
			if next == target {
				return nil
			}
			trusted = next
			pending = pending[:len(pending)-1]
		case errors.As(err, &cannot):
			pivot := trusted.Height + (next.Height-trusted.Height)/2
			if pivot == trusted.Height {
				return err
			}
			lb, ferr := h.src.LightBlock(ctx, pivot)
			if ferr != nil {
				return fmt.Errorf("%w (fetching header %d to bisect: %v)", err, pivot, ferr)
			}
			if lb == nil || lb.SignedHeader == nil || lb.Header == nil {
				return fmt.Errorf("%w: the node sent an empty light block for height %d", ErrHeaderUnverified, pivot)
			}
			if lb.Height != pivot {
				return fmt.Errorf("%w: asked for header %d, got %d", ErrHeaderUnverified, pivot, lb.Height)
			}
			pending = append(pending, lb)
		default:
			return err
		}
	}
}
