package cli

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/lightclient"
)

// newLightClient connects a light client to rpcURL with the given trust.
func newLightClient(ctx context.Context, chainID, rpcURL string, trust trustOptions) (*lightclient.Client, error) {
	cfg := lightclient.DefaultConfig()
	cfg.ChainID = chainID
	cfg.RPC = rpcURL
	cfg.TrustFromGenesis = trust.FromGenesis
	cfg.TrustHeight = trust.Height
	cfg.TrustHash = trust.Hash
	if trust.Period > 0 {
		cfg.TrustingPeriod = trust.Period
	}
	return lightclient.New(ctx, cfg)
}

// verifiedBalance reads a balance at height (0: latest) and returns it only
// after its proof checks against a light-client-verified header.
func verifiedBalance(ctx context.Context, chainID, rpcURL string, trust trustOptions, addr sdk.AccAddress, denom string, height int64) (verifiedCoin, error) {
	lc, err := newLightClient(ctx, chainID, rpcURL, trust)
	if err != nil {
		return verifiedCoin{}, err
	}
	defer lc.Close()
	coin, proof, err := lc.VerifiedBalanceAt(ctx, addr, denom, height)
	if err != nil {
		return verifiedCoin{}, err
	}
	return verifiedCoin{
		Address: addr.String(),
		Denom:   coin.Denom,
		Amount:  coin.Amount,
		Height:  proof.Height,
		AppHash: proof.AppHash.String(),
		Header:  proof.HeaderHash.String(),
	}, nil
}
