package onnxint

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/onnxint/onnxtest"
)

// QDQ lowering: each pattern's result must be the exact value of the float
// graph rounded once at its QuantizeLinear. The reference below computes
// the float graph in exact rational arithmetic (math/big).

func ratF(f float32) *big.Rat { return f32Rat(math.Float32bits(f)) }

// refQ is saturate(round_half_even(v / s) + z) for an output range.
func refQ(v *big.Rat, s float32, z, lo, hi int64) int32 {
	q := ratRoundHalfEven(new(big.Rat).Quo(v, ratF(s)))
	r := clamp64(satInt64(q), -1<<40, 1<<40) + z
	return int32(clamp64(r, lo, hi))
}

func refDQ(q, z int64, s float32) *big.Rat {
	return new(big.Rat).Mul(new(big.Rat).SetInt64(q-z), ratF(s))
}

func randI8(rng *rand.Rand, n int) []int8 {
	v := make([]int8, n)
	for i := range v {
		v[i] = int8(rng.IntN(256) - 128)
	}
	return v
}

func TestQDQChain(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const K, N, N2 = 20, 6, 4
	sx, zx := float32(0.0123), int64(7)
	sw := make([]float32, N)
	for i := range sw {
		sw[i] = float32(rng.Float64()*0.02 + 0.001)
	}
	w := randI8(rng, K*N)
	s1, z1 := float32(0.0517), int64(-3)
	sw2 := float32(0.0071)
	w2 := randI8(rng, N2*N) // Gemm with transB: [N2, N]
	b2 := make([]int32, N2)
	for i := range b2 {
		b2[i] = int32(rng.IntN(20000) - 10000)
	}
	sb2 := s1 * sw2 // float32 product, as quantization tools compute the bias scale
	s2, z2 := float32(0.0311), int64(5)
	addc := randI8(rng, N2)
	sc, zc := float32(0.02), int64(-10)
	s3, z3 := float32(0.025), int64(-128)

	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Float, 1, K)
	g.Scale("sx", sx)
	g.ZeroPoint("zx", onnxtest.Uint8, int32(zx))
	g.Node("QuantizeLinear", "qx", []string{"x", "sx", "zx"}, []string{"xq"})
	g.Node("DequantizeLinear", "dqx", []string{"xq", "sx", "zx"}, []string{"xf"})
	g.Int8("w", dims(K, N), w...)
	g.Float("sw", dims(N), sw...)
	g.Int8("zw", dims(N), make([]int8, N)...)
	g.Node("DequantizeLinear", "dqw", []string{"w", "sw", "zw"}, []string{"wf"}, onnxtest.Int("axis", 1))
	g.Node("MatMul", "fc1", []string{"xf", "wf"}, []string{"h"})
	g.Node("Relu", "relu1", []string{"h"}, []string{"hr"})
	g.Scale("s1", s1)
	g.ZeroPoint("z1", onnxtest.Int8, int32(z1))
	g.Node("QuantizeLinear", "q1", []string{"hr", "s1", "z1"}, []string{"h1"})
	g.Node("DequantizeLinear", "dq1", []string{"h1", "s1", "z1"}, []string{"h1f"})
	g.Int8("w2", dims(N2, N), w2...)
	g.Scale("sw2", sw2)
	g.Node("DequantizeLinear", "dqw2", []string{"w2", "sw2"}, []string{"w2f"})
	g.Int32("b2", dims(N2), b2...)
	g.Scale("sb2", sb2)
	g.Node("DequantizeLinear", "dqb2", []string{"b2", "sb2"}, []string{"b2f"})
	g.Node("Gemm", "fc2", []string{"h1f", "w2f", "b2f"}, []string{"h2"}, onnxtest.Int("transB", 1))
	g.Scale("s2", s2)
	g.ZeroPoint("z2", onnxtest.Int8, int32(z2))
	g.Node("QuantizeLinear", "q2", []string{"h2", "s2", "z2"}, []string{"h2q"})
	g.Node("DequantizeLinear", "dq2", []string{"h2q", "s2", "z2"}, []string{"h2f"})
	g.Int8("c", dims(N2), addc...)
	g.Scale("sc", sc)
	g.ZeroPoint("zc", onnxtest.Int8, int32(zc))
	g.Node("DequantizeLinear", "dqc", []string{"c", "sc", "zc"}, []string{"cf"})
	g.Node("Add", "add", []string{"h2f", "cf"}, []string{"a"})
	g.Float("cmin", nil, 0)
	g.Float("cmax", nil, 1.5)
	g.Node("Clip", "clip", []string{"a", "cmin", "cmax"}, []string{"ac"})
	g.Scale("s3", s3)
	g.ZeroPoint("z3", onnxtest.Int8, int32(z3))
	g.Node("QuantizeLinear", "q3", []string{"ac", "s3", "z3"}, []string{"aq"})
	g.Node("DequantizeLinear", "dq3", []string{"aq", "s3", "z3"}, []string{"af"})
	g.Int64("shape", dims(2), 2, 2)
	g.Node("Reshape", "rs", []string{"af", "shape"}, []string{"rf"})
	g.Node("QuantizeLinear", "q4", []string{"rf", "s3", "z3"}, []string{"rq"})
	g.Node("DequantizeLinear", "dqout", []string{"rq", "s3", "z3"}, []string{"y"})
	g.Output("y", onnxtest.Float, 2, 2)
	m := mustLoad(t, g)

	var ops []string
	for _, s := range m.Steps() {
		ops = append(ops, s.Node+":"+s.Op)
	}
	want := "qx:QuantizeLinear fc1:QDQ MatMul+Relu fc2:QDQ Gemm add:QDQ Add+Clip rs:QDQ Reshape dqout:DequantizeLinear"
	if got := strings.Join(ops, " "); got != want {
		t.Fatalf("program %q, want %q", got, want)
	}

	for trial := 0; trial < 20; trial++ {
		xv := make([]float32, K)
		for i := range xv {
			xv[i] = float32(rng.Float64()*4 - 1)
		}
		// Reference.
		xq := make([]int64, K)
		for i, v := range xv {
			xq[i] = int64(refQ(ratF(v), sx, zx, 0, 255))
		}
		h1 := make([]int64, N)
		for j := 0; j < N; j++ {
			acc := new(big.Rat)
			for k := 0; k < K; k++ {
				acc.Add(acc, new(big.Rat).Mul(refDQ(xq[k], zx, sx), refDQ(int64(w[k*N+j]), 0, sw[j])))
			}
			if acc.Sign() < 0 {
				acc.SetInt64(0)
			}
			h1[j] = int64(refQ(acc, s1, z1, -128, 127))
		}
		h2 := make([]int64, N2)
		for j := 0; j < N2; j++ {
			acc := refDQ(int64(b2[j]), 0, sb2)
			for k := 0; k < N; k++ {
				acc.Add(acc, new(big.Rat).Mul(refDQ(h1[k], z1, s1), refDQ(int64(w2[j*N+k]), 0, sw2)))
			}
			h2[j] = int64(refQ(acc, s2, z2, -128, 127))
		}
		yv := make([]float32, N2)
		for j := 0; j < N2; j++ {
			a := new(big.Rat).Add(refDQ(h2[j], z2, s2), refDQ(int64(addc[j]), zc, sc))
			if a.Sign() < 0 {
				a.SetInt64(0)
			}
			if a.Cmp(big.NewRat(3, 2)) > 0 {
				a.SetFrac64(3, 2)
			}
			q := refQ(a, s3, z3, -128, 127)
			// DQ → Reshape → Q with equal parameters gives q back.
			yv[j] = float32(q-int32(z3)) * s3
		}
		out := runChecked(t, m, tF32(dims(1, K), xv...))
		wantTensor(t, out[0], tF32(dims(2, 2), yv...))
	}
}

