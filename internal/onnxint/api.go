package onnxint

import (
	"errors"
	"fmt"
)

// MaxStepCost is the chunking threshold: a node whose cost (multiply-
// accumulates, or output elements for ops without them) exceeds it is split
// into chunks along axis 1 of its output (see Chunks in doc.go).
const MaxStepCost = 1 << 16

// Limits bound what Load accepts.
type Limits struct {
	MaxBytes    int64 // size of the ONNX file
	MaxNodes    int   // nodes in the graph
	MaxElements int64 // elements of any one tensor (initializer or value)
}

// Default limits: a 64 MiB file, 4096 nodes, 2^26 elements per tensor.
const (
	DefaultMaxBytes    = 64 << 20
	DefaultMaxNodes    = 4096
	DefaultMaxElements = 1 << 26
)

// DefaultLimits returns the default Limits.
func DefaultLimits() Limits {
	return Limits{MaxBytes: DefaultMaxBytes, MaxNodes: DefaultMaxNodes, MaxElements: DefaultMaxElements}
}

// ErrNoWeights is returned by operations that need initializer data on a
// model loaded from a skeleton.
var ErrNoWeights = errors.New("model was loaded without initializer data")

// ValueInfo is a graph input or output: name, element type and static shape.
type ValueInfo struct {
	Name string
	Type DType
	Dims []int64
}

// InitializerInfo describes initializer i: its leaf in the tensor root is
// SHA-256(name ‖ 0x00 ‖ Encode(tensor)).
type InitializerInfo struct {
	Name string
	Type DType
	Dims []int64
	Leaf [32]byte
}

// StepInfo describes one step of the program.
type StepInfo struct {
	Leaf          int    // trace leaf index of this step's state (1..n)
	Node          string // node name (or a generated name "op_k" when the node has none)
	Op            string // lowered op, e.g. "QLinearMatMul", "QDQ Gemm+Relu"
	Chunk, Chunks int
	Cost          int64 // MACs, or output elements
	Reads         []int // trace leaf indices of the states it reads (0 = graph inputs), all < Leaf, ascending
	Weights       []int // initializer indices it uses, ascending
}

// Options control Run.
type Options struct {
	Trace bool // hash every step's state and keep the states; false for plain execution
}

// Result is the outcome of Run.
type Result struct {
	Outputs []*Tensor
	Leaves  [][32]byte  // len TraceSize when traced
	Root    [32]byte    // trace root when traced
	States  [][]*Tensor // when traced, States[j] = the tensors of leaf j (inputs for 0, the chunk for steps, outputs for last)
	Cost    int64
}

// Inputs lists the graph inputs (initializers excluded) in graph order.
func (m *Model) Inputs() []ValueInfo { return cloneInfos(m.inputs) }

// Outputs lists the graph outputs in graph order.
func (m *Model) Outputs() []ValueInfo { return cloneInfos(m.outputs) }

func cloneInfos(vs []ValueInfo) []ValueInfo {
	out := make([]ValueInfo, len(vs))
	for i, v := range vs {
		out[i] = ValueInfo{Name: v.Name, Type: v.Type, Dims: append([]int64{}, v.Dims...)}
	}
	return out
}

// Initializers lists the initializers in file order.
func (m *Model) Initializers() []InitializerInfo {
	out := make([]InitializerInfo, len(m.inits))
	for i, in := range m.inits {
		out[i] = InitializerInfo{Name: in.name, Type: in.typ, Dims: append([]int64{}, in.dims...), Leaf: in.leaf}
	}
	return out
}

// TensorRoot is the RFC 6962 root over the initializer leaves in file order
// (docs/INFERENCE.md §4).
func (m *Model) TensorRoot() [32]byte { return m.tensorRoot }

// TensorProof is the inclusion proof of initializer i in TensorRoot.
func (m *Model) TensorProof(i int) ([][]byte, error) {
	if i < 0 || i >= len(m.inits) {
		return nil, fmt.Errorf("initializer %d out of range [0,%d)", i, len(m.inits))
	}
	leaves := make([][32]byte, len(m.inits))
	for k, in := range m.inits {
		leaves[k] = in.leaf
	}
	return InclusionProof(leaves, uint64(i), uint64(len(leaves)))
}

// Weight returns initializer i's tensor (shared; do not modify).
func (m *Model) Weight(i int) (*Tensor, error) {
	if i < 0 || i >= len(m.inits) {
		return nil, fmt.Errorf("initializer %d out of range [0,%d)", i, len(m.inits))
	}
	if m.inits[i].t == nil {
		return nil, ErrNoWeights
	}
	return m.inits[i].t, nil
}

// Steps describes the program, one entry per step (leaf 1..n).
func (m *Model) Steps() []StepInfo {
	out := make([]StepInfo, len(m.steps))
	for i := range m.steps {
		s := &m.steps[i]
		out[i] = StepInfo{
			Leaf: i + 1, Node: s.node.name, Op: s.node.op, Chunk: s.chunk, Chunks: len(s.node.chunks),

			Cost: s.cost, Reads: append([]int{}, s.reads...), Weights: append([]int{}, s.node.weights...),
		}
		sortInts(out[i].Weights)
	}
	return out
}

// OutputReads lists the trace leaves the last leaf (the output digest)
// is computed from: the chunks of the graph outputs' producers, and 0 when
// a graph input is also an output. ExecStep(TraceSize()−1, …) needs their
// states.
func (m *Model) OutputReads() []int { return append([]int{}, m.finalReads...) }

// TraceSize is the number of trace leaves: the steps plus the input and
// output digests.
func (m *Model) TraceSize() uint64 { return uint64(len(m.steps)) + 2 }

// Cost is the sum of the steps' costs.
func (m *Model) Cost() int64 { return m.cost }

// initLeaf is the tensor-root leaf of an initializer.
func initLeaf(name string, t *Tensor) [32]byte {
	b := make([]byte, 0, len(name)+1+EncodedLen(t))
	b = append(b, name...)
	b = append(b, 0)
	b = appendEncoding(b, t)
	return sha256Sum(b)
}
