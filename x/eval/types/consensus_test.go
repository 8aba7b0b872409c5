package types

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	sdkmath "cosmossdk.io/math"
)

func rv(e string, score, weight int64) WeightedScore {
	return WeightedScore{Evaluator: e, Score: uint64(score), Weight: sdkmath.NewInt(weight)}
}

func TestWeightedMedian(t *testing.T) {
	cases := []struct {
		name    string
		reveals []WeightedScore
		want    uint64
		ok      bool
	}{
		{"none", nil, 0, false},
		{"zero weight", []WeightedScore{rv("a", 5, 0)}, 0, false},
		{"one evaluator", []WeightedScore{rv("a", 7000, 10)}, 7000, true},
		{"equal weights, odd", []WeightedScore{rv("a", 1, 1), rv("b", 9, 1), rv("c", 5, 1)}, 5, true},
		// Exactly half the weight at or below 3: the lower median is 3.
		{"equal weights, even", []WeightedScore{rv("a", 3, 1), rv("b", 8, 1)}, 3, true},
		{"heavy outlier wins", []WeightedScore{rv("a", 1, 1), rv("b", 2, 1), rv("c", 90, 5)}, 90, true},
		{"tied scores count together", []WeightedScore{rv("a", 4, 1), rv("b", 4, 1), rv("c", 6, 1), rv("d", 9, 2)}, 6, true},
		{"order does not matter", []WeightedScore{rv("d", 9, 2), rv("c", 6, 1), rv("b", 4, 1), rv("a", 4, 1)}, 6, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := WeightedMedian(tc.reveals)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("got %d,%v want %d,%v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

var params = TallyParams{MinReveals: 2, Tolerance: 500, SlashDistance: 2000, ScoreMax: 10_000}

func TestTallyOutcomes(t *testing.T) {
	// Three honest evaluators near 7000 and one far off; one never reveals.
	committers := []string{"e", "d", "c", "b", "a"}
	reveals := []WeightedScore{rv("a", 7000, 100), rv("b", 7400, 100), rv("c", 6600, 100), rv("d", 1000, 100)}
	tl, err := ComputeTally(params, sdkmath.NewInt(1000), committers, reveals)
	if err != nil {
		t.Fatal(err)
	}
	if !tl.Succeeded || tl.Median != 6600 {
		t.Fatalf("median %d succeeded %v", tl.Median, tl.Succeeded)
	}
	want := map[string]Outcome{"a": OutcomeRewarded, "b": OutcomeNeutral, "c": OutcomeRewarded, "d": OutcomeSlashedDeviation, "e": OutcomeSlashedNoReveal}
	for _, r := range tl.Results {
		if r.Outcome != want[r.Evaluator] {
			t.Errorf("%s: %s, want %s (distance %d)", r.Evaluator, r.Outcome, want[r.Evaluator], r.Distance)
		}
	}
	assertConserved(t, tl, sdkmath.NewInt(1000))
}

func TestToleranceEdges(t *testing.T) {
	// Median 5000 (heavy evaluator m). Distances exactly at the tolerance
	// are rewarded; exactly at the slash distance are not slashed.
	reveals := []WeightedScore{rv("m", 5000, 1000), rv("t", 5500, 1), rv("u", 5501, 1), rv("s", 7000, 1), rv("x", 7001, 1)}
	tl, err := ComputeTally(params, sdkmath.NewInt(10), []string{"m", "t", "u", "s", "x"}, reveals)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Outcome{}
	for _, r := range tl.Results {
		got[r.Evaluator] = r.Outcome
	}
	want := map[string]Outcome{"m": OutcomeRewarded, "t": OutcomeRewarded, "u": OutcomeNeutral, "s": OutcomeNeutral, "x": OutcomeSlashedDeviation}
	for e, o := range want {
		if got[e] != o {
			t.Errorf("%s: %s, want %s", e, got[e], o)
		}
	}
}

func TestTallyFailures(t *testing.T) {
	pool := sdkmath.NewInt(777)
	t.Run("none reveal", func(t *testing.T) {
		tl, err := ComputeTally(params, pool, []string{"a", "b"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tl.Succeeded || !tl.Refund.Equal(pool) {
			t.Fatalf("%+v", tl)
		}
		for _, r := range tl.Results {
			if r.Outcome != OutcomeSlashedNoReveal {
				t.Fatalf("%s: %s", r.Evaluator, r.Outcome)
			}
		}
	})
	t.Run("too few reveals", func(t *testing.T) {
		tl, err := ComputeTally(params, pool, []string{"a", "b"}, []WeightedScore{rv("a", 10, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if tl.Succeeded || !tl.Refund.Equal(pool) || tl.Results[0].Outcome != OutcomeNeutral || tl.Results[1].Outcome != OutcomeSlashedNoReveal {
			t.Fatalf("%+v", tl)
		}
	})
	t.Run("one evaluator allowed", func(t *testing.T) {
		p := params
		p.MinReveals = 1
		tl, err := ComputeTally(p, pool, []string{"a"}, []WeightedScore{rv("a", 10, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if !tl.Succeeded || !tl.Results[0].Reward.Equal(pool) || !tl.Refund.IsZero() {
			t.Fatalf("%+v", tl)
		}
	})
	bad := map[string]func() error{
		"reveal without commit": func() error {
			_, err := ComputeTally(params, pool, []string{"a"}, []WeightedScore{rv("b", 1, 1)})
			return err
		},
		"double reveal": func() error {
			_, err := ComputeTally(params, pool, []string{"a"}, []WeightedScore{rv("a", 1, 1), rv("a", 2, 1)})
			return err
		},
		"double commit": func() error { _, err := ComputeTally(params, pool, []string{"a", "a"}, nil); return err },
		"score above scale": func() error {
			_, err := ComputeTally(params, pool, []string{"a"}, []WeightedScore{rv("a", 10_001, 1)})
			return err
		},
		"negative pool": func() error { _, err := ComputeTally(params, sdkmath.NewInt(-1), nil, nil); return err },
	}
	for name, f := range bad {
		if f() == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// TestNoDust checks on random tallies that rewards plus refund equal the
// pool exactly and that rewards follow weight order.
func TestNoDust(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	for iter := 0; iter < 2000; iter++ {
		n := 1 + rng.Intn(12)
		var committers []string
		var reveals []WeightedScore
		for i := 0; i < n; i++ {
			e := fmt.Sprintf("e%02d", i)
			committers = append(committers, e)
			if rng.Intn(5) > 0 {
				reveals = append(reveals, rv(e, int64(4000+rng.Intn(3000)), int64(1+rng.Intn(1_000_000))))
			}
		}
		pool := sdkmath.NewInt(rng.Int63n(1_000_003))
		p := params
		p.MinReveals = 1
		tl, err := ComputeTally(p, pool, committers, reveals)
		if err != nil {
			t.Fatal(err)
		}
		assertConserved(t, tl, pool)
	}
}

func assertConserved(t *testing.T, tl Tally, pool sdkmath.Int) {
	t.Helper()
	sum := tl.Refund
	for _, r := range tl.Results {
		if r.Reward.IsNegative() || (r.Outcome != OutcomeRewarded && !r.Reward.IsZero()) {
			t.Fatalf("%s got %s as %s", r.Evaluator, r.Reward, r.Outcome)
		}
		sum = sum.Add(r.Reward)
	}
	if !sum.Equal(pool) {
		t.Fatalf("rewards + refund = %s, pool %s", sum, pool)
	}
}

func TestRewardsProportional(t *testing.T) {
	// Weights 1:2:3 of a pool of 100: 16.67, 33.33, 50 → 17, 33, 50 by
	// largest remainder (remainders 2/3, 1/3, 0).
	reveals := []WeightedScore{rv("a", 100, 1), rv("b", 100, 2), rv("c", 100, 3)}
	tl, err := ComputeTally(params, sdkmath.NewInt(100), []string{"a", "b", "c"}, reveals)
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{17, 33, 50}
	for i, r := range tl.Results {
		if !r.Reward.Equal(sdkmath.NewInt(want[i])) {
			t.Fatalf("%s got %s, want %d", r.Evaluator, r.Reward, want[i])
		}
	}
}

func TestNextReputation(t *testing.T) {
	cases := []struct {
		rep, dist uint64
		revealed  bool
		want      uint64
	}{
		{10_000, 0, true, 10_000},
		{10_000, 5_000, true, 9_500}, // quality 5000: (10000·9+5000)/10
		{10_000, 0, false, 9_000},    // non-reveal: quality 0
		{5_000, 20_000, true, 4_500}, // distance beyond scale: quality 0
		{20_000, 0, true, 10_000},    // clamped to 100%
	}
	for _, c := range cases {
		if got := NextReputation(c.rep, c.dist, 10_000, c.revealed, 10); got != c.want {
			t.Errorf("NextReputation(%d, %d, %v) = %d, want %d", c.rep, c.dist, c.revealed, got, c.want)
		}
	}
}

func TestCommitHash(t *testing.T) {
	a := CommitHash(1, "prova1x", 7000, []byte("salt"))
	if len(a) != 32 {
		t.Fatal(len(a))
	}
	for name, b := range map[string][]byte{
		"task":      CommitHash(2, "prova1x", 7000, []byte("salt")),
		"evaluator": CommitHash(1, "prova1y", 7000, []byte("salt")),
		"score":     CommitHash(1, "prova1x", 7001, []byte("salt")),
		"salt":      CommitHash(1, "prova1x", 7000, []byte("salu")),
		// Length prefixes keep field boundaries: moving a byte between the
		// evaluator and the salt changes the hash.
		"boundary": CommitHash(1, "prova1", 7000, []byte("xsalt")),
	} {
		if bytes.Equal(a, b) {
			t.Errorf("changing the %s did not change the commit", name)
		}
	}
	if !bytes.Equal(a, CommitHash(1, "prova1x", 7000, []byte("salt"))) {
		t.Fatal("not deterministic")
	}
}
