package onnxint

import (
	"math/rand/v2"
	"testing"
)

func TestDot4SIMD(t *testing.T) {
	if !haveSIMD {
		t.Skip("no SIMD kernel in this build")
	}
	rng := rand.New(rand.NewPCG(31, 32))
	for trial := 0; trial < 2000; trial++ {
		kp := 16 * (1 + rng.IntN(64))
		stride := kp + 16*rng.IntN(3)
		a := make([]int16, kp)
		w := make([]int16, 3*stride+kp)
		for i := range a {
			a[i] = int16(rng.IntN(256))
			if trial%3 == 0 {
				a[i] = 255
			}
		}
		for i := range w {
			w[i] = int16(rng.IntN(256) - 128)
			if trial%3 == 0 {
				w[i] = -128
			}
		}
		w = append(w, make([]int16, 4*stride)...)
		for i := range w {
			w[i] = int16(rng.IntN(256) - 128)
			if trial%3 == 0 {
				w[i] = -128
			}
		}
		var out [4]int32
		var out8 [8]int32
		dot4AVX2(&a[0], &w[0], kp, stride, &out)
		dot8AVX2(&a[0], &w[0], kp, stride, &out8)
		for c := 0; c < 8; c++ {
			var want int64
			for k := 0; k < kp; k++ {
				want += int64(a[k]) * int64(w[c*stride+k])
			}
			if c < 4 && int64(out[c]) != want {
				t.Fatalf("kp %d column %d: %d, want %d", kp, c, out[c], want)
			}
			if int64(out8[c]) != want {
				t.Fatalf("dot8: kp %d column %d: %d, want %d", kp, c, out8[c], want)
			}
		}
	}
}
