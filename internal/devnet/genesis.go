package devnet

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	infertypes "github.com/prova-network/prova/x/infer/types"

	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/prova-network/prova/app"
)

// DefaultSignedBlocksWindow is the liveness window of local networks: a
// stopped validator is noticed within a minute or so.
const DefaultSignedBlocksWindow = 100

// writeGentx signs the MsgCreateValidator of node with its operator key and
// writes it to dir, where collection picks it up.
func writeGentx(chainID, dir string, node Node, pubKey cryptotypes.PubKey, kr keyring.Keyring, txConfig client.TxConfig) error {
	valAddr, err := sdk.AccAddressFromBech32(node.Validator.Address)
	if err != nil {
		return err
	}
	msg, err := stakingtypes.NewMsgCreateValidator(
		sdk.ValAddress(valAddr).String(), pubKey,
		sdk.NewCoin(app.BondDenom, sdkmath.NewInt(DefaultStakeTokens)),
		stakingtypes.NewDescription(node.Moniker, "", "", "", ""),
		stakingtypes.NewCommissionRates(sdkmath.LegacyNewDecWithPrec(1, 1), sdkmath.LegacyNewDecWithPrec(2, 1), sdkmath.LegacyNewDecWithPrec(1, 2)),
		sdkmath.OneInt(),
	)
	if err != nil {
		return err
	}
	memo := fmt.Sprintf("%s@127.0.0.1:%d", node.NodeID, node.Ports.P2P)
	b := txConfig.NewTxBuilder()
	if err := b.SetMsgs(msg); err != nil {
		return err
	}
	b.SetGasLimit(1_000_000)
	b.SetMemo(memo)
	f := tx.Factory{}.WithChainID(chainID).WithMemo(memo).WithKeybase(kr).WithTxConfig(txConfig)
	if err := tx.Sign(context.Background(), f, node.Validator.Name, b, true); err != nil {
		return fmt.Errorf("sign gentx of %s: %w", node.Moniker, err)
	}
	bz, err := txConfig.TxJSONEncoder()(b.GetTx())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, node.Moniker+".json"), bz, 0o600)
}

