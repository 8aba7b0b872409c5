package onnxint

// The integer dot-product engine. B (K×N) is packed by triples of columns:
// entry k of triple t is b[k][3t] + b[k][3t+1]·2^21 + b[k][3t+2]·2^42 as
// one int64, so that one 64-bit multiply-add by a[k] accumulates three
// products. Over a block of L rows the three sums S0, S1, S2 stay below
// 2^20 in magnitude (L·max|a|·max|b| < 2^20), so the packed sum
// S0 + S1·2^21 + S2·2^42 is exact in an int64 and each lane is recovered
// exactly: S0 is the low 21 bits read as a signed number, and so on.

const (
	laneBits  = 21
	laneLimit = 1<<(laneBits-1) - 1 // |lane sum| bound
)

// packed is B packed by column triples: w[t*K+k]; with the SIMD kernel,
// B's columns as int16 vectors padded to kp (a multiple of 16) instead:
// q[j*kp+k], for a column count padded to a multiple of 4.
type packed struct {
	k, n   int
	blk    int // rows per block
	w      []int64
	q      []int16
	kp     int
	colSum []int64 // Σ_k b[k][j]

	// For the transposed SIMD kernel (convT8AVX2): B's columns as rows of
	// np int16 pairs, rows padded to a multiple of 8 with zeros.
	t  []int32
	np int
}

// pairsMax bounds np for convT8AVX2: each int32 lane sums np pairs of
// products of magnitude ≤ 255², which stays below 2^31 for np ≤ 16384.
const pairsMax = 16384

// simdBlock bounds the rows of one SIMD call: each int32 lane then sums at
// most 16384/16 pairs of products of magnitude ≤ 255², and the total of
// the eight lanes stays below 2^31.
const simdBlock = 16384

// maxAbs is the largest magnitude of an element of type t.
func maxAbs(t DType) int64 {
	if t == Uint8 {
		return 255
	}
	return 128
}

// packB packs a K×N matrix whose element (k, j) is at b[k*rs + j*cs], for
// products with a matrix of element type ta (tb: B's type).
func packB(b []int32, k, n, rs, cs int, ta, tb DType) *packed {
	if haveSIMD {
		kp := (k + 15) &^ 15
		np := (n + 3) &^ 3
		p := &packed{k: k, n: n, kp: kp, q: make([]int16, np*kp), colSum: make([]int64, n)}
		for j := 0; j < n; j++ {
			var sum int64
			col := p.q[j*kp : j*kp+k]
			for kk := range col {
				v := b[kk*rs+j*cs]
				sum += int64(v)
				col[kk] = int16(v)
			}
			p.colSum[j] = sum
		}
		p.np = (k + 1) / 2
		p.t = make([]int32, ((n+7)&^7)*p.np)
		for j := 0; j < n; j++ {
			col := p.q[j*kp : j*kp+2*p.np] // zero beyond k
			row := p.t[j*p.np : (j+1)*p.np]
			for i := range row {
				row[i] = int32(uint32(uint16(col[2*i])) | uint32(uint16(col[2*i+1]))<<16)
			}
		}
		return p
	}
	triples := (n + 2) / 3
	blk := int(laneLimit / (maxAbs(ta) * maxAbs(tb)))
	p := &packed{k: k, n: n, blk: blk, w: make([]int64, triples*k), colSum: make([]int64, n)}
	for j := 0; j < n; j++ {
		var sum int64
		t, lane := j/3, uint(j%3)*laneBits
		dst := p.w[t*k : t*k+k]
		for kk := 0; kk < k; kk++ {
			v := int64(b[kk*rs+j*cs])
			sum += v
			dst[kk] += v << lane
		}
		p.colSum[j] = sum
	}
	return p
}

// base is j0 rounded down to the kernel's column group (3 or 4): dotRow
// writes column j at acc[j−base(j0)].
func (p *packed) base(j0 int) int {
	if p.q != nil {
		return j0 &^ 3
	}
	return j0 / 3 * 3
}

// accLen is the accumulator length dotRow needs for columns [j0, j1).
func accLen(j0, j1 int) int { return j1 - j0/12*12 + 12 }

