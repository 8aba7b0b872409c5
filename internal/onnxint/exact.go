package onnxint

import (
	"fmt"
	"math/bits"
)

// Exact arithmetic. Every FLOAT value the runtime meets (scales, clip bounds,
// graph inputs and outputs) is an IEEE-754 binary32 bit pattern, i.e. the
// exact dyadic rational ±m·2^e with m < 2^24. The runtime never converts
// them to Go floating point: it decodes the bits, computes the exact
// rational result of an operation with integers and rounds once, half to
// even, to the destination type.

// f32 is a decoded finite float32: value = (-1)^neg · mant · 2^exp.
type f32 struct {
	neg  bool
	mant uint64 // < 2^24; 0 for ±0
	exp  int
}

const (
	f32Finite = iota
	f32Inf
	f32NaN
)

// decodeF32 splits float32 bits into sign, integer mantissa and exponent.
func decodeF32(b uint32) (f32, int) {
	neg := b>>31 != 0
	e := int(b >> 23 & 0xff)
	frac := uint64(b & (1<<23 - 1))
	switch {
	case e == 0xff && frac == 0:
		return f32{neg: neg}, f32Inf
	case e == 0xff:
		return f32{neg: neg}, f32NaN
	case e == 0: // zero or subnormal: frac · 2^-149
		return f32{neg: neg, mant: frac, exp: -149}, f32Finite
	}
	return f32{neg: neg, mant: frac | 1<<23, exp: e - 150}, f32Finite
}

// oddPart strips trailing zero bits of v (v > 0), returning v/2^t and t.
func oddPart(v uint64) (uint64, int) {
	t := bits.TrailingZeros64(v)
	return v >> uint(t), t
}

// u128 is an unsigned 128-bit integer.
type u128 struct{ hi, lo uint64 }

func mul128(a, b uint64) u128 {
	hi, lo := bits.Mul64(a, b)
	return u128{hi, lo}
}

func (x u128) add(y u128) (u128, bool) {
	lo, c := bits.Add64(x.lo, y.lo, 0)
	hi, c2 := bits.Add64(x.hi, y.hi, c)
	return u128{hi, lo}, c2 != 0
}

func (x u128) sub(y u128) u128 {
	lo, b := bits.Sub64(x.lo, y.lo, 0)
	hi, _ := bits.Sub64(x.hi, y.hi, b)
	return u128{hi, lo}
}

func (x u128) less(y u128) bool { return x.hi < y.hi || x.hi == y.hi && x.lo < y.lo }

func (x u128) isZero() bool { return x.hi|x.lo == 0 }

// shr shifts right by s < 128.
func (x u128) shr(s uint) u128 {
	switch {
	case s == 0:
		return x
	case s >= 64:
		return u128{0, x.hi >> (s - 64)}
	}
	return u128{x.hi >> s, x.lo>>s | x.hi<<(64-s)}
}

// shl shifts left by s < 128 (bits shifted out are lost).
func (x u128) shl(s uint) u128 {
	switch {
	case s == 0:
		return x
	case s >= 64:
		return u128{x.lo << (s - 64), 0}
	}
	return u128{x.hi<<s | x.lo>>(64-s), x.lo << s}
}

func (x u128) bitLen() int {
	if x.hi != 0 {
		return 64 + bits.Len64(x.hi)
	}
	return bits.Len64(x.lo)
}

// maxShift is the largest power-of-two denominator exponent a ratio may
// have; larger ones are refused (no realistic scale ratio is below 2^-100).
const maxShift = 120

