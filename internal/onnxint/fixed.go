package onnxint

import (
	"math/big"
	"math/bits"
)

// fixed is a fast exact path for round_half_even((x·n + c) / (d·2^k)).
//
// With M = ⌊n·2^s/(d·2^k)⌋ and C = ⌊c·2^s/(d·2^k)⌋ (s ≥ 64 chosen so that
// M < 2^63), t = x·M + C differs from the exact t* = (x·n + c)·2^s/(d·2^k)
// by less than |x| + 1. The result rounds t*/2^s, whose rounding depends
// only on where t* falls against the half-way point between two integers:
// when t's fractional part (its low s bits) is farther than |x| + 1 from
// 2^(s−1), t* is on the same side and ⌊t/2^s⌋ (+1 above the half) is the
// exact result. Otherwise round reports false and the caller divides
// exactly; that happens only within 2^−(s−64) of a tie.
type fixed struct {
	ok bool
	m  uint64
	c  i128
	s  uint // 64 ≤ s ≤ 126

	// The same in 64 bits for |x| ≤ fixed64XMax: u = x·m64 + c64 (c64
	// includes 2^(s64−1), so that rounding is flooring) never overflows.
	// |t* − t| < fixed64XMax + 1 =: B, so ⌊u/2^s64⌋ is exact when u's low
	// s64 bits lie in [B, 2^s64 − B): band = 2^s64 − 2B, zero when the
	// path is unavailable.
	ok64 bool
	m64  int64
	c64  int64
	s64  uint
	mask int64
	band uint64
}

const (
	fixed64XMax     = 1 << 24
	fixed64MinShift = 36
)

func i128Big(x i128) *big.Int {
	z := new(big.Int).SetUint64(x.hi)
	z.Lsh(z, 64).Or(z, new(big.Int).SetUint64(x.lo))
	if x.negative() {
		z.Sub(z, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	return z
}

// newFixed prepares the fast paths (ok false when none fits).
func newFixed(n uint64, c i128, d uint64, k uint) fixed {
	if n == 0 || d == 0 {
		return fixed{}
	}
	f := newFixed128(n, c, d, k)
	den := new(big.Int).Lsh(new(big.Int).SetUint64(d), k)
	cb := i128Big(c)
	lim := new(big.Int).Lsh(big.NewInt(1), 62)
	// fits reports whether |x|·m + |c| + 2^s < 2^62 for |x| ≤ xmax, and
	// sets the path if so. It holds for all s below the largest one that
	// fits, so start near that s (from the bit lengths) and step to it.
	fits := func(s int) bool {
		m := new(big.Int).Lsh(new(big.Int).SetUint64(n), uint(s))
		m.Quo(m, den)
		cf := new(big.Int).Lsh(cb, uint(s))
		cf.Div(cf, den) // Euclidean: floor for den > 0
		tot := new(big.Int).Mul(m, big.NewInt(fixed64XMax))
		tot.Add(tot, new(big.Int).Abs(cf))
		tot.Add(tot, new(big.Int).Lsh(big.NewInt(1), uint(s)))
		if tot.Cmp(lim) >= 0 {
			return false
		}
		f.ok64, f.m64, f.s64 = true, m.Int64(), uint(s)
		f.c64 = cf.Int64() + 1<<(s-1)
		f.mask = 1<<s - 1
		f.band = 1<<s - 2*(fixed64XMax+1)
		return true
	}
	top := max(bits.Len64(n)+25, cb.BitLen()+1)
	s := min(max(62-top+den.BitLen(), fixed64MinShift), 62)
	if fits(s) {
		for s < 62 && fits(s+1) {
			s++
		}
		fits(s) // the largest that fits
	} else {
		for s--; s >= fixed64MinShift && !fits(s); s-- {
		}
	}
	return f
}

func newFixed128(n uint64, c i128, d uint64, k uint) fixed {
	den := new(big.Int).Lsh(new(big.Int).SetUint64(d), k)
	// The largest s with n·2^s/den < 2^63 (this estimate is at most one
	// above it).
	s := min(63-bits.Len64(n)+den.BitLen(), 126)
	for ; s >= 64; s-- {
		m := new(big.Int).Lsh(new(big.Int).SetUint64(n), uint(s))
		m.Quo(m, den)
		if m.BitLen() > 63 {
			continue
		}
		cb := new(big.Int).Lsh(i128Big(c), uint(s))
		cf, mod := new(big.Int).DivMod(cb, den, new(big.Int)) // floor for den > 0
		_ = mod
		if cf.BitLen() > 120 {
			return fixed{}
		}
		var cv i128
		abs := new(big.Int).Abs(cf)
		cv.lo = abs.Uint64()
		cv.hi = new(big.Int).Rsh(abs, 64).Uint64()
		if cf.Sign() < 0 {
			cv = cv.neg()
		}
		return fixed{ok: true, m: m.Uint64(), c: cv, s: uint(s)}
	}
	return fixed{}
}

// round returns round_half_even of the form at x when the fixed-point
// value decides it.
func (f *fixed) round(x int64) (int64, bool) {
	if f.ok64 && uint64(x+fixed64XMax) <= 2*fixed64XMax {
		u := x*f.m64 + f.c64
		if uint64(u&f.mask-(fixed64XMax+1)) < f.band {
			return u >> f.s64, true
		}
		return 0, false
	}
	if !f.ok {
		return 0, false
	}
	t := mulI128(x, f.m).add(f.c)
	// y0 = ⌊t/2^s⌋ (arithmetic shift), frac = t − y0·2^s ∈ [0, 2^s).
	sh := f.s - 64
	y0 := int64(t.hi) >> sh
	fracHi := t.hi & (1<<sh - 1)
	fracLo := t.lo
	half := uint64(1) << sh >> 1 // 2^(s−1) as the high word when s > 64
	b := uint64(x)
	if x < 0 {
		b = uint64(-x)
	}
	b++ // |t* − t| < |x| + 1
	var above bool
	if sh == 0 {
		// half is 2^63 in the low word.
		const h = 1 << 63
		switch {
		case fracLo >= h && fracLo-h > b:
			above = true
		case fracLo < h && h-fracLo > b:
			above = false
		default:
			return 0, false
		}
	} else {
		// frac − half as a 128-bit difference with half = (half, 0).
		if fracHi >= half {
			dh, dl := fracHi-half, fracLo
			if dh == 0 && dl <= b {
				return 0, false
			}
			above = true
		} else {
			// half − frac = (half − fracHi − 1, 2^64 − fracLo) when fracLo > 0.
			dl, borrow := bits.Sub64(0, fracLo, 0)
			dh := half - fracHi - borrow
			if dh == 0 && dl <= b {
				return 0, false
			}
			above = false
		}
	}
	if above {
		y0++
	}
	return y0, true
}
