package train

import "math"

// The arithmetic below writes float32(a*b) + c where a fused multiply-add
// would otherwise be allowed: the explicit conversion rounds the product
// (Go spec, "Floating-point operators"), so results do not depend on whether
// the compiler fuses.

// pixel is the models' input convention: a pixel byte p becomes p/255 in
// float32 (one correctly rounded division).
func pixel(p byte) float32 { return float32(p) / 255 }

// axpy adds a·x to y.
func axpy(y, x []float32, a float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += float32(a * x[i])
	}
}

// dot returns Σ x[i]·y[i], summed in order.
func dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	for i := range x {
		s += float32(x[i] * y[i])
	}
	return s
}

// add adds x to y.
func add(y, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += x[i]
	}
}

func relu(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

// softmaxGrad writes the gradient of the cross-entropy loss of logits o
// against label into d (softmax(o) − onehot) and returns the loss.
func softmaxGrad(o []float32, label int, d []float32) float64 {
	mx := o[0]
	for _, v := range o {
		mx = max(mx, v)
	}
	var sum float64
	for i, v := range o {
		e := math.Exp(float64(v - mx))
		d[i] = float32(e)
		sum += e
	}
	for i := range d {
		d[i] = float32(float64(d[i]) / sum)
	}
	loss := -(float64(o[label]-mx) - math.Log(sum))
	d[label] -= 1
	return loss
}

// heUniform fills w with uniform values in ±sqrt(6/fanIn).
func heUniform(r *rng, w []float32, fanIn int) {
	a := float32(math.Sqrt(6 / float64(fanIn)))
	for i := range w {
		w[i] = r.uniform(a)
	}
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}