// roundDiv returns round_half_even(x / (d·2^k)) for d ≥ 1, k ≤ maxShift,
// with ok = false when the quotient does not fit in 63 bits.
//
// With Q1 = ⌊x/d⌋ and r1 = x mod d: ⌊x/(d·2^k)⌋ = ⌊Q1/2^k⌋, and with
// t = Q1 mod 2^k the remainder x − q·d·2^k = t·d + r1, which is above half
// the divisor exactly when t > 2^(k−1), or t = 2^(k−1) and r1 > 0, and a tie
// exactly when t = 2^(k−1) and r1 = 0 (for k ≥ 1; for k = 0 compare 2·r1
// with d).
func roundDiv(x u128, d uint64, k uint) (uint64, bool) {
	if x.hi == 0 && k < 64 && d <= (1<<63-1)>>k {
		// The divisor d·2^k fits in 63 bits: one 64-bit division.
		dd := d << k
		q, r := x.lo/dd, x.lo%dd
		if r > dd-r || (r == dd-r && q&1 == 1) {
			q++
		}
		if q > 1<<63-1 {
			return 0, false
		}
		return q, true
	}
	// Q1 = ⌊x/d⌋ as 128 bits, in two 128/64 divisions.
	qhi, r := x.hi/d, x.hi%d
	qlo, r1 := bits.Div64(r, x.lo, d)
	q1 := u128{qhi, qlo}
	var q u128
	var up bool
	if k == 0 {
		q = q1
		// 2·r1 vs d without overflow: r1 < d.
		switch {
		case r1 > d-r1:
			up = true
		case r1 == d-r1:
			up = q.lo&1 == 1
		}
	} else {
		q = q1.shr(k)
		t := q1.sub(q.shl(k)) // Q1 mod 2^k
		half := u128{}.addBit(k - 1)
		switch {
		case half.less(t):
			up = true
		case t == half && r1 > 0:
			up = true
		case t == half:
			up = q.lo&1 == 1
		}
	}
	if up {
		q, _ = q.add(u128{0, 1})
	}
	if q.hi != 0 || q.lo > 1<<63-1 {
		return 0, false
	}
	return q.lo, true
}

// addBit returns x + 2^b for a zero x (b < 128).
func (x u128) addBit(b uint) u128 { return u128{0, 1}.shl(b) }

// ratio is an exact positive rational N/(D·2^K) with N, D < 2^63.
type ratio struct {
	N, D uint64
	K    uint
}

// String shows the ratio for error messages.
func (r ratio) String() string { return fmt.Sprintf("%d/(%d·2^%d)", r.N, r.D, r.K) }

