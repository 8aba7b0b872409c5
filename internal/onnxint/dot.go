package onnxint

// The integer dot-product engine. B (K×N) is packed by pairs of columns:
// entry k of pair p is b[k][2p] + b[k][2p+1]·2^32 as one int64, so that one
// 64-bit multiply-add by a[k] accumulates two products. A pair's sum is
// S0 + S1·2^32 with |S0|, |S1| < 2^30 when a block of K is at most blockK
// long (|a·b| ≤ 255² < 2^16), so both lanes are recovered exactly: S0 is
// the low 32 bits read as a signed number and S1 = (sum − S0) / 2^32.

// blockK bounds the rows of one packed block: 16384·255² < 2^30.
const blockK = 1 << 14

// packed is B packed by column pairs: w[p*K+k].
type packed struct {
	k, n   int
	w      []int64
	colSum []int64 // Σ_k b[k][j]
}

// packB packs a K×N matrix whose element (k, j) is at b[k*rs + j*cs].
func packB(b []int32, k, n, rs, cs int) *packed {
	pairs := (n + 1) / 2
	p := &packed{k: k, n: n, w: make([]int64, pairs*k), colSum: make([]int64, n)}
	for j := 0; j < n; j++ {
		var sum int64
		pair, hi := j/2, j%2 == 1
		dst := p.w[pair*k : pair*k+k]
		for kk := 0; kk < k; kk++ {
			v := int64(b[kk*rs+j*cs])
			sum += v
			if hi {
				dst[kk] += v << 32
			} else {
				dst[kk] += v
			}
		}
		p.colSum[j] = sum
	}
	return p
}

// dotRow adds Σ_k a[k]·b[k][j] to acc[j−j0] for the columns [j0, j1),
// where j0 is even. acc must have room for the pairs' columns (j1 rounded
// up to even, minus j0).
func (p *packed) dotRow(a []int32, j0, j1 int, acc []int64) {
	k := p.k
	a = a[:k]
	p0, p1 := j0/2, (j1+1)/2
	for kb := 0; kb < k; kb += blockK {
		ke := kb + blockK
		if ke > k {
			ke = k
		}
		ab := a[kb:ke]
		n := len(ab)
		pr := p0
		for ; pr+4 <= p1; pr += 4 {
			w0 := p.w[pr*k+kb:][:n]
			w1 := p.w[(pr+1)*k+kb:][:n]
			w2 := p.w[(pr+2)*k+kb:][:n]
			w3 := p.w[(pr+3)*k+kb:][:n]
			var s0, s1, s2, s3 int64
			for i, av := range ab {
				x := int64(av)
				s0 += x * w0[i]
				s1 += x * w1[i]
				s2 += x * w2[i]
				s3 += x * w3[i]
			}
			o := 2 * (pr - p0)
			unpack(s0, acc[o:o+2])
			unpack(s1, acc[o+2:o+4])
			unpack(s2, acc[o+4:o+6])
			unpack(s3, acc[o+6:o+8])
		}
		for ; pr < p1; pr++ {
			w0 := p.w[pr*k+kb:][:n]
			var s0 int64
			for i, av := range ab {
				s0 += int64(av) * w0[i]
			}
			o := 2 * (pr - p0)
			unpack(s0, acc[o:o+2])
		}
	}
}

func unpack(s int64, acc []int64) {
	lo := int64(int32(s))
	acc[0] += lo
	acc[1] += (s - lo) >> 32
}

// sum32 is Σ a.
func sum32(a []int32) int64 {
	var s int64
	for _, v := range a {
		s += int64(v)
	}
	return s
}
