//go:build amd64 && !purego

package onnxint

import "golang.org/x/sys/cpu"

// haveSIMD selects the AVX2 dot-product kernel. Both kernels compute the
// same exact integer sums; the purego build tag forces the portable one.
var haveSIMD = cpu.X86.HasAVX2

//go:noescape
func dot4AVX2(a, w *int16, kp, stride int, out *[4]int32)

//go:noescape
func dot8AVX2(a, w *int16, kp, stride int, out *[8]int32)

//go:noescape
func convT8AVX2(x, w *int32, np, pt int, out *int32)

//go:noescape
func pairs16AVX2(dst *int32, a, b *int16, n int)
