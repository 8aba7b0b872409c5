package onnxint

import (
	"errors"
	"fmt"
	"math/bits"
)

var errRatio = errors.New("scale ratio out of range")

// Requantization. A fused integer step computes a real value
// v = Σ x_i·S_i from integers x_i (accumulators, centered inputs, biases)
// and positive dyadic scales S_i (products of float32 scales), and outputs
// y = saturate(act(round_half_even(v / s_y)) + z_y). At prepare time the
// scales are turned into integers P_i, D and K with
//
//	v / s_y = (Σ x_i·P_i) / (D·2^K)
//
// exactly, and at run time the numerator is formed in 128 bits and divided
// with rounding half to even (roundDiv). No scale ratio is ever
// approximated; ratios whose integers would not fit are refused.

// dy is a positive dyadic number m·2^e.
type dy struct {
	m uint64
	e int
}

func dyOf(f f32) dy { return dy{f.mant, f.exp} }

// mul multiplies two dyadics whose mantissas fit in 32 bits (float32
// mantissas are 24 bits).
func (a dy) mul(b dy) dy { return dy{a.m * b.m, a.e + b.e} }

// lin is an exact linear form Σ x_i·P_i / (D·2^K).
type lin struct {
	p []uint64
	d uint64
	k uint
}

// maxCoef bounds the integers of a linear form so that the run-time
// numerators fit in 128 bits: |x_i| < 2^64, P_i < 2^62, at most 2 terms.
const maxCoef = 1 << 62

// newLin builds the form for Σ x_i·S_i / sy.
func newLin(terms []dy, sy dy) (lin, error) {
	e0 := terms[0].e
	for _, t := range terms {
		if t.m == 0 {
			return lin{}, fmt.Errorf("zero scale")
		}
		if t.e < e0 {
			e0 = t.e
		}
	}
	c := lin{p: make([]uint64, len(terms)), d: sy.m}
	for i, t := range terms {
		sh := t.e - e0
		if sh > 62 || bits.Len64(t.m)+sh > 62 {
			return lin{}, fmt.Errorf("scales %d·2^%d and 2^%d are too far apart", t.m, t.e, e0)
		}
		c.p[i] = t.m << uint(sh)
	}
	shift := e0 - sy.e
	if shift >= 0 {
		for i := range c.p {
			if shift > 62 || bits.Len64(c.p[i])+shift > 62 {
				return lin{}, fmt.Errorf("scale ratio too large (output scale too small)")
			}
			c.p[i] <<= uint(shift)
		}
	} else {
		c.k = uint(-shift)
	}
	// Reduce by the common factor of the coefficients and the denominator,
	// and by common factors of two against 2^K.
	g := c.d
	for _, p := range c.p {
		g = gcd(g, p)
	}
	c.d /= g
	for i := range c.p {
		c.p[i] /= g
	}
	for c.k > 0 {
		even := true
		for _, p := range c.p {
			if p&1 != 0 {
				even = false
			}
		}
		if !even {
			break
		}
		for i := range c.p {
			c.p[i] >>= 1
		}
		c.k--
	}
	if c.k > maxShift {
		return lin{}, fmt.Errorf("scale ratio too small (2^-%d)", c.k)
	}
	if c.d >= maxCoef {
		return lin{}, fmt.Errorf("scale ratio denominator out of range")
	}
	return c, nil
}

// rq is one output channel's requantization: y = clamp(clamp(
// round(x·N + C) / (D·2^K)) + Z, Lo, Hi), TLo, THi).
type rq struct {
	n      uint64
	c      i128
	d      uint64
	k      uint
	fast   fixed // a fixed-point form that decides most inputs exactly
	z      int64
	lo, hi int64 // activation bounds in the output's quantized domain
	tlo    int64 // output type range
	thi    int64
	eLo    int64 // the composed clamps as one: see seal
	eHi    int64
}

// seal folds the clamps of finish into one: a composition of clamps is
// the clamp between its values at −∞ and +∞.
func (r *rq) seal() {
	f := func(q int64) int64 {
		if q < r.lo {
			q = r.lo
		}
		if q > r.hi {
			q = r.hi
		}
		return clamp64(q, r.tlo, r.thi)
	}
	r.eLo, r.eHi = f(-1<<62), f(1<<62)
}

// apply requantizes x (|x| < 2^63). The common case, the 64-bit fixed
// point of fixed.go, is inlined here.
func (r *rq) apply(x int64) int32 {
	if y, ok := r.quick(x); ok {
		return y
	}
	return r.applySlow(x)
}

// quick is the 64-bit fixed-point path alone (small enough to inline in
// kernel loops; u is only used when x is in range).
func (r *rq) quick(x int64) (int32, bool) {
	u := x*r.fast.m64 + r.fast.c64
	if uint64(x+fixed64XMax) <= 2*fixed64XMax && uint64(u&r.fast.mask-(fixed64XMax+1)) < r.fast.band {
		return int32(clamp64(u>>r.fast.s64+r.z, r.eLo, r.eHi)), true
	}
	return 0, false
}

