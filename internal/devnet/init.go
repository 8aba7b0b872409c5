// Package devnet creates and runs local Prova networks: the single-validator
// chain behind `provad dev` and `provad demo`, and the multi-validator
// networks of `provad testnet`. It writes real node homes (config, genesis,
// keyring) and runs each node as its own provad process.
package devnet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	cmttime "github.com/cometbft/cometbft/types/time"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log/v2"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	srvconfig "github.com/cosmos/cosmos-sdk/server/config"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/prova-network/prova/app"
	"github.com/prova-network/prova/internal/nodeconfig"
)

// Default values for local networks.
const (
	DefaultDevChainID     = "prova-dev-1"
	DefaultTestnetChainID = "prova-testnet-1"
	// DefaultAccountTokens funds each dev account: 1,000,000 PROVA.
	DefaultAccountTokens = 1_000_000_000_000
	// DefaultStakeTokens is each validator's self-delegation: 100,000 PROVA.
	DefaultStakeTokens = 100_000_000_000
	// MarkerFile marks a directory as a Prova node home made by this package.
	MarkerFile = "prova-home.json"
)

// ErrNotProvaHome is returned for a directory that exists but was not made by provad.
var ErrNotProvaHome = errors.New("not a Prova home directory")

// Ports are the listen ports of one node; every service binds 127.0.0.1.
type Ports struct {
	RPC, P2P, API, GRPC, Metrics int
	// Receipts is the receipt log's HTTP API (when the node runs one).
	Receipts int `json:"Receipts,omitempty"`
}

// DefaultPorts returns the conventional Cosmos ports shifted by offset.
func DefaultPorts(offset int) Ports {
	return Ports{RPC: 26657 + offset, P2P: 26656 + offset, API: 1317 + offset, GRPC: 9090 + offset, Metrics: 26660 + offset, Receipts: 1318 + offset}
}

// RPCURL is the CometBFT RPC endpoint of a node with these ports.
func (p Ports) RPCURL() string { return fmt.Sprintf("http://127.0.0.1:%d", p.RPC) }

// APIURL is the REST endpoint.
func (p Ports) APIURL() string { return fmt.Sprintf("http://127.0.0.1:%d", p.API) }

// GRPCAddr is the gRPC endpoint.
func (p Ports) GRPCAddr() string { return fmt.Sprintf("127.0.0.1:%d", p.GRPC) }

// ReceiptsURL is the receipt log's HTTP API.
func (p Ports) ReceiptsURL() string { return fmt.Sprintf("http://127.0.0.1:%d", p.Receipts) }

// MetricsURL is the Prometheus endpoint.
func (p Ports) MetricsURL() string { return fmt.Sprintf("http://127.0.0.1:%d/metrics", p.Metrics) }

// Config describes a network to create.
type Config struct {
	ChainID string
	// Homes has one entry per validator: the node home directory.
	Homes []string
	// Ports has one entry per validator.
	Ports []Ports
	// Accounts are extra funded keys created in the first validator's keyring.
	Accounts []string
	// BlockTime is the target time between blocks (CometBFT timeout_commit).
	BlockTime time.Duration
	// VotingPeriod is the governance voting period.
	VotingPeriod time.Duration
	// SignedBlocksWindow is x/slashing's liveness window in blocks
	// (DefaultSignedBlocksWindow when zero); a validator that misses more
	// than half of it is jailed.
	SignedBlocksWindow int64
	// ReceiptLog runs a receipt log on the first node, operated (registered,
	// bonded and anchored) by its ReceiptLogKey account.
	ReceiptLog bool
}

// ReceiptLogKey is the funded dev key that operates the first node's
// receipt log when Config.ReceiptLog is set.
const ReceiptLogKey = "receipts"

// ReceiptLogBond is the bond a dev receipt log registers itself with.
const ReceiptLogBond = "10000000" + app.BondDenom

// Key is a key created for the network.
type Key struct {
	Name     string `json:"name"`
	Address  string `json:"address"`
	Mnemonic string `json:"mnemonic"`
}

