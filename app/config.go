package app

import (
	sdk "github.com/cosmos/cosmos-sdk/types"
)

const (
	// Name is the application name reported over ABCI.
	Name = "prova"

	// BondDenom is the base denomination of the native token (1 PROVA = 10^6 uprova).
	BondDenom = "uprova"
	// DisplayDenom is the human-facing denomination.
	DisplayDenom = "PROVA"
	// DisplayExponent is the number of decimals between BondDenom and DisplayDenom.
	DisplayExponent = 6

	// Bech32Prefix is the human-readable part of account addresses.
	Bech32Prefix = "prova"
	// CoinType is the BIP-44 coin type used for key derivation (Cosmos default).
	CoinType = 118
)

// Bech32 prefixes derived from Bech32Prefix, following the Cosmos convention.
var (
	Bech32PrefixAccPub   = Bech32Prefix + "pub"
	Bech32PrefixValAddr  = Bech32Prefix + "valoper"
	Bech32PrefixValPub   = Bech32Prefix + "valoperpub"
	Bech32PrefixConsAddr = Bech32Prefix + "valcons"
	Bech32PrefixConsPub  = Bech32Prefix + "valconspub"
)

func init() {
	// The SDK reads these process-wide settings when it builds codecs and
	// default genesis states, so they must be in place before anything else.
	sdk.DefaultBondDenom = BondDenom
	SetAddressConfig(sdk.GetConfig())
}

// SetAddressConfig sets Prova's address prefixes and coin type on cfg. It is
// idempotent and skips a sealed config that already has the right prefixes.
func SetAddressConfig(cfg *sdk.Config) {
	if cfg.GetBech32AccountAddrPrefix() == Bech32Prefix {
		return
	}
	cfg.SetBech32PrefixForAccount(Bech32Prefix, Bech32PrefixAccPub)
	cfg.SetBech32PrefixForValidator(Bech32PrefixValAddr, Bech32PrefixValPub)
	cfg.SetBech32PrefixForConsensusNode(Bech32PrefixConsAddr, Bech32PrefixConsPub)
	cfg.SetCoinType(CoinType)
}
