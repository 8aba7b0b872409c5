package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"
	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	evalcli "github.com/prova-network/prova/x/eval/client/cli"
	evaltypes "github.com/prova-network/prova/x/eval/types"
)

const (
	flagEvalConfig  = "config"
	flagEvalCommand = "command"
	flagEvalOnce    = "once"
	flagEvalPoll    = "poll"
	flagEvalTimeout = "timeout"

	// DefaultEvaluatorPoll is how often `evaluator run` asks the node for work.
	DefaultEvaluatorPoll = 5 * time.Second
	// DefaultEvaluatorTimeout bounds one run of the evaluation command.
	DefaultEvaluatorTimeout = 30 * time.Minute
	// maxCommandOutput caps what is kept of the command's stdout and stderr.
	maxCommandOutput = 1 << 20
	// txWait bounds the wait for a broadcast transaction to be in a block.
	txWait = time.Minute
)

// slog keys of the evaluator's log lines.
const (
	logTask      = "task"
	logTarget    = "target"
	logScore     = "score"
	logHeight    = "height"
	logTx        = "tx"
	logErr       = "err"
	logEvaluator = "evaluator"
)

// Errors the operator sees.
var (
	ErrEvalCommandFailed = errors.New("evaluation command failed")
	ErrScoreOutOfScale   = errors.New("score out of the task's scale")
	ErrNotBonded         = errors.New("not a bonded validator")
)

// EvaluatorConfig is the `--config` file of `provad evaluator run` (TOML,
// or YAML/JSON by extension). Flags given on the command line win.
type EvaluatorConfig struct {
	// Command is run with /bin/sh -c for each task; it prints the score.
	Command string `toml:"command" json:"command"`
	// Timeout bounds one evaluation (a Go duration, e.g. "20m").
	Timeout string `toml:"timeout" json:"timeout"`
	// Poll is how often the node is asked for open tasks (e.g. "5s").
	Poll string `toml:"poll" json:"poll"`
	// Env is added to the command's environment.
	Env map[string]string `toml:"env" json:"env"`
}

// LoadEvaluatorConfig reads a config file: .toml, or .yaml/.yml/.json.
func LoadEvaluatorConfig(path string) (EvaluatorConfig, error) {
	var c EvaluatorConfig
	bz, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml":
		d := toml.NewDecoder(bytes.NewReader(bz))
		d.DisallowUnknownFields()
		err = d.Decode(&c)
	case ".yaml", ".yml", ".json":
		err = yaml.UnmarshalStrict(bz, &c)
	default:
		return c, fmt.Errorf("config %s: use a .toml, .yaml or .json file", path)
	}
	if err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// ParseScore reads the score from an evaluation command's stdout: the last
// non-empty line, a decimal integer in 0..scoreMax.
func ParseScore(stdout string, scoreMax uint64) (uint64, error) {
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if last == "" {
		return 0, fmt.Errorf("%w: it printed nothing; it must print the integer score as its last line", ErrEvalCommandFailed)
	}
	score, err := strconv.ParseUint(last, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: last line %q is not a non-negative integer score", ErrEvalCommandFailed, last)
	}
	if score > scoreMax {
		return 0, fmt.Errorf("%w: %d is above the maximum %d", ErrScoreOutOfScale, score, scoreMax)
	}
	return score, nil
}

// TaskEnv is the environment an evaluation command receives for task t.
func TaskEnv(t evaltypes.Task, evaluator, chainID string) []string {
	return []string{
		"PROVA_TASK_ID=" + strconv.FormatUint(t.Id, 10),
		"PROVA_TARGET_ID=" + t.TargetId,
		"PROVA_BENCHMARK_URI=" + t.BenchmarkUri,
		"PROVA_BENCHMARK_DIGEST=" + t.BenchmarkDigest,
		"PROVA_METRIC=" + t.Metric,
		"PROVA_SCORE_MAX=" + strconv.FormatUint(t.ScoreMax, 10),
		"PROVA_COMMIT_END=" + strconv.FormatInt(t.CommitEnd, 10),
		"PROVA_REVEAL_END=" + strconv.FormatInt(t.RevealEnd, 10),
		"PROVA_EVALUATOR=" + evaluator,
		"PROVA_CHAIN_ID=" + chainID,
	}
}

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
	cmd.Flags().Duration(flagEvalPoll, DefaultEvaluatorPoll, "how often to ask the node for open tasks")
	cmd.Flags().Duration(flagEvalTimeout, DefaultEvaluatorTimeout, "time limit of one evaluation")
	flags.AddTxFlagsToCmd(cmd)
	out := cmd.Flags().Lookup(flags.FlagOutput)
	out.Usage, out.DefValue = "log format (text|json)", "text"
	_ = out.Value.Set("text")
	return cmd
}

