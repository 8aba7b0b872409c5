package types

import (
	"errors"
	"fmt"
	"math/bits"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// maxBlocks bounds every duration parameter, so that height arithmetic
// never overflows.
const maxBlocks = 1 << 32

// DefaultParams: providers bond at least 10 PROVA and each party of a
// dispute stakes 5 PROVA, a fifth of a lost stake is burned; claims are
// open to challenge for 100 blocks, logged receipts for 1000 after their
// anchoring (a log anchors when its operator chooses, and a watcher reads
// receipts from the log, so they get ten claim windows), moves and input
// requests are due within 20 blocks, unbonding takes 200; models up to
// 1 MiB are stored and those up to 20 million multiply-accumulates can be
// run on chain at one gas each.
func DefaultParams() Params {
	return Params{
		MinBond:               sdk.NewInt64Coin(sdk.DefaultBondDenom, 10_000_000),
		DisputeStake:          sdk.NewInt64Coin(sdk.DefaultBondDenom, 5_000_000),
		BurnShare:             sdkmath.LegacyNewDecWithPrec(2, 1),
		ChallengeWindowBlocks: 100,
		UnbondingBlocks:       200,
		MoveTimeoutBlocks:     20,
		InputTimeoutBlocks:    20,
		MaxModelBytes:         1 << 20,
		MaxRunCost:            20_000_000,
		GasPerMac:             1,
		MaxInputBytes:         1 << 20,
		ReceiptWindowBlocks:   1000,
	}
}

// Validate checks the parameters.
func (p Params) Validate() error {
	if err := p.MinBond.Validate(); err != nil || !p.MinBond.IsPositive() {
		return fmt.Errorf("min bond %s must be a positive coin", p.MinBond)
	}
	if err := p.DisputeStake.Validate(); err != nil || !p.DisputeStake.IsPositive() {
		return fmt.Errorf("dispute stake %s must be a positive coin", p.DisputeStake)
	}
	if p.DisputeStake.Denom != p.MinBond.Denom {
		return fmt.Errorf("dispute stake %s must be in the bond denom %s", p.DisputeStake, p.MinBond.Denom)
	}
	if p.DisputeStake.Amount.GT(p.MinBond.Amount) {
		return fmt.Errorf("dispute stake %s exceeds the min bond %s: a claim's bond must cover one dispute", p.DisputeStake, p.MinBond)
	}
	if p.BurnShare.IsNil() || p.BurnShare.IsNegative() || p.BurnShare.GT(sdkmath.LegacyOneDec()) {
		return errors.New("burn share must be in [0, 1]")
	}
	for _, d := range []struct {
		name string
		v    uint64
	}{
		{"challenge window", p.ChallengeWindowBlocks}, {"unbonding", p.UnbondingBlocks},
		{"move timeout", p.MoveTimeoutBlocks}, {"input timeout", p.InputTimeoutBlocks},
	} {
		if d.v == 0 || d.v > maxBlocks {
			return fmt.Errorf("%s blocks must be 1 to %d", d.name, uint64(maxBlocks))
		}
	}
	// A claim takes challenges until its window ends, or, when its input
	// was requested at the window's end, until input_timeout after the
	// answer, itself due input_timeout after the request. Unbonded amounts
	// stay slashable over all of that.
	if p.UnbondingBlocks <= p.ChallengeWindowBlocks+2*p.InputTimeoutBlocks {
		return fmt.Errorf("unbonding blocks %d must exceed the challenge window %d plus twice the input timeout %d",
			p.UnbondingBlocks, p.ChallengeWindowBlocks, p.InputTimeoutBlocks)
	}
	// 0 is allowed: receipts then stay open while their provider has stake.
	if p.ReceiptWindowBlocks > maxBlocks {
		return fmt.Errorf("receipt window blocks must be 0 (no limit) to %d", uint64(maxBlocks))
	}
	if p.MaxModelBytes == 0 || p.MaxModelBytes > MaxModelBytes {
		return fmt.Errorf("max model bytes must be 1 to %d", MaxModelBytes)
	}
	if p.MaxInputBytes == 0 || p.MaxInputBytes > MaxInputBytes {
		return fmt.Errorf("max input bytes must be 1 to %d", MaxInputBytes)
	}
	if p.GasPerMac == 0 {
		return errors.New("gas per mac must be positive")
	}
	if hi, _ := bits.Mul64(p.MaxRunCost, p.GasPerMac); hi != 0 || p.MaxRunCost > 1<<62 {
		return errors.New("max run cost times gas per mac overflows")
	}
	return nil
}

// Denom is the denom of every bond and stake.
func (p Params) Denom() string { return p.MinBond.Denom }
