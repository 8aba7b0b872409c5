package phash

// cosTableQ20[j] = round(2^20 · cos(jπ/64)) for j = 0..32, produced once with
// Python's math.cos and checked against Go's math.Cos in TestCosTable. Fixing
// the table as integers keeps the DCT independent of any platform's libm.
var cosTableQ20 = [33]int64{
	1048576, 1047313, 1043527, 1037227, 1028428, 1017151, 1003425, 987281,
	968758, 947901, 924761, 899394, 871859, 842224, 810560, 776944,
	741455, 704181, 665210, 624636, 582558, 539076, 494295, 448324,
	401273, 353255, 304386, 254783, 204567, 153858, 102778, 51451, 0,
}

// cosQ20 returns round(2^20 · cos(mπ/64)) for any m ≥ 0 using the symmetries
// of cosine over one period of 128.
func cosQ20(m int) int64 {
	m %= 128
	switch {
	case m <= 32:
		return cosTableQ20[m]
	case m <= 64:
		return -cosTableQ20[64-m]
	case m <= 96:
		return -cosTableQ20[m-64]
	default:
		return cosTableQ20[128-m]
	}
}

// basis[k][n] = 2^20 · cos(π(2n+1)(first+k)/(2·side)), the DCT-II basis for
// the kept frequencies only.
var basis = func() (t [keep][side]int64) {
	for k := range keep {
		for n := range side {
			t[k][n] = cosQ20((2*n + 1) * (first + k))
		}
	}
	return t
}()

// dctShift rescales after the first pass so the second cannot overflow:
// pass 1 sums are below 2^16·2^20·32 = 2^41, shifted to below 2^31; pass 2
// sums are below 2^31·2^20·32 = 2^56.
const dctShift = 10

// dct returns the unnormalised 2-D DCT-II coefficients F(v, u) for
// u, v ∈ [first, first+keep), in row-major order of (v, u), scaled by
// 2^(40-dctShift). Only the kept frequencies are computed: 2·8·32·32 products
// for the rows and 8·8·32 for the columns.
func dct(p *[side][side]int64) (out [keep * keep]int64) {
	var rows [side][keep]int64 // rows[y][u] = Σ_x p[y][x]·basis[u][x]
	for y := range side {
		for u := range keep {
			var s int64
			for x := range side {
				s += p[y][x] * basis[u][x]
			}
			rows[y][u] = (s + 1<<(dctShift-1)) >> dctShift
		}
	}
	for v := range keep {
		for u := range keep {
			var s int64
			for y := range side {
				s += basis[v][y] * rows[y][u]
			}
			out[v*keep+u] = s
		}
	}
	return out
}
