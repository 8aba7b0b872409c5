package inferd

import (
	"fmt"
	"slices"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/x/infer/types"
)

// stepExecutor is the part of *onnxint.Model that re-executes one leaf;
// BuildResolve uses it, where the program has it, to check its message
// before sending it.
type stepExecutor interface {
	ExecStep(j int, states map[int][]*onnxint.Tensor, weights map[int]*onnxint.Tensor) ([32]byte, []*onnxint.Tensor, error)
}

// finalReader is implemented by programs that say which leaves the output
// digest (the last leaf) reads.
type finalReader interface {
	FinalReads() []int
}

// LeafReads lists the leaves that re-executing leaf j reads (ascending,
// each once) and the initializers it uses. For a step they are its
// StepInfo's; for the last leaf (the output digest) they are the states of
// the output producers: the program's FinalReads where it has it, else the
// steps no other step reads.
func LeafReads(p Program, j uint64) (reads, weights []int, err error) {
	steps := p.Steps()
	n := uint64(len(steps))
	switch {
	case j >= 1 && j <= n:
		s := steps[j-1]
		reads, weights = slices.Clone(s.Reads), slices.Clone(s.Weights)
	case j == n+1:
		if fr, ok := p.(finalReader); ok {
			reads = slices.Clone(fr.FinalReads())
			break
		}
		read := make([]bool, n+1)
		for _, s := range steps {
			for _, r := range s.Reads {
				if r >= 0 && uint64(r) <= n {
					read[r] = true
				}
			}
		}
		for k := uint64(1); k <= n; k++ {
			if !read[k] {
				reads = append(reads, int(k))
			}
		}
		if n == 0 {
			reads = []int{0} // outputs are inputs
		}
	default:
		return nil, nil, fmt.Errorf("%w: leaf %d cannot be re-executed in a trace of %d", ErrBadDispute, j, n+2)
	}
	slices.Sort(reads)
	slices.Sort(weights)
	return slices.Compact(reads), slices.Compact(weights), nil
}

// BuildResolve builds the MsgResolveStep that re-executes leaf lo of tr
// (the dispute is at hi = lo + 1): the compact range of the first lo
// leaves, the states leaf lo reads with inclusion proofs against that
// prefix, and its initializers with proofs against the tensor root. When
// the program can execute single steps, the message's states and weights
// are executed here first; the leaf they give is returned (it differs from
// tr's when tr is a falsified trace, which then loses).
func BuildResolve(p Program, tr *Trace, sender string, disputeID, lo uint64) (*types.MsgResolveStep, [32]byte, error) {
	var leaf [32]byte
	size := uint64(len(tr.Leaves))
	if lo < 1 || lo >= size {
		return nil, leaf, fmt.Errorf("%w: leaf %d in a trace of %d", ErrBadDispute, lo, size)
	}
	if len(tr.States) != len(tr.Leaves) {
		return nil, leaf, fmt.Errorf("trace has %d states for %d leaves", len(tr.States), len(tr.Leaves))
	}
	reads, weights, err := LeafReads(p, lo)
	if err != nil {
		return nil, leaf, err
	}
	msg, leaf, err := buildResolve(p, tr, sender, disputeID, lo, reads, weights)
	if err != nil && lo == size-1 {
		if _, ok := p.(finalReader); !ok {
			// The fallback's guess missed an output that another step
			// also reads: send every state instead.
			all := make([]int, lo)
			for i := range all {
				all[i] = i
			}
			return buildResolve(p, tr, sender, disputeID, lo, all, nil)
		}
	}
	return msg, leaf, err
}

func buildResolve(p Program, tr *Trace, sender string, disputeID, lo uint64, reads, weights []int) (*types.MsgResolveStep, [32]byte, error) {
	var leaf [32]byte
	msg := &types.MsgResolveStep{Sender: sender, DisputeId: disputeID, Range: onnxint.CompactRange(tr.Leaves, lo)}
	states := make(map[int][]*onnxint.Tensor, len(reads))
	for _, r := range reads {
		if r < 0 || uint64(r) >= lo {
			return nil, leaf, fmt.Errorf("%w: leaf %d reads leaf %d, outside the agreed prefix of %d", ErrBadDispute, lo, r, lo)
		}
		prf, err := onnxint.InclusionProof(tr.Leaves, uint64(r), lo)
		if err != nil {
			return nil, leaf, err
		}
		states[r] = tr.States[r]
		msg.States = append(msg.States, types.StateProof{LeafIndex: uint64(r), Tensors: EncodeInputs(tr.States[r]), Proof: prf})
	}
	ws := make(map[int]*onnxint.Tensor, len(weights))
	for _, i := range weights {
		w, err := p.Weight(i)
		if err != nil {
			return nil, leaf, fmt.Errorf("initializer %d: %w", i, err)
		}
		prf, err := p.TensorProof(i)
		if err != nil {
			return nil, leaf, fmt.Errorf("initializer %d: %w", i, err)
		}
		ws[i] = w
		msg.Weights = append(msg.Weights, types.WeightProof{Index: uint64(i), Tensor: onnxint.Encode(w), Proof: prf})
	}
	leaf = tr.Leaves[lo]
	if ex, ok := p.(stepExecutor); ok {
		var err error
		if leaf, _, err = ex.ExecStep(int(lo), states, ws); err != nil {
			return nil, leaf, fmt.Errorf("re-execute leaf %d locally: %w", lo, err)
		}
	}
	return msg, leaf, nil
}

// BuildProveOutput builds the MsgProveOutput of tr: the inclusion proof of
// its last leaf (the output digest) against its root.
func BuildProveOutput(tr *Trace, sender string, disputeID uint64) (*types.MsgProveOutput, error) {
	size := uint64(len(tr.Leaves))
	prf, err := onnxint.InclusionProof(tr.Leaves, size-1, size)
	if err != nil {
		return nil, err
	}
	return &types.MsgProveOutput{Sender: sender, DisputeId: disputeID, Proof: prf}, nil
}