// TestQDQConvPoolsAgainstReference checks QDQ Conv+Relu (per-channel
// weights, bias), QDQ MaxPool and QDQ AveragePool against the exact
// reference.
func TestQDQConvPoolsAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const C, M, H, W = 2, 3, 5, 5
	sx, zx := float32(0.04), int64(3)
	sw := []float32{0.011, 0.027, 0.0063}
	w := randI8(rng, M*C*3*3)
	bias := []int32{1234, -5000, 77}
	sy, zy := float32(0.09), int64(-20)
	sp, zp := float32(0.05), int64(1) // AveragePool output

	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Int8, 1, C, H, W)
	g.Scale("sx", sx)
	g.ZeroPoint("zx", onnxtest.Int8, int32(zx))
	g.Node("DequantizeLinear", "dqx", []string{"x", "sx", "zx"}, []string{"xf"})
	g.Int8("w", dims(M, C, 3, 3), w...)
	g.Float("sw", dims(M), sw...)
	g.Node("DequantizeLinear", "dqw", []string{"w", "sw"}, []string{"wf"}, onnxtest.Int("axis", 0))
	g.Int32("b", dims(M), bias...)
	bs := make([]float32, M)
	for i := range bs {
		bs[i] = sx * sw[i]
	}
	g.Float("bs", dims(M), bs...)
	g.Node("DequantizeLinear", "dqb", []string{"b", "bs"}, []string{"bf"}, onnxtest.Int("axis", 0))
	g.Node("Conv", "conv", []string{"xf", "wf", "bf"}, []string{"c"},
		onnxtest.Ints("pads", 1, 1, 1, 1), onnxtest.Ints("strides", 2, 1))
	g.Node("Relu", "relu", []string{"c"}, []string{"cr"})
	g.Scale("sy", sy)
	g.ZeroPoint("zy", onnxtest.Int8, int32(zy))
	g.Node("QuantizeLinear", "qc", []string{"cr", "sy", "zy"}, []string{"cq"})
	// Two consumers of one DequantizeLinear: both patterns absorb it.
	g.Node("DequantizeLinear", "dqc", []string{"cq", "sy", "zy"}, []string{"cf"})
	g.Node("MaxPool", "mp", []string{"cf"}, []string{"mf"}, onnxtest.Ints("kernel_shape", 2, 2))
	g.Node("QuantizeLinear", "qm", []string{"mf", "sy", "zy"}, []string{"mq"})
	g.Node("AveragePool", "ap", []string{"cf"}, []string{"af"}, onnxtest.Ints("kernel_shape", 2, 3),
		onnxtest.Ints("pads", 0, 1, 1, 1))
	g.Scale("sp", sp)
	g.ZeroPoint("zp", onnxtest.Int8, int32(zp))
	g.Node("QuantizeLinear", "qa", []string{"af", "sp", "zp"}, []string{"aq"})
	const OH, OW = 3, 5
	g.Output("cq", onnxtest.Int8, 1, M, OH, OW)
	g.Output("mq", onnxtest.Int8, 1, M, OH-1, OW-1)
	g.Output("aq", onnxtest.Int8, 1, M, OH, OW)
	m := mustLoad(t, g)
	var ops []string
	for _, s := range m.Steps() {
		ops = append(ops, s.Op)
	}
	if got := strings.Join(ops, ","); got != "QDQ Conv+Relu,QDQ MaxPool,QDQ AveragePool" {
		t.Fatalf("program %s", got)
	}
	for trial := 0; trial < 10; trial++ {
		x := randI8(rng, C*H*W)
		xi := make([]int32, len(x))
		for i, v := range x {
			xi[i] = int32(v)
		}
		conv := make([]int32, M*OH*OW)
		for mo := 0; mo < M; mo++ {
			for oy := 0; oy < OH; oy++ {
				for ox := 0; ox < OW; ox++ {
					acc := refDQ(int64(bias[mo]), 0, bs[mo])
					for c := 0; c < C; c++ {
						for ki := 0; ki < 3; ki++ {
							for kj := 0; kj < 3; kj++ {
								y, xx := oy*2-1+ki, ox-1+kj
								if y < 0 || y >= H || xx < 0 || xx >= W {
									continue
								}
								acc.Add(acc, new(big.Rat).Mul(refDQ(int64(x[(c*H+y)*W+xx]), zx, sx),
									refDQ(int64(w[((mo*C+c)*3+ki)*3+kj]), 0, sw[mo])))
							}
						}
					}
					if acc.Sign() < 0 {
						acc.SetInt64(0)
					}
					conv[(mo*OH+oy)*OW+ox] = refQ(acc, sy, zy, -128, 127)
				}
			}
		}
		mp := make([]int32, M*(OH-1)*(OW-1))
		ap := make([]int32, M*OH*OW)
		for mo := 0; mo < M; mo++ {
			for oy := 0; oy < OH-1; oy++ {
				for ox := 0; ox < OW-1; ox++ {
					best := int32(-128)
					for _, d := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
						best = max(best, conv[(mo*OH+oy+d[0])*OW+ox+d[1]])
					}
					mp[(mo*(OH-1)+oy)*(OW-1)+ox] = best // same scale: requantization is the identity
				}
			}
			for oy := 0; oy < OH; oy++ {
				for ox := 0; ox < OW; ox++ {
					sum, n := new(big.Rat), int64(0)
					for ki := 0; ki < 2; ki++ {
						for kj := 0; kj < 3; kj++ {
							y, xx := oy+ki, ox-1+kj
							if y >= OH || xx < 0 || xx >= OW {
								continue
							}
							sum.Add(sum, refDQ(int64(conv[(mo*OH+y)*OW+xx]), zy, sy))
							n++
						}
					}
					ap[(mo*OH+oy)*OW+ox] = refQ(sum.Quo(sum, big.NewRat(n, 1)), sp, zp, -128, 127)
				}
			}
		}
		out := runChecked(t, m, tI8(dims(1, C, H, W), xi...))
		wantTensor(t, out[0], tI8(dims(1, M, OH, OW), conv...))
		wantTensor(t, out[1], tI8(dims(1, M, OH-1, OW-1), mp...))
		wantTensor(t, out[2], tI8(dims(1, M, OH, OW), ap...))
	}
}

