package onnxint

import (
	"math"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// The exact helpers are checked against math/big (exact rationals) on
// edge cases and random inputs.

// ratRoundHalfEven rounds r to the nearest integer, ties to even.
func ratRoundHalfEven(r *big.Rat) *big.Int {
	num, den := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int)) // truncated
	if m.Sign() < 0 {
		q.Sub(q, big.NewInt(1))
		m.Add(m, den)
	}
	// Now num = q·den + m with 0 ≤ m < den.
	twice := new(big.Int).Lsh(m, 1)
	switch twice.Cmp(den) {
	case 1:
		q.Add(q, big.NewInt(1))
	case 0:
		if q.Bit(0) == 1 {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

func satInt64(z *big.Int) int64 {
	if z.Cmp(big.NewInt(math.MaxInt64)) > 0 {
		return math.MaxInt64
	}
	if z.Cmp(big.NewInt(math.MinInt64)) < 0 {
		return math.MinInt64
	}
	return z.Int64()
}

func u128Big(x u128) *big.Int {
	z := new(big.Int).SetUint64(x.hi)
	z.Lsh(z, 64)
	return z.Or(z, new(big.Int).SetUint64(x.lo))
}

// f32Rat is the exact value of finite float32 bits.
func f32Rat(b uint32) *big.Rat {
	f, _ := decodeF32(b)
	r := new(big.Rat).SetInt(new(big.Int).SetUint64(f.mant))
	p := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(abs(f.exp))))
	if f.exp >= 0 {
		r.Mul(r, p)
	} else {
		r.Quo(r, p)
	}
	if f.neg {
		r.Neg(r)
	}
	return r
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestRoundDivBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(x u128, d uint64, k uint) {
		t.Helper()
		got, ok := roundDiv(x, d, k)
		den := new(big.Int).Lsh(new(big.Int).SetUint64(d), k)
		want := ratRoundHalfEven(new(big.Rat).SetFrac(u128Big(x), den))
		wantOK := want.IsUint64() && want.Uint64() <= math.MaxInt64
		if ok != wantOK || (ok && got != want.Uint64()) {
			t.Fatalf("roundDiv(%v, %d, %d) = %d,%v, want %v", x, d, k, got, ok, want)
		}
	}
	edges := []u128{{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 5}, {0, 1 << 63}, {1, 0}, {1 << 63, 0}, {^uint64(0), ^uint64(0)}, {0, ^uint64(0)}}
	for _, x := range edges {
		for _, d := range []uint64{1, 2, 3, 7, 1<<62 - 1, 1 << 62} {
			for _, k := range []uint{0, 1, 2, 63, 64, 65, 100, 120} {
				check(x, d, k)
			}
		}
	}
	for i := 0; i < 200000; i++ {
		x := u128{rng.Uint64() >> rng.UintN(65), rng.Uint64() >> rng.UintN(65)}
		d := rng.Uint64N(1<<62) >> rng.UintN(62)
		if d == 0 {
			d = 1
		}
		k := uint(rng.UintN(121))
		if i%4 == 0 {
			// exact ties: x = (2q+1)·d·2^(k−1)
			k = uint(rng.UintN(20)) + 1
			q := rng.Uint64N(1 << 20)
			d = rng.Uint64N(1<<20) + 1
			x = mul128((2*q+1)*d, 1).shl(k - 1)
		}
		check(x, d, k)
	}
}

// randScale is a positive finite float32 from a wide range, normal or not.
func randScale(rng *rand.Rand) uint32 {
	switch rng.IntN(8) {
	case 0:
		return uint32(rng.IntN(1<<23)) + 1 // subnormal
	case 1:
		return math.Float32bits(float32(rng.Float64()*0.1 + 1e-4))
	}
	return uint32(rng.IntN(0xfe)+1)<<23 | uint32(rng.IntN(1<<23))
}

func TestQuantizeF32Big(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	check := func(xb, sb uint32) {
		t.Helper()
		s, _ := decodeF32(sb)
		got := quantizeF32(xb, s)
		x, cls := decodeF32(xb)
		var want int64
		switch cls {
		case f32NaN:
			want = math.MinInt64
		case f32Inf:
			want = satSign(x.neg)
		default:
			want = satInt64(ratRoundHalfEven(new(big.Rat).Quo(f32Rat(xb), f32Rat(sb))))
		}
		if got != want {
			t.Fatalf("quantizeF32(%#x / %#x) = %d, want %d", xb, sb, got, want)
		}
	}
	specials := []uint32{0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 1, 0x80000001, 0x7f7fffff, 0xff7fffff,
		math.Float32bits(0.5), math.Float32bits(1.5), math.Float32bits(2.5), math.Float32bits(-0.5), math.Float32bits(-2.5)}
	scales := []uint32{math.Float32bits(1), 1, 0x7f7fffff, math.Float32bits(0.1), math.Float32bits(1.0 / 3)}
	for _, x := range specials {
		for _, s := range scales {
			check(x, s)
		}
	}
	for i := 0; i < 100000; i++ {
		s := randScale(rng)
		var x uint32
		switch rng.IntN(3) {
		case 0: // near the scale: x ≈ s·(k + 1/2)
			sv := math.Float32frombits(s)
			x = math.Float32bits(sv * (float32(rng.IntN(512)-256) + 0.5))
			x += uint32(rng.IntN(3)) - 1
		default:
			x = rng.Uint32()
		}
		check(x, s)
	}
	// quantizeInt
	for i := 0; i < 50000; i++ {
		s := randScale(rng)
		v := int64(int32(rng.Uint32()))
		sf, _ := decodeF32(s)
		got := quantizeInt(v, sf)
		want := satInt64(ratRoundHalfEven(new(big.Rat).Quo(new(big.Rat).SetInt64(v), f32Rat(s))))
		if got != want {
			t.Fatalf("quantizeInt(%d / %#x) = %d, want %d", v, s, got, want)
		}
	}
}

