//go:build ignore

// gen writes ../blake3x_amd64.s, the AVX-512 BLAKE3 kernels of package
// blake3x. Run it from internal/fingerprint/blake3x with
//
//	go run asm/gen.go > blake3x_amd64.s
//
// Both kernels hash 16 independent BLAKE3 compressions at once, one per
// 32-bit lane of the ZMM registers: state word i of all 16 inputs lives in
// one register. The generator tracks which physical register holds which
// logical value (message words, state words, transpose temporaries), so the
// message permutation between rounds costs no instructions.
package main

import (
	"fmt"
	"os"
	"strings"
)

var iv = [8]uint32{0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19}

// msgPermutation is BLAKE3's message schedule: after each round, word i of
// the message is the previous round's word msgPermutation[i].
var msgPermutation = [16]int{2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8}

var out strings.Builder

func emit(format string, args ...any) { fmt.Fprintf(&out, "\t"+format+"\n", args...) }
func label(name string)               { fmt.Fprintf(&out, "%s:\n", name) }

// pool hands out ZMM registers.
type pool struct{ free []int }

func newPool(regs ...int) *pool { return &pool{free: append([]int(nil), regs...)} }

func (p *pool) get() int {
	if len(p.free) == 0 {
		panic("out of registers")
	}
	r := p.free[0]
	p.free = p.free[1:]
	return r
}

func (p *pool) put(r int) { p.free = append(p.free, r) }

func z(r int) string { return fmt.Sprintf("Z%d", r) }

// rounds emits the seven BLAKE3 rounds on state registers v (16 ZMM
// registers, updated in place) with message registers m (logical word i in
// register m[i]). The four G functions of each half round are interleaved
// step by step so that independent instructions sit next to each other.
func rounds(v [16]int, m [16]int) {
	cols := [4][4]int{{0, 4, 8, 12}, {1, 5, 9, 13}, {2, 6, 10, 14}, {3, 7, 11, 15}}
	diags := [4][4]int{{0, 5, 10, 15}, {1, 6, 11, 12}, {2, 7, 8, 13}, {3, 4, 9, 14}}
	for r := 0; r < 7; r++ {
		if r > 0 {
			var next [16]int
			for i := range next {
				next[i] = m[msgPermutation[i]]
			}
			m = next
		}
		for half, gs := range [2][4][4]int{cols, diags} {
			var mx, my [4]int
			for g := 0; g < 4; g++ {
				mx[g] = m[8*half+2*g]
				my[g] = m[8*half+2*g+1]
			}
			gStep(v, gs, mx, 16, 12)
			gStep(v, gs, my, 8, 7)
		}
	}
}

// gStep emits one half of the G function for four (a, b, c, d) quadruples:
// a += b + m; d = (d ^ a) >>> r1; c += d; b = (b ^ c) >>> r2.
func gStep(v [16]int, gs [4][4]int, m [4]int, r1, r2 int) {
	for g := 0; g < 4; g++ {
		emit("VPADDD %s, %s, %s", z(m[g]), z(v[gs[g][0]]), z(v[gs[g][0]]))
	}
	for g := 0; g < 4; g++ {
		emit("VPADDD %s, %s, %s", z(v[gs[g][1]]), z(v[gs[g][0]]), z(v[gs[g][0]]))
	}
	for g := 0; g < 4; g++ {
		emit("VPXORD %s, %s, %s", z(v[gs[g][0]]), z(v[gs[g][3]]), z(v[gs[g][3]]))
	}
	for g := 0; g < 4; g++ {
		emit("VPRORD $%d, %s, %s", r1, z(v[gs[g][3]]), z(v[gs[g][3]]))
	}
	for g := 0; g < 4; g++ {
		emit("VPADDD %s, %s, %s", z(v[gs[g][3]]), z(v[gs[g][2]]), z(v[gs[g][2]]))
	}
	for g := 0; g < 4; g++ {
		emit("VPXORD %s, %s, %s", z(v[gs[g][2]]), z(v[gs[g][1]]), z(v[gs[g][1]]))
	}
	for g := 0; g < 4; g++ {
		emit("VPRORD $%d, %s, %s", r2, z(v[gs[g][1]]), z(v[gs[g][1]]))
	}
}

// pairOp emits lo = opLo(x, y) into a fresh register and hi = opHi(x, y)
// into y's register, frees x's register and returns (lo, hi).
func pairOp(p *pool, opLo, opHi string, x, y int) (int, int) {
	lo := p.get()
	emit("%s %s, %s, %s", opLo, z(y), z(x), z(lo))
	emit("%s %s, %s, %s", opHi, z(y), z(x), z(y))
	p.put(x)
	return lo, y
}

