package inferd

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/bits"
	"testing"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/x/infer/types"
)

// referee applies x/infer's dispute rules (docs/INFERENCE.md §5, as
// x/infer/keeper/disputes.go and resolve.go implement them) to the
// parties' moves, so whole games can be played between two players. truth
// is what the chain's re-execution of a leaf gives.
type referee struct {
	d     types.Dispute
	truth [][32]byte
}

func leavesN(n int, tag string) [][32]byte {
	out := make([][32]byte, n)
	for i := range out {
		out[i] = sha256.Sum256([]byte(fmt.Sprintf("%s-%d", tag, i)))
	}
	return out
}

// open starts a dispute as the keeper's openDispute does.
func open(def, chal [][32]byte, truth [][32]byte) *referee {
	size := uint64(len(def))
	dr, cr := onnxint.TraceRoot(def), onnxint.TraceRoot(chal)
	lo := onnxint.LeafHash(def[0])
	d := types.Dispute{
		Id: 7, ClaimId: 3, DefenderRoot: dr[:], ChallengerRoot: cr[:], ChallengerOutputDigest: chal[size-1][:], TraceSize: size,
		Lo: 1, Hi: size, LoRoot: lo[:], DefenderHiRoot: dr[:], ChallengerHiRoot: cr[:],
	}
	switch {
	case dr == cr:
		d.Phase, d.Turn = types.DisputePhase_DISPUTE_PHASE_PROVE_OUTPUT, types.Party_PARTY_DEFENDER
	case d.Hi == d.Lo+1:
		d.Phase = types.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP
	default:
		d.Phase, d.Turn, d.Mid = types.DisputePhase_DISPUTE_PHASE_BISECT, types.Party_PARTY_DEFENDER, (d.Lo+d.Hi)/2
	}
	return &referee{d: d, truth: truth}
}

func (r *referee) bisect(role Role, mv Move) error {
	d := &r.d
	if d.Phase != types.DisputePhase_DISPUTE_PHASE_BISECT || d.Turn != role.party() {
		return types.ErrNotYourTurn
	}
	if mv.Size != d.Mid {
		return fmt.Errorf("%s posted at size %d, mid is %d", role, mv.Size, d.Mid)
	}
	if role == Defender {
		d.DefenderMidRoot, d.Turn = mv.Root[:], types.Party_PARTY_CHALLENGER
		return nil
	}
	if bytes.Equal(mv.Root[:], d.DefenderMidRoot) {
		d.Lo, d.LoRoot = d.Mid, mv.Root[:]
	} else {
		d.Hi, d.DefenderHiRoot, d.ChallengerHiRoot = d.Mid, d.DefenderMidRoot, mv.Root[:]
	}
	d.DefenderMidRoot = nil
	if d.Hi == d.Lo+1 {
		d.Phase, d.Turn, d.Mid = types.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP, types.Party_PARTY_UNSPECIFIED, 0
	} else {
		d.Turn, d.Mid = types.Party_PARTY_DEFENDER, (d.Lo+d.Hi)/2
	}
	return nil
}

// resolve checks the sender's compact range against the agreed root,
// appends the true leaf and settles.
func (r *referee) resolve(own [][32]byte, lo uint64) error {
	d := &r.d
	if d.Phase != types.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP || lo != d.Lo {
		return types.ErrWrongPhase
	}
	rng := onnxint.CompactRange(own, lo)
	agreed, err := onnxint.RangeRoot(lo, rng)
	if err != nil || !bytes.Equal(agreed[:], d.LoRoot) {
		return fmt.Errorf("compact range does not hash to the agreed root")
	}
	root, err := onnxint.AppendRoot(lo, rng, r.truth[lo])
	if err != nil {
		return err
	}
	dRight, cRight := bytes.Equal(root[:], d.DefenderHiRoot), bytes.Equal(root[:], d.ChallengerHiRoot)
	d.Outcome = types.Outcome_OUTCOME_BOTH_LOST
	switch {
	case dRight && !cRight:
		d.Outcome = types.Outcome_OUTCOME_DEFENDER_WON
	case cRight && !dRight:
		d.Outcome = types.Outcome_OUTCOME_CHALLENGER_WON
	}
	d.Phase = types.DisputePhase_DISPUTE_PHASE_SETTLED
	return nil
}