// TestQDQEqualsQOperator: a QDQ Conv whose bias scale is exactly sx·sw is
// the QLinearConv with the same integers.
func TestQDQEqualsQOperator(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	sx, sw, sy := float32(0.5), float32(0.375), float32(0.1)
	w := randI8(rng, 4*3*2*2)
	b := []int32{10, -20, 300, 0}
	mk := func(qdq bool) *Model {
		g := onnxtest.NewGraph(13)
		g.Input("x", onnxtest.Uint8, 1, 3, 4, 4)
		g.Scale("sx", sx)
		g.ZeroPoint("zx", onnxtest.Uint8, 128)
		g.Int8("w", dims(4, 3, 2, 2), w...)
		g.Scale("sw", sw)
		g.ZeroPoint("zw", onnxtest.Int8, 0)
		g.Scale("sy", sy)
		g.ZeroPoint("zy", onnxtest.Uint8, 100)
		g.Int32("b", dims(4), b...)
		if qdq {
			g.Scale("sb", sx*sw) // 0.1875: exact
			g.Node("DequantizeLinear", "", []string{"x", "sx", "zx"}, []string{"xf"})
			g.Node("DequantizeLinear", "", []string{"w", "sw", "zw"}, []string{"wf"})
			g.Node("DequantizeLinear", "", []string{"b", "sb"}, []string{"bf"})
			g.Node("Conv", "conv", []string{"xf", "wf", "bf"}, []string{"c"}, onnxtest.Ints("strides", 2, 2))
			g.Node("QuantizeLinear", "", []string{"c", "sy", "zy"}, []string{"y"})
		} else {
			g.Node("QLinearConv", "conv", []string{"x", "sx", "zx", "w", "sw", "zw", "sy", "zy", "b"}, []string{"y"},
				onnxtest.Ints("strides", 2, 2))
		}
		g.Output("y", onnxtest.Uint8, 1, 4, 2, 2)
		return mustLoad(t, g)
	}
	qdq, qop := mk(true), mk(false)
	for trial := 0; trial < 20; trial++ {
		x := make([]int32, 3*4*4)
		for i := range x {
			x[i] = int32(rng.IntN(256))
		}
		in := tU8(dims(1, 3, 4, 4), x...)
		a, b := runChecked(t, qdq, in), runChecked(t, qop, in)
		wantTensor(t, a[0], b[0])
	}
}

