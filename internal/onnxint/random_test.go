package onnxint

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/prova-network/prova/internal/onnxint/onnxtest"
)

// Random shapes against plain reference loops: ConvInteger (groups,
// strides, pads, dilations, zero points) and MatMulInteger (batch
// broadcasting, zero points), each also through runChecked (chunks and
// ExecStep).

func randVals(rng *rand.Rand, n int, typ DType) []int32 {
	v := make([]int32, n)
	lo, hi := typeRange(typ)
	for i := range v {
		v[i] = lo + int32(rng.IntN(int(hi-lo)+1))
	}
	return v
}

func i8s(v []int32) []int8 {
	out := make([]int8, len(v))
	for i, x := range v {
		out[i] = int8(x)
	}
	return out
}

func u8s(v []int32) []uint8 {
	out := make([]uint8, len(v))
	for i, x := range v {
		out[i] = uint8(x)
	}
	return out
}

func TestRandomConvInteger(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	for trial := 0; trial < 40; trial++ {
		grp := 1 + rng.IntN(3)
		cg, mg := 1+rng.IntN(4), 1+rng.IntN(6)
		C, M := cg*grp, mg*grp
		N := 1 + rng.IntN(2)
		kh, kw := 1+rng.IntN(3), 1+rng.IntN(4)
		sh, sw := 1+rng.IntN(2), 1+rng.IntN(3)
		dh, dw := 1+rng.IntN(2), 1+rng.IntN(2)
		ph0, pw0, ph1, pw1 := rng.IntN(3), rng.IntN(3), rng.IntN(3), rng.IntN(3)
		H, W := (kh-1)*dh+1+rng.IntN(6), (kw-1)*dw+1+rng.IntN(9)
		if trial%5 == 0 { // big enough to be split into chunks
			cg, mg, grp = 16, 24, 1
			C, M = 16, 24
			H, W = 12, 12
		}
		xt, wt := Uint8, Int8
		if trial%2 == 1 {
			xt, wt = Int8, Uint8
		}
		OH := (H+ph0+ph1-(kh-1)*dh-1)/sh + 1
		OW := (W+pw0+pw1-(kw-1)*dw-1)/sw + 1
		x := randVals(rng, N*C*H*W, xt)
		w := randVals(rng, M*cg*kh*kw, wt)
		zx := randVals(rng, 1, xt)[0]
		zw := randVals(rng, M, wt)
		g := onnxtest.NewGraph(13)
		g.Input("x", int32(xt), int64(N), int64(C), int64(H), int64(W))
		addInit := func(name string, typ DType, d []int64, v []int32) {
			if typ == Int8 {
				g.Int8(name, d, i8s(v)...)
			} else {
				g.Uint8(name, d, u8s(v)...)
			}
		}
		addInit("w", wt, dims(int64(M), int64(cg), int64(kh), int64(kw)), w)
		addInit("zx", xt, nil, []int32{zx})
		addInit("zw", wt, dims(int64(M)), zw)
		g.Node("ConvInteger", "c", []string{"x", "w", "zx", "zw"}, []string{"y"}, onnxtest.Int("group", int64(grp)),
			onnxtest.Ints("strides", int64(sh), int64(sw)), onnxtest.Ints("dilations", int64(dh), int64(dw)),
			onnxtest.Ints("pads", int64(ph0), int64(pw0), int64(ph1), int64(pw1)))
		g.Output("y", onnxtest.Int32, int64(N), int64(M), int64(OH), int64(OW))
		m := mustLoad(t, g)
		want := make([]int32, N*M*OH*OW)
		for n := 0; n < N; n++ {
			for mo := 0; mo < M; mo++ {
				gi := mo / mg
				for oy := 0; oy < OH; oy++ {
					for ox := 0; ox < OW; ox++ {
						var acc int64
						for c := 0; c < cg; c++ {
							for i := 0; i < kh; i++ {
								for j := 0; j < kw; j++ {
									y, xx := oy*sh-ph0+i*dh, ox*sw-pw0+j*dw
									xv := int64(zx)
									if y >= 0 && y < H && xx >= 0 && xx < W {
										xv = int64(x[((n*C+gi*cg+c)*H+y)*W+xx])
									}
									acc += (xv - int64(zx)) * (int64(w[((mo*cg+c)*kh+i)*kw+j]) - int64(zw[mo]))
								}
							}
						}
						want[((n*M+mo)*OH+oy)*OW+ox] = int32(acc)
					}
				}
			}
		}
		t.Run(fmt.Sprint(trial), func(t *testing.T) {
			out := runChecked(t, m, &Tensor{Type: xt, Dims: dims(int64(N), int64(C), int64(H), int64(W)), I: x})
			wantTensor(t, out[0], tI32(dims(int64(N), int64(M), int64(OH), int64(OW)), want...))
		})
	}
}

func TestRandomMatMulInteger(t *testing.T) {
	rng := rand.New(rand.NewPCG(53, 54))
	for trial := 0; trial < 40; trial++ {
		M, K, N := 1+rng.IntN(5), 1+rng.IntN(40), 1+rng.IntN(13)
		if trial%5 == 0 {
			M, K, N = 3, 300, 90 // chunked
		}
		ab := []int64{1 + int64(rng.IntN(3)), 1}
		bb := []int64{1, 1 + int64(rng.IntN(3))}
		if trial%3 == 0 {
			ab, bb = nil, nil
		}
		ad := append(append([]int64{}, ab...), int64(M), int64(K))
		bd := append(append([]int64{}, bb...), int64(K), int64(N))
		nbA, nbB := int(numel(ab)), int(numel(bb))
		a := randVals(rng, nbA*M*K, Uint8)
		b := randVals(rng, nbB*K*N, Int8)
		za := randVals(rng, 1, Uint8)[0]
		zb := randVals(rng, N, Int8)
		g := onnxtest.NewGraph(13)
		g.Input("a", onnxtest.Uint8, ad...)
		g.Int8("b", bd, i8s(b)...)
		g.Uint8("za", nil, uint8(za))
		g.Int8("zb", dims(int64(N)), i8s(zb)...)
		g.Node("MatMulInteger", "mm", []string{"a", "b", "za", "zb"}, []string{"y"})
		outBatch, _ := broadcastDims(ab, bb)
		od := append(append([]int64{}, outBatch...), int64(M), int64(N))
		g.Output("y", onnxtest.Int32, od...)
		m := mustLoad(t, g)
		aIdx, bIdx := broadcastIndex(outBatch, ab), broadcastIndex(outBatch, bb)
		want := make([]int32, 0, numel(od))
		for ob := range aIdx {
			for i := 0; i < M; i++ {
				for j := 0; j < N; j++ {
					var acc int64
					for k := 0; k < K; k++ {
						acc += (int64(a[(aIdx[ob]*M+i)*K+k]) - int64(za)) * (int64(b[(bIdx[ob]*K+k)*N+j]) - int64(zb[j]))
					}
					want = append(want, int32(acc))
				}
			}
		}
		t.Run(fmt.Sprint(trial), func(t *testing.T) {
			out := runChecked(t, m, &Tensor{Type: Uint8, Dims: ad, I: a})
			wantTensor(t, out[0], tI32(od, want...))
		})
	}
}
