package train

import (
	"math"
	"testing"
)

// testImage is a deterministic pseudo-random image with some blank pixels.
func testImage(seed uint64) []byte {
	r := newRNG(seed)
	img := make([]byte, 784)
	for i := range img {
		if v := r.next() % 512; v < 256 {
			img[i] = byte(v)
		}
	}
	return img
}

// checkGrad compares learn's gradient with central differences on a sample
// of parameters.
func checkGrad(t *testing.T, m Model, n int) {
	p := m.params()
	w := m.newWork()
	img := testImage(7)
	const label = 3
	g := make([]float32, len(p))
	w.learn(img, label, g)
	r := newRNG(11)
	bad := 0
	for c := 0; c < n; c++ {
		i := r.intn(len(p))
		old := p[i]
		const h = 2e-3
		p[i] = old + h
		lp := w.learn(img, label, make([]float32, len(p)))
		p[i] = old - h
		lm := w.learn(img, label, make([]float32, len(p)))
		p[i] = old
		num := (lp - lm) / (2 * h)
		if d := math.Abs(num - float64(g[i])); d > 2e-3+0.05*math.Abs(num) {
			bad++
			t.Logf("param %d: analytic %g, numeric %g", i, g[i], num)
		}
	}
	if bad > 3 { // a few may straddle a ReLU or max-pool kink
		t.Fatalf("%d of %d gradients differ", bad, n)
	}
}

func TestMLPGradient(t *testing.T) { checkGrad(t, NewMLP(5), 300) }
func TestCNNGradient(t *testing.T) { checkGrad(t, NewCNN(5), 300) }
