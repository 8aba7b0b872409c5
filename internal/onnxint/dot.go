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

// packed is B packed by column triples: w[t*K+k].
type packed struct {
	k, n   int
	blk    int // rows per block
	w      []int64
	colSum []int64 // Σ_k b[k][j]
}

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

// accLen is the accumulator length dotRow needs for columns [j0, j1).
func accLen(j0, j1 int) int { return (j1-j0/3*3+2)/3*3 + 3 }

// dotRow adds Σ_k a[k]·b[k][j] to acc[j−j0'] for the columns [j0, j1),
// where j0' = j0 rounded down to a multiple of 3; acc has accLen(j0, j1)
// entries.
func (p *packed) dotRow(a []int32, j0, j1 int, acc []int64) {
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
