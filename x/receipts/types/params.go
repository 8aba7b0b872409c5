package types

import (
	"errors"
	"fmt"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// DefaultParams: logs bond at least 10 PROVA; an equivocating operator
// loses half its bond, half of which goes to the reporter and half is burned.
func DefaultParams() Params {
	return Params{
		MinBond:                   sdk.NewInt64Coin(sdk.DefaultBondDenom, 10_000_000),
		EquivocationSlashFraction: sdkmath.LegacyNewDecWithPrec(5, 1),
		ReporterRewardFraction:    sdkmath.LegacyNewDecWithPrec(5, 1),
		MaxProofHashes:            64,
	}
}

// Validate checks the parameters.
func (p Params) Validate() error {
	if err := p.MinBond.Validate(); err != nil {
		return fmt.Errorf("min bond: %w", err)
	}
	fractions := []struct {
		name string
		f    sdkmath.LegacyDec
	}{{"equivocation slash", p.EquivocationSlashFraction}, {"reporter reward", p.ReporterRewardFraction}}
	for _, x := range fractions {
		if x.f.IsNil() || x.f.IsNegative() || x.f.GT(sdkmath.LegacyOneDec()) {
			return fmt.Errorf("%s fraction must be in [0, 1]", x.name)
		}
	}
	if p.MaxProofHashes == 0 || p.MaxProofHashes > MaxProofHashes {
		return errors.New("max proof hashes must be 1 to 65")
	}
	return nil
}