// refF32 rounds v·2^e to float32 with math/big (ties to even, subnormals).
func refF32(neg bool, v *big.Int, e int) uint32 {
	f := new(big.Float).SetPrec(256).SetInt(v)
	f.SetMantExp(f, e)
	if neg {
		f.Neg(f)
	}
	r, _ := f.Float32()
	return math.Float32bits(r)
}

func TestF32BitsBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 200000; i++ {
		v := u128{0, rng.Uint64() >> rng.UintN(64)}
		if i%3 == 0 {
			v.hi = rng.Uint64() >> rng.UintN(64)
		}
		e := rng.IntN(400) - 250
		neg := rng.IntN(2) == 0
		got := f32Bits(neg, v, e)
		want := refF32(neg, u128Big(v), e)
		if v.isZero() {
			want = 0
			if neg {
				want = 1 << 31
			}
		}
		if got != want {
			t.Fatalf("f32Bits(%v, %v, %d) = %#x, want %#x", neg, v, e, got, want)
		}
	}
}

func TestDequantizeF32(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 200000; i++ {
		sb := randScale(rng)
		s, _ := decodeF32(sb)
		q := int64(int32(rng.Uint32())) >> rng.UintN(32)
		z := int64(rng.IntN(256) - 128)
		got := dequantizeF32(q, z, s)
		d := q - z
		var want uint32
		if d > -(1<<29) && d < 1<<29 {
			// float64 holds (q−z)·s exactly (29+24 bits); converting to
			// float32 rounds once, as IEEE float32 multiplication does.
			want = math.Float32bits(float32(float64(d) * float64(math.Float32frombits(sb))))
		} else {
			m := new(big.Int).Mul(big.NewInt(d), new(big.Int).SetUint64(s.mant))
			want = refF32(m.Sign() < 0, m.Abs(m), s.exp)
		}
		if d == 0 {
			want = 0
		}
		if got != want {
			t.Fatalf("dequantizeF32(%d, %d, %#x) = %#x, want %#x", q, z, sb, got, want)
		}
	}
}

// TestRequantBig checks rq against round((acc·sa·sb + c·sc)/sy) + zy.
func TestRequantBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	tried, refused := 0, 0
	for i := 0; i < 100000; i++ {
		sa := math.Float32bits(float32(rng.Float64()*0.05 + 1e-5))
		sb := math.Float32bits(float32(rng.Float64()*0.05 + 1e-5))
		sy := math.Float32bits(float32(rng.Float64()*0.5 + 1e-4))
		extreme := i%5 == 0
		if extreme {
			sa, sb, sy = randScale(rng), randScale(rng), randScale(rng)
		}
		var sc uint32
		c := int64(0)
		if i%2 == 0 {
			sc = math.Float32bits(math.Float32frombits(sa) * math.Float32frombits(sb)) // as quantizers compute it
			c = int64(int32(rng.Uint32())) >> rng.UintN(32)
		}
		fa, _ := decodeF32(sa)
		fb, _ := decodeF32(sb)
		fy, _ := decodeF32(sy)
		fc, _ := decodeF32(sc)
		zy := int64(rng.IntN(256) - 128)
		var scd dy
		if sc != 0 {
			scd = dyOf(fc)
		}
		r, err := rqFor(dyOf(fa).mul(dyOf(fb)), c, scd, fy, zy, Int8, -1<<62, 1<<62)
		if err != nil && !extreme {
			t.Fatalf("realistic scales sa %#x sb %#x sy %#x sc %#x refused: %v", sa, sb, sy, sc, err)
		}
		if extreme {
			tried++
		}
		if err != nil {
			refused++
			continue
		}
		for j := 0; j < 8; j++ {
			acc := int64(int32(rng.Uint32())) >> rng.UintN(32)
			v := new(big.Rat).Mul(new(big.Rat).SetInt64(acc), new(big.Rat).Mul(f32Rat(sa), f32Rat(sb)))
			if sc != 0 {
				v.Add(v, new(big.Rat).Mul(new(big.Rat).SetInt64(c), f32Rat(sc)))
			}
			q := ratRoundHalfEven(v.Quo(v, f32Rat(sy)))
			want := satInt64(q)
			want = clamp64(clamp64(want, -1<<40, 1<<40)+zy, -128, 127)
			if got := r.apply(acc); int64(got) != want {
				t.Fatalf("requant acc %d sa %#x sb %#x sy %#x c %d sc %#x zy %d: got %d, want %d", acc, sa, sb, sy, c, sc, zy, got, want)
			}
		}
	}
	t.Logf("%d of %d extreme random scale sets refused", refused, tried)
}

