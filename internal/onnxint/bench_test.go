package onnxint

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/prova-network/prova/internal/onnxint/onnxtest"
)

// Benchmark models: an int8 MNIST-shaped MLP 784-128-10 and a small CNN in
// the QDQ form quantization tools write (uint8 activations, int8 weights
// with per-channel scales, int32 biases).

func qdqGemm(g *onnxtest.Graph, rng *rand.Rand, name, in string, sIn float32, zIn int32, k, n int, relu bool, sOut float32, zOut int32) string {
	w := randI8(rng, n*k)
	b := make([]int32, n)
	for i := range b {
		b[i] = int32(rng.IntN(4000) - 2000)
	}
	sw := make([]float32, n)
	for i := range sw {
		sw[i] = float32(rng.Float64()*0.004 + 0.002)
	}
	sb := make([]float32, n)
	for i := range sb {
		sb[i] = sIn * sw[i]
	}
	g.Int8(name+"_w", dims(int64(n), int64(k)), w...)
	g.Float(name+"_sw", dims(int64(n)), sw...)
	g.Int8(name+"_zw", dims(int64(n)), make([]int8, n)...)
	g.Int32(name+"_b", dims(int64(n)), b...)
	g.Float(name+"_sb", dims(int64(n)), sb...)
	g.Int32(name+"_zb", dims(int64(n)), make([]int32, n)...)
	g.Node("DequantizeLinear", name+"_dqx", []string{in, name + "_s_in", name + "_z_in"}, []string{name + "_xf"})
	g.Scale(name+"_s_in", sIn)
	g.ZeroPoint(name+"_z_in", onnxtest.Uint8, zIn)
	g.Node("DequantizeLinear", name+"_dqw", []string{name + "_w", name + "_sw", name + "_zw"}, []string{name + "_wf"}, onnxtest.Int("axis", 0))
	g.Node("DequantizeLinear", name+"_dqb", []string{name + "_b", name + "_sb", name + "_zb"}, []string{name + "_bf"}, onnxtest.Int("axis", 0))
	g.Node("Gemm", name, []string{name + "_xf", name + "_wf", name + "_bf"}, []string{name + "_y"}, onnxtest.Int("transB", 1))
	y := name + "_y"
	if relu {
		g.Node("Relu", name+"_relu", []string{y}, []string{name + "_r"})
		y = name + "_r"
	}
	g.Scale(name+"_s_out", sOut)
	g.ZeroPoint(name+"_z_out", onnxtest.Uint8, zOut)
	g.Node("QuantizeLinear", name+"_q", []string{y, name + "_s_out", name + "_z_out"}, []string{name + "_q"})
	return name + "_q"
}

// mlpModel is x[batch,784] FLOAT → Q → Gemm+Relu (128) → Gemm (10) → DQ.
func mlpModel(batch int64) *onnxtest.Graph {
	rng := rand.New(rand.NewPCG(21, 22))
	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Float, batch, 784)
	g.Scale("sx", 1.0/255)
	g.ZeroPoint("zx", onnxtest.Uint8, 0)
	g.Node("QuantizeLinear", "qx", []string{"x", "sx", "zx"}, []string{"xq"})
	h := qdqGemm(g, rng, "fc1", "xq", 1.0/255, 0, 784, 128, true, 0.05, 0)
	y := qdqGemm(g, rng, "fc2", h, 0.05, 0, 128, 10, false, 0.1, 128)
	g.Scale("sy", 0.1)
	g.ZeroPoint("zy", onnxtest.Uint8, 128)
	g.Node("DequantizeLinear", "out", []string{y, "sy", "zy"}, []string{"logits"})
	g.Output("logits", onnxtest.Float, batch, 10)
	return g
}

func qdqConv(g *onnxtest.Graph, rng *rand.Rand, name, in string, sIn float32, c, m, k, pad int) string {
	w := randI8(rng, m*c*k*k)
	b := make([]int32, m)
	for i := range b {
		b[i] = int32(rng.IntN(2000) - 1000)
	}
	sw := make([]float32, m)
	sb := make([]float32, m)
	for i := range sw {
		sw[i] = float32(rng.Float64()*0.004 + 0.002)
		sb[i] = sIn * sw[i]
	}
	g.Int8(name+"_w", dims(int64(m), int64(c), int64(k), int64(k)), w...)
	g.Float(name+"_sw", dims(int64(m)), sw...)
	g.Int32(name+"_b", dims(int64(m)), b...)
	g.Float(name+"_sb", dims(int64(m)), sb...)
	g.Scale(name+"_s_in", sIn)
	g.ZeroPoint(name+"_z_in", onnxtest.Uint8, 0)
	g.Node("DequantizeLinear", name+"_dqx", []string{in, name + "_s_in", name + "_z_in"}, []string{name + "_xf"})
	g.Node("DequantizeLinear", name+"_dqw", []string{name + "_w", name + "_sw"}, []string{name + "_wf"}, onnxtest.Int("axis", 0))
	g.Node("DequantizeLinear", name+"_dqb", []string{name + "_b", name + "_sb"}, []string{name + "_bf"}, onnxtest.Int("axis", 0))
	p := int64(pad)
	g.Node("Conv", name, []string{name + "_xf", name + "_wf", name + "_bf"}, []string{name + "_y"}, onnxtest.Ints("pads", p, p, p, p),
		onnxtest.Ints("kernel_shape", int64(k), int64(k)))
	g.Node("Relu", name+"_relu", []string{name + "_y"}, []string{name + "_r"})
	g.Scale(name+"_s_out", 0.05)
	g.ZeroPoint(name+"_z_out", onnxtest.Uint8, 0)
	g.Node("QuantizeLinear", name+"_q", []string{name + "_r", name + "_s_out", name + "_z_out"}, []string{name + "_q"})
	return name + "_q"
}

