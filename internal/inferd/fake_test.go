package inferd

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/onnxint"
)

// fakeProgram is a small deterministic program with the shape of a real
// one, so the daemons can be tested without the ONNX runtime: one INT32
// input of 4 elements; step j (1..n) adds initializer j%2 and j to the
// state of leaf j-1 and, from step 3 on, the state of leaf 1; the output
// is the last step's state. It has no FinalReads, so the last leaf's reads
// come from LeafReads' fallback (the steps no step reads).
type fakeProgram struct {
	n       int
	weights []*onnxint.Tensor
	leaves  [][32]byte // tensor-root leaves
}

func newFakeProgram(n int) *fakeProgram {
	p := &fakeProgram{n: n}
	for k := range 2 {
		w := &onnxint.Tensor{Type: onnxint.Int32, Dims: []int64{4}, I: []int32{int32(k + 1), 2, -3, int32(5 * k)}}
		p.weights = append(p.weights, w)
		b := append([]byte(fmt.Sprintf("w%d", k)), 0)
		p.leaves = append(p.leaves, sha256.Sum256(append(b, onnxint.Encode(w)...)))
	}
	return p
}

func (p *fakeProgram) Inputs() []onnxint.ValueInfo {
	return []onnxint.ValueInfo{{Name: "x", Type: onnxint.Int32, Dims: []int64{4}}}
}

func (p *fakeProgram) Outputs() []onnxint.ValueInfo {
	return []onnxint.ValueInfo{{Name: "y", Type: onnxint.Int32, Dims: []int64{4}}}
}

func (p *fakeProgram) TraceSize() uint64    { return uint64(p.n) + 2 }
func (p *fakeProgram) TensorRoot() [32]byte { return onnxint.TraceRoot(p.leaves) }
func (p *fakeProgram) stepReads(j int) []int {
	if j >= 3 {
		return []int{1, j - 1}
	}
	return []int{j - 1}
}

func (p *fakeProgram) Steps() []onnxint.StepInfo {
	out := make([]onnxint.StepInfo, p.n)
	for j := 1; j <= p.n; j++ {
		out[j-1] = onnxint.StepInfo{Leaf: j, Node: fmt.Sprintf("s%d", j), Op: "FakeAdd", Chunks: 1, Cost: 4, Reads: p.stepReads(j), Weights: []int{j % 2}}
	}
	return out
}

func (p *fakeProgram) Weight(i int) (*onnxint.Tensor, error) {
	if i < 0 || i >= len(p.weights) {
		return nil, fmt.Errorf("no weight %d", i)
	}
	return p.weights[i], nil
}

func (p *fakeProgram) TensorProof(i int) ([][]byte, error) {
	return onnxint.InclusionProof(p.leaves, uint64(i), uint64(len(p.leaves)))
}

// step computes the state of leaf j from the states it reads.
func (p *fakeProgram) step(j int, states map[int][]*onnxint.Tensor, weights map[int]*onnxint.Tensor) (*onnxint.Tensor, error) {
	w, ok := weights[j%2]
	if !ok {
		return nil, fmt.Errorf("step %d: weight %d missing", j, j%2)
	}
	out := &onnxint.Tensor{Type: onnxint.Int32, Dims: []int64{4}, I: make([]int32, 4)}
	for _, r := range p.stepReads(j) {
		s, ok := states[r]
		if !ok || len(s) != 1 || len(s[0].I) != 4 {
			return nil, fmt.Errorf("step %d: state of leaf %d missing", j, r)
		}
		for i := range out.I {
			out.I[i] += s[0].I[i]
		}
	}
	for i := range out.I {
		out.I[i] += w.I[i] + int32(j)
	}
	return out, nil
}

func (p *fakeProgram) Run(inputs []*onnxint.Tensor, opt onnxint.Options) (*onnxint.Result, error) {
	if len(inputs) != 1 || inputs[0].Type != onnxint.Int32 || len(inputs[0].I) != 4 {
		return nil, fmt.Errorf("want one INT32 tensor of 4")
	}
	states := map[int][]*onnxint.Tensor{0: inputs}
	ws := map[int]*onnxint.Tensor{0: p.weights[0], 1: p.weights[1]}
	res := &onnxint.Result{States: [][]*onnxint.Tensor{inputs}, Leaves: [][32]byte{onnxint.Digest(inputs...)}}
	for j := 1; j <= p.n; j++ {
		s, err := p.step(j, states, ws)
		if err != nil {
			return nil, err
		}
		states[j] = []*onnxint.Tensor{s}
		res.States = append(res.States, states[j])
		res.Leaves = append(res.Leaves, onnxint.Digest(s))
		res.Cost += 4
	}
	res.Outputs = states[p.n]
	res.States = append(res.States, res.Outputs)
	res.Leaves = append(res.Leaves, onnxint.Digest(res.Outputs...))
	res.Root = onnxint.TraceRoot(res.Leaves)
	return res, nil
}

// ExecStep re-executes leaf j from exactly the states and weights given,
// as onnxint's does.
func (p *fakeProgram) ExecStep(j int, states map[int][]*onnxint.Tensor, weights map[int]*onnxint.Tensor) ([32]byte, []*onnxint.Tensor, error) {
	switch {
	case j >= 1 && j <= p.n:
		s, err := p.step(j, states, weights)
		if err != nil {
			return [32]byte{}, nil, err
		}
		return onnxint.Digest(s), []*onnxint.Tensor{s}, nil
	case j == p.n+1:
		s, ok := states[p.n]
		if !ok {
			return [32]byte{}, nil, fmt.Errorf("output: state of leaf %d missing", p.n)
		}
		return onnxint.Digest(s...), s, nil
	}
	return [32]byte{}, nil, fmt.Errorf("no leaf %d", j)
}

func fakeInput(v ...int32) []*onnxint.Tensor {
	return []*onnxint.Tensor{{Type: onnxint.Int32, Dims: []int64{4}, I: v}}
}

// testAddr is a valid account address (with the SDK config's prefix).
func testAddr(n byte) string { return sdk.AccAddress(bytes.Repeat([]byte{n}, 20)).String() }