// play runs a game to its end and returns the settled dispute and the
// number of bisection rounds.
func play(t *testing.T, def, chal, truth [][32]byte) (*types.Dispute, int) {
	t.Helper()
	r := open(def, chal, truth)
	rounds := 0
	for range 200 {
		if r.d.Phase == types.DisputePhase_DISPUTE_PHASE_SETTLED {
			return &r.d, rounds
		}
		moved := false
		for _, role := range []Role{Defender, Challenger} {
			own := def
			if role == Challenger {
				own = chal
			}
			mv, err := NextMove(role, &r.d, own)
			if err != nil {
				t.Fatalf("%s: %v", role, err)
			}
			switch mv.Kind {
			case Wait:
				continue
			case Done:
				return &r.d, rounds
			case Bisect:
				if err := r.bisect(role, mv); err != nil {
					t.Fatalf("%s bisect: %v", role, err)
				}
				if role == Challenger {
					rounds++
				}
			case Resolve:
				if err := r.resolve(own, mv.Size); err != nil {
					t.Fatalf("%s resolve: %v", role, err)
				}
			case ProveOutput:
				size := uint64(len(own))
				prf, err := onnxint.InclusionProof(own, size-1, size)
				if err != nil {
					t.Fatal(err)
				}
				root, _ := to32(r.d.DefenderRoot)
				if onnxint.VerifyInclusion(own[size-1], size-1, size, prf, root) == nil {
					r.d.Outcome = types.Outcome_OUTCOME_DEFENDER_WON
				} else {
					r.d.Outcome = types.Outcome_OUTCOME_CHALLENGER_WON
				}
				r.d.Phase = types.DisputePhase_DISPUTE_PHASE_SETTLED
			}
			moved = true
		}
		if !moved {
			t.Fatalf("nobody can move: %+v", r.d)
		}
	}
	t.Fatal("the game did not end")
	return nil, 0
}

// diverge is truth with every leaf from k on replaced (a run that went
// wrong at step k and stayed wrong).
func diverge(truth [][32]byte, k int, tag string) [][32]byte {
	out := append([][32]byte(nil), truth...)
	alt := leavesN(len(truth), tag)
	copy(out[k:], alt[k:])
	return out
}

// TestGamesHonestPartyWins plays every trace size from 3 to 40 with the
// wrong party diverging at every leaf, each side in turn, and with only
// the last leaf falsified (what --lie-every does): the honest party wins,
// within ⌈log2(size-1)⌉ rounds.
func TestGamesHonestPartyWins(t *testing.T) {
	for size := 3; size <= 40; size++ {
		truth := leavesN(size, "truth")
		maxRounds := bits.Len(uint(size - 2)) // ⌈log2(size-1)⌉
		for k := 1; k < size; k++ {
			for _, liar := range []Role{Defender, Challenger} {
				for _, only := range []bool{false, true} {
					bad := diverge(truth, k, "bad")
					if only { // one leaf wrong, the rest right
						bad = append([][32]byte(nil), truth...)
						bad[k] = sha256.Sum256([]byte("one wrong leaf"))
					}
					def, chal, want := truth, bad, types.Outcome_OUTCOME_DEFENDER_WON
					if liar == Defender {
						def, chal, want = bad, truth, types.Outcome_OUTCOME_CHALLENGER_WON
					}
					d, rounds := play(t, def, chal, truth)
					if d.Outcome != want {
						t.Fatalf("size %d, %s wrong from leaf %d (only %t): outcome %v, want %v", size, liar, k, only, d.Outcome, want)
					}
					if rounds > maxRounds {
						t.Fatalf("size %d: %d rounds, more than %d", size, rounds, maxRounds)
					}
					if !Won(liar.other(), d) || Won(liar, d) {
						t.Fatalf("Won disagrees with outcome %v", d.Outcome)
					}
				}
			}
		}
	}
}