// evaluator is one running `provad evaluator run`.
type evaluator struct {
	clientCtx client.Context
	flags     *pflag.FlagSet
	from      string
	command   string
	env       []string
	timeout   time.Duration
	log       *slog.Logger
	query     evaltypes.QueryClient
	// given up holds tasks whose evaluation failed in this run; they are
	// not retried until restart.
	givenUp map[uint64]bool
}

func runEvaluator(cmd *cobra.Command, _ []string) error {
	clientCtx, err := client.GetClientTxContext(cmd)
	if err != nil {
		return err
	}
	if clientCtx.FromName == "" {
		return errors.New("--from is required: the key of the validator's operator account")
	}
	var cfg EvaluatorConfig
	if path, _ := cmd.Flags().GetString(flagEvalConfig); path != "" {
		if cfg, err = LoadEvaluatorConfig(path); err != nil {
			return err
		}
	}
	e := &evaluator{
		clientCtx: clientCtx, flags: cmd.Flags(), from: clientCtx.GetFromAddress().String(),
		command: cfg.Command, timeout: DefaultEvaluatorTimeout,
		query: evaltypes.NewQueryClient(clientCtx), givenUp: map[uint64]bool{},
	}
	poll := DefaultEvaluatorPoll
	if cfg.Poll != "" {
		if poll, err = time.ParseDuration(cfg.Poll); err != nil {
			return fmt.Errorf("config poll: %w", err)
		}
	}
	if cfg.Timeout != "" {
		if e.timeout, err = time.ParseDuration(cfg.Timeout); err != nil {
			return fmt.Errorf("config timeout: %w", err)
		}
	}
	if f := cmd.Flags().Lookup(flagEvalCommand); f.Changed {
		e.command = f.Value.String()
	}
	if f := cmd.Flags().Lookup(flagEvalPoll); f.Changed {
		poll, _ = cmd.Flags().GetDuration(flagEvalPoll)
	}
	if f := cmd.Flags().Lookup(flagEvalTimeout); f.Changed {
		e.timeout, _ = cmd.Flags().GetDuration(flagEvalTimeout)
	}
	if strings.TrimSpace(e.command) == "" {
		return errors.New("no evaluation command: give --command or a --config file with command = \"...\"")
	}
	if poll <= 0 || e.timeout <= 0 {
		return errors.New("--poll and --timeout must be positive")
	}
	keys := make([]string, 0, len(cfg.Env))
	for k := range cfg.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e.env = append(e.env, k+"="+cfg.Env[k])
	}
	var h slog.Handler = slog.NewTextHandler(cmd.OutOrStdout(), nil)
	if o, _ := cmd.Flags().GetString(flags.FlagOutput); o == "json" {
		h = slog.NewJSONHandler(cmd.OutOrStdout(), nil)
	}
	e.log = slog.New(h).With(logEvaluator, e.from)

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := e.checkBonded(ctx); err != nil {
		return err
	}
	once, _ := cmd.Flags().GetBool(flagEvalOnce)
	e.log.Info("evaluator started", "once", once, "poll", poll.String(), "home", clientCtx.HomeDir)
	for {
		failures, err := e.pass(ctx)
		if ctx.Err() != nil {
			e.log.Info("evaluator stopped")
			return nil
		}
		if err != nil {
			if once {
				return err
			}
			e.log.Error("pass failed; retrying", logErr, err.Error())
		}
		if once {
			if failures > 0 {
				return fmt.Errorf("%d task(s) could not be handled; see the log above", failures)
			}
			e.log.Info("evaluator pass done")
			return nil
		}
		select {
		case <-ctx.Done():
			e.log.Info("evaluator stopped")
			return nil
		case <-time.After(poll):
		}
	}
}

