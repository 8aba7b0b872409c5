package train

import "github.com/prova-network/prova/internal/mnist"

// CNN sizes: conv 5×5 1→8 (ReLU) → maxpool 2 → conv 5×5 8→16 (ReLU) →
// maxpool 2 → dense 256→10. No padding: 28 → 24 → 12 → 8 → 4.
const (
	cnnK   = 5
	cnnKK  = cnnK * cnnK
	cnnC1  = 8
	cnnC2  = 16
	cnnH0  = mnist.Rows            // 28
	cnnH1  = cnnH0 - 4             // 24, conv1 output
	cnnP1  = cnnH1 / 2             // 12, pool1 output
	cnnH2  = cnnP1 - 4             // 8, conv2 output
	cnnP2  = cnnH2 / 2             // 4, pool2 output
	cnnFl  = cnnC2 * cnnP2 * cnnP2 // 256
	cnnOut = 10
)

// CNN is the float convolutional network. Convolution weights are laid out
// as ONNX Conv's [out channels][in channels][kh][kw]; the dense weights are
// input-major (ONNX Gemm's B without transposition), inputs in the order
// ONNX Flatten gives an NCHW tensor (channel, row, column).
type CNN struct {
	P []float32 // all parameters: W1, b1, W2, b2, W3, b3

	W1, B1, W2, B2, W3, B3 []float32 // views into P
}

// NewCNN returns a CNN with He-uniform initial weights drawn from seed and
// zero biases.
func NewCNN(seed uint64) *CNN {
	n := cnnC1*cnnKK + cnnC1 + cnnC2*cnnC1*cnnKK + cnnC2 + cnnFl*cnnOut + cnnOut
	m := &CNN{P: make([]float32, n)}
	m.views()
	r := newRNG(seed)
	heUniform(r, m.W1, cnnKK)
	heUniform(r, m.W2, cnnC1*cnnKK)
	heUniform(r, m.W3, cnnFl)
	return m
}

func (m *CNN) views() {
	m.W1, m.B1, m.W2, m.B2, m.W3, m.B3 = cnnViews(m.P)
}

func cnnViews(p []float32) (w1, b1, w2, b2, w3, b3 []float32) {
	take := func(n int) []float32 {
		s := p[:n:n]
		p = p[n:]
		return s
	}
	w1 = take(cnnC1 * cnnKK)
	b1 = take(cnnC1)
	w2 = take(cnnC2 * cnnC1 * cnnKK)
	b2 = take(cnnC2)
	w3 = take(cnnFl * cnnOut)
	b3 = take(cnnOut)
	return
}

func (m *CNN) params() []float32 { return m.P }

func (m *CNN) newWork() work {
	f := func(n int) []float32 { return make([]float32, n) }
	return &cnnWork{m: m,
		x:     f(cnnH0 * cnnH0),
		cols1: f(cnnKK * cnnH1 * cnnH1), a1: f(cnnC1 * cnnH1 * cnnH1),
		p1: f(cnnC1 * cnnP1 * cnnP1), idx1: make([]int32, cnnC1*cnnP1*cnnP1),
		cols2: f(cnnC1 * cnnKK * cnnH2 * cnnH2), a2: f(cnnC2 * cnnH2 * cnnH2),
		p2: f(cnnFl), idx2: make([]int32, cnnFl), o: f(cnnOut),
		do: f(cnnOut), dp2: f(cnnFl), da2: f(cnnC2 * cnnH2 * cnnH2),
		dcols2: f(cnnC1 * cnnKK * cnnH2 * cnnH2), dp1: f(cnnC1 * cnnP1 * cnnP1),
		da1: f(cnnC1 * cnnH1 * cnnH1),
	}
}

type cnnWork struct {
	m *CNN

	x, cols1, a1, p1, cols2, a2, p2, o []float32
	idx1, idx2                         []int32
	do, dp2, da2, dcols2, dp1, da1     []float32
}

// im2col writes cols[(c·K+ky)·K+kx][oy·ho+ox] = in[c][oy+ky][ox+kx] for a
// C×h×h input and a ho×ho output (K×K kernel, stride 1, no padding).
func im2col(cols, in []float32, c, h, ho int) {
	p := ho * ho
	for ci := 0; ci < c; ci++ {
		for ky := 0; ky < cnnK; ky++ {
			for kx := 0; kx < cnnK; kx++ {
				row := cols[((ci*cnnK+ky)*cnnK+kx)*p:][:p]
				for oy := 0; oy < ho; oy++ {
					copy(row[oy*ho:(oy+1)*ho], in[ci*h*h+(oy+ky)*h+kx:][:ho])
				}
			}
		}
	}
}

// col2im is im2col's adjoint: it adds each column entry back into din.
func col2im(din, cols []float32, c, h, ho int) {
	p := ho * ho
	clear(din)
	for ci := 0; ci < c; ci++ {
		for ky := 0; ky < cnnK; ky++ {
			for kx := 0; kx < cnnK; kx++ {
				row := cols[((ci*cnnK+ky)*cnnK+kx)*p:][:p]
				for oy := 0; oy < ho; oy++ {
					add(din[ci*h*h+(oy+ky)*h+kx:][:ho], row[oy*ho:(oy+1)*ho])
				}
			}
		}
	}
}