// dotRow adds Σ_k a[k]·b[k][j] to acc[j−base(j0)] for the columns
// [j0, j1); acc has accLen(j0, j1) entries.
func (p *packed) dotRow(a []int32, j0, j1 int, acc []int64) {
	if p.q != nil {
		p.dotRowSIMD(a, j0, j1, acc)
		return
	}
	k := p.k
	a = a[:k]
	t0, t1 := j0/3, (j1+2)/3
	for kb := 0; kb < k; kb += p.blk {
		ke := min(kb+p.blk, k)
		ab := a[kb:ke]
		n := len(ab)
		t := t0
		for ; t+4 <= t1; t += 4 {
			w0 := p.w[t*k+kb:][:n]
			w1 := p.w[(t+1)*k+kb:][:n]
			w2 := p.w[(t+2)*k+kb:][:n]
			w3 := p.w[(t+3)*k+kb:][:n]
			var s0, s1, s2, s3 int64
			for i, av := range ab {
				x := int64(av)
				s0 += x * w0[i]
				s1 += x * w1[i]
				s2 += x * w2[i]
				s3 += x * w3[i]
			}
			o := 3 * (t - t0)
			unpack3(s0, acc[o:o+3])
			unpack3(s1, acc[o+3:o+6])
			unpack3(s2, acc[o+6:o+9])
			unpack3(s3, acc[o+9:o+12])
		}
		for ; t+2 <= t1; t += 2 {
			w0 := p.w[t*k+kb:][:n]
			w1 := p.w[(t+1)*k+kb:][:n]
			var s0, s1 int64
			for i, av := range ab {
				x := int64(av)
				s0 += x * w0[i]
				s1 += x * w1[i]
			}
			o := 3 * (t - t0)
			unpack3(s0, acc[o:o+3])
			unpack3(s1, acc[o+3:o+6])
		}
		if t < t1 {
			w0 := p.w[t*k+kb:][:n]
			var s0 int64
			for i, av := range ab {
				s0 += int64(av) * w0[i]
			}
			o := 3 * (t - t0)
			unpack3(s0, acc[o:o+3])
		}
	}
}

func (p *packed) dotRowSIMD(a []int32, j0, j1 int, acc []int64) {
	bp := getI16(p.kp)
	defer putI16(bp)
	a16 := *bp
	for i, v := range a[:p.k] {
		a16[i] = int16(v)
	}
	clear(a16[p.k:])
	p.dotRow16(a16, j0, j1, acc)
}

// dotRow16 is dotRow for a row already in int16, zero-padded to kp (SIMD
// packing only).
func (p *packed) dotRow16(a16 []int16, j0, j1 int, acc []int64) {
	a16 = a16[:p.kp]
	c0 := j0 &^ 3
	var out [4]int32
	var out8 [8]int32
	c := c0
	for ; c+8 <= j1 || (c+4 < j1 && c+8 <= len(p.q)/p.kp); c += 8 {
		o := acc[c-c0 : c-c0+8]
		for kb := 0; kb < p.kp; kb += simdBlock {
			n := min(simdBlock, p.kp-kb)
			dot8AVX2(&a16[kb], &p.q[c*p.kp+kb], n, p.kp, &out8)
			for i, v := range out8 {
				o[i] += int64(v)
			}
		}
	}
	for ; c < j1; c += 4 {
		o := acc[c-c0 : c-c0+4]
		for kb := 0; kb < p.kp; kb += simdBlock {
			n := min(simdBlock, p.kp-kb)
			dot4AVX2(&a16[kb], &p.q[c*p.kp+kb], n, p.kp, &out)
			o[0] += int64(out[0])
			o[1] += int64(out[1])
			o[2] += int64(out[2])
			o[3] += int64(out[3])
		}
	}
}

// unpack3 adds the three lanes of a packed sum to acc[0:3].
func unpack3(s int64, acc []int64) {
	const sh = 64 - laneBits
	l0 := s << sh >> sh
	s = (s - l0) >> laneBits
	l1 := s << sh >> sh
	acc[0] += l0
	acc[1] += l1
	acc[2] += (s - l1) >> laneBits
}

// sum32 is Σ a.
func sum32(a []int32) int64 {
	var s int64
	for _, v := range a {
		s += int64(v)
	}
	return s
}

// dot16To32 writes Σ_k a[k]·b[k][j] for the columns [c0, c1) (c0 a
// multiple of 4) to dst[j−c0] as int32, when kp ≤ simdBlock (one kernel
// call per column group, whose sums fit in int32). dst has room for c1−c0
// rounded up to a multiple of 8.
func (p *packed) dot16To32(a16 []int16, c0, c1 int, dst []int32) {
	a16 = a16[:p.kp]
	np := len(p.q) / p.kp
	c := c0
	for ; c < c1; c += 8 {
		if c+4 >= c1 || c+8 > np {
			break
		}
		dot8AVX2(&a16[0], &p.q[c*p.kp], p.kp, p.kp, (*[8]int32)(dst[c-c0:c-c0+8]))
	}
	for ; c < c1; c += 4 {
		dot4AVX2(&a16[0], &p.q[c*p.kp], p.kp, p.kp, (*[4]int32)(dst[c-c0:c-c0+4]))
	}
}