// buildGenesis returns the genesis (before gentx collection) with funded
// accounts, PROVA denom metadata, and parameters suited to a local network.
func buildGenesis(cfg Config, a *app.App, accounts []authtypes.GenesisAccount, balances []banktypes.Balance) (*genutiltypes.AppGenesis, error) {
	cdc := a.AppCodec()
	state := a.DefaultGenesis()

	var authGen authtypes.GenesisState
	cdc.MustUnmarshalJSON(state[authtypes.ModuleName], &authGen)
	packed, err := authtypes.PackAccounts(accounts)
	if err != nil {
		return nil, err
	}
	authGen.Accounts = append(authGen.Accounts, packed...)
	state[authtypes.ModuleName] = cdc.MustMarshalJSON(&authGen)

	var bankGen banktypes.GenesisState
	cdc.MustUnmarshalJSON(state[banktypes.ModuleName], &bankGen)
	bankGen.Balances = append(bankGen.Balances, balances...)
	bankGen.DenomMetadata = append(bankGen.DenomMetadata, DenomMetadata())
	state[banktypes.ModuleName] = cdc.MustMarshalJSON(&bankGen)

	var govGen govv1.GenesisState
	cdc.MustUnmarshalJSON(state["gov"], &govGen)
	if cfg.VotingPeriod > 0 {
		vp := cfg.VotingPeriod
		govGen.Params.VotingPeriod = &vp
		ev := cfg.VotingPeriod / 2
		govGen.Params.ExpeditedVotingPeriod = &ev
	}
	govGen.Params.MinDeposit = sdk.NewCoins(sdk.NewCoin(app.BondDenom, sdkmath.NewInt(10_000_000)))
	govGen.Params.ExpeditedMinDeposit = sdk.NewCoins(sdk.NewCoin(app.BondDenom, sdkmath.NewInt(50_000_000)))
	state["gov"] = cdc.MustMarshalJSON(&govGen)

	// x/infer counts its deadlines in blocks. On a fast local chain the
	// defaults are a few seconds, too short for a person answering a
	// dispute with the CLI: give moves and input requests two minutes at
	// least, and claims four.
	if cfg.BlockTime > 0 {
		var inferGen infertypes.GenesisState
		cdc.MustUnmarshalJSON(state[infertypes.ModuleName], &inferGen)
		blocks := func(d time.Duration) uint64 { return uint64((d + cfg.BlockTime - 1) / cfg.BlockTime) }
		p := &inferGen.Params
		p.MoveTimeoutBlocks = max(p.MoveTimeoutBlocks, blocks(2*time.Minute))
		p.InputTimeoutBlocks = max(p.InputTimeoutBlocks, blocks(2*time.Minute))
		p.ChallengeWindowBlocks = max(p.ChallengeWindowBlocks, blocks(4*time.Minute))
		p.UnbondingBlocks = max(p.UnbondingBlocks, p.ChallengeWindowBlocks+2*p.InputTimeoutBlocks+blocks(time.Minute))
		if p.ReceiptWindowBlocks != 0 {
			p.ReceiptWindowBlocks = max(p.ReceiptWindowBlocks, 10*p.ChallengeWindowBlocks)
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("x/infer params for a %s block time: %w", cfg.BlockTime, err)
		}
		state[infertypes.ModuleName] = cdc.MustMarshalJSON(&inferGen)
	}

	// A local network should notice a stopped validator within a minute or
	// so, not after the mainnet-sized default window.
	var slashGen slashingtypes.GenesisState
	cdc.MustUnmarshalJSON(state[slashingtypes.ModuleName], &slashGen)
	slashGen.Params.SignedBlocksWindow = DefaultSignedBlocksWindow
	if cfg.SignedBlocksWindow > 0 {
		slashGen.Params.SignedBlocksWindow = cfg.SignedBlocksWindow
	}
	slashGen.Params.DowntimeJailDuration = 60 * time.Second
	state[slashingtypes.ModuleName] = cdc.MustMarshalJSON(&slashGen)

	appState, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return nil, err
	}
	return &genutiltypes.AppGenesis{
		ChainID:   cfg.ChainID,
		AppState:  appState,
		Consensus: &genutiltypes.ConsensusGenesis{},
	}, nil
}

// DenomMetadata describes uprova and its display unit PROVA.
func DenomMetadata() banktypes.Metadata {
	return banktypes.Metadata{
		Description: "The native staking and fee token of Prova.",
		DenomUnits: []*banktypes.DenomUnit{
			{Denom: app.BondDenom, Exponent: 0, Aliases: []string{"microprova"}},
			{Denom: "prova", Exponent: app.DisplayExponent},
		},
		Base:    app.BondDenom,
		Display: "prova",
		Name:    "Prova",
		Symbol:  app.DisplayDenom,
	}
}

// writeClientConfig points the client of this home at its own node.
func writeClientConfig(home, chainID string, ports Ports) error {
	content := fmt.Sprintf(`# Client configuration written by provad.
chain-id = %q
keyring-backend = "test"
keyring-default-keyname = ""
output = "text"
node = "tcp://127.0.0.1:%d"
broadcast-mode = "sync"
grpc-address = ""
grpc-insecure = false
`, chainID, ports.RPC)
	return os.WriteFile(filepath.Join(home, "config", "client.toml"), []byte(content), 0o644)
}

func writeMarker(home string, n *Network) error {
	bz, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(home, MarkerFile), bz, 0o600)
}

// Load reads the network description from a home made by Init. A missing
// directory returns os.ErrNotExist; a directory without the marker returns
// ErrNotProvaHome.
func Load(home string) (*Network, error) {
	bz, err := os.ReadFile(filepath.Join(home, MarkerFile))
	if err != nil {
		if os.IsNotExist(err) {
			// An empty directory is as good as none.
			if entries, statErr := os.ReadDir(home); statErr == nil && len(entries) > 0 {
				return nil, fmt.Errorf("%s: %w (no %s)", home, ErrNotProvaHome, MarkerFile)
			}
			return nil, os.ErrNotExist
		}
		return nil, err
	}
	var n Network
	if err := json.Unmarshal(bz, &n); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", home, ErrNotProvaHome, err)
	}
	return &n, nil
}
