package onnxint

import (
	"testing"

	"github.com/prova-network/prova/internal/onnxint/onnxtest"
)

// Per-op known answers, computed by hand (the working is in the comments).

func TestQLinearMatMul(t *testing.T) {
	g := onnxtest.NewGraph(13)
	g.Input("a", onnxtest.Uint8, 2, 3)
	g.Scale("sa", 0.5)
	g.ZeroPoint("za", onnxtest.Uint8, 10)
	g.Int8("b", dims(3, 2), 1, -1, 2, 0, -3, 4)
	g.Scale("sb", 0.25)
	g.ZeroPoint("zb", onnxtest.Int8, 0)
	g.Scale("sy", 0.5)
	g.ZeroPoint("zy", onnxtest.Int8, -3)
	g.Node("QLinearMatMul", "mm", []string{"a", "sa", "za", "b", "sb", "zb", "sy", "zy"}, []string{"y"})
	g.Output("y", onnxtest.Int8, 2, 2)
	m := mustLoad(t, g)
	// a−za = [[1,2,3],[−10,0,20]]; (a−za)·b = [[1+4−9, −1+0+12], [−10−60, 10+80]]
	// = [[−4, 11], [−70, 90]]; ·sa·sb/sy = ·0.25: [[−1, 2.75], [−17.5, 22.5]]
	// round half even: [[−1, 3], [−18, 22]]; +zy: [[−4, 0], [−21, 19]].
	out := runChecked(t, m, tU8(dims(2, 3), 11, 12, 13, 0, 10, 30))
	wantTensor(t, out[0], tI8(dims(2, 2), -4, 0, -21, 19))
}

func TestMatMulIntegerZeroPoints(t *testing.T) {
	g := onnxtest.NewGraph(13)
	g.Input("a", onnxtest.Int8, 1, 2, 3)
	g.Uint8("b", dims(3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 255)
	g.Int8("za", nil, -1)
	g.Uint8("zb", dims(3), 1, 2, 3)
	g.Node("MatMulInteger", "", []string{"a", "b", "za", "zb"}, []string{"y"})
	g.Output("y", onnxtest.Int32, 1, 2, 3)
	m := mustLoad(t, g)
	if m.Steps()[0].Node != "op_0" {
		t.Fatalf("unnamed node named %q", m.Steps()[0].Node)
	}
	// a−za = [[1,2,3],[−127,0,128]]; b−zb = [[0,0,0],[3,3,3],[6,6,252]]
	// row 0: [0+6+18, 0+6+18, 0+6+756] = [24, 24, 762]
	// row 1: [0+0+768, 768, 128·252] = [768, 768, 32256]
	out := runChecked(t, m, tI8(dims(1, 2, 3), 0, 1, 2, -128, -1, 127))
	wantTensor(t, out[0], tI32(dims(1, 2, 3), 24, 24, 762, 768, 768, 32256))
}

func TestQLinearConvGroupsStridePads(t *testing.T) {
	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Uint8, 1, 2, 3, 3)
	g.Scale("sx", 1)
	g.ZeroPoint("zx", onnxtest.Uint8, 1)
	// Two groups of one input channel, one 2x2 filter each.
	g.Int8("w", dims(2, 1, 2, 2), 1, 0, 0, 1, 1, 1, 1, 1)
	g.Float("sw", dims(2), 1, 0.5)
	g.Int8("zw", dims(2), 0, 0)
	g.Scale("sy", 1)
	g.ZeroPoint("zy", onnxtest.Uint8, 0)
	g.Int32("bias", dims(2), 100, -2)
	g.Node("QLinearConv", "conv", []string{"x", "sx", "zx", "w", "sw", "zw", "sy", "zy", "bias"}, []string{"y"},
		onnxtest.Int("group", 2), onnxtest.Ints("pads", 1, 1, 0, 0), onnxtest.Ints("strides", 2, 2))
	g.Output("y", onnxtest.Uint8, 1, 2, 2, 2)
	m := mustLoad(t, g)
	x := tU8(dims(1, 2, 3, 3),
		2, 3, 4, 5, 6, 7, 8, 9, 10, // channel 0, minus zx: 1..9
		1, 1, 1, 1, 1, 1, 1, 1, 11) // channel 1, minus zx: zeros but 10 at (2,2)
	// Padded top/left by 1, stride 2: windows start at (−1,−1), (−1,1), (1,−1), (1,1).
	// ch0 filter diag [[1,0],[0,1]] on x−zx = [[1,2,3],[4,5,6],[7,8,9]]:
	//   (−1,−1): pad + x[0][0]=1 → 1; (−1,1): pad + x[0][2]=3 → 3;
	//   (1,−1): pad + x[2][0]=7 → 7; (1,1): x[1][1]+x[2][2] = 5+9 = 14.
	//   + bias 100, scale 1·1/1 → [101, 103, 107, 114].
	// ch1 all-ones filter, only (2,2)=10 nonzero: window (1,1) covers it → 10;
	//   + bias −2 = [−2, −2, −2, 8], ·0.5 → [−1, −1, −1, 4] → uint8 saturates: [0,0,0,4].
	out := runChecked(t, m, x)
	wantTensor(t, out[0], tU8(dims(1, 2, 2, 2), 101, 103, 107, 114, 0, 0, 0, 4))
}