// checkBonded refuses to start for an account that operates no bonded
// validator (its commits would be rejected).
func (e *evaluator) checkBonded(ctx context.Context) error {
	acc, err := sdk.AccAddressFromBech32(e.from)
	if err != nil {
		return err
	}
	val := sdk.ValAddress(acc).String()
	res, err := stakingtypes.NewQueryClient(e.clientCtx).Validator(ctx, &stakingtypes.QueryValidatorRequest{ValidatorAddr: val})
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			return fmt.Errorf("%w: %s operates no validator (%s); use --from with a validator's operator key", ErrNotBonded, e.from, val)
		}
		return fmt.Errorf("look up validator %s: %w", val, err)
	}
	if res.Validator.Status != stakingtypes.Bonded {
		return fmt.Errorf("%w: validator %s is %s (jailed: %t); only bonded validators evaluate", ErrNotBonded, val, res.Validator.Status, res.Validator.Jailed)
	}
	return nil
}

// pass handles every open task once; it returns how many tasks failed.
func (e *evaluator) pass(ctx context.Context) (int, error) {
	node, err := e.clientCtx.GetNode()
	if err != nil {
		return 0, err
	}
	st, err := node.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("node status: %w", err)
	}
	res, err := e.query.OpenTasks(ctx, &evaltypes.QueryOpenTasksRequest{})
	if err != nil {
		return 0, fmt.Errorf("list open tasks: %w", err)
	}
	next := st.SyncInfo.LatestBlockHeight + 1 // the earliest height our tx can land in
	failures := 0
	for _, t := range res.Tasks {
		if ctx.Err() != nil {
			return failures, nil
		}
		if e.givenUp[t.Id] {
			continue
		}
		part, err := e.query.Participation(ctx, &evaltypes.QueryParticipationRequest{TaskId: t.Id, Evaluator: e.from})
		if err != nil {
			return failures, fmt.Errorf("participation in task %d: %w", t.Id, err)
		}
		var handled error
		switch {
		case part.Commit == nil && next <= t.CommitEnd:
			handled = e.commit(ctx, t)
		case part.Commit != nil && part.Reveal == nil && next > t.CommitEnd && next <= t.RevealEnd:
			handled = e.reveal(ctx, t)
		default:
			continue
		}
		if handled != nil && ctx.Err() == nil {
			failures++
			e.givenUp[t.Id] = true
			e.log.Error("task not handled", logTask, t.Id, logTarget, t.TargetId, logErr, handled.Error())
		}
	}
	return failures, nil
}

// commit evaluates t (or reuses a score recorded before a restart) and
// commits to it.
func (e *evaluator) commit(ctx context.Context, t evaltypes.Task) error {
	home := e.clientCtx.HomeDir
	var msg *evaltypes.MsgCommitScore
	rec, err := evalcli.LoadSalt(home, e.from, t.Id)
	switch {
	case err == nil:
		// Recorded but not on chain: the earlier broadcast did not land.
		if msg, err = rec.CommitMsg(e.from); err != nil {
			return err
		}
		e.log.Info("committing the score recorded earlier", logTask, t.Id, logScore, rec.Score)
	case errors.Is(err, os.ErrNotExist):
		e.log.Info("evaluating", logTask, t.Id, logTarget, t.TargetId, "metric", t.Metric, "score_max", t.ScoreMax)
		score, err := e.evaluate(ctx, t)
		if err != nil {
			return err
		}
		if msg, err = evalcli.NewCommit(home, e.from, t.Id, score); err != nil {
			return err
		}
		rec.Score = score
	default:
		return err
	}
	hash, height, err := e.send(ctx, msg)
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	e.log.Info("committed", logTask, t.Id, logScore, rec.Score, logHeight, height, logTx, hash, "reveal_from", t.CommitEnd+1)
	return nil
}

