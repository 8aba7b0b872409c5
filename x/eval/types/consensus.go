// Package types holds x/eval's types and its consensus arithmetic: the
// stake-weighted median of revealed scores, who is rewarded or slashed, how
// the reward pool is split without creating or losing a single uprova, and
// how reputation moves. Everything here is deterministic integer
// arithmetic over sorted inputs, so every validator computes the same result.
package types

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	sdkmath "cosmossdk.io/math"
)

// BasisPoints is 100% in basis points.
const BasisPoints = 10_000

// WeightedScore is one evaluator's revealed score and its voting weight
// (bonded stake × reputation, computed by the keeper).
type WeightedScore struct {
	Evaluator string
	Score     uint64
	Weight    sdkmath.Int
}

// TallyParams are the task's and module's rules for one tally.
type TallyParams struct {
	// MinReveals is the number of reveals below which the task fails.
	MinReveals int
	// Tolerance: evaluators within this distance of the median are rewarded.
	Tolerance uint64
	// SlashDistance: evaluators farther than this from the median are slashed.
	SlashDistance uint64
	// ScoreMax is the top of the score scale (e.g. 10,000 basis points).
	ScoreMax uint64
}

// Validate checks the parameters.
func (p TallyParams) Validate() error {
	switch {
	case p.MinReveals < 1:
		return errors.New("min reveals must be at least 1")
	case p.ScoreMax == 0:
		return errors.New("score scale must be positive")
	case p.Tolerance > p.SlashDistance:
		return fmt.Errorf("tolerance %d exceeds the slash distance %d", p.Tolerance, p.SlashDistance)
	}
	return nil
}

// Outcome says what happens to one evaluator.
type Outcome int

const (
	// OutcomeNeutral: revealed, outside the tolerance but not slashable.
	OutcomeNeutral Outcome = iota
	// OutcomeRewarded: within the tolerance; shares the pool.
	OutcomeRewarded
	// OutcomeSlashedDeviation: farther than the slash distance.
	OutcomeSlashedDeviation
	// OutcomeSlashedNoReveal: committed and never revealed.
	OutcomeSlashedNoReveal
)

func (o Outcome) String() string {
	return [...]string{"neutral", "rewarded", "slashed_deviation", "slashed_no_reveal"}[o]
}

// EvaluatorResult is the tally's verdict on one evaluator.
type EvaluatorResult struct {
	Evaluator string
	Outcome   Outcome
	Distance  uint64
	Reward    sdkmath.Int
}

// Tally is the result of a finished task.
type Tally struct {
	// Succeeded is false when too few evaluators revealed.
	Succeeded bool
	Median    uint64
	// Results, sorted by evaluator, cover every committer.
	Results []EvaluatorResult
	// Refund goes back to the task creator: the whole pool when the task
	// failed or nobody was within tolerance, else zero.
	Refund sdkmath.Int
}

// ComputeTally decides a task. committers lists everyone who committed;
// reveals those who revealed (each must also be a committer). The sum of
// rewards plus the refund always equals pool exactly.
func ComputeTally(p TallyParams, pool sdkmath.Int, committers []string, reveals []WeightedScore) (Tally, error) {
	if err := p.Validate(); err != nil {
		return Tally{}, err
	}
	if pool.IsNegative() {
		return Tally{}, errors.New("negative reward pool")
	}
	committed := make(map[string]bool, len(committers))
	for _, c := range committers {
		if committed[c] {
			return Tally{}, fmt.Errorf("evaluator %s committed twice", c)
		}
		committed[c] = true
	}
	revealed := make(map[string]WeightedScore, len(reveals))
	for _, r := range reveals {
		if !committed[r.Evaluator] {
			return Tally{}, fmt.Errorf("evaluator %s revealed without a commit", r.Evaluator)
		}
		if _, dup := revealed[r.Evaluator]; dup {
			return Tally{}, fmt.Errorf("evaluator %s revealed twice", r.Evaluator)
		}
		if r.Score > p.ScoreMax {
			return Tally{}, fmt.Errorf("evaluator %s score %d is above the scale maximum %d", r.Evaluator, r.Score, p.ScoreMax)
		}
		if r.Weight.IsNil() || r.Weight.IsNegative() {
			return Tally{}, fmt.Errorf("evaluator %s has an invalid weight", r.Evaluator)
		}
		revealed[r.Evaluator] = r
	}

	sorted := append([]string(nil), committers...)
	sort.Strings(sorted)
	t := Tally{Refund: sdkmath.ZeroInt()}
	median, ok := WeightedMedian(reveals)
	t.Succeeded = len(reveals) >= p.MinReveals && ok
	t.Median = median

	rewardWeight := sdkmath.ZeroInt()
	for _, e := range sorted {
		res := EvaluatorResult{Evaluator: e, Reward: sdkmath.ZeroInt()}
		r, did := revealed[e]
		switch {
		case !did:
			res.Outcome = OutcomeSlashedNoReveal
		case !t.Succeeded:
			res.Outcome = OutcomeNeutral
		default:
			res.Distance = absDiff(r.Score, median)
			switch {
			case res.Distance <= p.Tolerance:
				res.Outcome = OutcomeRewarded
				rewardWeight = rewardWeight.Add(r.Weight)
			case res.Distance > p.SlashDistance:
				res.Outcome = OutcomeSlashedDeviation
			}
		}
		t.Results = append(t.Results, res)
	}
	if !t.Succeeded || !rewardWeight.IsPositive() {
		t.Refund = pool
		return t, nil
	}
	splitPool(&t, pool, rewardWeight, revealed)
	return t, nil
}

