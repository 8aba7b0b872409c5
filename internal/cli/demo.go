package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/prova-network/prova/internal/demo"
)

const (
	flagExit = "exit"
	flagKeep = "keep"
)

func demoCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run Prova's story end to end on a throwaway local chain",
		Long: `Start an embedded single-validator chain in a temporary home, run a short
scenario through real transactions and verified queries, print what was done
and what was verified, then keep the chain serving until Ctrl-C.

The scenario: alice sends PROVA to bob and bob's balance is proven; a
dataset, a base model and a fine-tune are registered; the validator
evaluates the fine-tune; its lineage is verified from its files; inference
receipts are logged, anchored and verified; an AI-generated image is
registered and found again from a re-encoded copy. Then verifiable
inference: MNIST is registered as datasets (the test set with a records
root), the int8 MNIST MLP with its lineage is made executable and run on
chain (the same trace root as the local runtime), and a provider that
answers one image wrongly is challenged by a watcher, bisected down to one
step that the chain re-executes, and slashed. Without the MNIST files in the
Go module cache that chapter is skipped with a hint.

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
	chain, err := demo.Start(ctx, home, progress)
	if err != nil {
		return err
	}
	defer func() {
		if stopErr := chain.Stop(); stopErr != nil && err == nil {
			err = stopErr
		}
	}()
	report, err := chain.Run(ctx, progress)
	if err != nil {
		return err
	}
	if output == "json" {
		if err := json.NewEncoder(out).Encode(report); err != nil {
			return err
		}
	} else {
		demo.Print(out, report)
	}
	if exitAfter {
		return nil
	}
	fmt.Fprintf(progress, "\nThe chain keeps running: RPC %s, REST %s, home %s.\nPress Ctrl-C to stop.\n", report.RPC, report.API, home)
	select {
	case <-ctx.Done():
		fmt.Fprintln(progress, "\nStopping the node ...")
	case <-chain.Proc.Done():
		return fmt.Errorf("the node exited unexpectedly; see %s", chain.LogPath)
	}
	return nil
}