func TestConvIntegerDilationValid(t *testing.T) {
	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Int8, 1, 1, 1, 5)
	g.Int8("w", dims(1, 1, 1, 2), 2, -1)
	g.Node("ConvInteger", "c", []string{"x", "w"}, []string{"y"},
		onnxtest.Ints("dilations", 1, 2), onnxtest.String("auto_pad", "VALID"))
	g.Output("y", onnxtest.Int32, 1, 1, 1, 3)
	m := mustLoad(t, g)
	// y[i] = 2·x[i] − x[i+2]: x = [1,2,3,4,5] → [2−3, 4−4, 6−5] = [−1, 0, 1]
	out := runChecked(t, m, tI8(dims(1, 1, 1, 5), 1, 2, 3, 4, 5))
	wantTensor(t, out[0], tI32(dims(1, 1, 1, 3), -1, 0, 1))
}

func TestQuantizeDequantize(t *testing.T) {
	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Float, 8)
	g.Scale("s", 0.5)
	g.ZeroPoint("z", onnxtest.Int8, 1)
	g.Node("QuantizeLinear", "q", []string{"x", "s", "z"}, []string{"q"})
	g.Scale("s2", 0.1)
	g.ZeroPoint("z2", onnxtest.Int8, -2)
	g.Node("DequantizeLinear", "dq", []string{"q", "s2", "z2"}, []string{"y"})
	g.Output("q", onnxtest.Int8, 8)
	g.Output("y", onnxtest.Float, 8)
	m := mustLoad(t, g)
	// x/0.5 = [0.5, 1.5, 2.5, −0.5, −1.5, 200, −300, 0.25+ε]: ties to even →
	// [0, 2, 2, −0, −2, 200, −300, 1·0]; +1 and saturate → [1, 3, 3, 1, −1, 127, −128, 1].
	out := runChecked(t, m, tF32(dims(8), 0.25, 0.75, 1.25, -0.25, -0.75, 100, -150, 0.1250001))
	wantTensor(t, out[0], tI8(dims(8), 1, 3, 3, 1, -1, 127, -128, 1))
	// (q+2)·0.1f: float32(0.1) = 0.100000001490116…; (3)·s rounds to
	// float32(0.3)? 3·0.100000001490116 = 0.300000004470348, whose nearest
	// float32 is 0.3 (0x3e99999a): the same as float32 multiplication.
	want := make([]float32, 8)
	for i, q := range []int32{1, 3, 3, 1, -1, 127, -128, 1} {
		want[i] = float32(q+2) * float32(0.1)
	}
	wantTensor(t, out[1], tF32(dims(8), want...))
}

func TestQuantizePerAxis(t *testing.T) {
	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Float, 1, 2, 2)
	g.Float("s", dims(2), 1, 4)
	g.Uint8("z", dims(2), 0, 10)
	g.Node("QuantizeLinear", "q", []string{"x", "s", "z"}, []string{"y"}, onnxtest.Int("axis", 1))
	g.Output("y", onnxtest.Uint8, 1, 2, 2)
	m := mustLoad(t, g)
	// channel 0: x/1 + 0 = [3, 0→sat 0]; channel 1: x/4 + 10: [10/4=2.5→2, −6/4=−1.5→−2] + 10 = [12, 8]
	out := runChecked(t, m, tF32(dims(1, 2, 2), 3, -5, 10, -6))
	wantTensor(t, out[0], tU8(dims(1, 2, 2), 3, 0, 12, 8))
}