// shufPair is pairOp for VSHUFI32X4 with two immediates.
func shufPair(p *pool, immLo, immHi int, x, y int) (int, int) {
	lo := p.get()
	emit("VSHUFI32X4 $0x%02x, %s, %s, %s", immLo, z(y), z(x), z(lo))
	emit("VSHUFI32X4 $0x%02x, %s, %s, %s", immHi, z(y), z(x), z(y))
	p.put(x)
	return lo, y
}

// transpose turns rows (row i = the 16 message words of lane i) into
// columns (column w = message word w of lanes 0..15, lane i in dword i).
func transpose(p *pool, rows [16]int) (cols [16]int) {
	// Stage 1: a[2i], a[2i+1] interleave dwords of rows 2i and 2i+1; in
	// 128-bit lane L, a[2i] holds words 4L, 4L+1 and a[2i+1] words 4L+2,
	// 4L+3 of both rows.
	var a [16]int
	for i := 0; i < 8; i++ {
		a[2*i], a[2*i+1] = pairOp(p, "VPUNPCKLDQ", "VPUNPCKHDQ", rows[2*i], rows[2*i+1])
	}
	// Stage 2: b[4k+j] holds, in 128-bit lane L, word 4L+j of rows
	// 4k..4k+3.
	var b [16]int
	for k := 0; k < 4; k++ {
		b[4*k], b[4*k+1] = pairOp(p, "VPUNPCKLQDQ", "VPUNPCKHQDQ", a[4*k], a[4*k+2])
		b[4*k+2], b[4*k+3] = pairOp(p, "VPUNPCKLQDQ", "VPUNPCKHQDQ", a[4*k+1], a[4*k+3])
	}
	// Stages 3 and 4: for each j, a 4x4 transpose of 128-bit lanes across
	// b[j], b[4+j], b[8+j], b[12+j]; word 4L+j ends up in cols[4L+j].
	for j := 0; j < 4; j++ {
		t0, t1 := shufPair(p, 0x44, 0xEE, b[j], b[4+j])
		t2, t3 := shufPair(p, 0x44, 0xEE, b[8+j], b[12+j])
		cols[j], cols[4+j] = shufPair(p, 0x88, 0xDD, t0, t2)
		cols[8+j], cols[12+j] = shufPair(p, 0x88, 0xDD, t1, t3)
	}
	return cols
}

func header() {
	out.WriteString("// Code generated by asm/gen.go; DO NOT EDIT.\n\n")
	out.WriteString("//go:build amd64 && !purego\n\n")
	out.WriteString("#include \"textflag.h\"\n\n")
	for i, w := range iv {
		fmt.Fprintf(&out, "DATA iv<>+%d(SB)/4, $0x%08x\n", 4*i, w)
	}
	out.WriteString("GLOBL iv<>(SB), RODATA|NOPTR, $32\n\n")
	// Even and odd dword indices into the 32 dwords of two registers,
	// for VPERMT2D in the parent kernel.
	for i := 0; i < 16; i++ {
		fmt.Fprintf(&out, "DATA evenIdx<>+%d(SB)/4, $%d\n", 4*i, 2*i)
	}
	out.WriteString("GLOBL evenIdx<>(SB), RODATA|NOPTR, $64\n\n")
	for i := 0; i < 16; i++ {
		fmt.Fprintf(&out, "DATA oddIdx<>+%d(SB)/4, $%d\n", 4*i, 2*i+1)
	}
	out.WriteString("GLOBL oddIdx<>(SB), RODATA|NOPTR, $64\n\n")
}

