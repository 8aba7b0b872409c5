package train

import (
	"fmt"
	"math"
	"reflect"

	"github.com/prova-network/prova/internal/mnist"
)

// Layer kinds of a quantized model.
const (
	Dense = "dense" // Gemm: x[1,In] · W[In,Out] + b
	Conv  = "conv"  // Conv 5×5, stride 1, no padding: x[1,In,H,H] → [1,Out,H−4,H−4]
)

// QLayer is one quantized layer: an int8 weight tensor with one scale
// (symmetric, per tensor), an int32 bias whose scale is exactly the product
// of the input and weight scales (zero point 0), an optional ReLU, the
// uint8 output quantization and, for convolutions, an optional 2×2 max-pool
// applied to the quantized output.
type QLayer struct {
	Name     string
	Kind     string // Dense or Conv
	In, Out  int    // input and output features (channels for Conv)
	H        int    // Conv: input height = width
	W        []int8 // Dense: [In][Out]; Conv: [Out][In][5][5]
	WScale   float32
	B        []int32
	BScale   float32
	Relu     bool
	Pool     bool // Conv: 2×2 max-pool, stride 2, after quantizing
	OutScale float32
	OutZero  uint8
}

// QModel is a statically quantized model. The input is float (pixel/255),
// quantized to uint8 with InScale and InZero; each layer's input scale is
// the previous layer's output scale. A Dense layer after a Conv layer reads
// the flattened (channel, row, column) output.
type QModel struct {
	Arch    string // "mlp" or "cnn"
	InScale float32
	InZero  uint8
	Layers  []QLayer
}

// Mantissa widths of the scales: a weight scale has at most 8 significant
// bits and an activation scale at most 16, so the bias scale s_in·s_w is a
// float32 exactly (24 bits) and the int32 bias adds to the integer
// accumulator without rescaling.
const (
	weightScaleBits = 8
	actScaleBits    = 16
)

// scaleUp returns the smallest float32 ≥ s (s > 0, a normal float32) with at
// most bits significant bits.
func scaleUp(s float64, bits int) float32 {
	f, e := math.Frexp(s) // s = f·2^e, f in [0.5, 1)
	m := math.Ceil(math.Ldexp(f, bits))
	return float32(math.Ldexp(m, e-bits))
}

// calibration records the largest (and smallest) value of each quantized
// activation over a set of images.
type calibration struct {
	lo, hi []float64
}

func calibrate(m Model, set *mnist.Set, idx []int) calibration {
	w := m.newWork()
	var c calibration
	for n, i := range idx {
		acts := w.activations(set.Image(i))
		if n == 0 {
			c.lo = make([]float64, len(acts))
			c.hi = make([]float64, len(acts))
			for k := range acts {
				c.lo[k], c.hi[k] = math.Inf(1), math.Inf(-1)
			}
		}
		for k, a := range acts {
			for _, v := range a {
				c.lo[k] = min(c.lo[k], float64(v))
				c.hi[k] = max(c.hi[k], float64(v))
			}
		}
	}
	return c
}

// quantWeights quantizes w symmetrically to int8 in [−127, 127] with one
// scale (max |w| / 127, rounded up to weightScaleBits bits).
func quantWeights(w []float32) ([]int8, float32) {
	var amax float64
	for _, v := range w {
		amax = max(amax, math.Abs(float64(v)))
	}
	if amax == 0 {
		amax = 1
	}
	s := scaleUp(amax/127, weightScaleBits)
	q := make([]int8, len(w))
	for i, v := range w {
		q[i] = int8(max(-127, min(127, math.RoundToEven(float64(v)/float64(s)))))
	}
	return q, s
}

// quantBias quantizes b to int32 with scale s.
func quantBias(b []float32, s float32) ([]int32, error) {
	q := make([]int32, len(b))
	for i, v := range b {
		r := math.RoundToEven(float64(v) / float64(s))
		if math.Abs(r) > math.MaxInt32/4 {
			return nil, fmt.Errorf("train: bias %g at scale %g out of range", v, s)
		}
		q[i] = int32(r)
	}
	return q, nil
}

// actScale returns the uint8 quantization of the range [lo, hi] widened to
// contain 0: scale (hi−lo)/255 rounded up to actScaleBits bits, zero point
// round(−lo/scale).
func actScale(lo, hi float64) (float32, uint8) {
	lo, hi = min(lo, 0), max(hi, 0)
	if hi-lo == 0 {
		hi = 1
	}
	s := scaleUp((hi-lo)/255, actScaleBits)
	z := math.RoundToEven(-lo / float64(s))
	return s, uint8(max(0, min(255, z)))
}

// biasScale returns s_in·s_w, which must be exact in float32.
func biasScale(in, w float32) (float32, error) {
	p := float64(in) * float64(w)
	if float64(float32(p)) != p {
		return 0, fmt.Errorf("train: bias scale %g·%g is not exact in float32", in, w)
	}
	return float32(p), nil
}

// InputScale is the scale of the quantized input: 1/255 rounded up to
// actScaleBits bits, so every pixel p/255 quantizes back to p (zero point 0).
var InputScale = scaleUp(1.0/255, actScaleBits)

