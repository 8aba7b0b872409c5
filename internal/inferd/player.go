package inferd

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/x/infer/types"
)

// The dispute player: given a party's own trace leaves and the dispute as
// the chain reports it, which move is due. These functions do no I/O, so
// the daemons re-derive their next move from the chain after a restart and
// tests can play whole games against a model of the chain's rules.

// Role is the side a daemon plays.
type Role uint8

const (
	Defender Role = iota + 1
	Challenger
)

func (r Role) String() string {
	switch r {
	case Defender:
		return "defender"
	case Challenger:
		return "challenger"
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

func (r Role) party() types.Party {
	if r == Defender {
		return types.Party_PARTY_DEFENDER
	}
	return types.Party_PARTY_CHALLENGER
}

// MoveKind is what to do now.
type MoveKind uint8

const (
	// Wait: the other party's move (or nothing anyone can do yet).
	Wait MoveKind = iota
	// Bisect: post Root, the prefix root of size Size (MsgBisect).
	Bisect
	// Resolve: hi = lo + 1; send MsgResolveStep for leaf Size (= lo).
	Resolve
	// ProveOutput: prove the last leaf is the claimed output digest.
	ProveOutput
	// Done: the dispute is settled.
	Done
)

func (k MoveKind) String() string {
	switch k {
	case Wait:
		return "wait"
	case Bisect:
		return "bisect"
	case Resolve:
		return "resolve_step"
	case ProveOutput:
		return "prove_output"
	case Done:
		return "done"
	}
	return fmt.Sprintf("MoveKind(%d)", uint8(k))
}

// Move is the player's decision.
type Move struct {
	Kind MoveKind
	// Size is the prefix size of a Bisect, and the leaf to re-execute of a
	// Resolve.
	Size uint64
	// Root is the prefix root a Bisect posts.
	Root [32]byte
}

// Errors of the player. They mean the dispute cannot be played with these
// leaves; the daemon logs them and leaves the dispute to its deadline.
var (
	// ErrNotOurTrace: the leaves are not the trace this party committed to.
	ErrNotOurTrace = errors.New("leaves do not match our root in the dispute")
	// ErrBadDispute: the dispute's bounds make no sense.
	ErrBadDispute = errors.New("dispute state is inconsistent")
	// ErrDiverged: the agreed prefix is not ours (we posted a root we do
	// not hold, or the chain's record differs from our leaves).
	ErrDiverged = errors.New("agreed prefix root differs from our leaves")
)

// NextMove decides role's move in d from its own leaves.
func NextMove(role Role, d *types.Dispute, leaves [][32]byte) (Move, error) {
	if d.Phase == types.DisputePhase_DISPUTE_PHASE_SETTLED {
		return Move{Kind: Done}, nil
	}
	size := uint64(len(leaves))
	if d.TraceSize != size {
		return Move{}, fmt.Errorf("%w: the dispute's trace has %d leaves, ours %d", ErrNotOurTrace, d.TraceSize, size)
	}
	own := d.DefenderRoot
	if role == Challenger {
		own = d.ChallengerRoot
	}
	root := onnxint.TraceRoot(leaves)
	if !bytes.Equal(own, root[:]) {
		return Move{}, fmt.Errorf("%w: %s root %x, ours %x", ErrNotOurTrace, role, own, root)
	}
	switch d.Phase {
	case types.DisputePhase_DISPUTE_PHASE_BISECT:
		if d.Lo < 1 || d.Hi > size || d.Lo+1 >= d.Hi {
			return Move{}, fmt.Errorf("%w: bisecting lo %d, hi %d in a trace of %d", ErrBadDispute, d.Lo, d.Hi, size)
		}
		if err := checkPrefix(leaves, d.Lo, d.LoRoot); err != nil {
			return Move{}, err
		}
		if d.Turn != role.party() {
			return Move{Kind: Wait}, nil
		}
		mid := (d.Lo + d.Hi) / 2
		if role == Challenger && d.Mid != mid {
			return Move{}, fmt.Errorf("%w: the defender's move is at %d, want %d", ErrBadDispute, d.Mid, mid)
		}
		return Move{Kind: Bisect, Size: mid, Root: onnxint.PrefixRoot(leaves, mid)}, nil
	case types.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP:
		if d.Lo < 1 || d.Hi != d.Lo+1 || d.Hi > size {
			return Move{}, fmt.Errorf("%w: resolving lo %d, hi %d in a trace of %d", ErrBadDispute, d.Lo, d.Hi, size)
		}
		if err := checkPrefix(leaves, d.Lo, d.LoRoot); err != nil {
			return Move{}, err
		}
		return Move{Kind: Resolve, Size: d.Lo}, nil
	case types.DisputePhase_DISPUTE_PHASE_PROVE_OUTPUT:
		if role != Defender {
			return Move{Kind: Wait}, nil
		}
		return Move{Kind: ProveOutput, Size: size - 1}, nil
	}
	return Move{}, fmt.Errorf("%w: phase %v", ErrBadDispute, d.Phase)
}

// checkPrefix checks that the agreed root (when the chain reports one) is
// the root of our first lo leaves.
func checkPrefix(leaves [][32]byte, lo uint64, want []byte) error {
	if len(want) == 0 {
		return nil
	}
	if got := onnxint.PrefixRoot(leaves, lo); !bytes.Equal(got[:], want) {
		return fmt.Errorf("%w: size %d: chain %x, ours %x", ErrDiverged, lo, want, got)
	}
	return nil
}

// Won reports, for a settled dispute, whether role won it.
func Won(role Role, d *types.Dispute) bool {
	switch d.Outcome {
	case types.Outcome_OUTCOME_DEFENDER_WON:
		return role == Defender
	case types.Outcome_OUTCOME_CHALLENGER_WON:
		return role == Challenger
	}
	return false
}
