//go:build !amd64 || purego

package onnxint

const haveSIMD = false

func dot4AVX2(a, w *int16, kp, stride int, out *[4]int32) {
	panic("onnxint: no SIMD kernel in this build")
}

func dot8AVX2(a, w *int16, kp, stride int, out *[8]int32) {
	panic("onnxint: no SIMD kernel in this build")
}

func convT8AVX2(x, w *int32, np, pt int, out *int32) {
	panic("onnxint: no SIMD kernel in this build")
}

func pairs16AVX2(dst *int32, a, b *int16, n int) {
	panic("onnxint: no SIMD kernel in this build")
}
