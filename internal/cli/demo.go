package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/client/flags"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/app"
	"github.com/prova-network/prova/internal/devnet"
)

const (
	flagExit = "exit"
	flagKeep = "keep"
)

// demoTransfer is the amount the demo sends from alice to bob.
const demoTransfer = 1_234_567

// DemoStep is one line of the demo's summary.
type DemoStep struct {
	Step     string `json:"step"`
	Detail   string `json:"detail"`
	Verified bool   `json:"verified"`
}

// DemoReport is the demo's machine-readable summary (--output json).
type DemoReport struct {
	ChainID string     `json:"chain_id"`
	Home    string     `json:"home"`
	RPC     string     `json:"rpc"`
	API     string     `json:"api"`
	Steps   []DemoStep `json:"steps"`
}

func demoCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run Prova's story end to end on a throwaway local chain",
		Long: `Start an embedded single-validator chain in a temporary home, run a short
scenario through real transactions and verified queries, print what was done
and what was verified, then keep the chain serving until Ctrl-C.

The scenario: alice sends PROVA to bob; bob's balance is then read back
with a Merkle proof checked against a light-client-verified block header.

  provad demo           # run, then keep serving (Ctrl-C to stop)
  provad demo --exit    # run and stop (what CI uses)`,
		Args:              cobra.NoArgs,
		PersistentPreRunE: localOnly,
		RunE:              runDemo,
	}
	cmd.Flags().Bool(flagExit, false, "stop the chain and exit after the scenario")
	cmd.Flags().Bool(flagKeep, false, "keep the temporary home directory after exit")
	cmd.Flags().StringP(flags.FlagOutput, "o", "text", "output format (text|json)")
	return cmd
}

func runDemo(cmd *cobra.Command, _ []string) (err error) {
	exitAfter, _ := cmd.Flags().GetBool(flagExit)
	keep, _ := cmd.Flags().GetBool(flagKeep)
	output, _ := cmd.Flags().GetString(flags.FlagOutput)
	out := cmd.OutOrStdout()
	progress := out
	if output == "json" {
		progress = cmd.ErrOrStderr()
	}

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	home, err := os.MkdirTemp("", "prova-demo-")
	if err != nil {
		return err
	}
	defer func() {
		if !keep {
			os.RemoveAll(home)
		}
	}()
	ports, err := devnet.FreePorts()
	if err != nil {
		return err
	}
	fmt.Fprintf(progress, "Creating a single-validator chain in %s ...\n", home)
	net, err := devnet.Init(devnet.Config{
		ChainID:    "prova-demo-1",
		Homes:      []string{home},
		Ports:      []devnet.Ports{ports},
		Accounts:   DefaultDevAccounts,
		BlockTime:  300 * time.Millisecond,
		ReceiptLog: true,
	})
	if err != nil {
		return err
	}
	bin, err := devnet.Executable()
	if err != nil {
		return err
	}
	logPath := filepath.Join(home, "node.log")
	proc, err := devnet.StartProcess(bin, home, logPath)
	if err != nil {
		return err
	}
	defer func() {
		if stopErr := proc.Stop(devnet.DefaultStopTimeout); stopErr != nil && err == nil {
			err = stopErr
		}
	}()

	report := DemoReport{ChainID: net.ChainID, Home: home, RPC: ports.RPCURL(), API: ports.APIURL()}
	fmt.Fprintf(progress, "Starting the node (pid %d, log %s) ...\n", proc.PID(), logPath)
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	h, err := devnet.WaitForHeight(wctx, ports.RPCURL(), 2, proc)
	cancel()
	if err != nil {
		return fmt.Errorf("%w\n%s", err, devnet.TailLog(logPath, 2000))
	}
	report.Steps = append(report.Steps, DemoStep{Step: "chain", Detail: fmt.Sprintf("%s producing blocks (height %d)", net.ChainID, h)})

	steps, err := runDemoTransfer(ctx, net, progress)
	report.Steps = append(report.Steps, steps...)
	if err != nil {
		return err
	}
	steps, err = runDemoProvenance(ctx, net, progress)
	report.Steps = append(report.Steps, steps...)
	if err != nil {
		return err
	}
	steps, ref, err := runDemoReceipts(ctx, net, progress)
	report.Steps = append(report.Steps, steps...)
	if err != nil {
		return err
	}
	steps, err = runDemoContent(ctx, net, progress, ref)
	report.Steps = append(report.Steps, steps...)
	if err != nil {
		return err
	}

	if output == "json" {
		if err := json.NewEncoder(out).Encode(report); err != nil {
			return err
		}
	} else {
		printDemoReport(out, report)
	}
	if exitAfter {
		return nil
	}
	fmt.Fprintf(progress, "\nThe chain keeps running: RPC %s, REST %s, home %s.\nPress Ctrl-C to stop.\n", ports.RPCURL(), ports.APIURL(), home)
	select {
	case <-ctx.Done():
		fmt.Fprintln(progress, "\nStopping the node ...")
	case <-proc.Done():
		return fmt.Errorf("the node exited unexpectedly; see %s", logPath)
	}
	return nil
}

// runDemoTransfer sends PROVA from alice to bob and proves bob's new balance.
func runDemoTransfer(ctx context.Context, net *devnet.Network, progress io.Writer) ([]DemoStep, error) {
	node := net.Nodes[0]
	c, err := devnet.NewClient(net.ChainID, node.Ports.RPCURL(), node.Home)
	if err != nil {
		return nil, err
	}
	bob, err := c.Address("bob")
	if err != nil {
		return nil, err
	}
	amount := sdk.NewCoins(sdk.NewCoin(app.BondDenom, sdkmath.NewInt(demoTransfer)))
	fmt.Fprintf(progress, "Sending %s from alice to bob ...\n", amount)
	hash, height, err := c.Send(ctx, "alice", bob, amount)
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	steps := []DemoStep{{Step: "transfer", Detail: fmt.Sprintf("alice -> bob %s, tx %s committed at height %d", formatProva(demoTransfer), hash[:16], height)}}

	fmt.Fprintf(progress, "Verifying bob's balance against a light-client-verified header ...\n")
	vb, err := verifiedBalance(ctx, net.ChainID, node.Ports.RPCURL(), trustFromGenesis(), bob, app.BondDenom, height)
	if err != nil {
		return steps, fmt.Errorf("verified balance: %w", err)
	}
	want := sdkmath.NewInt(devnet.DefaultAccountTokens + demoTransfer)
	if !vb.Amount.Equal(want) {
		return steps, fmt.Errorf("verified balance of bob is %s, expected %s", vb.Amount, want)
	}
	steps = append(steps, DemoStep{
		Step:     "verified balance",
		Detail:   fmt.Sprintf("bob holds %s at height %d; proof checked against app hash %s of header %d", formatProva(vb.Amount.Int64()), vb.Height, short(vb.AppHash), vb.Height+1),
		Verified: true,
	})
	return steps, nil
}

func printDemoReport(w io.Writer, r DemoReport) {
	fmt.Fprintf(w, "\nProva demo summary (%s)\n", r.ChainID)
	for _, s := range r.Steps {
		mark := "done    "
		if s.Verified {
			mark = "VERIFIED"
		}
		fmt.Fprintf(w, "  [%s] %-17s %s\n", mark, s.Step, s.Detail)
	}
}

// formatProva renders an amount of uprova as PROVA with six decimals.
func formatProva(u int64) string {
	return fmt.Sprintf("%d.%06d PROVA", u/1_000_000, u%1_000_000)
}

func short(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}
