// Package cli holds `provad tx eval`. The commit command keeps the salt in
// the client home, so a validator types only the score at commit time and
// nothing but the task ID at reveal time.
package cli

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/eval/types"
)

const (
	flagBenchmarkURI    = "benchmark-uri"
	flagBenchmarkDigest = "benchmark-digest"
	flagMetric          = "metric"
	flagScoreMax        = "score-max"
	flagCommitBlocks    = "commit-blocks"
	flagRevealBlocks    = "reveal-blocks"
	flagMinEvaluators   = "min-evaluators"
	flagTolerance       = "tolerance"
	flagSlashDistance   = "slash-distance"
)

// GetTxCmd returns `provad tx eval`.
func GetTxCmd() *cobra.Command {
	cmd := &cobra.Command{Use: types.ModuleName, Short: "Create evaluation tasks and score them (commit, then reveal)", RunE: client.ValidateCmd}
	cmd.AddCommand(createTaskCmd(), commitCmd(), revealCmd())
	return cmd
}

func createTaskCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create-task TARGET_ID POOL",
		Short: "Create an evaluation task on a registered model or dataset, funding its reward pool",
		Example: `  provad tx eval create-task blake3:946d... 5000000uprova --metric accuracy --score-max 10000 \
    --commit-blocks 20 --reveal-blocks 20 --min-evaluators 3 --tolerance 500 --slash-distance 2000 --from alice`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			pool, err := sdk.ParseCoinNormalized(args[1])
			if err != nil {
				return fmt.Errorf("pool %q: %w", args[1], err)
			}
			m := &types.MsgCreateEvalTask{Creator: clientCtx.GetFromAddress().String(), TargetId: args[0], Pool: pool}
			m.BenchmarkUri, _ = cmd.Flags().GetString(flagBenchmarkURI)
			m.BenchmarkDigest, _ = cmd.Flags().GetString(flagBenchmarkDigest)
			m.Metric, _ = cmd.Flags().GetString(flagMetric)
			m.ScoreMax, _ = cmd.Flags().GetUint64(flagScoreMax)
			m.CommitBlocks, _ = cmd.Flags().GetInt64(flagCommitBlocks)
			m.RevealBlocks, _ = cmd.Flags().GetInt64(flagRevealBlocks)
			m.MinEvaluators, _ = cmd.Flags().GetUint32(flagMinEvaluators)
			m.Tolerance, _ = cmd.Flags().GetUint64(flagTolerance)
			m.SlashDistance, _ = cmd.Flags().GetUint64(flagSlashDistance)
			if err := m.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), m)
		},
	}
	cmd.Flags().String(flagBenchmarkURI, "", "where the benchmark is described")
	cmd.Flags().String(flagBenchmarkDigest, "", "digest ID of the benchmark (e.g. a registered dataset)")
	cmd.Flags().String(flagMetric, "", "metric name, e.g. accuracy (required)")
	cmd.Flags().Uint64(flagScoreMax, 10_000, "top of the score scale (10000 = basis points)")
	cmd.Flags().Int64(flagCommitBlocks, 20, "blocks during which validators commit")
	cmd.Flags().Int64(flagRevealBlocks, 20, "blocks during which they reveal")
	cmd.Flags().Uint32(flagMinEvaluators, 3, "reveals needed for a result")
	cmd.Flags().Uint64(flagTolerance, 500, "scores within this distance of the median share the pool")
	cmd.Flags().Uint64(flagSlashDistance, 2000, "scores farther than this from the median are slashed")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// saltRecord is what `commit` keeps for `reveal`.
type saltRecord struct {
	TaskID uint64 `json:"task_id"`
	Score  uint64 `json:"score"`
	Salt   string `json:"salt"`
}

func saltPath(home, from string, task uint64) string {
	return filepath.Join(home, "eval-salts", fmt.Sprintf("%s-%d.json", from, task))
}

func commitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "commit TASK_ID SCORE",
		Short: "Commit to a score (hidden until reveal); the salt is kept in the client home",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			task, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("task id %q: %w", args[0], err)
			}
			score, err := strconv.ParseUint(args[1], 10, 64)
			if err != nil {
				return fmt.Errorf("score %q: %w", args[1], err)
			}
			salt := make([]byte, 32)
			if _, err := rand.Read(salt); err != nil {
				return err
			}
			from := clientCtx.GetFromAddress().String()
			path := saltPath(clientCtx.HomeDir, from, task)
			if _, err := os.Stat(path); err == nil {
				return fmt.Errorf("a commit for task %d is already recorded in %s", task, path)
			}
			bz, _ := json.Marshal(saltRecord{TaskID: task, Score: score, Salt: hex.EncodeToString(salt)})
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return err
			}
			if err := os.WriteFile(path, bz, 0o600); err != nil {
				return err
			}
			m := &types.MsgCommitScore{Evaluator: from, TaskId: task, Hash: types.CommitHash(task, from, score, salt)}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), m)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func revealCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reveal TASK_ID",
		Short: "Reveal the score committed for a task (uses the salt kept by commit)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			task, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("task id %q: %w", args[0], err)
			}
			from := clientCtx.GetFromAddress().String()
			bz, err := os.ReadFile(saltPath(clientCtx.HomeDir, from, task))
			if err != nil {
				return fmt.Errorf("no commit recorded for task %d by %s in this home: %w", task, from, err)
			}
			var rec saltRecord
			if err := json.Unmarshal(bz, &rec); err != nil {
				return err
			}
			salt, err := hex.DecodeString(rec.Salt)
			if err != nil {
				return err
			}
			m := &types.MsgRevealScore{Evaluator: from, TaskId: task, Score: rec.Score, Salt: salt}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), m)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}
