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

func pair16(lo, hi int16) int32 { return int32(uint32(uint16(lo)) | uint32(uint16(hi))<<16) }

func TestConvT8SIMD(t *testing.T) {
	if !haveSIMD {
		t.Skip("no SIMD kernel in this build")
	}
	rng := rand.New(rand.NewPCG(33, 34))
	for trial := 0; trial < 500; trial++ {
		np := 1 + rng.IntN(120)
		pt := 8 * (1 + rng.IntN(10))
		a := make([]int16, 2*np*pt) // [np][pt][2]
		w := make([]int16, 2*np*8)  // [8][np][2]
		for i := range a {
			a[i] = int16(rng.IntN(256))
			if trial%4 == 0 {
				a[i] = 255
			}
		}
		for i := range w {
			w[i] = int16(rng.IntN(256) - 128)
			if trial%4 == 0 {
				w[i] = -128
			}
		}
		x := make([]int32, np*pt)
		for i := range x {
			x[i] = pair16(a[2*i], a[2*i+1])
		}
		w2 := make([]int32, 8*np)
		for i := range w2 {
			w2[i] = pair16(w[2*i], w[2*i+1])
		}
		out := make([]int32, 8*pt)
		convT8AVX2(&x[0], &w2[0], np, pt, &out[0])
		for m := 0; m < 8; m++ {
			for p := 0; p < pt; p++ {
				var want int64
				for j := 0; j < np; j++ {
					for h := 0; h < 2; h++ {
						want += int64(a[(j*pt+p)*2+h]) * int64(w[(m*np+j)*2+h])
					}
				}
				if int64(out[m*pt+p]) != want {
					t.Fatalf("np %d pt %d m %d p %d: %d, want %d", np, pt, m, p, out[m*pt+p], want)
				}
			}
		}
	}
}

func TestPairs16SIMD(t *testing.T) {
	if !haveSIMD {
		t.Skip("no SIMD kernel in this build")
	}
	rng := rand.New(rand.NewPCG(35, 36))
	for trial := 0; trial < 200; trial++ {
		n := 16 * (1 + rng.IntN(8))
		a, b := make([]int16, n), make([]int16, n)
		for i := range a {
			a[i], b[i] = int16(rng.Uint32()), int16(rng.Uint32())
		}
		dst := make([]int32, n+1)
		dst[n] = 7
		pairs16AVX2(&dst[0], &a[0], &b[0], n)
		for i := 0; i < n; i++ {
			if dst[i] != pair16(a[i], b[i]) {
				t.Fatalf("n %d: element %d is %#x, want %#x", n, i, dst[i], pair16(a[i], b[i]))
			}
		}
		if dst[n] != 7 {
			t.Fatal("wrote past n")
		}
	}
}
