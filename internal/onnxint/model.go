package onnxint

import (
	"crypto/sha256"

	"github.com/prova-network/prova/internal/onnx/onnxpb"
)

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

// Model is a loaded program. It is safe for concurrent use.
type Model struct {
	lim        Limits
	proto      *onnxpb.ModelProto // as loaded, for Skeleton
	inputs     []ValueInfo
	outputs    []ValueInfo
	inits      []initializer
	tensorRoot [32]byte
	nodes      []*node
	steps      []step
	cost       int64
}

type initializer struct {
	name string
	typ  DType
	dims []int64
	leaf [32]byte
	t    *Tensor // nil when loaded from a skeleton
}

// node is one lowered node of the program.
type node struct {
	name    string
	op      string
	weights []int
	chunks  []int // indices into Model.steps
}

// step is one chunk of a node.
type step struct {
	node  *node
	chunk int
	cost  int64
	reads []int
}
