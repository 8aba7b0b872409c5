package types

import (
	"errors"
	"fmt"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// DefaultParams: 1% for deviating, 0.5% for not revealing, a 10-task
// reputation window, windows of at most ~1 day at 1 s blocks, pools of at
// least 1 PROVA.
func DefaultParams() Params {
	return Params{
		SlashFractionDeviation: sdkmath.LegacyNewDecWithPrec(1, 2),
		SlashFractionNoReveal:  sdkmath.LegacyNewDecWithPrec(5, 3),
		ReputationWindow:       10,
		MaxWindowBlocks:        86_400,
		MinPool:                sdk.NewInt64Coin(sdk.DefaultBondDenom, 1_000_000),
	}
}

// Validate checks the parameters.
func (p Params) Validate() error {
	for name, f := range map[string]sdkmath.LegacyDec{"deviation": p.SlashFractionDeviation, "no-reveal": p.SlashFractionNoReveal} {
		if f.IsNil() || f.IsNegative() || f.GT(sdkmath.LegacyOneDec()) {
			return fmt.Errorf("%s slash fraction must be in [0, 1]", name)
		}
	}
	if p.ReputationWindow == 0 {
		return errors.New("reputation window must be positive")
	}
	if p.MaxWindowBlocks <= 0 {
		return errors.New("max window blocks must be positive")
	}
	return p.MinPool.Validate()
}

// DefaultGenesis returns the default genesis state.
func DefaultGenesis() *GenesisState { return &GenesisState{Params: DefaultParams(), NextTaskId: 1} }

// Validate checks the genesis state.
func (gs GenesisState) Validate() error {
	if gs.NextTaskId == 0 {
		return errors.New("next task id must be positive")
	}
	return gs.Params.Validate()
}
