package onnxint

import (
	"math"
	"testing"

	"github.com/prova-network/prova/internal/onnxint/onnxtest"
)

func tI8(dims []int64, v ...int32) *Tensor  { return &Tensor{Type: Int8, Dims: dims, I: v} }
func tU8(dims []int64, v ...int32) *Tensor  { return &Tensor{Type: Uint8, Dims: dims, I: v} }
func tI32(dims []int64, v ...int32) *Tensor { return &Tensor{Type: Int32, Dims: dims, I: v} }
func tF32(dims []int64, v ...float32) *Tensor {
	t := &Tensor{Type: Float, Dims: dims, F: make([]uint32, len(v))}
	for i, x := range v {
		t.F[i] = math.Float32bits(x)
	}
	return t
}

func dims(d ...int64) []int64 { return d }

func mustLoad(t testing.TB, g *onnxtest.Graph) *Model {
	t.Helper()
	m, err := Load(g.Bytes())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return m
}

// runChecked runs the model traced and checks, besides returning the
// outputs, that every leaf re-executes with ExecStep from the run's states
// and the weights (on the model and on its skeleton), that the skeleton
// has the same program, and that an untraced run gives the same outputs.
func runChecked(t testing.TB, m *Model, inputs ...*Tensor) []*Tensor {
	t.Helper()
	res, err := m.Run(inputs, Options{Trace: true})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	plain, err := m.Run(inputs, Options{})
	if err != nil {
		t.Fatalf("Run (plain): %v", err)
	}
	for i := range res.Outputs {
		if Digest(res.Outputs[i]) != Digest(plain.Outputs[i]) {
			t.Fatalf("output %d differs between traced and plain runs", i)
		}
	}
	if uint64(len(res.Leaves)) != m.TraceSize() || res.Root != TraceRoot(res.Leaves) {
		t.Fatalf("trace: %d leaves for size %d", len(res.Leaves), m.TraceSize())
	}
	skb, err := m.Skeleton()
	if err != nil {
		t.Fatalf("Skeleton: %v", err)
	}
	sk, err := LoadSkeleton(skb)
	if err != nil {
		t.Fatalf("LoadSkeleton: %v", err)
	}
	if sk.TensorRoot() != m.TensorRoot() || sk.TraceSize() != m.TraceSize() || sk.Cost() != m.Cost() {
		t.Fatalf("skeleton differs: root %x/%x size %d/%d", sk.TensorRoot(), m.TensorRoot(), sk.TraceSize(), m.TraceSize())
	}
	if _, err := sk.Run(inputs, Options{}); err != ErrNoWeights {
		t.Fatalf("skeleton Run: %v, want ErrNoWeights", err)
	}
	weights := make(map[int]*Tensor)
	for i := range m.Initializers() {
		w, err := m.Weight(i)
		if err != nil {
			t.Fatal(err)
		}
		weights[i] = w
	}
	steps := m.Steps()
	for j := 1; j < len(res.Leaves); j++ {
		states := make(map[int][]*Tensor)
		reads := m.OutputReads()
		var ws []int
		if j <= len(steps) {
			reads, ws = steps[j-1].Reads, steps[j-1].Weights
		}
		for _, r := range reads {
			if r >= j {
				t.Fatalf("leaf %d reads leaf %d", j, r)
			}
			states[r] = res.States[r]
		}
		wm := make(map[int]*Tensor)
		for _, i := range ws {
			wm[i] = weights[i]
		}
		for _, model := range []*Model{m, sk} {
			leaf, ts, err := model.ExecStep(j, states, wm)
			if err != nil {
				t.Fatalf("ExecStep(%d): %v", j, err)
			}
			if leaf != res.Leaves[j] || Digest(ts...) != res.Leaves[j] {
				t.Fatalf("ExecStep(%d) leaf %x, run %x", j, leaf, res.Leaves[j])
			}
		}
	}
	return res.Outputs
}

func wantTensor(t testing.TB, got, want *Tensor) {
	t.Helper()
	if got.Type != want.Type || !equalDims(got.Dims, want.Dims) {
		t.Fatalf("got %v%v, want %v%v", got.Type, got.Dims, want.Type, want.Dims)
	}
	switch got.Type {
	case Float:
		for i := range want.F {
			if got.F[i] != want.F[i] {
				t.Fatalf("element %d: got %v (%#x), want %v (%#x)\ngot  %v\nwant %v", i, math.Float32frombits(got.F[i]), got.F[i],
					math.Float32frombits(want.F[i]), want.F[i], got.F, want.F)
			}
		}
	case Int64:
		for i := range want.I64 {
			if got.I64[i] != want.I64[i] {
				t.Fatalf("element %d: got %d, want %d", i, got.I64[i], want.I64[i])
			}
		}
	default:
		for i := range want.I {
			if got.I[i] != want.I[i] {
				t.Fatalf("element %d: got %d, want %d\ngot  %v\nwant %v", i, got.I[i], want.I[i], got.I, want.I)
			}
		}
	}
}