// newRatio reduces num·2^e / den (num, den > 0) to a ratio, or errors when
// the numerator or the power-of-two shift is out of range.
func newRatio(num, den u128, e int) (ratio, error) {
	if num.isZero() || den.isZero() {
		return ratio{}, fmt.Errorf("zero in scale ratio")
	}
	// Strip factors of two into e.
	for num.lo&1 == 0 {
		num = num.shr(1)
		e++
	}
	for den.lo&1 == 0 {
		den = den.shr(1)
		e--
	}
	if num.hi != 0 || den.hi != 0 {
		return ratio{}, fmt.Errorf("scale ratio has more than 64 significant bits")
	}
	n, d := num.lo, den.lo
	g := gcd(n, d)
	n, d = n/g, d/g
	r := ratio{D: d}
	if e >= 0 {
		if e >= 63 || bits.Len64(n)+e > 62 {
			return ratio{}, fmt.Errorf("scale ratio %d·2^%d/%d is too large", n, e, d)
		}
		r.N = n << uint(e)
	} else {
		if -e > maxShift {
			return ratio{}, fmt.Errorf("scale ratio %d·2^%d/%d is too small", n, e, d)
		}
		r.N, r.K = n, uint(-e)
	}
	if r.N > 1<<62 || r.D > 1<<62 {
		return ratio{}, fmt.Errorf("scale ratio %v out of range", r)
	}
	return r, nil
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// i128 is a signed 128-bit integer in two's complement.
type i128 struct{ hi, lo uint64 }

func i128From(v int64) i128 { return i128{uint64(v >> 63), uint64(v)} }

// mulI128 is a·b for a signed a and an unsigned b < 2^63.
func mulI128(a int64, b uint64) i128 {
	if a >= 0 {
		p := mul128(uint64(a), b)
		return i128{p.hi, p.lo}
	}
	p := mul128(uint64(-a), b) // -MinInt64 wraps to 2^63 as uint64: correct magnitude
	return i128{p.hi, p.lo}.neg()
}

func (x i128) neg() i128 {
	lo, b := bits.Sub64(0, x.lo, 0)
	hi, _ := bits.Sub64(0, x.hi, b)
	return i128{hi, lo}
}

func (x i128) add(y i128) i128 {
	lo, c := bits.Add64(x.lo, y.lo, 0)
	hi, _ := bits.Add64(x.hi, y.hi, c)
	return i128{hi, lo}
}

func (x i128) negative() bool { return int64(x.hi) < 0 }

// roundRatio is round_half_even(x·r) where x·N must fit in 127 bits
// (callers bound x), saturated to the int64 range.
func (r ratio) round(x i128) int64 {
	neg := x.negative()
	if neg {
		x = x.neg()
	}
	// x is now |x| < 2^127: multiply by N < 2^63 needs up to 190 bits in
	// general; callers keep |x| < 2^64, so the product fits in 127 bits.
	if x.hi != 0 {
		return satSign(neg)
	}
	p := mul128(x.lo, r.N)
	q, ok := roundDiv(p, r.D, r.K)
	if !ok {
		return satSign(neg)
	}
	if neg {
		return -int64(q)
	}
	return int64(q)
}

// roundDivSigned is round_half_even(x / (d·2^k)) for a signed 128-bit x.
func roundDivSigned(x i128, d uint64, k uint) int64 {
	neg := x.negative()
	if neg {
		x = x.neg()
	}
	q, ok := roundDiv(u128(x), d, k)
	if !ok {
		return satSign(neg)
	}
	if neg {
		return -int64(q)
	}
	return int64(q)
}

func satSign(neg bool) int64 {
	if neg {
		return -1 << 63
	}
	return 1<<63 - 1
}

func clamp64(v, lo, hi int64) int64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// quantizeF32 is round_half_even(x / s) for a float32 x and a positive
// finite scale s, saturated to the int64 range; NaN gives the lowest int64
// (see QuantizeLinear in doc.go).
func quantizeF32(xb uint32, s f32) int64 {
	x, cls := decodeF32(xb)
	switch cls {
	case f32NaN:
		return -1 << 63
	case f32Inf:
		return satSign(x.neg)
	}
	if x.mant == 0 {
		return 0
	}
	// x/s = mx·2^(ex−es) / ms.
	return divPow2(x.neg, x.mant, x.exp-s.exp, s.mant)
}

// quantizeInt is round_half_even(v / s) for an integer v.
func quantizeInt(v int64, s f32) int64 {
	if v == 0 {
		return 0
	}
	neg := v < 0
	m := uint64(v)
	if neg {
		m = uint64(-v)
	}
	return divPow2(neg, m, -s.exp, s.mant)
}

// divPow2 is ±round_half_even(m·2^e / d), saturated.
func divPow2(neg bool, m uint64, e int, d uint64) int64 {
	if m < 1<<40 && d < 1<<24 && e >= -38 && e <= 22 {
		// Fast path: m·2^e and d·2^−e fit in 63 bits.
		n, dd := m, d
		if e >= 0 {
			n <<= uint(e)
		} else {
			dd <<= uint(-e)
		}
		q, r := n/dd, n%dd
		if r > dd-r || (r == dd-r && q&1 == 1) {
			q++
		}
		if neg {
			return -int64(q)
		}
		return int64(q)
	}
	var q uint64
	ok := true
	switch {
	case e >= 0:
		if e > 64 || bits.Len64(m)+e > 126 {
			ok = false
		} else {
			q, ok = roundDiv(u128{0, m}.shl(uint(e)), d, 0)
		}
	case -e > maxShift:
		q = 0 // m·2^e/d < 2^64·2^-121 < 1/2
	default:
		q, ok = roundDiv(u128{0, m}, d, uint(-e))
	}
	if !ok {
		return satSign(neg)
	}
	if neg {
		return -int64(q)
	}
	return int64(q)
}

// f32Bits rounds ±v·2^e (v an unsigned integer) to the nearest float32,
// ties to even, with IEEE overflow to infinity and gradual underflow; the
// result for v = 0 is +0 (or −0 when neg).
func f32Bits(neg bool, v u128, e int) uint32 {
	var sign uint32
	if neg {
		sign = 1 << 31
	}
	if v.isZero() {
		return sign
	}
	l := v.bitLen()
	// Exponent of the unit in the last place of the result: 24 significant
	// bits for normal numbers, a fixed 2^-149 for subnormal ones.
	ulp := l - 1 + e - 23
	if ulp < -149 {
		ulp = -149
	}
	var m uint64
	if s := ulp - e; s <= 0 {
		m = v.lo << uint(-s) // exact: fewer than 24 significant bits
	} else {
		var ok bool
		if s > maxShift {
			m = 0 // far below half the smallest subnormal
		} else {
			m, ok = roundDiv(v, 1, uint(s))
			_ = ok // m ≤ 2^24
		}
	}
	if m == 1<<24 { // rounding carried into a new binade
		m >>= 1
		ulp++
	}
	if m < 1<<23 { // subnormal (ulp = −149) or zero
		return sign | uint32(m)
	}
	biased := ulp + 23 + 127
	if biased >= 0xff {
		return sign | 0x7f800000
	}
	return sign | uint32(biased)<<23 | uint32(m&(1<<23-1))
}

// dequantizeF32 is (q − z)·s rounded once to float32 bits.
func dequantizeF32(q, z int64, s f32) uint32 {
	d := q - z
	neg := d < 0
	m := uint64(d)
	if neg {
		m = uint64(-d)
	}
	return f32Bits(neg != s.neg, mul128(m, s.mant), s.exp)
}
