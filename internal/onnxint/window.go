package onnxint

import "fmt"

// win is the geometry of a convolution or pooling window over the spatial
// dims of an [N, C, spatial...] tensor. One spatial dim is handled as two
// with a leading height of 1.
type win struct {
	nsp                      int // spatial dims as given: 1 or 2
	in, k, s, d, pb, pe, out [2]int
}

// positions is the number of output positions per channel.
func (w *win) positions() int { return w.out[0] * w.out[1] }

// winGeom reads the window attributes of g for input dims x (rank 3 or 4)
// and kernel spatial dims kern. ceil is pooling's ceil_mode; pools refuse
// pads as large as the window (a window could then see no input).
func winGeom(g *gnode, x []int64, kern []int64, ceil, pool bool) (win, error) {
	var w win
	nsp := len(x) - 2
	if nsp < 1 || nsp > 2 {
		return w, g.errf("%s: input of shape %v: only 1 or 2 spatial dims are supported", g.op(), x)
	}
	if len(kern) != nsp {
		return w, g.errf("%s: kernel shape %v does not match input %v", g.op(), kern, x)
	}
	w.nsp = nsp
	get := func(name string, n int, def int64) ([]int64, error) {
		v, ok, err := g.attrInts(name)
		if err != nil {
			return nil, err
		}
		if !ok {
			out := make([]int64, n)
			for i := range out {
				out[i] = def
			}
			return out, nil
		}
		if len(v) != n {
			return nil, g.errf("%s: attribute %s has %d values, want %d", g.op(), name, len(v), n)
		}
		return v, nil
	}
	strides, err := get("strides", nsp, 1)
	if err != nil {
		return w, err
	}
	dil, err := get("dilations", nsp, 1)
	if err != nil {
		return w, err
	}
	pads, err := get("pads", 2*nsp, 0)
	if err != nil {
		return w, err
	}
	autoPad, err := g.attrString("auto_pad", "NOTSET")
	if err != nil {
		return w, err
	}
	const big = 1 << 24
	off := 2 - nsp
	for i := 0; i < 2; i++ {
		w.in[i], w.k[i], w.s[i], w.d[i], w.out[i] = 1, 1, 1, 1, 1
	}
	for i := 0; i < nsp; i++ {
		in, k, s, d := x[2+i], kern[i], strides[i], dil[i]
		pb, pe := pads[i], pads[nsp+i]
		if in < 1 || in > big || k < 1 || k > big || s < 1 || s > big || d < 1 || d > big || pb < 0 || pb > big || pe < 0 || pe > big {
			return w, g.errf("%s: window (input %d, kernel %d, stride %d, dilation %d, pads %d,%d) out of range", g.op(), in, k, s, d, pb, pe)
		}
		ek := (k-1)*d + 1 // the window's extent
		var out int64
		switch autoPad {
		case "NOTSET", "":
		case "VALID":
			pb, pe = 0, 0
		case "SAME_UPPER", "SAME_LOWER":
			out = (in + s - 1) / s
			total := (out-1)*s + ek - in
			if total < 0 {
				total = 0
			}
			pb, pe = total/2, total-total/2
			if autoPad == "SAME_LOWER" {
				pb, pe = pe, pb
			}
		default:
			return w, g.errf("%s: auto_pad %q is not supported", g.op(), autoPad)
		}
		if out == 0 {
			span := in + pb + pe - ek
			if span < 0 {
				return w, g.errf("%s: window of extent %d does not fit input %d with pads %d,%d", g.op(), ek, in, pb, pe)
			}
			out = span/s + 1
			if ceil && span%s != 0 {
				out++
				// The last window must start inside the input or the
				// leading pad (ONNX: windows starting in the trailing
				// pad are dropped).
				if (out-1)*s >= in+pb {
					out--
				}
			}
		}
		if pool && (pb >= ek || pe >= ek) {
			return w, g.errf("%s: pads %d,%d not smaller than the window extent %d", g.op(), pb, pe, ek)
		}
		if pool {
			// With dilation a window can fall between the input's elements.
			if out*k > 1<<26 {
				return w, g.errf("%s: window too large", g.op())
			}
			for o := int64(0); o < out; o++ {
				if !seesInput(o, in, k, s, d, pb) {
					return w, g.errf("%s: pooling window %d sees no input element", g.op(), o)
				}
			}
		}
		j := off + i
		w.in[j], w.k[j], w.s[j], w.d[j], w.pb[j], w.pe[j], w.out[j] = int(in), int(k), int(s), int(d), int(pb), int(pe), int(out)
	}
	if int64(w.out[0])*int64(w.out[1]) > big {
		return w, g.errf("%s: output too large", g.op())
	}
	return w, nil
}

// outDims is the output shape [N, c, out spatial...].
func (w *win) outDims(n, c int64) []int64 {
	d := []int64{n, c}
	for i := 2 - w.nsp; i < 2; i++ {
		d = append(d, int64(w.out[i]))
	}
	return d
}

func (w win) String() string { return fmt.Sprintf("%+v", [6][2]int{w.in, w.k, w.s, w.d, w.pb, w.out}) }

// seesInput reports whether output position o's window (kernel k, stride
// s, dilation d, leading pad pb) covers an element of an input of length
// in.
func seesInput(o, in, k, s, d, pb int64) bool {
	for i := int64(0); i < k; i++ {
		if y := o*s - pb + i*d; y >= 0 && y < in {
			return true
		}
	}
	return false
}