// Node describes one created node home.
type Node struct {
	Moniker string `json:"moniker"`
	Home    string `json:"home"`
	NodeID  string `json:"node_id"`
	Ports   Ports  `json:"ports"`
	// Validator is the operator key of this node, in its own keyring.
	Validator Key `json:"validator"`
	// Accounts are the extra keys (first node only).
	Accounts []Key `json:"accounts,omitempty"`
}

// Network is the result of Init, also written to each home's MarkerFile.
type Network struct {
	ChainID string `json:"chain_id"`
	Nodes   []Node `json:"nodes"`
}

// Init creates the node homes of cfg: CometBFT and app config, validator
// keys, a test keyring, and one genesis shared by all nodes.
func Init(cfg Config) (*Network, error) {
	if len(cfg.Homes) == 0 || len(cfg.Homes) != len(cfg.Ports) {
		return nil, errors.New("devnet: need one port set per home")
	}
	encApp := app.New(log.NewNopLogger(), dbm.NewMemDB(), false, simtestutil.NewAppOptionsWithFlagHome(os.TempDir()))
	cdc, txConfig := encApp.AppCodec(), encApp.TxConfig()

	net := &Network{ChainID: cfg.ChainID}
	var (
		genAccounts []authtypes.GenesisAccount
		genBalances []banktypes.Balance
		cmtCfgs     []*cmtcfg.Config
		pubKeys     []cryptotypes.PubKey
	)
	gentxsDir := filepath.Join(cfg.Homes[0], "config", "gentxs")

	for i, home := range cfg.Homes {
		moniker := fmt.Sprintf("validator%d", i)
		if len(cfg.Homes) == 1 {
			moniker = "validator"
		}
		ports := cfg.Ports[i]
		cmtCfg := nodeCometConfig(home, moniker, ports, cfg.BlockTime)
		if err := os.MkdirAll(filepath.Join(home, "config"), 0o755); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Join(home, "data"), 0o755); err != nil {
			return nil, err
		}
		nodeID, pubKey, err := genutil.InitializeNodeValidatorFiles(cmtCfg)
		if err != nil {
			return nil, fmt.Errorf("create validator key for %s: %w", moniker, err)
		}
		kr, err := keyring.New(sdk.KeyringServiceName(), keyring.BackendTest, home, nil, cdc)
		if err != nil {
			return nil, err
		}
		node := Node{Moniker: moniker, Home: home, NodeID: nodeID, Ports: ports}
		names := []string{"validator"}
		if i == 0 {
			names = append(names, cfg.Accounts...)
			if cfg.ReceiptLog && !slices.Contains(names, ReceiptLogKey) {
				names = append(names, ReceiptLogKey)
			}
		}
		for j, name := range names {
			rec, mnemonic, err := kr.NewMnemonic(name, keyring.English, sdk.FullFundraiserPath, keyring.DefaultBIP39Passphrase, hd.Secp256k1)
			if err != nil {
				return nil, fmt.Errorf("create key %q: %w", name, err)
			}
			addr, err := rec.GetAddress()
			if err != nil {
				return nil, err
			}
			k := Key{Name: name, Address: addr.String(), Mnemonic: mnemonic}
			if j == 0 {
				node.Validator = k
			} else {
				node.Accounts = append(node.Accounts, k)
			}
			genAccounts = append(genAccounts, authtypes.NewBaseAccount(addr, nil, 0, 0))
			genBalances = append(genBalances, banktypes.Balance{
				Address: addr.String(),
				Coins:   sdk.NewCoins(sdk.NewCoin(app.BondDenom, sdkmath.NewInt(DefaultAccountTokens))),
			})
		}
		if err := writeGentx(cfg.ChainID, gentxsDir, node, pubKey, kr, txConfig); err != nil {
			return nil, err
		}
		writeAppConfig(filepath.Join(home, "config", "app.toml"), nodeAppConfig(ports, i == 0 && cfg.ReceiptLog))
		cmtCfgs = append(cmtCfgs, cmtCfg)
		pubKeys = append(pubKeys, pubKey)
		net.Nodes = append(net.Nodes, node)
	}

	// Persistent peers: everyone but yourself.
	for i, c := range cmtCfgs {
		var peers []string
		for j, n := range net.Nodes {
			if j != i {
				peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", n.NodeID, n.Ports.P2P))
			}
		}
		c.P2P.PersistentPeers = strings.Join(peers, ",")
	}

	appGenesis, err := buildGenesis(cfg, encApp, genAccounts, genBalances)
	if err != nil {
		return nil, err
	}
	genFile := cmtCfgs[0].GenesisFile()
	if err := appGenesis.SaveAs(genFile); err != nil {
		return nil, err
	}
	initCfg := genutiltypes.NewInitConfig(cfg.ChainID, gentxsDir, net.Nodes[0].NodeID, pubKeys[0])
	appState, err := genutil.GenAppStateFromConfig(cdc, txConfig, cmtCfgs[0], initCfg, appGenesis,
		banktypes.GenesisBalancesIterator{}, genutiltypes.DefaultMessageValidator,
		txConfig.SigningContext().ValidatorAddressCodec())
	if err != nil {
		return nil, fmt.Errorf("collect genesis transactions: %w", err)
	}
	appGenesis.AppState = appState
	appGenesis.GenesisTime = cmttime.Now()
	appGenesis.Consensus.Validators = nil

	for i, c := range cmtCfgs {
		if err := genutil.ExportGenesisFile(appGenesis, c.GenesisFile()); err != nil {
			return nil, err
		}
		cmtcfg.WriteConfigFile(filepath.Join(c.RootDir, "config", "config.toml"), c)
		if err := writeClientConfig(c.RootDir, cfg.ChainID, cfg.Ports[i]); err != nil {
			return nil, err
		}
		if err := writeMarker(c.RootDir, net); err != nil {
			return nil, err
		}
	}
	return net, nil
}