func (r Role) other() Role {
	if r == Defender {
		return Challenger
	}
	return Defender
}

// TestSmallestTraces: a trace of two leaves goes straight to resolution;
// equal roots with a different output digest go to the output proof, which
// only the defender makes.
func TestSmallestTraces(t *testing.T) {
	truth := leavesN(2, "truth")
	bad := diverge(truth, 1, "bad")
	d, rounds := play(t, bad, truth, truth)
	if d.Outcome != types.Outcome_OUTCOME_CHALLENGER_WON || rounds != 0 {
		t.Fatalf("size 2: %v after %d rounds", d.Outcome, rounds)
	}
	r := open(truth, truth, truth)
	if mv, err := NextMove(Challenger, &r.d, truth); err != nil || mv.Kind != Wait {
		t.Fatalf("challenger in prove_output: %v %v", mv, err)
	}
	if mv, err := NextMove(Defender, &r.d, truth); err != nil || mv.Kind != ProveOutput || mv.Size != 1 {
		t.Fatalf("defender in prove_output: %v %v", mv, err)
	}
}

func TestNextMoveRefuses(t *testing.T) {
	truth := leavesN(9, "truth")
	bad := diverge(truth, 5, "bad")
	r := open(truth, bad, truth)
	cases := []struct {
		name   string
		role   Role
		leaves [][32]byte
		edit   func(d *types.Dispute)
		want   error
		kind   MoveKind
	}{
		{name: "defender moves first", role: Defender, leaves: truth, kind: Bisect},
		{name: "challenger waits", role: Challenger, leaves: bad, kind: Wait},
		{name: "not our trace", role: Defender, leaves: bad, want: ErrNotOurTrace},
		{name: "wrong size", role: Defender, leaves: truth[:8], want: ErrNotOurTrace},
		{name: "diverged prefix", role: Defender, leaves: truth, edit: func(d *types.Dispute) { d.Lo, d.LoRoot = 3, bytes.Repeat([]byte{1}, 32) }, want: ErrDiverged},
		{name: "bad bounds", role: Defender, leaves: truth, edit: func(d *types.Dispute) { d.Lo, d.Hi = 5, 5 }, want: ErrBadDispute},
		{name: "bad mid", role: Challenger, leaves: bad, edit: func(d *types.Dispute) { d.Turn, d.Mid = types.Party_PARTY_CHALLENGER, 2 }, want: ErrBadDispute},
		{name: "settled", role: Challenger, leaves: truth[:1], edit: func(d *types.Dispute) { d.Phase = types.DisputePhase_DISPUTE_PHASE_SETTLED }, kind: Done},
		{name: "unknown phase", role: Defender, leaves: truth, edit: func(d *types.Dispute) { d.Phase = types.DisputePhase_DISPUTE_PHASE_UNSPECIFIED }, want: ErrBadDispute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := r.d
			if tc.edit != nil {
				tc.edit(&d)
			}
			mv, err := NextMove(tc.role, &d, tc.leaves)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil || mv.Kind != tc.kind {
				t.Fatalf("move %v, err %v; want %v", mv.Kind, err, tc.kind)
			}
		})
	}
	// The defender's first root is its prefix root at ⌊(1+9)/2⌋.
	mv, _ := NextMove(Defender, &r.d, truth)
	if mv.Size != 5 || mv.Root != onnxint.PrefixRoot(truth, 5) {
		t.Fatalf("first move %d %x", mv.Size, mv.Root)
	}
}
