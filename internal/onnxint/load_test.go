package onnxint

import (
	"errors"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/onnx/onnxpb"
	"github.com/prova-network/prova/internal/onnxint/onnxtest"
)

// tinyModel is x(int8 [1,4]) → Relu → y.
func tinyModel() *onnxtest.Graph {
	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Int8, 1, 4)
	g.Node("Relu", "r", []string{"x"}, []string{"y"})
	g.Output("y", onnxtest.Int8, 1, 4)
	return g
}

func TestLoadRefuses(t *testing.T) {
	cases := []struct {
		name string
		mod  func(g *onnxtest.Graph)
		want string
	}{
		{"unknown input", func(g *onnxtest.Graph) { g.G.Node[0].Input[0] = "nope" }, `input "nope" is not defined before the node`},
		{"cycle", func(g *onnxtest.Graph) {
			g.Node("Relu", "r2", []string{"z"}, []string{"w"})
			g.Node("Relu", "r3", []string{"w"}, []string{"z"})
		}, `node "r2": input "z" is not defined before the node`},
		{"output defined twice", func(g *onnxtest.Graph) { g.Node("Relu", "r2", []string{"x"}, []string{"y"}) }, `output "y" is defined twice`},
		{"symbolic input", func(g *onnxtest.Graph) {
			g.G.Input = nil
			g.SymbolicInput("x", onnxtest.Int8, "N", 4)
		}, "no static shape"},
		{"huge input", func(g *onnxtest.Graph) {
			g.G.Input = nil
			g.Input("x", onnxtest.Int8, 1<<40, 1<<40)
		}, "elements"},
		{"unsupported op", func(g *onnxtest.Graph) { g.G.Node[0].OpType = "Softmax" }, `node "r": unsupported op Softmax`},
		{"unsupported attribute", func(g *onnxtest.Graph) {
			g.G.Node[0].Attribute = append(g.G.Node[0].Attribute, onnxtest.Int("alpha", 1))
		}, `unsupported attribute "alpha"`},
		{"output type", func(g *onnxtest.Graph) { g.G.Output = nil; g.Output("y", onnxtest.Uint8, 1, 4) }, `output "y" is declared UINT8[1 4], computed INT8[1 4]`},
		{"output shape", func(g *onnxtest.Graph) { g.G.Output = nil; g.Output("y", onnxtest.Int8, 4) }, "declared INT8[4], computed INT8[1 4]"},
		{"missing output", func(g *onnxtest.Graph) { g.Output("q", onnxtest.Int8, 4) }, `graph output "q" is not computed`},
		{"no opset", func(g *onnxtest.Graph) { g.Opset = 0 }, "no version of the default ONNX operator set"},
		{"external data", func(g *onnxtest.Graph) {
			g.Init(&onnxpb.TensorProto{Name: "w", DataType: 3, Dims: []int64{1}, DataLocation: onnxpb.TensorProto_EXTERNAL,
				ExternalData: []*onnxpb.StringStringEntryProto{{Key: "location", Value: "w.bin"}}})
		}, "external data"},
		{"huge initializer", func(g *onnxtest.Graph) {
			g.Init(&onnxpb.TensorProto{Name: "w", DataType: 3, Dims: []int64{1 << 31, 1 << 31, 1 << 31}})
		}, "elements"},
		{"initializer twice", func(g *onnxtest.Graph) { g.Int8("w", nil, 1); g.Int8("w", nil, 2) }, `initializer "w" is defined twice`},
		{"bad scale", func(g *onnxtest.Graph) {
			g.Scale("s", -1)
			g.Node("DequantizeLinear", "dq", []string{"y", "s"}, []string{"f"})
			g.Output("f", onnxtest.Float, 1, 4)
		}, "not a positive finite number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := tinyModel()
			c.mod(g)
			_, err := Load(g.Bytes())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}

func TestLoadLimits(t *testing.T) {
	b := tinyModel().Bytes()
	if _, err := Load(b[:len(b)-3]); err == nil {
		t.Error("truncated protobuf accepted")
	}
	if _, err := Load([]byte{0xff, 0xff, 0xff}); err == nil {
		t.Error("garbage accepted")
	}
	lim := DefaultLimits()
	lim.MaxBytes = int64(len(b)) - 1
	if _, err := LoadWithLimits(b, lim); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversized model: %v", err)
	}
	g := tinyModel()
	for i := 0; i < 10; i++ {
		g.Node("Relu", "", []string{"y"}, []string{"y" + string(rune('a'+i))})
	}
	lim = DefaultLimits()
	lim.MaxNodes = 5
	if _, err := LoadWithLimits(g.Bytes(), lim); err == nil || !strings.Contains(err.Error(), "nodes") {
		t.Errorf("too many nodes: %v", err)
	}
	lim = DefaultLimits()
	lim.MaxElements = 3
	if _, err := LoadWithLimits(b, lim); err == nil || !strings.Contains(err.Error(), "elements") {
		t.Errorf("too many elements: %v", err)
	}
}

func TestRunRefusesBadInputs(t *testing.T) {
	m := mustLoad(t, tinyModel())
	for name, in := range map[string][]*Tensor{
		"none":         nil,
		"two":          {tI8(dims(1, 4), 0, 0, 0, 0), tI8(dims(1, 4), 0, 0, 0, 0)},
		"shape":        {tI8(dims(4), 0, 0, 0, 0)},
		"type":         {tU8(dims(1, 4), 0, 0, 0, 0)},
		"short":        {tI8(dims(1, 4), 0, 0, 0)},
		"out of range": {tI8(dims(1, 4), 0, 300, 0, 0)},
		"nil":          {nil},
	} {
		if _, err := m.Run(in, Options{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	sk, err := m.Skeleton()
	if err != nil {
		t.Fatal(err)
	}
	skm, err := LoadSkeleton(sk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := skm.Run([]*Tensor{tI8(dims(1, 4), 0, 0, 0, 0)}, Options{}); !errors.Is(err, ErrNoWeights) {
		t.Errorf("skeleton run: %v", err)
	}
	if _, err := LoadSkeleton(tinyModel().Bytes()); err != nil {
		t.Errorf("a model without initializers is its own skeleton: %v", err)
	}
	g := tinyModel()
	g.Int8("w", nil, 1)
	if _, err := LoadSkeleton(g.Bytes()); err == nil {
		t.Error("LoadSkeleton accepted initializer data")
	}
}

func TestSkeletonRoundTrip(t *testing.T) {
	g, _ := chunkedModel(t)
	m := mustLoad(t, g)
	b, err := m.Skeleton()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 4096 {
		t.Fatalf("skeleton is %d bytes: data left in it", len(b))
	}
	sk, err := LoadSkeleton(b)
	if err != nil {
		t.Fatal(err)
	}
	if sk.TensorRoot() != m.TensorRoot() {
		t.Fatal("tensor roots differ")
	}
	a, c := m.Steps(), sk.Steps()
	if len(a) != len(c) {
		t.Fatal("steps differ")
	}
	for i := range a {
		if a[i].Node != c[i].Node || a[i].Op != c[i].Op || a[i].Cost != c[i].Cost || !equalInts(a[i].Reads, c[i].Reads) || !equalInts(a[i].Weights, c[i].Weights) {
			t.Fatalf("step %d: %+v vs %+v", i, a[i], c[i])
		}
	}
	ia, ic := m.Initializers(), sk.Initializers()
	for i := range ia {
		if ia[i].Name != ic[i].Name || ia[i].Leaf != ic[i].Leaf || ia[i].Type != ic[i].Type || !equalDims(ia[i].Dims, ic[i].Dims) {
			t.Fatalf("initializer %d differs", i)
		}
		p, err := m.TensorProof(i)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyInclusion(ia[i].Leaf, uint64(i), uint64(len(ia)), p, sk.TensorRoot()); err != nil {
			t.Fatalf("tensor proof %d: %v", i, err)
		}
		w, _ := m.Weight(i)
		if initLeaf(ia[i].Name, w) != ia[i].Leaf {
			t.Fatalf("leaf %d is not SHA-256(name ‖ 0 ‖ encoding)", i)
		}
	}
	if _, err := sk.Weight(0); !errors.Is(err, ErrNoWeights) {
		t.Fatalf("skeleton weight: %v", err)
	}
	// The skeleton of a skeleton is itself.
	b2, err := sk.Skeleton()
	if err != nil || string(b2) != string(b) {
		t.Fatalf("skeleton of the skeleton differs: %v", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzLoad: any model that loads has a skeleton that loads to the same
// program and tensor root, and runs deterministically on zero inputs
// without panicking; nothing panics on any input.
func FuzzLoad(f *testing.F) {
	f.Add(tinyModel().Bytes())
	for _, build := range fuzzSeeds {
		f.Add(build().Bytes())
	}
	f.Add(cnnModel().Bytes()) // QDQ Conv, MaxPool, Reshape and Gemm patterns
	f.Fuzz(func(t *testing.T, b []byte) {
		lim := Limits{MaxBytes: 1 << 20, MaxNodes: 64, MaxElements: 1 << 14}
		m, err := LoadWithLimits(b, lim)
		if err != nil {
			return
		}
		sb, err := m.Skeleton()
		if err != nil {
			t.Fatalf("Skeleton: %v", err)
		}
		sk, err := LoadSkeleton(sb)
		if err != nil {
			t.Fatalf("LoadSkeleton of an accepted model: %v", err)
		}
		if sk.TensorRoot() != m.TensorRoot() || sk.TraceSize() != m.TraceSize() || sk.Cost() != m.Cost() {
			t.Fatal("skeleton program differs")
		}
		if m.Cost() > 1<<22 {
			return
		}
		in := make([]*Tensor, len(m.Inputs()))
		for i, vi := range m.Inputs() {
			in[i] = newTensor(vi.Type, vi.Dims)
		}
		r1, err := m.Run(in, Options{Trace: true})
		if err != nil {
			t.Fatalf("Run on zero inputs: %v", err)
		}
		r2, err := m.Run(in, Options{Trace: true})
		if err != nil || r1.Root != r2.Root {
			t.Fatal("runs differ")
		}
		for j := 1; j < len(r1.Leaves); j++ {
			states := map[int][]*Tensor{}
			for k := 0; k < j; k++ {
				states[k] = r1.States[k]
			}
			w := map[int]*Tensor{}
			for i := range m.Initializers() {
				w[i], _ = m.Weight(i)
			}
			leaf, _, err := sk.ExecStep(j, states, w)
			if err != nil || leaf != r1.Leaves[j] {
				t.Fatalf("ExecStep(%d) on the skeleton: %v", j, err)
			}
		}
	})
}

// fuzzSeeds are small models of the test files' shapes.
var fuzzSeeds = []func() *onnxtest.Graph{
	func() *onnxtest.Graph {
		g := onnxtest.NewGraph(13)
		g.Input("x", onnxtest.Uint8, 1, 2, 4, 4)
		g.Scale("s", 0.5)
		g.ZeroPoint("z", onnxtest.Uint8, 3)
		g.Int8("w", dims(2, 1, 2, 2), 1, 2, 3, 4, 5, 6, 7, 8)
		g.Scale("sw", 0.25)
		g.ZeroPoint("zw", onnxtest.Int8, 0)
		g.Node("QLinearConv", "c", []string{"x", "s", "z", "w", "sw", "zw", "s", "z"}, []string{"y"},
			onnxtest.Int("group", 2), onnxtest.Ints("pads", 1, 0, 1, 0))
		g.Node("MaxPool", "p", []string{"y"}, []string{"p"}, onnxtest.Ints("kernel_shape", 2, 2), onnxtest.Int("ceil_mode", 1))
		g.Int64("sh", dims(2), 1, -1)
		g.Node("Reshape", "r", []string{"p", "sh"}, []string{"o"})
		g.Output("o", onnxtest.Uint8)
		return g
	},
	func() *onnxtest.Graph {
		g := onnxtest.NewGraph(13)
		g.Input("x", onnxtest.Float, 1, 2, 3)
		g.Scale("s", 0.1)
		g.ZeroPoint("z", onnxtest.Int8, 0)
		g.Node("QuantizeLinear", "q", []string{"x", "s", "z"}, []string{"q"})
		g.Node("DequantizeLinear", "dq", []string{"q", "s", "z"}, []string{"f"})
		g.Node("AveragePool", "ap", []string{"f"}, []string{"a"}, onnxtest.Ints("kernel_shape", 2))
		g.Node("QuantizeLinear", "q2", []string{"a", "s", "z"}, []string{"y"})
		g.Node("Transpose", "t", []string{"y"}, []string{"o"})
		g.Output("o", onnxtest.Int8)
		return g
	},
}
