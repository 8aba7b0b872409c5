package onnxint

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// checkTrace checks a traced run against the case: leaf 0 is the digest of
// the inputs, the last leaf the digest of ONNX's expected outputs, the root is
// the RFC 6962 root of the leaves, and every leaf after the first is
// reproduced by ExecStep from the recorded states and the weights.
func checkTrace(t *testing.T, m *Model, res *Result, feed, want []*Tensor) {
	t.Helper()
	n := int(m.TraceSize())
	if len(res.Leaves) != n || len(res.States) != n {
		t.Fatalf("traced run has %d leaves and %d states, trace size %d", len(res.Leaves), len(res.States), n)
	}
	if res.Leaves[0] != Digest(feed...) {
		t.Errorf("leaf 0 is not the digest of the inputs")
	}
	if res.Leaves[n-1] != Digest(want...) {
		t.Errorf("last leaf is not the digest of the expected outputs")
	}
	if res.Root != TraceRoot(res.Leaves) {
		t.Errorf("root is not the RFC 6962 root of the leaves")
	}
	states := map[int][]*Tensor{}
	for j, st := range res.States {
		states[j] = st
	}
	weights := map[int]*Tensor{}
	for i := range m.Initializers() {
		w, err := m.Weight(i)
		if err != nil {
			t.Fatal(err)
		}
		weights[i] = w
	}
	for j := 1; j < n; j++ {
		leaf, _, err := m.ExecStep(j, states, weights)
		if err != nil {
			t.Errorf("ExecStep(%d): %v", j, err)
			continue
		}
		if leaf != res.Leaves[j] {
			t.Errorf("ExecStep(%d) gives another leaf than the run", j)
		}
	}
}

// diffTensors describes how got differs from want, "" if they are identical
// (FLOAT compared by bit pattern).
func diffTensors(got, want *Tensor) string {
	if got == nil {
		return "nil tensor"
	}
	if got.Type != want.Type {
		return fmt.Sprintf("type %s, want %s", got.Type, want.Type)
	}
	if fmt.Sprint(got.Dims) != fmt.Sprint(want.Dims) {
		return fmt.Sprintf("dims %v, want %v", got.Dims, want.Dims)
	}
	var g, w []string
	switch want.Type {
	case Float:
		g, w = floatStrings(got.F), floatStrings(want.F)
	case Int64:
		g, w = intStrings(got.I64), intStrings(want.I64)
	default:
		g, w = intStrings(got.I), intStrings(want.I)
	}
	if len(g) != len(w) {
		return fmt.Sprintf("%d elements, want %d", len(g), len(w))
	}
	var bad []string
	for i := range w {
		if g[i] != w[i] {
			bad = append(bad, fmt.Sprintf("[%d] got %s want %s", i, g[i], w[i]))
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d elements differ: %s", len(bad), len(w), strings.Join(bad, "; "))
}

func intStrings[T int32 | int64](v []T) []string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return s
}

func floatStrings(v []uint32) []string {
	s := make([]string, len(v))
	for i, b := range v {
		s[i] = fmt.Sprintf("0x%08x (%g)", b, math.Float32frombits(b))
	}
	return s
}
