//go:build amd64 && !purego

#include "textflag.h"

// func dot4AVX2(a, w *int16, kp, stride int, out *[4]int32)
//
// out[c] = Σ_{k<kp} a[k]·w[c·stride+k] for c = 0..3, kp a positive
// multiple of 16. VPMADDWD multiplies int16 pairs exactly into int32 and
// adds adjacent products; the caller bounds kp so that no int32 lane
// overflows.
TEXT ·dot4AVX2(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), SI
	MOVQ w+8(FP), DI
	MOVQ kp+16(FP), CX
	MOVQ stride+24(FP), DX
	SHLQ $1, DX
	MOVQ out+32(FP), R8
	LEAQ (DI)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	XORQ AX, AX

loop:
	VMOVDQU  (SI)(AX*1), Y4
	VPMADDWD (DI)(AX*1), Y4, Y5
	VPADDD   Y5, Y0, Y0
	VPMADDWD (R9)(AX*1), Y4, Y6
	VPADDD   Y6, Y1, Y1
	VPMADDWD (R10)(AX*1), Y4, Y7
	VPADDD   Y7, Y2, Y2
	VPMADDWD (R11)(AX*1), Y4, Y8
	VPADDD   Y8, Y3, Y3
	ADDQ     $32, AX
	SUBQ     $16, CX
	JNZ      loop

	// Reduce each accumulator's eight lanes: Y0..Y3 → out[0..3].
	VPHADDD      Y1, Y0, Y0 // [a0+a1, a2+a3, b0+b1, b2+b3 | a4+a5, a6+a7, b4+b5, b6+b7]
	VPHADDD      Y3, Y2, Y2 // same for c, d
	VPHADDD      Y2, Y0, Y0 // [a01+a23, b01+b23, c.., d.. | a45+a67, b.., c.., d..]
	VEXTRACTI128 $1, Y0, X1
	VPADDD       X1, X0, X0 // [a, b, c, d]
	VMOVDQU      X0, (R8)
	VZEROUPPER
	RET

// func dot8AVX2(a, w *int16, kp, stride int, out *[8]int32)
//
// out[c] = Σ_{k<kp} a[k]·w[c·stride+k] for c = 0..7 (see dot4AVX2).
TEXT ·dot8AVX2(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), SI
	MOVQ w+8(FP), DI
	MOVQ kp+16(FP), CX
	MOVQ stride+24(FP), DX
	SHLQ $1, DX
	MOVQ out+32(FP), R8
	LEAQ (DI)(DX*1), R9
	LEAQ (R9)(DX*1), R10
	LEAQ (R10)(DX*1), R11
	LEAQ (R11)(DX*1), R12
	LEAQ (R12)(DX*1), R13
	LEAQ (R13)(DX*1), R14
	LEAQ (R14)(DX*1), R15
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	XORQ AX, AX

loop8:
	VMOVDQU  (SI)(AX*1), Y8
	VPMADDWD (DI)(AX*1), Y8, Y9
	VPADDD   Y9, Y0, Y0
	VPMADDWD (R9)(AX*1), Y8, Y10
	VPADDD   Y10, Y1, Y1
	VPMADDWD (R10)(AX*1), Y8, Y11
	VPADDD   Y11, Y2, Y2
	VPMADDWD (R11)(AX*1), Y8, Y12
	VPADDD   Y12, Y3, Y3
	VPMADDWD (R12)(AX*1), Y8, Y9
	VPADDD   Y9, Y4, Y4
	VPMADDWD (R13)(AX*1), Y8, Y10
	VPADDD   Y10, Y5, Y5
	VPMADDWD (R14)(AX*1), Y8, Y11
	VPADDD   Y11, Y6, Y6
	VPMADDWD (R15)(AX*1), Y8, Y12
	VPADDD   Y12, Y7, Y7
	ADDQ     $32, AX
	SUBQ     $16, CX
	JNZ      loop8

	VPHADDD    Y1, Y0, Y0
	VPHADDD    Y3, Y2, Y2
	VPHADDD    Y5, Y4, Y4
	VPHADDD    Y7, Y6, Y6
	VPHADDD    Y2, Y0, Y0  // [a b c d | a' b' c' d']
	VPHADDD    Y6, Y4, Y4  // [e f g h | e' f' g' h']
	VPERM2I128 $0x20, Y4, Y0, Y1
	VPERM2I128 $0x31, Y4, Y0, Y2
	VPADDD     Y2, Y1, Y1
	VMOVDQU    Y1, (R8)
	VZEROUPPER
	RET

