package train

import (
	"errors"
	"math"
	"math/big"
	"runtime"
	"slices"
	"testing"

	"github.com/prova-network/prova/internal/mnist"
)

func TestScaleUp(t *testing.T) {
	r := newRNG(3)
	for i := 0; i < 10000; i++ {
		s := math.Ldexp(float64(r.next()>>11)/(1<<53)+0.5, int(r.intn(60))-40)
		for _, bits := range []int{8, 16, 24} {
			got := scaleUp(s, bits)
			if float64(got) < s {
				t.Fatalf("scaleUp(%g, %d) = %g < s", s, bits, got)
			}
			f, _ := math.Frexp(float64(got))
			if m := math.Ldexp(f, bits); m != math.Trunc(m) {
				t.Fatalf("scaleUp(%g, %d) = %g has more than %d bits", s, bits, got, bits)
			}
			// One unit less in the last of the bits places would be below s.
			f, e := math.Frexp(float64(got))
			if below := math.Ldexp(f-math.Ldexp(1, -bits), e); below >= s && f > 0.5 {
				t.Fatalf("scaleUp(%g, %d) = %g is not the smallest", s, bits, got)
			}
		}
	}
	if got := InputScale; got < 1.0/255 || float32(255)/255/got > 255.5 {
		t.Fatalf("InputScale %g", got)
	}
}

// TestRatioApply checks round_half_even(x·N/D) against big.Rat, ties
// included.
func TestRatioApply(t *testing.T) {
	r := newRNG(9)
	f32 := func() float32 {
		return float32(math.Ldexp(float64(r.next()>>40|1<<23), int(r.intn(40))-50))
	}
	for i := 0; i < 20000; i++ {
		a, b, c := f32(), f32(), f32()
		q := newRatio(a, b, c)
		x := int64(r.next()>>uint(r.intn(64))) * int64(1-2*int(r.next()&1))
		if i%5 == 0 {
			x = int64(r.intn(1<<20)) - 1<<19
		}
		want := new(big.Rat).Mul(float32Rat(a), float32Rat(b))
		want.Quo(want, float32Rat(c)).Mul(want, new(big.Rat).SetInt64(x))
		if got := q.apply(x); got != roundHalfEvenRat(want) {
			t.Fatalf("%d·%g·%g/%g: got %d, want %d", x, a, b, c, got, roundHalfEvenRat(want))
		}
	}
	// Exact ties round to even.
	half := newRatio(1, 1, 2)
	for x, want := range map[int64]int64{1: 0, 3: 2, 5: 2, -1: 0, -3: -2, 7: 4} {
		if got := half.apply(x); got != want {
			t.Errorf("%d/2 = %d, want %d", x, got, want)
		}
	}
}

func roundHalfEvenRat(r *big.Rat) int64 {
	n, d := r.Num(), r.Denom()
	q, m := new(big.Int).QuoRem(n, d, new(big.Int))
	m.Abs(m).Lsh(m, 1)
	if c := m.Cmp(d); c > 0 || c == 0 && q.Bit(0) == 1 {
		if n.Sign() < 0 {
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

// TestInputQuantization: every pixel p quantizes back to p.
func TestInputQuantization(t *testing.T) {
	q := &QModel{Arch: "mlp", InScale: InputScale, Layers: []QLayer{
		{Name: "fc", Kind: Dense, In: 784, Out: 10, W: make([]int8, 7840), WScale: 1, B: make([]int32, 10), OutScale: 1},
	}}
	q.Layers[0].BScale = InputScale
	s, err := NewSim(q)
	if err != nil {
		t.Fatal(err)
	}
	for p := 0; p < 256; p++ {
		if s.inLUT[p] != uint8(p) {
			t.Fatalf("pixel %d quantizes to %d", p, s.inLUT[p])
		}
	}
}

func loadOrSkip(t testing.TB, load func() (*mnist.Set, error)) *mnist.Set {
	t.Helper()
	s, err := load()
	if errors.Is(err, mnist.ErrNotFound) {
		t.Skipf("MNIST data set absent: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPipeline trains both models briefly on a few thousand images, twice
// (with different goroutine counts), and checks determinism, that the
// quantized model reads back from its ONNX file, and that integer and float
// predictions mostly agree.
func TestPipeline(t *testing.T) {
	trainSet := loadOrSkip(t, mnist.TrainSet)
	testSet := loadOrSkip(t, mnist.TestSet)
	sub := &mnist.Set{Images: testSet.Images[:1000*mnist.Pixels], Labels: testSet.Labels[:1000]}
	for _, mk := range []func() Model{
		func() Model { return NewMLP(1) },
		func() Model { return NewCNN(1) },
	} {
		cfg := Config{Seed: 4, Epochs: 1, Batch: 32, LR: 2e-3, Decay: 1, Shards: 2, Limit: 3000}
		a := mk()
		if err := Train(a, trainSet, cfg); err != nil {
			t.Fatal(err)
		}
		prev := runtime.GOMAXPROCS(1)
		b := mk()
		err := Train(b, trainSet, cfg)
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.params(), b.params()) {
			t.Fatalf("%T: two runs gave different weights", a)
		}
		facc := Accuracy(Predict(a, sub), sub.Labels)
		if facc < 0.8 {
			t.Fatalf("%T: float accuracy %.3f after a short run", a, facc)
		}
		q, err := Quantize(a, trainSet, CalibrationIndices(trainSet, 200))
		if err != nil {
			t.Fatal(err)
		}
		for _, form := range []PoolForm{PoolQuantized, PoolQDQ} {
			ob, err := QuantONNX(q, form, ExportInfo{Calibration: 200})
			if err != nil {
				t.Fatal(err)
			}
			back, err := ReadQuantONNX(ob)
			if err != nil {
				t.Fatal(err)
			}
			if err := SameQModel(back, q); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := FloatONNX(a, nil); err != nil {
			t.Fatal(err)
		}
		sim, err := NewSim(q)
		if err != nil {
			t.Fatal(err)
		}
		sp, fp := PredictSim(sim, sub), Predict(a, sub)
		agree := 0
		for i := range sp {
			if sp[i] == fp[i] {
				agree++
			}
		}
		if agree < 980 {
			t.Fatalf("%T: integer and float predictions agree on %d of 1000", a, agree)
		}
		t.Logf("%T: float %.3f, int8 %.3f, agreement %d/1000", a, facc, Accuracy(sp, sub.Labels), agree)
	}
}