func qdqMaxPool(g *onnxtest.Graph, name, in string, k int64) string {
	g.Node("DequantizeLinear", name+"_dq", []string{in, "s_act", "z_act"}, []string{name + "_xf"})
	g.Node("MaxPool", name, []string{name + "_xf"}, []string{name + "_y"}, onnxtest.Ints("kernel_shape", k, k), onnxtest.Ints("strides", k, k))
	g.Node("QuantizeLinear", name+"_q", []string{name + "_y", "s_act", "z_act"}, []string{name + "_q"})
	return name + "_q"
}

// cnnModel is the MNIST CNN shape: Conv 1→8 5x5 pad 2 + Relu, MaxPool 2,
// Conv 8→16 5x5 pad 2 + Relu, MaxPool 3, Reshape 256, Gemm 256→10.
func cnnModel() *onnxtest.Graph {
	rng := rand.New(rand.NewPCG(23, 24))
	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Float, 1, 1, 28, 28)
	g.Scale("sx", 1.0/255)
	g.ZeroPoint("zx", onnxtest.Uint8, 0)
	g.Scale("s_act", 0.05)
	g.ZeroPoint("z_act", onnxtest.Uint8, 0)
	g.Node("QuantizeLinear", "qx", []string{"x", "sx", "zx"}, []string{"xq"})
	h := qdqConv(g, rng, "conv1", "xq", 1.0/255, 1, 8, 5, 2)
	h = qdqMaxPool(g, "pool1", h, 2)
	h = qdqConv(g, rng, "conv2", h, 0.05, 8, 16, 5, 2)
	h = qdqMaxPool(g, "pool2", h, 3)
	g.Int64("shape", dims(2), 1, 256)
	g.Node("DequantizeLinear", "flat_dq", []string{h, "s_act", "z_act"}, []string{"flat_xf"})
	g.Node("Reshape", "flat", []string{"flat_xf", "shape"}, []string{"flat_y"})
	g.Node("QuantizeLinear", "flat_q", []string{"flat_y", "s_act", "z_act"}, []string{"flat_q"})
	y := qdqGemm(g, rng, "fc", "flat_q", 0.05, 0, 256, 10, false, 0.1, 128)
	g.Scale("sy", 0.1)
	g.ZeroPoint("zy", onnxtest.Uint8, 128)
	g.Node("DequantizeLinear", "out", []string{y, "sy", "zy"}, []string{"logits"})
	g.Output("logits", onnxtest.Float, 1, 10)
	return g
}

func benchInput(dims []int64) *Tensor {
	rng := rand.New(rand.NewPCG(25, 26))
	n := numel(dims)
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.IntN(256)) / 255
	}
	return tF32(dims, v...)
}

func TestBenchModels(t *testing.T) {
	for name, g := range map[string]*onnxtest.Graph{"mlp": mlpModel(1), "cnn": cnnModel()} {
		m := mustLoad(t, g)
		in := benchInput(m.Inputs()[0].Dims)
		runChecked(t, m, in)
		// ONNXINT_WRITE_MODELS=dir writes the models and an input, to time
		// the same models with another runtime.
		if dir := os.Getenv("ONNXINT_WRITE_MODELS"); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, name+".onnx"), g.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+".input.bin"), Encode(in), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func benchRun(b *testing.B, g *onnxtest.Graph, trace bool) {
	m := mustLoad(b, g)
	in := []*Tensor{benchInput(m.Inputs()[0].Dims)}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Run(in, Options{Trace: trace}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRun runs the MNIST-shaped MLP (784-128-10, batch 1) plain and
// traced.
func BenchmarkRun(b *testing.B) {
	b.Run("mlp", func(b *testing.B) { benchRun(b, mlpModel(1), false) })
	b.Run("mlp/traced", func(b *testing.B) { benchRun(b, mlpModel(1), true) })
	b.Run("mlp-batch64", func(b *testing.B) { benchRun(b, mlpModel(64), false) })
	b.Run("cnn", func(b *testing.B) { benchRun(b, cnnModel(), false) })
	b.Run("cnn/traced", func(b *testing.B) { benchRun(b, cnnModel(), true) })
}