// TestRequantTies: ratios of 1/2, 1/4, 3/8 make exact ties common; the
// fixed-point path must hand them to the exact division.
func TestRequantTies(t *testing.T) {
	for _, c := range []struct{ sa, sb, sy float32 }{{1, 0.5, 1}, {0.25, 1, 1}, {0.375, 1, 1}, {0.5, 0.5, 0.5}, {3, 0.125, 1}, {3.0 / 1024, 1, 1}, {5.0 / 4096, 0.5, 0.25}} {
		fa, _ := decodeF32(math.Float32bits(c.sa))
		fb, _ := decodeF32(math.Float32bits(c.sb))
		fy, _ := decodeF32(math.Float32bits(c.sy))
		r, err := rqFor(dyOf(fa).mul(dyOf(fb)), 0, dy{}, fy, 0, Int32, -1<<62, 1<<62)
		if err != nil {
			t.Fatal(err)
		}
		fastTies := 0
		for acc := int64(-5000); acc <= 5000; acc++ {
			if _, ok := r.fast.round(acc); (r.fast.ok || r.fast.ok64) && !ok {
				fastTies++
			}
			v := new(big.Rat).Mul(new(big.Rat).SetInt64(acc), new(big.Rat).Mul(f32Rat(math.Float32bits(c.sa)), f32Rat(math.Float32bits(c.sb))))
			want := ratRoundHalfEven(v.Quo(v, f32Rat(math.Float32bits(c.sy)))).Int64()
			if got := r.apply(acc); int64(got) != want {
				t.Fatalf("%v acc %d: %d, want %d", c, acc, got, want)
			}
		}
		if (r.fast.ok || r.fast.ok64) && fastTies == 0 {
			t.Errorf("%v: no tie reached the exact path", c)
		}
	}
}

func TestNewLinRefusesOverflow(t *testing.T) {
	// sy far below sa·sb: the ratio 2^200 does not fit.
	if _, err := newLin([]dy{{1, 100}}, dy{1, -100}); err == nil {
		t.Fatal("huge ratio accepted")
	}
	// a ratio of 2^-200 needs a shift beyond maxShift.
	if _, err := newLin([]dy{{1, -100}}, dy{1, 100}); err == nil {
		t.Fatal("tiny ratio accepted")
	}
	// terms 2^100 apart cannot share a numerator.
	if _, err := newLin([]dy{{1, 0}, {1, 100}}, dy{1, 0}); err == nil {
		t.Fatal("terms far apart accepted")
	}
	_ = bits.Len64
}

// TestQtable: the table quantizer equals the exact one on every kind of
// float, for several scales, zero points and both 8-bit types.
func TestQtable(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, c := range []struct {
		s   float32
		z   int64
		typ DType
	}{{1.0 / 255, 0, Uint8}, {0.0123, -7, Int8}, {1e-30, 3, Int8}, {3e30, 0, Uint8}, {1, 128, Uint8}, {0.5, 0, Int8}} {
		sf, _ := decodeF32(math.Float32bits(c.s))
		lo, hi := typeRange(c.typ)
		q := func(b uint32) int32 {
			return int32(clamp64(clamp64(quantizeF32(b, sf), -1<<40, 1<<40)+c.z, int64(lo), int64(hi)))
		}
		qt := newQtable(q, lo, hi)
		check := func(b uint32) {
			if b&0x7fffffff > maxKey {
				if qt.quant(b) != lo {
					t.Fatalf("NaN %#x: %d", b, qt.quant(b))
				}
				return
			}
			if got, want := qt.quant(b), q(b); got != want {
				t.Fatalf("scale %v: x %#x (%v): %d, want %d", c.s, b, math.Float32frombits(b), got, want)
			}
		}
		for _, b := range []uint32{0, 1 << 31, 0x7f800000, 0xff800000, 0x7fc00000, 1, 0x80000001} {
			check(b)
		}
		for i := 0; i < 20000; i++ {
			check(rng.Uint32())
			// Near the thresholds.
			if len(qt.t) > 0 {
				k := qt.t[rng.IntN(len(qt.t))] + int32(rng.IntN(5)) - 2
				if k >= -maxKey && k <= maxKey {
					check(keyF32(k))
				}
			}
		}
	}
}