func nodeCometConfig(home, moniker string, ports Ports, blockTime time.Duration) *cmtcfg.Config {
	c := cmtcfg.DefaultConfig()
	c.SetRoot(home)
	c.Moniker = moniker
	c.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports.RPC)
	c.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports.P2P)
	c.P2P.AddrBookStrict = false
	c.P2P.AllowDuplicateIP = true
	c.ProxyApp = ""
	c.Instrumentation.Prometheus = true
	c.Instrumentation.PrometheusListenAddr = fmt.Sprintf("127.0.0.1:%d", ports.Metrics)
	c.RPC.PprofListenAddress = ""
	if blockTime > 0 {
		c.Consensus.TimeoutCommit = blockTime
		c.Consensus.TimeoutPropose = 2 * time.Second
	}
	return c
}

func nodeAppConfig(ports Ports, receiptLog bool) *nodeconfig.AppConfig {
	c := nodeconfig.Default()
	if receiptLog {
		c.ReceiptLog.Enable = true
		c.ReceiptLog.Listen = fmt.Sprintf("127.0.0.1:%d", ports.Receipts)
		c.ReceiptLog.OperatorKey = ReceiptLogKey
		c.ReceiptLog.KeyringBackend = keyring.BackendTest
		c.ReceiptLog.RegisterBond = ReceiptLogBond
		c.ReceiptLog.AnchorInterval = time.Second
	}
	c.API.Enable = true
	c.API.Address = fmt.Sprintf("tcp://127.0.0.1:%d", ports.API)
	c.GRPC.Enable = true
	c.GRPC.Address = fmt.Sprintf("127.0.0.1:%d", ports.GRPC)
	c.Telemetry.Enabled = false
	return &c
}

// writeAppConfig writes app.toml with Prova's template.
func writeAppConfig(path string, c *nodeconfig.AppConfig) {
	srvconfig.SetConfigTemplate(nodeconfig.Template)
	srvconfig.WriteConfigFile(path, c)
}