func (r *rq) applySlow(x int64) int32 {
	if q, ok := r.fast.round(x); ok {
		return r.finish(q)
	}
	q := roundDivSigned(mulI128(x, r.n).add(r.c), r.d, r.k)
	return r.finish(q)
}

// finish adds the zero point and clamps (the rq must be sealed).
func (r *rq) finish(q int64) int32 {
	q = clamp64(q, -1<<40, 1<<40) + r.z
	return int32(clamp64(q, r.eLo, r.eHi))
}

// act is an activation fused before a QuantizeLinear.
type act struct {
	kind     int // actNone, actRelu, actClip
	min, max int // weight slots of Clip's bounds (−1: none)
	minBits  uint32
	maxBits  uint32
	hasMin   bool // attribute bounds (Clip before opset 11)
	hasMax   bool
}

const (
	actNone = iota
	actRelu
	actClip
)

func (a act) suffix() string {
	switch a.kind {
	case actRelu:
		return "+Relu"
	case actClip:
		return "+Clip"
	}
	return ""
}

// bounds returns the activation's bounds in the quantized domain of an
// output with scale sy and zero point zy: since rounding is monotone,
// round(clip(v, a, b)/sy) = clip(round(v/sy), round(a/sy), round(b/sy)).
func (a act) bounds(w []*Tensor, sy f32, zy int64) (lo, hi int64, err error) {
	lo, hi = -1<<62, 1<<62
	switch a.kind {
	case actRelu:
		return zy, hi, nil
	case actClip:
		mn, okMin := a.minBits, a.hasMin
		mx, okMax := a.maxBits, a.hasMax
		if a.min >= 0 {
			mn, okMin = w[a.min].F[0], true
		}
		if a.max >= 0 {
			mx, okMax = w[a.max].F[0], true
		}
		if okMin {
			if _, cls := decodeF32(mn); cls == f32NaN {
				return 0, 0, fmt.Errorf("clip min is NaN")
			}
			lo = clamp64(quantizeF32(mn, sy), -1<<61, 1<<61) + zy
		}
		if okMax {
			if _, cls := decodeF32(mx); cls == f32NaN {
				return 0, 0, fmt.Errorf("clip max is NaN")
			}
			hi = clamp64(quantizeF32(mx, sy), -1<<61, 1<<61) + zy
		}
	}
	return lo, hi, nil
}

// rqFor builds an output channel's requantization for x·S/sy (+ a constant
// c·Sc/sy when sc.m ≠ 0) with output parameters sy, zy of type typ and the
// activation bounds lo, hi.
func rqFor(s dy, c int64, sc dy, sy f32, zy int64, typ DType, lo, hi int64) (rq, error) {
	terms := []dy{s}
	if sc.m != 0 {
		terms = append(terms, sc)
	}
	l, err := newLin(terms, dyOf(sy))
	if err != nil {
		return rq{}, err
	}
	tlo, thi := typeRange(typ)
	r := rq{n: l.p[0], d: l.d, k: l.k, z: zy, lo: lo, hi: hi, tlo: int64(tlo), thi: int64(thi)}
	if sc.m != 0 {
		r.c = mulI128(c, l.p[1])
	}
	r.fast = newFixed(r.n, r.c, r.d, r.k)
	r.seal()
	return r, nil
}

// row requantizes dst[i] = apply(col[i·stride] − zw·sums[i] + cr) with the
// fixed-point path's fields in locals (the hot loop of convolutions).
func (r *rq) row(dst, col []int32, stride int, zw int64, sums []int64, cr int64) {
	m, c, sh, mask, band := r.fast.m64, r.fast.c64, r.fast.s64, r.fast.mask, r.fast.band
	z, lo, hi := r.z, r.eLo, r.eHi
	if stride == 1 && zw == 0 {
		col = col[:len(dst)]
		for i, a := range col {
			v := int64(a) + cr
			u := v*m + c
			if uint64(v+fixed64XMax) <= 2*fixed64XMax && uint64(u&mask-(fixed64XMax+1)) < band {
				dst[i] = int32(clamp64(u>>sh+z, lo, hi))
			} else {
				dst[i] = r.applySlow(v)
			}
		}
		return
	}
	for i := range dst {
		v := int64(col[i*stride]) + cr
		if zw != 0 {
			v -= zw * sums[i]
		}
		u := v*m + c
		if uint64(v+fixed64XMax) <= 2*fixed64XMax && uint64(u&mask-(fixed64XMax+1)) < band {
			dst[i] = int32(clamp64(u>>sh+z, lo, hi))
		} else {
			dst[i] = r.applySlow(v)
		}
	}
}
