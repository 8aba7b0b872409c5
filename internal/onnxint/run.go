package onnxint

import "errors"

// Run executes the model on inputs (in graph-input order).
func (m *Model) Run(inputs []*Tensor, opt Options) (*Result, error) {
	return nil, errors.New("not implemented")
}

// ExecStep re-executes trace leaf j (1 <= j <= TraceSize-1; the last leaf is
// the output digest computed from the states of the output producers).
// states maps leaf index to that leaf's tensors (leaf 0: the graph inputs);
// weights maps initializer index to tensor. It checks shapes and types and
// that every needed leaf and weight is present, and returns the leaf and the
// leaf's tensors.
func (m *Model) ExecStep(j int, states map[int][]*Tensor, weights map[int]*Tensor) ([32]byte, []*Tensor, error) {
	return [32]byte{}, nil, errors.New("not implemented")
}
