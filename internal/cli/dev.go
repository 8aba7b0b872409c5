package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/prova-network/prova/internal/demo"
	"github.com/prova-network/prova/internal/devnet"
	"github.com/prova-network/prova/internal/node"
	"github.com/prova-network/prova/internal/nodeconfig"
	"github.com/prova-network/prova/internal/receiptlog"
)

const (
	flagReset     = "reset"
	flagBlockTime = "block-time"
	flagVoting    = "voting-period"
)

// DefaultDevHome is where `provad dev` keeps its chain.
var DefaultDevHome = filepath.Join(filepath.Dir(DefaultHome), ".prova-dev")

// DefaultDevAccounts are the funded keys of a dev chain besides the validator.
var DefaultDevAccounts = demo.Accounts

func devCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run a single-validator development chain (created on first run, resumed after)",
		Long: `Run a single-validator Prova chain for development.

The first run creates the chain in --home (default ~/.prova-dev): a validator,
and the dev keys alice, bob and validator in the "test" keyring, all funded in
genesis. Later runs resume the same chain; --reset wipes it first.

Endpoints (all on 127.0.0.1):
  CometBFT RPC  :26657     REST API  :1317
  gRPC          :9090      metrics   :26660/metrics

Use the chain from another terminal, for example:
  provad keys list --home ~/.prova-dev --keyring-backend test
  provad tx bank send alice <bob-address> 1000uprova --home ~/.prova-dev --keyring-backend test

Stop with Ctrl-C; state is kept. The test keyring is unencrypted: use it for
development only.`,
		Args:              cobra.NoArgs,
		PersistentPreRunE: localOnly,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			// --home defaults to ~/.prova for other commands; dev has its own.
			home := DefaultDevHome
			if cmd.Flags().Changed(flags.FlagHome) {
				home, _ = cmd.Flags().GetString(flags.FlagHome)
			}
			reset, _ := cmd.Flags().GetBool(flagReset)
			blockTime, _ := cmd.Flags().GetDuration(flagBlockTime)
			ports := devnet.DefaultPorts(0)
			if free, _ := cmd.Flags().GetBool(flagFreePorts); free {
				if ports, err = devnet.FreePorts(); err != nil {
					return err
				}
			}
			voting, _ := cmd.Flags().GetDuration(flagVoting)
			net, created, err := prepareDevHome(home, reset, devnet.Config{BlockTime: blockTime, VotingPeriod: voting, Ports: []devnet.Ports{ports}, ReceiptLog: true})
			if err != nil {
				return err
			}
			printDevBanner(cmd.OutOrStdout(), net, created)
			return runStart(cmd, home)
		},
	}
	cmd.Flags().Bool(flagReset, false, "delete the dev chain in --home and start a new one")
	cmd.Flags().Duration(flagBlockTime, 500*time.Millisecond, "target time between blocks for a new chain")
	cmd.Flags().Duration(flagVoting, 60*time.Second, "governance voting period for a new chain")
	cmd.Flags().Bool(flagFreePorts, false, "give a new chain unused ports instead of the standard ones (printed at start)")
	return cmd
}

// prepareDevHome returns the dev network in home, creating it with the
// block time, voting period and ports of tmpl if needed.
func prepareDevHome(home string, reset bool, tmpl devnet.Config) (*devnet.Network, bool, error) {
	if reset {
		if _, err := devnet.Load(home); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, false, fmt.Errorf("refusing to reset %s: %w", home, err)
		}
		if err := os.RemoveAll(home); err != nil {
			return nil, false, err
		}
	}
	net, err := devnet.Load(home)
	if err == nil {
		return net, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	tmpl.ChainID = devnet.DefaultDevChainID
	tmpl.Homes = []string{home}
	tmpl.Accounts = DefaultDevAccounts
	net, err = devnet.Init(tmpl)
	if err != nil {
		return nil, false, fmt.Errorf("create dev chain in %s: %w", home, err)
	}
	return net, true, nil
}

func printDevBanner(w io.Writer, net *devnet.Network, created bool) {
	n := net.Nodes[0]
	state := "resuming"
	if created {
		state = "created"
	}
	fmt.Fprintf(w, "Prova dev chain %s (%s) in %s\n\n", net.ChainID, state, n.Home)
	fmt.Fprintf(w, "  CometBFT RPC  %s\n  REST API      %s\n  gRPC          %s\n  metrics       %s\n\n",
		n.Ports.RPCURL(), n.Ports.APIURL(), n.Ports.GRPCAddr(), n.Ports.MetricsURL())
	if n.Ports.Receipts != 0 {
		fmt.Fprintf(w, "  receipt log   %s  (operated by the %q key, anchored on chain)\n", n.Ports.ReceiptsURL(), devnet.ReceiptLogKey)
		if vkey, err := devLogKey(net); err == nil {
			fmt.Fprintf(w, "  log key       %s\n", vkey)
		} else {
			fmt.Fprintf(w, "  log key       unknown: %v\n", err)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Keys (keyring-backend test, --home %s):\n", n.Home)
	fmt.Fprintf(w, "  %-10s %s\n", n.Validator.Name, n.Validator.Address)
	for _, k := range n.Accounts {
		fmt.Fprintf(w, "  %-10s %s\n", k.Name, k.Address)
	}
	fmt.Fprintf(w, "\nPress Ctrl-C to stop; run provad dev again to resume.\n\n")
}

// runStart runs `provad start --home home` in this process; it returns
// when the node has shut down after SIGINT/SIGTERM.
func runStart(parent *cobra.Command, home string) error {
	root := NewRootCmd()
	root.SetArgs([]string{"start", "--home", home})
	root.SetOut(parent.OutOrStdout())
	root.SetErr(parent.ErrOrStderr())
	root.SilenceErrors = true
	return run(root)
}

// devLogKey returns the verifier key of the dev node's receipt log (the
// key 'provad receipt verify' and other clients check checkpoints with),
// creating the log's key before its first start so it can be printed.
func devLogKey(net *devnet.Network) (string, error) {
	n := net.Nodes[0]
	path := filepath.Join(n.Home, "config", "app.toml")
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	cfg, err := nodeconfig.ReceiptLogFrom(v)
	if err != nil {
		return "", err
	}
	return receiptlog.EnsureKey(node.LogConfig(n.Home, net.ChainID, n.Moniker, cfg))
}