// func convT8AVX2(x, w *int32, np, pt int, out *int32)
//
// For 8 weight rows m and pt patches (pt a positive multiple of 8):
// out[m·pt+p] = Σ_{j<np} madd(x[j·pt+p], w[m·np+j]), where each int32
// holds two int16 values and madd multiplies them pairwise and adds
// (VPMADDWD): the sums of products of patch p and row m over 2·np
// elements. np is positive; the caller bounds it so that no int32
// overflows.
TEXT ·convT8AVX2(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), SI
	MOVQ w+8(FP), DI
	MOVQ np+16(FP), CX
	MOVQ pt+24(FP), DX
	MOVQ out+32(FP), R8
	SHLQ $2, DX          // pt in bytes: the stride of x rows and out rows
	MOVQ CX, AX
	SHLQ $2, AX          // np in bytes: the stride of w rows
	LEAQ (DI)(AX*1), R9
	LEAQ (R9)(AX*1), R10
	LEAQ (R10)(AX*1), R11
	LEAQ (R11)(AX*1), R12
	LEAQ (R12)(AX*1), R13
	LEAQ (R13)(AX*1), R14
	LEAQ (R14)(AX*1), R15

block:
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	MOVQ  SI, AX         // x[0][block]
	XORQ  BX, BX         // j·4

pair:
	VMOVDQU      (AX), Y8
	VPBROADCASTD (DI)(BX*1), Y9
	VPMADDWD     Y9, Y8, Y9
	VPADDD       Y9, Y0, Y0
	VPBROADCASTD (R9)(BX*1), Y10
	VPMADDWD     Y10, Y8, Y10
	VPADDD       Y10, Y1, Y1
	VPBROADCASTD (R10)(BX*1), Y11
	VPMADDWD     Y11, Y8, Y11
	VPADDD       Y11, Y2, Y2
	VPBROADCASTD (R11)(BX*1), Y12
	VPMADDWD     Y12, Y8, Y12
	VPADDD       Y12, Y3, Y3
	VPBROADCASTD (R12)(BX*1), Y9
	VPMADDWD     Y9, Y8, Y9
	VPADDD       Y9, Y4, Y4
	VPBROADCASTD (R13)(BX*1), Y10
	VPMADDWD     Y10, Y8, Y10
	VPADDD       Y10, Y5, Y5
	VPBROADCASTD (R14)(BX*1), Y11
	VPMADDWD     Y11, Y8, Y11
	VPADDD       Y11, Y6, Y6
	VPBROADCASTD (R15)(BX*1), Y12
	VPMADDWD     Y12, Y8, Y12
	VPADDD       Y12, Y7, Y7
	ADDQ         DX, AX
	ADDQ         $4, BX
	DECQ         CX
	JNZ          pair

	// Store the 8 rows' sums for this block of 8 patches.
	MOVQ    R8, AX
	VMOVDQU Y0, (AX)
	ADDQ    DX, AX
	VMOVDQU Y1, (AX)
	ADDQ    DX, AX
	VMOVDQU Y2, (AX)
	ADDQ    DX, AX
	VMOVDQU Y3, (AX)
	ADDQ    DX, AX
	VMOVDQU Y4, (AX)
	ADDQ    DX, AX
	VMOVDQU Y5, (AX)
	ADDQ    DX, AX
	VMOVDQU Y6, (AX)
	ADDQ    DX, AX
	VMOVDQU Y7, (AX)

	MOVQ np+16(FP), CX
	ADDQ $32, SI
	ADDQ $32, R8
	MOVQ SI, AX
	SUBQ x+0(FP), AX
	CMPQ AX, DX
	JLT  block
	VZEROUPPER
	RET

// func pairs16AVX2(dst *int32, a, b *int16, n int)
//
// dst[i] = a[i] | b[i]<<16 (two int16 in one int32) for i < n, n a positive
// multiple of 16.
TEXT ·pairs16AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ n+24(FP), CX

ploop:
	VMOVDQU    (SI), Y0
	VMOVDQU    (DI), Y1
	VPUNPCKLWD Y1, Y0, Y2
	VPUNPCKHWD Y1, Y0, Y3
	VPERM2I128 $0x20, Y3, Y2, Y4
	VPERM2I128 $0x31, Y3, Y2, Y5
	VMOVDQU    Y4, (DX)
	VMOVDQU    Y5, 32(DX)
	ADDQ       $32, SI
	ADDQ       $32, DI
	ADDQ       $64, DX
	SUBQ       $16, CX
	JNZ        ploop
	VZEROUPPER
	RET
