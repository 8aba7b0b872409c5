// Package evaluator is the daemon behind 'provad evaluator run': it watches
// a node for open evaluation tasks, runs the operator's evaluation command
// for each, commits the score with a fresh salt and reveals it when the
// reveal window opens, also after a restart (salts live in the client
// home, as 'provad tx eval commit' keeps them). Transactions go through
// internal/txclient.
package evaluator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pelletier/go-toml/v2"
	"sigs.k8s.io/yaml"

	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/prova-network/prova/internal/txclient"
	evalcli "github.com/prova-network/prova/x/eval/client/cli"
	evaltypes "github.com/prova-network/prova/x/eval/types"
)

// Defaults.
const (
	// DefaultPoll is how often the daemon asks the node for work.
	DefaultPoll = 5 * time.Second
	// DefaultTimeout bounds one run of the evaluation command.
	DefaultTimeout = 30 * time.Minute
	// maxCommandOutput caps what is kept of the command's stdout and stderr.
	maxCommandOutput = 1 << 20
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

// Config is the `--config` file of `provad evaluator run` (TOML, or
// YAML/JSON by extension). Flags given on the command line win.
type Config struct {
	// Command is run with /bin/sh -c for each task; it prints the score.
	Command string `toml:"command" json:"command"`
	// Timeout bounds one evaluation (a Go duration, e.g. "20m").
	Timeout string `toml:"timeout" json:"timeout"`
	// Poll is how often the node is asked for open tasks (e.g. "5s").
	Poll string `toml:"poll" json:"poll"`
	// Env is added to the command's environment.
	Env map[string]string `toml:"env" json:"env"`
}

// LoadConfig reads a config file: .toml, or .yaml/.yml/.json.
func LoadConfig(path string) (Config, error) {
	var c Config
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

// Settings are what one daemon runs with, resolved from the config file
// and the flags.
type Settings struct {
	// Command is run with /bin/sh -c for each task; it prints the score.
	Command string
	// Env is added to the command's environment (KEY=VALUE, sorted).
	Env []string
	// Timeout bounds one evaluation; Poll is the interval between passes.
	Timeout, Poll time.Duration
	// Once makes one pass and returns.
	Once bool
}

// Settings resolves c into Settings with the defaults filled in.
func (c Config) Settings() (Settings, error) {
	s := Settings{Command: c.Command, Timeout: DefaultTimeout, Poll: DefaultPoll}
	var err error
	if c.Poll != "" {
		if s.Poll, err = time.ParseDuration(c.Poll); err != nil {
			return s, fmt.Errorf("config poll: %w", err)
		}
	}
	if c.Timeout != "" {
		if s.Timeout, err = time.ParseDuration(c.Timeout); err != nil {
			return s, fmt.Errorf("config timeout: %w", err)
		}
	}
	keys := make([]string, 0, len(c.Env))
	for k := range c.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s.Env = append(s.Env, k+"="+c.Env[k])
	}
	return s, nil
}

// Validate reports settings the daemon cannot run with.
func (s Settings) Validate() error {
	if strings.TrimSpace(s.Command) == "" {
		return errors.New("no evaluation command: give --command or a --config file with command = \"...\"")
	}
	if s.Poll <= 0 || s.Timeout <= 0 {
		return errors.New("--poll and --timeout must be positive")
	}
	return nil
}

// StatusFunc returns the node's status (its latest height).
type StatusFunc func(ctx context.Context) (*coretypes.ResultStatus, error)

// Deps are the daemon's connections to the chain.
type Deps struct {
	// Tx sends the commit and reveal transactions, signed with From.
	Tx *txclient.Client
	// From is the keyring name of the validator operator's key.
	From string
	// Home is the client home holding eval-salts.
	Home    string
	Eval    evaltypes.QueryClient
	Staking stakingtypes.QueryClient
	Status  StatusFunc
	Logger  *slog.Logger
}

// Daemon is one running evaluator.
type Daemon struct {
	s       Settings
	d       Deps
	from    string // bech32 address of d.From
	chainID string
	log     *slog.Logger
	// givenUp holds tasks whose evaluation failed in this run; they are
	// not retried until restart.
	givenUp map[uint64]bool
}

// New returns a daemon; it checks the settings and the key.
func New(s Settings, d Deps) (*Daemon, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if d.Tx == nil || d.Eval == nil || d.Staking == nil || d.Status == nil {
		return nil, errors.New("evaluator: missing chain connections")
	}
	if d.From == "" {
		return nil, errors.New("--from is required: the key of the validator's operator account")
	}
	addr, err := d.Tx.Address(d.From)
	if err != nil {
		return nil, err
	}
	logger := d.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	e := &Daemon{s: s, d: d, from: addr.String(), chainID: d.Tx.Context().ChainID, givenUp: map[uint64]bool{}}
	e.log = logger.With(logEvaluator, e.from)
	return e, nil
}

// Run checks that the key operates a bonded validator, then handles open
// tasks every Poll until ctx ends (or once, with Settings.Once). Ctrl-C
// (ctx cancelled) is a clean stop and returns nil.
func (e *Daemon) Run(ctx context.Context) error {
	if err := e.checkBonded(ctx); err != nil {
		return err
	}
	e.log.Info("evaluator started", "once", e.s.Once, "poll", e.s.Poll.String(), "home", e.d.Home)
	for {
		failures, err := e.pass(ctx)
		if ctx.Err() != nil {
			e.log.Info("evaluator stopped")
			return nil
		}
		if err != nil {
			if e.s.Once {
				return err
			}
			e.log.Error("pass failed; retrying", logErr, err.Error())
		}
		if e.s.Once {
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
		case <-time.After(e.s.Poll):
		}
	}
}

// checkBonded refuses to start for an account that operates no bonded
// validator (its commits would be rejected).
func (e *Daemon) checkBonded(ctx context.Context) error {
	acc, err := sdk.AccAddressFromBech32(e.from)
	if err != nil {
		return err
	}
	val := sdk.ValAddress(acc).String()
	res, err := e.d.Staking.Validator(ctx, &stakingtypes.QueryValidatorRequest{ValidatorAddr: val})
	if err != nil {
		if status.Code(err) == codes.NotFound {
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
func (e *Daemon) pass(ctx context.Context) (int, error) {
	st, err := e.d.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("node status: %w", err)
	}
	res, err := e.d.Eval.OpenTasks(ctx, &evaltypes.QueryOpenTasksRequest{})
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
		part, err := e.d.Eval.Participation(ctx, &evaltypes.QueryParticipationRequest{TaskId: t.Id, Evaluator: e.from})
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
func (e *Daemon) commit(ctx context.Context, t evaltypes.Task) error {
	var msg *evaltypes.MsgCommitScore
	rec, err := evalcli.LoadSalt(e.d.Home, e.from, t.Id)
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
		if msg, err = evalcli.NewCommit(e.d.Home, e.from, t.Id, score); err != nil {
			return err
		}
		rec.Score = score
	default:
		return err
	}
	res, err := e.d.Tx.Send(ctx, e.d.From, msg)
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	e.log.Info("committed", logTask, t.Id, logScore, rec.Score, logHeight, res.Height, logTx, res.Hash, "reveal_from", t.CommitEnd+1)
	return nil
}

func (e *Daemon) reveal(ctx context.Context, t evaltypes.Task) error {
	rec, err := evalcli.LoadSalt(e.d.Home, e.from, t.Id)
	if err != nil {
		return fmt.Errorf("committed on chain but cannot reveal: %w", err)
	}
	msg, err := rec.RevealMsg(e.from)
	if err != nil {
		return err
	}
	res, err := e.d.Tx.Send(ctx, e.d.From, msg)
	if err != nil {
		return fmt.Errorf("reveal: %w", err)
	}
	e.log.Info("revealed", logTask, t.Id, logScore, rec.Score, logHeight, res.Height, logTx, res.Hash)
	return nil
}

// evaluate runs the command for t and parses its score.
func (e *Daemon) evaluate(ctx context.Context, t evaltypes.Task) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, e.s.Timeout)
	defer cancel()
	c := exec.CommandContext(ctx, "/bin/sh", "-c", e.s.Command)
	c.Env = append(append(os.Environ(), e.s.Env...), TaskEnv(t, e.from, e.chainID)...)
	// Its own process group, so a timeout or Ctrl-C stops whatever it started.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = 5 * time.Second
	var stdout, stderr capped
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			err = fmt.Errorf("timed out after %s", e.s.Timeout)
		}
		return 0, fmt.Errorf("%w: %v; stderr: %s", ErrEvalCommandFailed, err, tail(stderr.String(), 500))
	}
	return ParseScore(stdout.String(), t.ScoreMax)
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
