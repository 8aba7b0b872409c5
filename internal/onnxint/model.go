package onnxint

import (
	"crypto/sha256"
	"sync"

	"github.com/prova-network/prova/internal/onnx/onnxpb"
)

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

// Model is a loaded program. It is safe for concurrent use.
type Model struct {
	lim        Limits
	proto      *onnxpb.ModelProto // as loaded, for Skeleton
	inputs     []ValueInfo
	outputs    []ValueInfo
	outVals    []*val
	inits      []initializer
	tensorRoot [32]byte
	nodes      []*node
	steps      []step
	cost       int64
	finalReads []int // leaves the output digest reads
	hasWeights bool  // initializer data present (a full load)
	arenas     sync.Pool
}

type initializer struct {
	name string
	typ  DType
	dims []int64
	leaf [32]byte
	t    *Tensor // nil when loaded from a skeleton
}

// kernel is a lowered node's computation.
type kernel interface {
	// prepare reads the node's weights (in node.weights order) into the
	// state exec needs: packed matrices, requantization ratios, tables.
	prepare(w []*Tensor) (any, error)
	// exec computes the slice [c0,c1) of the output along axis 1 (all of it
	// for outputs of rank < 2, where c0, c1 = 0, 1) into out, a tensor of
	// the chunk's shape with its element slice allocated. in holds the
	// node's runtime inputs in node.inputs order.
	exec(st any, in []*Tensor, c0, c1 int64, out *Tensor)
}

// node is one lowered node of the program.
type node struct {
	idx     int // position in Model.nodes
	name    string
	op      string
	inputs  []*val
	weights []int // initializer indices, in slot order
	out     *val
	k       kernel
	st      any   // prepared state (full loads)
	c       int64 // extent of the output's axis 1 (1 for rank < 2)
	unit    int64 // cost of one index along axis 1
	chunks  []int // indices into Model.steps
	bounds  []int64
}

// step is one chunk of a node.
type step struct {
	node   *node
	chunk  int
	c0, c1 int64
	cost   int64
	reads  []int
}

// split1 views dims as [outer, c, inner] around axis 1; ranks below 2 have
// c = 1 (they are never split).
func split1(dims []int64) (outer, c, inner int64) {
	switch len(dims) {
	case 0:
		return 1, 1, 1
	case 1:
		return 1, 1, dims[0]
	}
	inner = 1
	for _, d := range dims[2:] {
		inner *= d
	}
	return dims[0], dims[1], inner
}

// chunkDims is dims with axis 1 narrowed to [c0,c1).
func chunkDims(dims []int64, c0, c1 int64) []int64 {
	out := append([]int64{}, dims...)
	if len(out) >= 2 {
		out[1] = c1 - c0
	}
	return out
}

// newTensor allocates a zero tensor.
func newTensor(typ DType, dims []int64) *Tensor {
	n, _ := numElements(dims, 1<<62)
	t := &Tensor{Type: typ, Dims: dims}
	switch typ {
	case Float:
		t.F = make([]uint32, n)
	case Int64:
		t.I64 = make([]int64, n)
	default:
		t.I = make([]int32, n)
	}
	return t
}
