package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/prova-network/prova/internal/devnet"
)

const (
	flagValidators = "validators"
	flagOutputDir  = "output-dir"
	flagPortOffset = "port-offset"
	flagFreePorts  = "free-ports"
	flagSignedWin  = "signed-blocks-window"
)

func testnetCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "testnet",
		Short: "Create and run a local multi-validator network",
		Long: `Create and run a local multi-validator network, one provad process per validator.

  provad testnet init-files --validators 4 --output-dir ./testnet
  provad testnet start --output-dir ./testnet

Node i lives in <output-dir>/node<i> with its own config, keys and data, and
logs to <output-dir>/node<i>.log. All services listen on 127.0.0.1.`,
		PersistentPreRunE: localOnly,
		RunE:              func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(testnetInitCommand(), testnetStartCommand())
	return cmd
}

func testnetInitCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init-files",
		Short: "Write the homes, keys and shared genesis of a local network",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, _ := cmd.Flags().GetInt(flagValidators)
			dir, _ := cmd.Flags().GetString(flagOutputDir)
			chainID, _ := cmd.Flags().GetString(flags.FlagChainID)
			offset, _ := cmd.Flags().GetInt(flagPortOffset)
			free, _ := cmd.Flags().GetBool(flagFreePorts)
			blockTime, _ := cmd.Flags().GetDuration(flagBlockTime)
			voting, _ := cmd.Flags().GetDuration(flagVoting)
			window, _ := cmd.Flags().GetInt64(flagSignedWin)
			if voting <= 0 || window < 10 {
				return fmt.Errorf("--voting-period must be positive and --signed-blocks-window at least 10 (got %s, %d)", voting, window)
			}
			if n < 1 || n > 32 {
				return fmt.Errorf("--validators must be between 1 and 32, got %d", n)
			}
			if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
				return fmt.Errorf("output directory %s is not empty; choose another or remove it", dir)
			}
			cfg := devnet.Config{ChainID: chainID, Accounts: DefaultDevAccounts, BlockTime: blockTime, VotingPeriod: voting, SignedBlocksWindow: window}
			for i := range n {
				cfg.Homes = append(cfg.Homes, filepath.Join(dir, fmt.Sprintf("node%d", i)))
				ports := devnet.DefaultPorts(offset + 10*i)
				if free {
					var err error
					if ports, err = devnet.FreePorts(); err != nil {
						return err
					}
				}
				cfg.Ports = append(cfg.Ports, ports)
			}
			net, err := devnet.Init(cfg)
			if err != nil {
				return err
			}
			return printNetwork(cmd, net)
		},
	}
	cmd.Flags().Int(flagValidators, 4, "number of validators")
	cmd.Flags().String(flagOutputDir, "./testnet", "directory for the node homes")
	cmd.Flags().String(flags.FlagChainID, devnet.DefaultTestnetChainID, "chain ID")
	cmd.Flags().Int(flagPortOffset, 1000, "node i uses the standard ports plus offset+10*i (RPC 26657+offset+10i, ...)")
	cmd.Flags().Bool(flagFreePorts, false, "pick unused ports instead of the offset scheme")
	cmd.Flags().Duration(flagBlockTime, 1*time.Second, "target time between blocks")
	cmd.Flags().Duration(flagVoting, 20*time.Second, "governance voting period")
	cmd.Flags().Int64(flagSignedWin, devnet.DefaultSignedBlocksWindow, "x/slashing liveness window in blocks (missing more than half of it jails a validator)")
	cmd.Flags().StringP(flags.FlagOutput, "o", "text", "output format (text|json)")
	return cmd
}

func printNetwork(cmd *cobra.Command, net *devnet.Network) error {
	out := cmd.OutOrStdout()
	if o, _ := cmd.Flags().GetString(flags.FlagOutput); o == "json" {
		safe := *net
		safe.Nodes = append([]devnet.Node(nil), net.Nodes...)
		for i := range safe.Nodes {
			safe.Nodes[i].Validator.Mnemonic = ""
			safe.Nodes[i].Accounts = nil
		}
		return json.NewEncoder(out).Encode(safe)
	}
	fmt.Fprintf(out, "Network %s: %d validators\n", net.ChainID, len(net.Nodes))
	for _, n := range net.Nodes {
		fmt.Fprintf(out, "  %-11s home %s  rpc %s  api %s  p2p :%d\n", n.Moniker, n.Home, n.Ports.RPCURL(), n.Ports.APIURL(), n.Ports.P2P)
	}
	return nil
}

func testnetStartCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start every validator of a network made by init-files; Ctrl-C stops them all",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, _ := cmd.Flags().GetString(flagOutputDir)
			homes, err := filepath.Glob(filepath.Join(dir, "node*"))
			if err != nil {
				return err
			}
			var nodes []devnet.Node
			for _, h := range homes {
				if st, err := os.Stat(h); err != nil || !st.IsDir() {
					continue
				}
				net, err := devnet.Load(h)
				if err != nil {
					return err
				}
				for _, n := range net.Nodes {
					if filepath.Base(n.Home) == filepath.Base(h) {
						n.Home = h
						nodes = append(nodes, n)
					}
				}
			}
			if len(nodes) == 0 {
				return fmt.Errorf("no node homes in %s: %w", dir, devnet.ErrNotProvaHome)
			}
			sort.Slice(nodes, func(i, j int) bool { return nodes[i].Home < nodes[j].Home })
			bin, err := devnet.Executable()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			var procs []*devnet.Process
			defer func() {
				for _, p := range procs {
					if err := p.Stop(devnet.DefaultStopTimeout); err != nil {
						fmt.Fprintln(cmd.ErrOrStderr(), err)
					}
				}
			}()
			for _, n := range nodes {
				logPath := n.Home + ".log"
				p, err := devnet.StartProcess(bin, n.Home, logPath)
				if err != nil {
					return err
				}
				procs = append(procs, p)
				fmt.Fprintf(out, "started %-11s pid %-7d rpc %s  log %s\n", n.Moniker, p.PID(), n.Ports.RPCURL(), logPath)
			}
			wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			h, err := devnet.WaitForHeight(wctx, nodes[0].Ports.RPCURL(), 1, procs[0])
			cancel()
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "network is producing blocks (height %d); press Ctrl-C to stop all nodes\n", h)
			reported := make([]bool, len(procs))
			for {
				select {
				case <-ctx.Done():
					fmt.Fprintln(out, "stopping nodes...")
					return nil
				case <-time.After(time.Second):
					for i, p := range procs {
						if p.Exited() && !reported[i] {
							reported[i] = true
							fmt.Fprintf(cmd.ErrOrStderr(), "%s exited; see %s\n", nodes[i].Moniker, p.LogPath)
						}
					}
				}
			}
		},
	}
	cmd.Flags().String(flagOutputDir, "./testnet", "directory made by init-files")
	return cmd
}