func (e *evaluator) reveal(ctx context.Context, t evaltypes.Task) error {
	rec, err := evalcli.LoadSalt(e.clientCtx.HomeDir, e.from, t.Id)
	if err != nil {
		return fmt.Errorf("committed on chain but cannot reveal: %w", err)
	}
	msg, err := rec.RevealMsg(e.from)
	if err != nil {
		return err
	}
	hash, height, err := e.send(ctx, msg)
	if err != nil {
		return fmt.Errorf("reveal: %w", err)
	}
	e.log.Info("revealed", logTask, t.Id, logScore, rec.Score, logHeight, height, logTx, hash)
	return nil
}

// evaluate runs the command for t and parses its score.
func (e *evaluator) evaluate(ctx context.Context, t evaltypes.Task) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	c := exec.CommandContext(ctx, "/bin/sh", "-c", e.command)
	c.Env = append(append(os.Environ(), e.env...), TaskEnv(t, e.from, e.clientCtx.ChainID)...)
	// Its own process group, so a timeout or Ctrl-C stops whatever it started.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = 5 * time.Second
	var stdout, stderr capped
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("timed out after %s", e.timeout)
		}
		return 0, fmt.Errorf("%w: %v; stderr: %s", ErrEvalCommandFailed, err, tail(stderr.String(), 500))
	}
	return ParseScore(stdout.String(), t.ScoreMax)
}

// send signs msg with the --from key, broadcasts it and waits until it is
// in a block; it returns the tx hash and height.
func (e *evaluator) send(ctx context.Context, msg sdk.Msg) (string, int64, error) {
	txf, err := tx.NewFactoryCLI(e.clientCtx, e.flags)
	if err != nil {
		return "", 0, err
	}
	if txf, err = txf.Prepare(e.clientCtx); err != nil {
		return "", 0, err
	}
	if txf.SimulateAndExecute() {
		_, gas, err := tx.CalculateGas(e.clientCtx, txf, msg)
		if err != nil {
			return "", 0, err
		}
		txf = txf.WithGas(gas)
	}
	b, err := txf.BuildUnsignedTx(msg)
	if err != nil {
		return "", 0, err
	}
	if err := tx.Sign(ctx, txf, e.clientCtx.FromName, b, true); err != nil {
		return "", 0, err
	}
	bz, err := e.clientCtx.TxConfig.TxEncoder()(b.GetTx())
	if err != nil {
		return "", 0, err
	}
	res, err := e.clientCtx.BroadcastTxSync(bz)
	if err != nil {
		return "", 0, err
	}
	if res.Code != 0 {
		return res.TxHash, 0, fmt.Errorf("rejected by the node (%s code %d): %s", res.Codespace, res.Code, res.RawLog)
	}
	node, err := e.clientCtx.GetNode()
	if err != nil {
		return res.TxHash, 0, err
	}
	hb, err := hex.DecodeString(res.TxHash)
	if err != nil {
		return res.TxHash, 0, err
	}
	deadline := time.Now().Add(txWait)
	for {
		r, err := node.Tx(ctx, hb, false)
		if err == nil {
			if r.TxResult.Code != 0 {
				return res.TxHash, r.Height, fmt.Errorf("failed in block %d (%s code %d): %s", r.Height, r.TxResult.Codespace, r.TxResult.Code, r.TxResult.Log)
			}
			return res.TxHash, r.Height, nil
		}
		if time.Now().After(deadline) {
			return res.TxHash, 0, fmt.Errorf("transaction %s not in a block after %s", res.TxHash, txWait)
		}
		select {
		case <-ctx.Done():
			return res.TxHash, 0, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// capped keeps the first maxCommandOutput bytes written to it.
type capped struct{ bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if room := maxCommandOutput - c.Len(); room > 0 {
		if len(p) > room {
			c.Buffer.Write(p[:room])
		} else {
			c.Buffer.Write(p)
		}
	}
	return len(p), nil
}

var _ io.Writer = (*capped)(nil)

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