func TestIntElementwise(t *testing.T) {
	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Int8, 2, 3)
	g.Input("b", onnxtest.Int8, 3)
	g.Node("Relu", "r", []string{"x"}, []string{"r"})
	g.Int8("lo", nil, -2)
	g.Int8("hi", nil, 5)
	g.Node("Clip", "c", []string{"x", "lo", "hi"}, []string{"c"})
	g.Node("Add", "a", []string{"x", "b"}, []string{"s"})
	g.Output("r", onnxtest.Int8, 2, 3)
	g.Output("c", onnxtest.Int8, 2, 3)
	g.Output("s", onnxtest.Int8, 2, 3)
	m := mustLoad(t, g)
	x := tI8(dims(2, 3), -5, 0, 7, 127, -128, 3)
	out := runChecked(t, m, x, tI8(dims(3), 1, -1, 2))
	wantTensor(t, out[0], tI8(dims(2, 3), 0, 0, 7, 127, 0, 3))
	wantTensor(t, out[1], tI8(dims(2, 3), -2, 0, 5, 5, -2, 3))
	// Add wraps like numpy int8: 127+1 = −128, −128−1 = 127.
	wantTensor(t, out[2], tI8(dims(2, 3), -4, -1, 9, -128, 127, 5))
}

func TestPools(t *testing.T) {
	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Uint8, 1, 1, 3, 3)
	g.Node("MaxPool", "mp", []string{"x"}, []string{"mp"},
		onnxtest.Ints("kernel_shape", 2, 2), onnxtest.Ints("strides", 2, 2), onnxtest.Int("ceil_mode", 1))
	g.Node("AveragePool", "ap", []string{"x"}, []string{"ap"},
		onnxtest.Ints("kernel_shape", 2, 2), onnxtest.Ints("pads", 1, 1, 0, 0))
	g.Node("AveragePool", "api", []string{"x"}, []string{"api"},
		onnxtest.Ints("kernel_shape", 2, 2), onnxtest.Ints("pads", 1, 1, 0, 0), onnxtest.Int("count_include_pad", 1))
	g.Output("mp", onnxtest.Uint8, 1, 1, 2, 2)
	g.Output("ap", onnxtest.Uint8, 1, 1, 3, 3)
	g.Output("api", onnxtest.Uint8, 1, 1, 3, 3)
	m := mustLoad(t, g)
	x := tU8(dims(1, 1, 3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9)
	out := runChecked(t, m, x)
	// ceil_mode: windows at 0 and 2 (the second clipped): [[5, 6], [8, 9]]
	wantTensor(t, out[0], tU8(dims(1, 1, 2, 2), 5, 6, 8, 9))
	// Averages over the valid elements of windows starting at (−1,−1):
	// row 0: [1, (1+2)/2=1.5→2, (2+3)/2=2.5→2]
	// row 1: [(1+4)/2=2.5→2, 12/4=3, 16/4=4]; row 2: [(4+7)/2=5.5→6, 24/4=6, 28/4=7]
	wantTensor(t, out[1], tU8(dims(1, 1, 3, 3), 1, 2, 2, 2, 3, 4, 6, 6, 7))
	// count_include_pad: always /4: [0.25→0, 0.75→1, 1.25→1, 1.25→1, 3, 4, 2.75→3, 6, 7]
	wantTensor(t, out[2], tU8(dims(1, 1, 3, 3), 0, 1, 1, 1, 3, 4, 3, 6, 7))
}

func TestMoves(t *testing.T) {
	g := onnxtest.NewGraph(14)
	g.Input("x", onnxtest.Int8, 2, 3, 2)
	g.Int64("shape", dims(2), 0, -1)
	g.Node("Reshape", "rs", []string{"x", "shape"}, []string{"r"})
	g.Node("Flatten", "fl", []string{"x"}, []string{"f"}, onnxtest.Int("axis", 2))
	g.Node("Transpose", "tr", []string{"x"}, []string{"t"}, onnxtest.Ints("perm", 2, 0, 1))
	g.Output("r", onnxtest.Int8, 2, 6)
	g.Output("f", onnxtest.Int8, 6, 2)
	g.Output("t", onnxtest.Int8, 2, 2, 3)
	m := mustLoad(t, g)
	x := tI8(dims(2, 3, 2), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
	out := runChecked(t, m, x)
	wantTensor(t, out[0], tI8(dims(2, 6), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11))
	wantTensor(t, out[1], tI8(dims(6, 2), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11))
	// t[k][i][j] = x[i][j][k]
	wantTensor(t, out[2], tI8(dims(2, 2, 3), 0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11))
}