func TestFloatOutsidePatternRefused(t *testing.T) {
	cases := []struct {
		name  string
		build func(g *onnxtest.Graph)
		want  string
	}{
		{"float relu on input", func(g *onnxtest.Graph) {
			g.Input("x", onnxtest.Float, 4)
			g.Node("Relu", "r1", []string{"x"}, []string{"y"})
			g.Output("y", onnxtest.Float, 4)
		}, `node "r1": unsupported op Relu on FLOAT`},
		{"softmax between dq and q", func(g *onnxtest.Graph) {
			g.Input("x", onnxtest.Int8, 4)
			g.Scale("s", 0.1)
			g.Node("DequantizeLinear", "dq", []string{"x", "s"}, []string{"xf"})
			g.Node("Softmax", "sm_1", []string{"xf"}, []string{"p"})
			g.Node("QuantizeLinear", "q", []string{"p", "s"}, []string{"y"})
			g.Output("y", onnxtest.Uint8, 4)
		}, `node "sm_1": unsupported op Softmax`},
		{"float matmul without dq", func(g *onnxtest.Graph) {
			g.Input("x", onnxtest.Float, 1, 2)
			g.Float("w", dims(2, 2), 1, 2, 3, 4)
			g.Scale("s", 0.1)
			g.Node("MatMul", "mm", []string{"x", "w"}, []string{"h"})
			g.Node("QuantizeLinear", "q", []string{"h", "s"}, []string{"y"})
			g.Output("y", onnxtest.Uint8, 1, 2)
		}, `node "mm": unsupported op MatMul (float computation outside a QDQ pattern)`},
		{"dq output used twice, once by float add", func(g *onnxtest.Graph) {
			g.Input("x", onnxtest.Int8, 4)
			g.Scale("s", 0.1)
			g.Node("DequantizeLinear", "dq", []string{"x", "s"}, []string{"xf"})
			g.Node("Add", "add", []string{"xf", "xf"}, []string{"a"})
			g.Output("a", onnxtest.Float, 4)
		}, `node "add": unsupported op Add on FLOAT`},
		{"other domain", func(g *onnxtest.Graph) {
			g.Input("x", onnxtest.Int8, 4)
			n := g.Node("QLinearAdd", "qa", []string{"x"}, []string{"y"})
			n.Domain = "com.microsoft"
			g.Output("y", onnxtest.Int8, 4)
		}, `node "qa": unsupported op QLinearAdd`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := onnxtest.NewGraph(13)
			c.build(g)
			_, err := Load(g.Bytes())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
}

// TestSharedDequantizeRequantized: one DequantizeLinear read by two
// QuantizeLinear nodes (and a graph output) is requantized exactly by each,
// and stays as a step for the output.
func TestSharedDequantizeRequantized(t *testing.T) {
	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Int8, 4)
	g.Scale("s", 0.3)
	g.Node("DequantizeLinear", "dq", []string{"x", "s"}, []string{"f"})
	g.Scale("s1", 0.2)
	g.Scale("s2", 0.6)
	g.ZeroPoint("z", onnxtest.Int8, 0)
	g.Node("QuantizeLinear", "q1", []string{"f", "s1", "z"}, []string{"y1"})
	g.Node("QuantizeLinear", "q2", []string{"f", "s2", "z"}, []string{"y2"})
	g.Output("y1", onnxtest.Int8, 4)
	g.Output("y2", onnxtest.Int8, 4)
	g.Output("f", onnxtest.Float, 4)
	m := mustLoad(t, g)
	var ops []string
	for _, s := range m.Steps() {
		ops = append(ops, s.Op)
	}
	if got := strings.Join(ops, ","); got != "DequantizeLinear,QDQ Requantize,QDQ Requantize" {
		t.Fatalf("program %s", got)
	}
	// x·0.3/0.2 = 1.5x (float32 scales: 0.3f/0.2f is not exactly 1.5, so
	// compute the reference exactly).
	x := []int32{1, -3, 5, 127}
	out := runChecked(t, m, tI8(dims(4), x...))
	for i, v := range x {
		for j, s := range []float32{0.2, 0.6} {
			want := refQ(refDQ(int64(v), 0, 0.3), s, 0, -128, 127)
			if out[j].I[i] != want {
				t.Fatalf("y%d[%d] = %d, want %d", j+1, i, out[j].I[i], want)
			}
		}
	}
}