// CalibrationIndices returns n indices of training images, drawn from a
// fixed seed, for calibration.
func CalibrationIndices(set *mnist.Set, n int) []int {
	p := newRNG(0xca11b).perm(set.Len())
	return p[:min(n, len(p))]
}

// Quantize makes the int8 model of m, calibrating the activation ranges on
// the images idx of set.
func Quantize(m Model, set *mnist.Set, idx []int) (*QModel, error) {
	c := calibrate(m, set, idx)
	q := &QModel{InScale: InputScale}
	in := q.InScale
	layer := func(name, kind string, nin, nout, h int, w, b []float32, relu, pool bool, k int) error {
		l := QLayer{Name: name, Kind: kind, In: nin, Out: nout, H: h, Relu: relu, Pool: pool}
		l.W, l.WScale = quantWeights(w)
		var err error
		if l.BScale, err = biasScale(in, l.WScale); err != nil {
			return err
		}
		if l.B, err = quantBias(b, l.BScale); err != nil {
			return err
		}
		l.OutScale, l.OutZero = actScale(c.lo[k], c.hi[k])
		q.Layers = append(q.Layers, l)
		in = l.OutScale
		return nil
	}
	var err error
	switch m := m.(type) {
	case *MLP:
		q.Arch = "mlp"
		err = layer("fc1", Dense, mlpIn, mlpHidden, 0, m.W1, m.B1, true, false, 0)
		if err == nil {
			err = layer("fc2", Dense, mlpHidden, mlpOut, 0, m.W2, m.B2, false, false, 1)
		}
	case *CNN:
		q.Arch = "cnn"
		err = layer("conv1", Conv, 1, cnnC1, cnnH0, m.W1, m.B1, true, true, 0)
		if err == nil {
			err = layer("conv2", Conv, cnnC1, cnnC2, cnnP1, m.W2, m.B2, true, true, 1)
		}
		if err == nil {
			err = layer("fc", Dense, cnnFl, cnnOut, 0, m.W3, m.B3, false, false, 2)
		}
	default:
		err = fmt.Errorf("train: cannot quantize %T", m)
	}
	if err != nil {
		return nil, err
	}
	return q, q.Check()
}

// Check verifies the model's shapes and the exactness of its bias scales.
func (q *QModel) Check() error {
	in := q.InScale
	feat := mnist.Pixels // features of the current activation
	for i, l := range q.Layers {
		var nw, nin int
		switch l.Kind {
		case Dense:
			nw, nin = l.In*l.Out, l.In
		case Conv:
			if l.H < cnnK {
				return fmt.Errorf("train: layer %s: input %d×%d smaller than the kernel", l.Name, l.H, l.H)
			}
			nw, nin = l.Out*l.In*cnnKK, l.In*l.H*l.H
		default:
			return fmt.Errorf("train: layer %s: unknown kind %q", l.Name, l.Kind)
		}
		if nin != feat {
			return fmt.Errorf("train: layer %d (%s) reads %d values, the previous layer gives %d", i, l.Name, nin, feat)
		}
		if len(l.W) != nw || len(l.B) != l.Out {
			return fmt.Errorf("train: layer %s: %d weights and %d biases, want %d and %d", l.Name, len(l.W), len(l.B), nw, l.Out)
		}
		if l.Pool && (l.Kind != Conv || (l.H-cnnK+1)%2 != 0) {
			return fmt.Errorf("train: layer %s: max-pool needs an even convolution output", l.Name)
		}
		if !(l.WScale > 0 && l.OutScale > 0) {
			return fmt.Errorf("train: layer %s: scales must be positive", l.Name)
		}
		if bs, err := biasScale(in, l.WScale); err != nil || bs != l.BScale {
			return fmt.Errorf("train: layer %s: bias scale %g is not input scale × weight scale (%g·%g)", l.Name, l.BScale, in, l.WScale)
		}
		feat = l.Out
		if l.Kind == Conv {
			o := l.H - cnnK + 1
			if l.Pool {
				o /= 2
			}
			feat = l.Out * o * o
		}
		in = l.OutScale
	}
	if feat != 10 {
		return fmt.Errorf("train: the model gives %d outputs, not 10", feat)
	}
	return nil
}

// SameQModel reports how a differs from b, or nil if they are identical.
func SameQModel(a, b *QModel) error {
	if a.Arch != b.Arch || a.InScale != b.InScale || a.InZero != b.InZero || len(a.Layers) != len(b.Layers) {
		return fmt.Errorf("train: models differ: %s/%g/%d/%d layers vs %s/%g/%d/%d layers",
			a.Arch, a.InScale, a.InZero, len(a.Layers), b.Arch, b.InScale, b.InZero, len(b.Layers))
	}
	for i := range a.Layers {
		if !reflect.DeepEqual(a.Layers[i], b.Layers[i]) {
			return fmt.Errorf("train: layer %d (%s) differs", i, a.Layers[i].Name)
		}
	}
	return nil
}
