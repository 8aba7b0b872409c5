package cli

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/prova-network/prova/internal/evaluator"
	"github.com/prova-network/prova/internal/txclient"
	evaltypes "github.com/prova-network/prova/x/eval/types"
)

const (
	flagEvalConfig  = "config"
	flagEvalCommand = "command"
	flagEvalOnce    = "once"
	flagEvalPoll    = "poll"
	flagEvalTimeout = "timeout"
)

func evaluatorCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "evaluator",
		Short: "Tools for validators who evaluate models and datasets",
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(evaluatorRunCommand())
	return cmd
}

func evaluatorRunCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Watch for evaluation tasks, score them with your command, commit and reveal automatically",
		Long: `Watch the node for open evaluation tasks. For each task in its commit window
that this validator has not committed to, run the evaluation command with the
task in its environment (PROVA_TASK_ID, PROVA_TARGET_ID, PROVA_BENCHMARK_URI,
PROVA_BENCHMARK_DIGEST, PROVA_METRIC, PROVA_SCORE_MAX, PROVA_COMMIT_END,
PROVA_REVEAL_END, PROVA_EVALUATOR, PROVA_CHAIN_ID); the last line of its
stdout is the integer score (0..PROVA_SCORE_MAX). The score is committed
with a fresh salt kept in <home>/eval-salts (as 'tx eval commit' does) and
revealed automatically when the reveal window opens, also after a restart.

--once makes one pass (commit to what is in its commit window, reveal what is
in its reveal window) and exits; run it again after the commit window to
reveal. Without --once it runs until Ctrl-C.`,
		Example: `  provad evaluator run --from validator --command './eval.sh'
  provad evaluator run --from validator --config evaluator.toml -o json`,
		Args: cobra.NoArgs,
		RunE: runEvaluator,
	}
	cmd.Flags().String(flagEvalConfig, "", "config file (.toml, .yaml or .json) with command, timeout, poll and env")
	cmd.Flags().String(flagEvalCommand, "", "evaluation command, run with /bin/sh -c (overrides the config)")
	cmd.Flags().Bool(flagEvalOnce, false, "handle what is open now and exit")
	cmd.Flags().Duration(flagEvalPoll, evaluator.DefaultPoll, "how often to ask the node for open tasks")
	cmd.Flags().Duration(flagEvalTimeout, evaluator.DefaultTimeout, "time limit of one evaluation")
	flags.AddTxFlagsToCmd(cmd)
	out := cmd.Flags().Lookup(flags.FlagOutput)
	out.Usage, out.DefValue = "log format (text|json)", "text"
	_ = out.Value.Set("text")
	return cmd
}

// runEvaluator reads the flags and the config into evaluator.Settings and
// runs the daemon until Ctrl-C.
func runEvaluator(cmd *cobra.Command, _ []string) error {
	clientCtx, err := client.GetClientTxContext(cmd)
	if err != nil {
		return err
	}
	var cfg evaluator.Config
	if path, _ := cmd.Flags().GetString(flagEvalConfig); path != "" {
		if cfg, err = evaluator.LoadConfig(path); err != nil {
			return err
		}
	}
	s, err := cfg.Settings()
	if err != nil {
		return err
	}
	if f := cmd.Flags().Lookup(flagEvalCommand); f.Changed {
		s.Command = f.Value.String()
	}
	if f := cmd.Flags().Lookup(flagEvalPoll); f.Changed {
		s.Poll, _ = cmd.Flags().GetDuration(flagEvalPoll)
	}
	if f := cmd.Flags().Lookup(flagEvalTimeout); f.Changed {
		s.Timeout, _ = cmd.Flags().GetDuration(flagEvalTimeout)
	}
	s.Once, _ = cmd.Flags().GetBool(flagEvalOnce)
	if err := s.Validate(); err != nil {
		return err
	}
	txf, err := tx.NewFactoryCLI(clientCtx, cmd.Flags())
	if err != nil {
		return err
	}
	tc, err := txclient.New(clientCtx, txclient.WithFactory(txf))
	if err != nil {
		return err
	}
	node, err := clientCtx.GetNode()
	if err != nil {
		return err
	}
	var h slog.Handler = slog.NewTextHandler(cmd.OutOrStdout(), nil)
	if o, _ := cmd.Flags().GetString(flags.FlagOutput); o == "json" {
		h = slog.NewJSONHandler(cmd.OutOrStdout(), nil)
	}
	d, err := evaluator.New(s, evaluator.Deps{
		Tx: tc, From: clientCtx.FromName, Home: clientCtx.HomeDir,
		Eval: evaltypes.NewQueryClient(clientCtx), Staking: stakingtypes.NewQueryClient(clientCtx),
		Status: func(ctx context.Context) (*coretypes.ResultStatus, error) { return node.Status(ctx) },
		Logger: slog.New(h),
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return d.Run(ctx)
}
