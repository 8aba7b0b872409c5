package train

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/prova-network/prova/internal/mnist"
)

// This file executes a QModel with the integer semantics of
// docs/INFERENCE.md §2: every requantization is round_half_even of the exact
// rational value, the first QuantizeLinear divides exactly and the last
// DequantizeLinear rounds (q − z)·s once to float32. It is the generator's
// own check of the exported model and must agree with internal/onnxint bit
// for bit.

// ratio is a positive rational N/D with D ≤ 2^64 − 1 (or big when it does
// not fit), used as y = round_half_even(x·N/D).
type ratio struct {
	n, d  uint64
	bn    *big.Int // set when N or D does not fit 64 bits
	bd    *big.Int
	small bool
}

// float32Rat returns s as an exact big.Rat.
func float32Rat(s float32) *big.Rat {
	return new(big.Rat).SetFloat64(float64(s))
}

// newRatio returns the ratio a·b/c of float32 values (a, b ≥ 0, c > 0),
// reduced.
func newRatio(a, b, c float32) ratio {
	r := new(big.Rat).Mul(float32Rat(a), float32Rat(b))
	r.Quo(r, float32Rat(c))
	n, d := r.Num(), r.Denom()
	if n.IsUint64() && d.IsUint64() {
		return ratio{n: n.Uint64(), d: d.Uint64(), small: true}
	}
	return ratio{bn: new(big.Int).Set(n), bd: new(big.Int).Set(d)}
}

// apply returns round_half_even(x·N/D).
func (r ratio) apply(x int64) int64 {
	neg := x < 0
	a := uint64(x)
	if neg {
		a = -a
	}
	if r.small {
		hi, lo := bits.Mul64(a, r.n)
		if hi < r.d {
			q, rem := bits.Div64(hi, lo, r.d)
			if h := r.d - rem; rem > h || (rem == h && q&1 == 1) {
				q++
			}
			if q <= math.MaxInt64 {
				if neg {
					return -int64(q)
				}
				return int64(q)
			}
		}
	}
	return r.applyBig(x)
}

func (r ratio) applyBig(x int64) int64 {
	n, d := r.bn, r.bd
	if r.small {
		n, d = new(big.Int).SetUint64(r.n), new(big.Int).SetUint64(r.d)
	}
	v := new(big.Int).Mul(big.NewInt(x), n)
	q, m := new(big.Int).QuoRem(v, d, new(big.Int)) // truncated
	m.Abs(m)
	m.Lsh(m, 1)
	if c := m.Cmp(d); c > 0 || (c == 0 && q.Bit(0) == 1) {
		if v.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	if !q.IsInt64() {
		if q.Sign() < 0 {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return q.Int64()
}

func satU8(v int64) uint8 { return uint8(max(0, min(255, v))) }

// Sim is a QModel prepared for integer execution.
type Sim struct {
	q      *QModel
	inLUT  [256]uint8 // quantized value of each pixel byte's float input
	mult   []ratio    // per layer: s_in·s_w/s_out
	deqOut func(uint8) float32
}

// NewSim prepares q for execution. It fails if q does not pass Check.
func NewSim(q *QModel) (*Sim, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	s := &Sim{q: q}
	// QuantizeLinear of the float input: round_half_even(x/s) + z, exactly.
	for p := 0; p < 256; p++ {
		v := newRatio(pixel(byte(p)), 1, q.InScale).apply(1)
		s.inLUT[p] = satU8(v + int64(q.InZero))
	}
	in := q.InScale
	for _, l := range q.Layers {
		s.mult = append(s.mult, newRatio(in, l.WScale, l.OutScale))
		in = l.OutScale
	}
	last := q.Layers[len(q.Layers)-1]
	s.deqOut = func(v uint8) float32 { return float32(int32(v)-int32(last.OutZero)) * last.OutScale }
	return s, nil
}

// Run returns the model's float logits for a 28×28 image.
func (s *Sim) Run(img []byte) []float32 {
	x := make([]int32, len(img))
	for i, p := range img {
		x[i] = int32(s.inLUT[p])
	}
	zin := int32(s.q.InZero)
	var y []uint8
	for li, l := range s.q.Layers {
		var acc []int64
		switch l.Kind {
		case Dense:
			acc = make([]int64, l.Out)
			for j := range acc {
				acc[j] = int64(l.B[j])
			}
			for i := 0; i < l.In; i++ {
				xi := int64(x[i] - zin)
				if xi == 0 {
					continue
				}
				row := l.W[i*l.Out : (i+1)*l.Out]
				for j, w := range row {
					acc[j] += xi * int64(w)
				}
			}
		case Conv:
			ho := l.H - cnnK + 1
			acc = make([]int64, l.Out*ho*ho)
			for o := 0; o < l.Out; o++ {
				for oy := 0; oy < ho; oy++ {
					for ox := 0; ox < ho; ox++ {
						a := int64(l.B[o])
						for c := 0; c < l.In; c++ {
							for ky := 0; ky < cnnK; ky++ {
								for kx := 0; kx < cnnK; kx++ {
									xv := int64(x[c*l.H*l.H+(oy+ky)*l.H+ox+kx] - zin)
									a += xv * int64(l.W[((o*l.In+c)*cnnK+ky)*cnnK+kx])
								}
							}
						}
						acc[(o*ho+oy)*ho+ox] = a
					}
				}
			}
		}
		y = make([]uint8, len(acc))
		for i, a := range acc {
			if l.Relu && a < 0 {
				a = 0
			}
			y[i] = satU8(s.mult[li].apply(a) + int64(l.OutZero))
		}
		if l.Pool {
			ho := l.H - cnnK + 1
			y = maxpoolU8(y, l.Out, ho)
		}
		x = make([]int32, len(y))
		for i, v := range y {
			x[i] = int32(v)
		}
		zin = int32(l.OutZero)
	}
	out := make([]float32, len(y))
	for i, v := range y {
		out[i] = s.deqOut(v)
	}
	return out
}

func maxpoolU8(in []uint8, c, h int) []uint8 {
	ho := h / 2
	out := make([]uint8, c*ho*ho)
	for ci := 0; ci < c; ci++ {
		for py := 0; py < ho; py++ {
			for px := 0; px < ho; px++ {
				b := ci*h*h + 2*py*h + 2*px
				out[(ci*ho+py)*ho+px] = max(in[b], in[b+1], in[b+h], in[b+h+1])
			}
		}
	}
	return out
}

// PredictSim returns the integer model's predicted digit for every image
// (the first maximal logit).
func PredictSim(s *Sim, set *mnist.Set) []int {
	out := make([]int, set.Len())
	done := make(chan struct{})
	const goroutines = 2
	for g := 0; g < goroutines; g++ {
		go func() {
			for i := g * len(out) / goroutines; i < (g+1)*len(out)/goroutines; i++ {
				out[i] = argmax(s.Run(set.Image(i)))
			}
			done <- struct{}{}
		}()
	}
	for g := 0; g < goroutines; g++ {
		<-done
	}
	return out
}
