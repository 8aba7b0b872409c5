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
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govcli "github.com/cosmos/cosmos-sdk/x/gov/client/cli"

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
	cmd.AddCommand(createTaskCmd(), commitCmd(), revealCmd(), updateParamsProposalCmd())
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

// SaltRecord is what a commit keeps in the client home for its reveal.
type SaltRecord struct {
	TaskID uint64 `json:"task_id"`
	Score  uint64 `json:"score"`
	Salt   string `json:"salt"`
}

// SaltPath is where the commit of evaluator from to task is recorded.
func SaltPath(home, from string, task uint64) string {
	return filepath.Join(home, "eval-salts", fmt.Sprintf("%s-%d.json", from, task))
}

// NewCommit draws a fresh salt, records (score, salt) under home before
// anything is broadcast (so a crash after broadcasting cannot lose what
// the reveal needs), and returns the commit message. It refuses to
// overwrite an earlier record for the same task.
func NewCommit(home, from string, task, score uint64) (*types.MsgCommitScore, error) {
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	path := SaltPath(home, from, task)
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("a commit for task %d is already recorded in %s", task, path)
	}
	rec := SaltRecord{TaskID: task, Score: score, Salt: hex.EncodeToString(salt)}
	if err := writeFileAtomic(path, rec); err != nil {
		return nil, err
	}
	return rec.CommitMsg(from)
}

// LoadSalt reads the record kept by NewCommit.
func LoadSalt(home, from string, task uint64) (SaltRecord, error) {
	var rec SaltRecord
	bz, err := os.ReadFile(SaltPath(home, from, task))
	if err != nil {
		return rec, fmt.Errorf("no commit recorded for task %d by %s in this home: %w", task, from, err)
	}
	if err := json.Unmarshal(bz, &rec); err != nil {
		return rec, fmt.Errorf("commit record for task %d: %w", task, err)
	}
	if rec.TaskID != task {
		return rec, fmt.Errorf("commit record for task %d names task %d", task, rec.TaskID)
	}
	return rec, nil
}

func (r SaltRecord) salt() ([]byte, error) {
	salt, err := hex.DecodeString(r.Salt)
	if err != nil || len(salt) < types.MinSaltLen || len(salt) > types.MaxSaltLen {
		return nil, fmt.Errorf("commit record for task %d has a bad salt", r.TaskID)
	}
	return salt, nil
}

// CommitMsg is the commit of this record by evaluator from.
func (r SaltRecord) CommitMsg(from string) (*types.MsgCommitScore, error) {
	salt, err := r.salt()
	if err != nil {
		return nil, err
	}
	return &types.MsgCommitScore{Evaluator: from, TaskId: r.TaskID, Hash: types.CommitHash(r.TaskID, from, r.Score, salt)}, nil
}

// RevealMsg is the reveal of this record by evaluator from.
func (r SaltRecord) RevealMsg(from string) (*types.MsgRevealScore, error) {
	salt, err := r.salt()
	if err != nil {
		return nil, err
	}
	return &types.MsgRevealScore{Evaluator: from, TaskId: r.TaskID, Score: r.Score, Salt: salt}, nil
}

// writeFileAtomic writes v as JSON to path through a synced temporary file
// and a rename, so a crash leaves either nothing or the whole record.
func writeFileAtomic(path string, v any) error {
	bz, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".salt-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(bz); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
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
			m, err := NewCommit(clientCtx.HomeDir, clientCtx.GetFromAddress().String(), task, score)
			if err != nil {
				return err
			}
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
			rec, err := LoadSalt(clientCtx.HomeDir, from, task)
			if err != nil {
				return err
			}
			m, err := rec.RevealMsg(from)
			if err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), m)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// updateParamsProposalCmd submits a gov proposal carrying MsgUpdateParams.
// The parameters are read with the chain's JSON codec, so decimals are
// written as decimals ("0.01").
func updateParamsProposalCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update-params-proposal PARAMS_JSON",
		Short: "Submit a governance proposal replacing the eval parameters (give all of them)",
		Example: `  provad tx eval update-params-proposal '{"slash_fraction_deviation":"0.02","slash_fraction_no_reveal":"0.005",
    "reputation_window":"10","max_window_blocks":"86400","min_pool":{"denom":"uprova","amount":"1000000"}}' \
    --deposit 10000000uprova --title "Stricter evaluators" --summary "..." --from alice`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			var p types.Params
			if err := clientCtx.Codec.UnmarshalJSON([]byte(args[0]), &p); err != nil {
				return fmt.Errorf("params JSON: %w", err)
			}
			m := &types.MsgUpdateParams{Authority: authtypes.NewModuleAddress("gov").String(), Params: p}
			if err := m.ValidateBasic(); err != nil {
				return err
			}
			prop, err := govcli.ReadGovPropFlags(clientCtx, cmd.Flags())
			if err != nil {
				return err
			}
			if err := prop.SetMsgs([]sdk.Msg{m}); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), prop)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	govcli.AddGovPropFlagsToCmd(cmd)
	return cmd
}