// chunks16 hashes 16 whole 1 KiB chunks, one per lane.
//
// Z0..Z7 hold the chaining values (state words 0..7) across the 16 blocks;
// the other 24 registers take the block's rows, the transpose, the message
// words and state words 8..15 in turn.
func chunks16() {
	out.WriteString(`// func chunks16(in *[16384]byte, key *[8]uint32, ctr *[32]uint32, flags uint32, out *[128]uint32)
TEXT ·chunks16(SB), NOSPLIT, $0-40
	MOVQ in+0(FP), SI
	MOVQ key+8(FP), AX
	MOVQ ctr+16(FP), BX
	MOVL flags+24(FP), DX
	MOVQ out+32(FP), DI
`)
	for i := 0; i < 8; i++ {
		emit("VPBROADCASTD %d(AX), Z%d", 4*i, i)
	}
	emit("MOVL $64, R9")
	emit("XORQ CX, CX")
	label("block")
	// Block flags: CHUNK_START on block 0, CHUNK_END on block 15.
	emit("MOVL DX, R8")
	emit("TESTQ CX, CX")
	emit("JNZ notfirst")
	emit("ORL $1, R8")
	label("notfirst")
	emit("CMPQ CX, $960")
	emit("JNE notlast")
	emit("ORL $2, R8")
	label("notlast")

	regs := []int{}
	for r := 8; r < 32; r++ {
		regs = append(regs, r)
	}
	p := newPool(regs...)
	var rows [16]int
	for i := range rows {
		rows[i] = p.get()
		emit("VMOVDQU32 %d(SI)(CX*1), %s", 1024*i, z(rows[i]))
	}
	m := transpose(p, rows)
	var v [16]int
	for i := 0; i < 8; i++ {
		v[i] = i
	}
	for i := 8; i < 16; i++ {
		v[i] = p.get()
	}
	for i := 0; i < 4; i++ {
		emit("VPBROADCASTD iv<>+%d(SB), %s", 4*i, z(v[8+i]))
	}
	emit("VMOVDQU32 0(BX), %s", z(v[12]))
	emit("VMOVDQU32 64(BX), %s", z(v[13]))
	emit("VPBROADCASTD R9, %s", z(v[14]))
	emit("VPBROADCASTD R8, %s", z(v[15]))
	rounds(v, m)
	for i := 0; i < 8; i++ {
		emit("VPXORD %s, %s, %s", z(v[i+8]), z(v[i]), z(v[i]))
	}
	emit("ADDQ $64, CX")
	emit("CMPQ CX, $1024")
	emit("JB block")
	for i := 0; i < 8; i++ {
		emit("VMOVDQU32 Z%d, %d(DI)", i, 64*i)
	}
	emit("VZEROUPPER")
	emit("RET")
	out.WriteString("\n")
}

// parents16 compresses 16 parent nodes. in holds 32 chaining values as two
// transposed blocks A (values 0..15) and B (values 16..31): word w of value
// i is A[16w+i]. Parent i joins values 2i and 2i+1, so message word w < 8
// is the even lanes and word 8+w the odd lanes of (A_w, B_w).
func parents16() {
	out.WriteString(`// func parents16(in *[256]uint32, key *[8]uint32, flags uint32, out *[128]uint32)
TEXT ·parents16(SB), NOSPLIT, $0-32
	MOVQ in+0(FP), SI
	MOVQ key+8(FP), AX
	MOVL flags+16(FP), DX
	MOVQ out+24(FP), DI
`)
	regs := []int{}
	for r := 8; r < 32; r++ {
		regs = append(regs, r)
	}
	p := newPool(regs...)
	even, odd := p.get(), p.get()
	emit("VMOVDQU32 evenIdx<>(SB), %s", z(even))
	emit("VMOVDQU32 oddIdx<>(SB), %s", z(odd))
	var m [16]int
	for w := 0; w < 8; w++ {
		m[w], m[8+w] = p.get(), p.get()
		emit("VMOVDQU32 %d(SI), %s", 64*w, z(m[w]))
		emit("VMOVDQA32 %s, %s", z(m[w]), z(m[8+w]))
		emit("VPERMT2D %d(SI), %s, %s", 512+64*w, z(even), z(m[w]))
		emit("VPERMT2D %d(SI), %s, %s", 512+64*w, z(odd), z(m[8+w]))
	}
	p.put(even)
	p.put(odd)
	var v [16]int
	for i := 0; i < 8; i++ {
		v[i] = i
		emit("VPBROADCASTD %d(AX), Z%d", 4*i, i)
	}
	for i := 8; i < 16; i++ {
		v[i] = p.get()
	}
	for i := 0; i < 4; i++ {
		emit("VPBROADCASTD iv<>+%d(SB), %s", 4*i, z(v[8+i]))
	}
	emit("VPXORD %s, %s, %s", z(v[12]), z(v[12]), z(v[12]))
	emit("VPXORD %s, %s, %s", z(v[13]), z(v[13]), z(v[13]))
	emit("MOVL $64, R9")
	emit("VPBROADCASTD R9, %s", z(v[14]))
	emit("VPBROADCASTD DX, %s", z(v[15]))
	rounds(v, m)
	for i := 0; i < 8; i++ {
		emit("VPXORD %s, %s, %s", z(v[i+8]), z(v[i]), z(v[i]))
		emit("VMOVDQU32 Z%d, %d(DI)", i, 64*i)
	}
	emit("VZEROUPPER")
	emit("RET")
}

func main() {
	header()
	chunks16()
	parents16()
	os.Stdout.WriteString(out.String())
}
