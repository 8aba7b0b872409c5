package train

import "github.com/prova-network/prova/internal/mnist"

// MLP sizes: 784 → 128 (ReLU) → 10.
const (
	mlpIn     = mnist.Pixels
	mlpHidden = 128
	mlpOut    = 10
)

// MLP is the float multilayer perceptron. Weights are stored input-major
// (W[i*out+j] connects input i to output j), which is the layout of the B
// operand of an ONNX Gemm without transposition.
type MLP struct {
	P []float32 // all parameters: W1, b1, W2, b2

	W1, B1, W2, B2 []float32 // views into P
}

// NewMLP returns an MLP with He-uniform initial weights drawn from seed and
// zero biases.
func NewMLP(seed uint64) *MLP {
	n := mlpIn*mlpHidden + mlpHidden + mlpHidden*mlpOut + mlpOut
	m := &MLP{P: make([]float32, n)}
	m.views()
	r := newRNG(seed)
	heUniform(r, m.W1, mlpIn)
	heUniform(r, m.W2, mlpHidden)
	return m
}

func (m *MLP) views() {
	p := m.P
	m.W1, p = p[:mlpIn*mlpHidden], p[mlpIn*mlpHidden:]
	m.B1, p = p[:mlpHidden], p[mlpHidden:]
	m.W2, p = p[:mlpHidden*mlpOut], p[mlpHidden*mlpOut:]
	m.B2 = p[:mlpOut]
}

func (m *MLP) params() []float32 { return m.P }

func (m *MLP) newWork() work {
	return &mlpWork{m: m, x: make([]float32, mlpIn), h: make([]float32, mlpHidden),
		o: make([]float32, mlpOut), dh: make([]float32, mlpHidden), do: make([]float32, mlpOut)}
}

type mlpWork struct {
	m       *MLP
	x, h, o []float32
	dh, do  []float32
	nz      []int // indices of non-zero input pixels
}

func (w *mlpWork) forward(img []byte) {
	m := w.m
	w.nz = w.nz[:0]
	for i, p := range img {
		w.x[i] = pixel(p)
		if p != 0 {
			w.nz = append(w.nz, i)
		}
	}
	copy(w.h, m.B1)
	for _, i := range w.nz {
		xi := w.x[i]
		axpy(w.h, m.W1[i*mlpHidden:(i+1)*mlpHidden], xi)
	}
	relu(w.h)
	copy(w.o, m.B2)
	for j, hj := range w.h {
		if hj != 0 {
			axpy(w.o, m.W2[j*mlpOut:(j+1)*mlpOut], hj)
		}
	}
}

func (w *mlpWork) logits(img []byte) []float32 {
	w.forward(img)
	return w.o
}

func (w *mlpWork) activations(img []byte) [][]float32 {
	w.forward(img)
	return [][]float32{w.h, w.o}
}

func (w *mlpWork) learn(img []byte, label int, g []float32) float64 {
	w.forward(img)
	loss := softmaxGrad(w.o, label, w.do)
	m := w.m
	gW1, gB1, gW2, gB2 := mlpViews(g)
	for j, hj := range w.h {
		if hj != 0 {
			axpy(gW2[j*mlpOut:(j+1)*mlpOut], w.do, hj)
		}
	}
	add(gB2, w.do)
	for j := range w.dh {
		if w.h[j] > 0 {
			w.dh[j] = dot(m.W2[j*mlpOut:(j+1)*mlpOut], w.do)
		} else {
			w.dh[j] = 0
		}
	}
	for _, i := range w.nz {
		axpy(gW1[i*mlpHidden:(i+1)*mlpHidden], w.dh, w.x[i])
	}
	add(gB1, w.dh)
	return loss
}

func mlpViews(p []float32) (w1, b1, w2, b2 []float32) {
	m := MLP{P: p}
	m.views()
	return m.W1, m.B1, m.W2, m.B2
}
