package types

import (
	"errors"
	"fmt"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// DefaultParams: 1% for deviating, 0.5% for not revealing, a 10-task
// reputation window, windows of at most ~1 day at 1 s blocks, pools of at
// least 1 PROVA.
func DefaultParams() Params {
	return Params{
		SlashFractionDeviation: sdkmath.LegacyNewDecWithPrec(1, 2),
		SlashFractionNoReveal:  sdkmath.LegacyNewDecWithPrec(5, 3),
		ReputationWindow:       10,
		MaxWindowBlocks:        86_400,
		MinPool:                sdk.NewInt64Coin(sdk.DefaultBondDenom, 1_000_000),
	}
}

// Validate checks the parameters.
func (p Params) Validate() error {
	fractions := []struct {
		name string
		f    sdkmath.LegacyDec
	}{{"deviation", p.SlashFractionDeviation}, {"no-reveal", p.SlashFractionNoReveal}}
	for _, x := range fractions {
		if x.f.IsNil() || x.f.IsNegative() || x.f.GT(sdkmath.LegacyOneDec()) {
			return fmt.Errorf("%s slash fraction must be in [0, 1]", x.name)
		}
	}
	if p.ReputationWindow == 0 {
		return errors.New("reputation window must be positive")
	}
	if p.MaxWindowBlocks <= 0 {
		return errors.New("max window blocks must be positive")
	}
	return p.MinPool.Validate()
}

// DefaultGenesis returns the default genesis state.
func DefaultGenesis() *GenesisState { return &GenesisState{Params: DefaultParams(), NextTaskId: 1} }

// Validate checks the genesis state: valid params, tasks in ascending id
// order below the next id, commits and reveals on known tasks (a reveal
// only with its commit, each evaluator once per task), task counters that
// match them, and reputations within 0..100%.
func (gs GenesisState) Validate() error {
	if gs.NextTaskId == 0 {
		return errors.New("next task id must be positive")
	}
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	tasks := make(map[uint64]Task, len(gs.Tasks))
	var prev uint64
	for _, t := range gs.Tasks {
		if t.Id == 0 || t.Id <= prev || t.Id >= gs.NextTaskId {
			return fmt.Errorf("task %d: ids must be ascending, positive and below next_task_id %d", t.Id, gs.NextTaskId)
		}
		prev = t.Id
		if _, ok := TaskStatus_name[int32(t.Status)]; !ok || t.Status == TaskStatus_TASK_STATUS_UNSPECIFIED {
			return fmt.Errorf("task %d: invalid status %d", t.Id, t.Status)
		}
		if t.TargetId == "" || t.ScoreMax == 0 || t.RevealEnd < t.CommitEnd {
			return fmt.Errorf("task %d: needs a target, a score scale and reveal_end >= commit_end", t.Id)
		}
		if err := validAddr("task creator", t.Creator); err != nil {
			return fmt.Errorf("task %d: %w", t.Id, err)
		}
		if err := t.Pool.Validate(); err != nil {
			return fmt.Errorf("task %d pool: %w", t.Id, err)
		}
		tasks[t.Id] = t
	}
	commits := map[string]bool{}
	nCommits := map[uint64]uint32{}
	for _, c := range gs.Commits {
		if _, ok := tasks[c.TaskId]; !ok {
			return fmt.Errorf("commit by %s on unknown task %d", c.Evaluator, c.TaskId)
		}
		if err := validAddr("evaluator", c.Evaluator); err != nil {
			return err
		}
		if len(c.Commit.Hash) != 32 {
			return fmt.Errorf("commit by %s on task %d: hash must be 32 bytes", c.Evaluator, c.TaskId)
		}
		key := fmt.Sprintf("%d/%s", c.TaskId, c.Evaluator)
		if commits[key] {
			return fmt.Errorf("duplicate commit by %s on task %d", c.Evaluator, c.TaskId)
		}
		commits[key] = true
		nCommits[c.TaskId]++
	}
	reveals := map[string]bool{}
	nReveals := map[uint64]uint32{}
	for _, r := range gs.Reveals {
		key := fmt.Sprintf("%d/%s", r.TaskId, r.Evaluator)
		if !commits[key] {
			return fmt.Errorf("reveal by %s on task %d without a commit", r.Evaluator, r.TaskId)
		}
		if reveals[key] {
			return fmt.Errorf("duplicate reveal by %s on task %d", r.Evaluator, r.TaskId)
		}
		if r.Reveal.Score > tasks[r.TaskId].ScoreMax || r.Reveal.Weight.IsNil() || r.Reveal.Weight.IsNegative() {
			return fmt.Errorf("reveal by %s on task %d: score above the scale or invalid weight", r.Evaluator, r.TaskId)
		}
		reveals[key] = true
		nReveals[r.TaskId]++
	}
	for _, t := range gs.Tasks {
		if t.Commits != nCommits[t.Id] || t.Reveals != nReveals[t.Id] {
			return fmt.Errorf("task %d counts %d commits and %d reveals; genesis has %d and %d", t.Id, t.Commits, t.Reveals, nCommits[t.Id], nReveals[t.Id])
		}
	}
	seen := map[string]bool{}
	for _, r := range gs.Reputations {
		if err := validAddr("evaluator", r.Evaluator); err != nil {
			return err
		}
		if seen[r.Evaluator] || r.Reputation > BasisPoints {
			return fmt.Errorf("reputation of %s: duplicate or above %d", r.Evaluator, BasisPoints)
		}
		seen[r.Evaluator] = true
	}
	return nil
}