// conv computes out[oc][p] = b[oc] + Σ_k w[oc][k]·cols[k][p].
func conv(out, w, b, cols []float32, oc, k, p int) {
	for o := 0; o < oc; o++ {
		row := out[o*p : (o+1)*p]
		for i := range row {
			row[i] = b[o]
		}
		for j := 0; j < k; j++ {
			if wv := w[o*k+j]; wv != 0 {
				axpy(row, cols[j*p:(j+1)*p], wv)
			}
		}
	}
}

// maxpool2 pools each c×h×h plane 2×2 with stride 2, recording the index of
// each maximum (the first, on ties) in idx.
func maxpool2(out []float32, idx []int32, in []float32, c, h int) {
	ho := h / 2
	for ci := 0; ci < c; ci++ {
		for py := 0; py < ho; py++ {
			for px := 0; px < ho; px++ {
				best := int32(ci*h*h + 2*py*h + 2*px)
				for _, d := range [3]int32{1, int32(h), int32(h) + 1} {
					if i := int32(ci*h*h+2*py*h+2*px) + d; in[i] > in[best] {
						best = i
					}
				}
				o := ci*ho*ho + py*ho + px
				out[o], idx[o] = in[best], best
			}
		}
	}
}

func (w *cnnWork) forward(img []byte) {
	m := w.m
	for i, p := range img {
		w.x[i] = pixel(p)
	}
	im2col(w.cols1, w.x, 1, cnnH0, cnnH1)
	conv(w.a1, m.W1, m.B1, w.cols1, cnnC1, cnnKK, cnnH1*cnnH1)
	relu(w.a1)
	maxpool2(w.p1, w.idx1, w.a1, cnnC1, cnnH1)
	im2col(w.cols2, w.p1, cnnC1, cnnP1, cnnH2)
	conv(w.a2, m.W2, m.B2, w.cols2, cnnC2, cnnC1*cnnKK, cnnH2*cnnH2)
	relu(w.a2)
	maxpool2(w.p2, w.idx2, w.a2, cnnC2, cnnH2)
	copy(w.o, m.B3)
	for i, v := range w.p2 {
		if v != 0 {
			axpy(w.o, m.W3[i*cnnOut:(i+1)*cnnOut], v)
		}
	}
}

func (w *cnnWork) logits(img []byte) []float32 {
	w.forward(img)
	return w.o
}

func (w *cnnWork) activations(img []byte) [][]float32 {
	w.forward(img)
	return [][]float32{w.a1, w.a2, w.o}
}

func (w *cnnWork) learn(img []byte, label int, g []float32) float64 {
	w.forward(img)
	m := w.m
	loss := softmaxGrad(w.o, label, w.do)
	gW1, gB1, gW2, gB2, gW3, gB3 := cnnViews(g)

	// Dense layer.
	for i, v := range w.p2 {
		if v != 0 {
			axpy(gW3[i*cnnOut:(i+1)*cnnOut], w.do, v)
		}
		w.dp2[i] = dot(m.W3[i*cnnOut:(i+1)*cnnOut], w.do)
	}
	add(gB3, w.do)

	// Pool 2 and ReLU 2.
	clear(w.da2)
	for i, j := range w.idx2 {
		if w.a2[j] > 0 {
			w.da2[j] = w.dp2[i]
		}
	}

	// Conv 2.
	const p2, k2 = cnnH2 * cnnH2, cnnC1 * cnnKK
	for o := 0; o < cnnC2; o++ {
		d := w.da2[o*p2 : (o+1)*p2]
		var sb float32
		for _, v := range d {
			sb += v
		}
		gB2[o] += sb
		for k := 0; k < k2; k++ {
			gW2[o*k2+k] += dot(d, w.cols2[k*p2:(k+1)*p2])
		}
	}
	clear(w.dcols2)
	for k := 0; k < k2; k++ {
		row := w.dcols2[k*p2 : (k+1)*p2]
		for o := 0; o < cnnC2; o++ {
			axpy(row, w.da2[o*p2:(o+1)*p2], m.W2[o*k2+k])
		}
	}
	col2im(w.dp1, w.dcols2, cnnC1, cnnP1, cnnH2)

	// Pool 1 and ReLU 1.
	clear(w.da1)
	for i, j := range w.idx1 {
		if w.a1[j] > 0 {
			w.da1[j] = w.dp1[i]
		}
	}

	// Conv 1.
	const p1 = cnnH1 * cnnH1
	for o := 0; o < cnnC1; o++ {
		d := w.da1[o*p1 : (o+1)*p1]
		var sb float32
		for _, v := range d {
			sb += v
		}
		gB1[o] += sb
		for k := 0; k < cnnKK; k++ {
			gW1[o*cnnKK+k] += dot(d, w.cols1[k*p1:(k+1)*p1])
		}
	}
	return loss
}
