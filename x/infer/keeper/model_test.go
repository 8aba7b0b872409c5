package keeper_test

import (
	"bytes"
	"testing"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/onnxint/onnxtest"
	"github.com/prova-network/prova/x/infer/types"
)

// testModel is a small integer MLP built with onnxtest: five
// QLinearMatMul layers 8 → 300 → 300 → 4 → 4 → 4. The 300 × 300 layer
// costs 90,000 multiply-accumulates, over onnxint.MaxStepCost, so it is
// two chunks and the layer after it reads both: the trace has 6 steps and
// 8 leaves.
func testModel(t testing.TB) []byte {
	t.Helper()
	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Uint8, 1, 8)
	sizes := []int64{8, 300, 300, 4, 4, 4}
	seed := uint32(1)
	next := func() int8 {
		seed = seed*1664525 + 1013904223
		return int8(int32(seed>>24)%9 - 4)
	}
	prev := "x"
	for l := 0; l+1 < len(sizes); l++ {
		in, out := sizes[l], sizes[l+1]
		w := make([]int8, in*out)
		for i := range w {
			w[i] = next()
		}
		n := func(s string) string { return s + string(rune('0'+l)) }
		g.Int8(n("w"), []int64{in, out}, w...)
		if l == 0 {
			g.Scale(n("sa"), 0.5)
			g.ZeroPoint(n("za"), onnxtest.Uint8, 128)
		} else {
			g.Scale(n("sa"), 0.25)
			g.ZeroPoint(n("za"), onnxtest.Int8, 0)
		}
		g.Scale(n("sb"), 0.125)
		g.ZeroPoint(n("zb"), onnxtest.Int8, 0)
		g.Scale(n("sy"), 0.25*float32(in)/8)
		g.ZeroPoint(n("zy"), onnxtest.Int8, 0)
		y := n("h")
		if l+2 == len(sizes) {
			y = "y"
		}
		g.Node("QLinearMatMul", n("mm"), []string{prev, n("sa"), n("za"), n("w"), n("sb"), n("zb"), n("sy"), n("zy")}, []string{y})
		prev = y
	}
	g.Output("y", onnxtest.Int8, 1, 4)
	return g.Bytes()
}

// singleFileID is the registry ID of a model that is this one file.
func singleFileID(t testing.TB, file []byte) string {
	t.Helper()
	d, err := fingerprint.BLAKE3.Sum(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := fingerprint.SubjectDigest(fingerprint.BLAKE3, []fingerprint.Resource{{Digest: d}})
	if err != nil {
		t.Fatal(err)
	}
	return s.String()
}

func testInput(v byte) *onnxint.Tensor {
	x := &onnxint.Tensor{Type: onnxint.Uint8, Dims: []int64{1, 8}, I: make([]int32, 8)}
	for i := range x.I {
		x.I[i] = int32(v) + int32(i)*17
	}
	return x
}

// realModel registers testModel as alice's executable and returns its ID
// and the loaded model.
func (f *fixture) realModel(t testing.TB) (string, *onnxint.Model) {
	t.Helper()
	file := testModel(t)
	id := singleFileID(t, file)
	f.owners[id] = addr("alice")
	res, err := f.msgs.RegisterExecutable(f.ctx, &types.MsgRegisterExecutable{Owner: addr("alice"), ModelId: id, Onnx: file})
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnxint.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	root := m.TensorRoot()
	if res.TraceSize != m.TraceSize() || res.Cost != m.Cost() || !bytes.Equal(res.TensorRoot, root[:]) || !res.HasFile || !res.FileMatchesId {
		t.Fatalf("registered %+v", res)
	}
	return id, m
}

// run is a traced run of m on x.
func run(t testing.TB, m *onnxint.Model, x *onnxint.Tensor) *onnxint.Result {
	t.Helper()
	res, err := m.Run([]*onnxint.Tensor{x}, onnxint.Options{Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestTestModelShape(t *testing.T) {
	m, err := onnxint.Load(testModel(t))
	if err != nil {
		t.Fatal(err)
	}
	steps := m.Steps()
	if m.TraceSize() != 8 || len(steps) != 6 || steps[1].Chunks != 2 || len(steps[3].Reads) != 2 {
		t.Fatalf("trace size %d, steps %+v", m.TraceSize(), steps)
	}
}