// splitPool shares pool among the rewarded in proportion to weight with
// the largest-remainder method: each gets floor(pool·w/W); the uprova left
// over go one each to the largest remainders (ties by evaluator order), so
// the shares sum to pool exactly.
func splitPool(t *Tally, pool, total sdkmath.Int, revealed map[string]WeightedScore) {
	type rem struct {
		idx int
		r   sdkmath.Int
	}
	var rems []rem
	paid := sdkmath.ZeroInt()
	for i, res := range t.Results {
		if res.Outcome != OutcomeRewarded {
			continue
		}
		num := pool.Mul(revealed[res.Evaluator].Weight)
		share := num.Quo(total)
		t.Results[i].Reward = share
		paid = paid.Add(share)
		rems = append(rems, rem{i, num.Mod(total)})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r.GT(rems[b].r) })
	left := pool.Sub(paid) // < len(rems), since each floor loses < 1
	for k := 0; left.IsPositive(); k++ {
		i := rems[k%len(rems)].idx
		t.Results[i].Reward = t.Results[i].Reward.AddRaw(1)
		left = left.SubRaw(1)
	}
}

// WeightedMedian returns the lower weighted median of the reveals: the
// smallest score s such that the reveals scoring at most s hold at least
// half the total weight. Ties in score are one step; the order among equal
// scores does not matter. ok is false when there are no reveals or the
// total weight is zero.
func WeightedMedian(reveals []WeightedScore) (median uint64, ok bool) {
	rs := append([]WeightedScore(nil), reveals...)
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Score != rs[j].Score {
			return rs[i].Score < rs[j].Score
		}
		return rs[i].Evaluator < rs[j].Evaluator
	})
	total := sdkmath.ZeroInt()
	for _, r := range rs {
		total = total.Add(r.Weight)
	}
	if !total.IsPositive() {
		return 0, false
	}
	cum := sdkmath.ZeroInt()
	for _, r := range rs {
		cum = cum.Add(r.Weight)
		if cum.MulRaw(2).GTE(total) {
			return r.Score, true
		}
	}
	return rs[len(rs)-1].Score, true // unreachable: cum reaches total
}

// NextReputation moves reputation (basis points) toward the quality of this
// evaluation: quality = 10,000·(1 − distance/scoreMax), clamped at 0, and
// rep' = (rep·(window−1) + quality) / window, rounded down. A non-reveal
// has quality 0.
func NextReputation(rep uint64, distance, scoreMax uint64, revealed bool, window uint64) uint64 {
	if window == 0 {
		window = 1
	}
	var quality uint64
	if revealed && distance < scoreMax {
		quality = BasisPoints - distance*BasisPoints/scoreMax
	}
	if rep > BasisPoints {
		rep = BasisPoints
	}
	return (rep*(window-1) + quality) / window
}

// CommitHash is what an evaluator commits to: SHA-256 over a
// length-prefixed encoding of the task ID, the evaluator address, the
// score (8 bytes big-endian) and the salt. Binding the task and evaluator
// stops a commit from being replayed by someone else or on another task.
func CommitHash(taskID uint64, evaluator string, score uint64, salt []byte) []byte {
	h := sha256.New()
	var b [8]byte
	h.Write([]byte("prova/eval/commit/v1"))
	binary.BigEndian.PutUint64(b[:], taskID)
	h.Write(b[:])
	writeLP(h, []byte(evaluator))
	binary.BigEndian.PutUint64(b[:], score)
	h.Write(b[:])
	writeLP(h, salt)
	return h.Sum(nil)
}

func writeLP(h interface{ Write([]byte) (int, error) }, bz []byte) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(len(bz)))
	h.Write(b[:])
	h.Write(bz)
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}
