package onnxint

// poolKernel is MaxPool and AveragePool over 8-bit integers (1 or 2
// spatial dims). MaxPool takes the largest element of each window (pads
// never win). AveragePool on integers is the exact mean rounded half to
// even (ONNX defines AveragePool for floats only; this is the float op on
// the integer values, rounded once); in the QDQ pattern it is
// round(sx·Σ(x−zx) / (count·sy)) + zy. count is the number of input
// elements in the window, or with count_include_pad the window positions
// inside the padded input.
type poolKernel struct {
	x       operand
	max     bool
	inclPad bool
	win     win
	n, c    int
	outDims []int64
	post    *emap // QDQ MaxPool's requantization
	quant   bool  // QDQ AveragePool
	qx, qy  qparam
	act     act
	outType DType
}

type poolState struct {
	post *emapState
	zx   int64
	p    uint64 // the mean's numerator coefficient
	d    uint64
	k    uint
	r    rq
}

// poolGeometry reads a MaxPool or AveragePool node over x.
func poolGeometry(b *nb, g *gnode, x operand) (*poolKernel, error) {
	isMax := g.op() == "MaxPool"
	allowed := []string{"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides"}
	if isMax {
		allowed = append(allowed, "storage_order")
	} else {
		allowed = append(allowed, "count_include_pad")
	}
	if err := checkAttrs(g, allowed...); err != nil {
		return nil, err
	}
	if err := b.checkOutputs(g, 1); err != nil {
		return nil, err
	}
	if x.isWeight() {
		return nil, b.errf("input %q must be computed, not an initializer", x.name)
	}
	ks, ok, err := g.attrInts("kernel_shape")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, b.errf("kernel_shape is required")
	}
	ceil, err := g.attrInt("ceil_mode", 0)
	if err != nil {
		return nil, err
	}
	cip, err := g.attrInt("count_include_pad", 0)
	if err != nil {
		return nil, err
	}
	w, err := winGeom(g, x.dims, ks, ceil != 0, true)
	if err != nil {
		return nil, err
	}
	k := &poolKernel{x: x, max: isMax, inclPad: cip != 0, win: w, n: int(x.dims[0]), c: int(x.dims[1]), outType: x.typ}
	k.outDims = w.outDims(x.dims[0], x.dims[1])
	return k, nil
}

func buildIntPool(l *loader, gn *gnode) error {
	b := l.newNode(gn, gn.op())
	x, err := b.opnd(gn.in(0))
	if err != nil {
		return err
	}
	if x.typ == Float {
		return gn.errf("unsupported op %s on FLOAT (float computation outside a QDQ pattern)", gn.op())
	}
	if !is8(x.typ) {
		return b.errf("input is %v, want INT8 or UINT8", x.typ)
	}
	k, err := poolGeometry(b, gn, x)
	if err != nil {
		return err
	}
	return b.finish(gn.p.Output[0], x.typ, k.outDims, k, elemUnit(k.outDims))
}

func buildQDQAvgPool(b *nb, p *pattern, a act) error {
	x, qx, err := b.dqInput(p.coreDQ[0])
	if err != nil {
		return err
	}
	if !is8(x.typ) {
		return b.errf("quantized input is %v, want INT8 or UINT8", x.typ)
	}
	if err := b.perTensor(qx, "the input"); err != nil {
		return err
	}
	k, err := poolGeometry(b, p.core, x)
	if err != nil {
		return err
	}
	k.quant, k.qx, k.act = true, qx, a
	if k.qy, err = b.qOutput(p.q, k.outDims); err != nil {
		return err
	}
	if err := b.perTensor(k.qy, "the output"); err != nil {
		return err
	}
	k.outType = k.qy.typ
	return b.finish(p.q.p.Output[0], k.outType, k.outDims, k, elemUnit(k.outDims))
}

func (k *poolKernel) prepare(w []*Tensor) (any, error) {
	s := &poolState{}
	if k.post != nil {
		ps, err := k.post.prepare(w)
		if err != nil {
			return nil, err
		}
		s.post = ps
	}
	if k.quant {
		qx, err := k.qx.load(w)
		if err != nil {
			return nil, err
		}
		qy, err := k.qy.load(w)
		if err != nil {
			return nil, err
		}
		sx, zx := qx.at(0)
		sy, zy := qy.at(0)
		l, err := newLin([]dy{dyOf(sx)}, dyOf(sy))
		if err != nil {
			return nil, err
		}
		// The divisor D·count must fit: count ≤ the window size.
		if l.d > maxCoef/uint64(k.win.k[0]*k.win.k[1]) {
			return nil, errRatio
		}
		lo, hi, err := k.act.bounds(w, sy, zy)
		if err != nil {
			return nil, err
		}
		tlo, thi := typeRange(k.outType)
		s.zx, s.p, s.d, s.k = zx, l.p[0], l.d, l.k
		s.r = rq{z: zy, lo: lo, hi: hi, tlo: int64(tlo), thi: int64(thi)}
		s.r.seal()
	}
	return s, nil
}

func (k *poolKernel) exec(st any, in []*Tensor, c0, c1 int64, out *Tensor) {
	s := st.(*poolState)
	xt := in[k.x.in]
	wn := &k.win
	ih, iw := wn.in[0], wn.in[1]
	plane := ih * iw
	P := wn.positions()
	dst := out
	post := s.post
	if post != nil && post.ident {
		post = nil
	}
	if post != nil {
		bp := getI32(out.Len())
		defer putI32(bp)
		dst = &Tensor{Type: k.x.typ, Dims: out.Dims, I: *bp}
	}
	w := int(c1 - c0)
	if k.max && wn.d[0] == 1 && wn.d[1] == 1 {
		k.maxFast(xt.I, dst.I, c0, c1)
		if post != nil {
			post.apply(dst, out, out.Dims, c0)
		}
		return
	}
	for n := 0; n < k.n; n++ {
		for c := int(c0); c < int(c1); c++ {
			base := (n*k.c + c) * plane
			ob := (n*w + c - int(c0)) * P
			for p := 0; p < P; p++ {
				oy, ox := p/wn.out[1], p%wn.out[1]
				var best, sum int64
				first := true
				cnt, padCnt := int64(0), int64(0)
				for ki := 0; ki < wn.k[0]; ki++ {
					y := oy*wn.s[0] - wn.pb[0] + ki*wn.d[0]
					yIn := y >= 0 && y < ih
					yPad := y < ih+padEnd(wn, 0)
					for kj := 0; kj < wn.k[1]; kj++ {
						x := ox*wn.s[1] - wn.pb[1] + kj*wn.d[1]
						if yPad && x < iw+padEnd(wn, 1) {
							padCnt++
						}
						if !yIn || x < 0 || x >= iw {
							continue
						}
						v := int64(xt.I[base+y*iw+x])
						cnt++
						sum += v
						if first || v > best {
							best, first = v, false
						}
					}
				}
				var r int64
				switch {
				case k.max:
					r = best
				case k.quant:
					div := cnt
					if k.inclPad {
						div = padCnt
					}
					num := mulI128(sum-cnt*s.zx, s.p)
					dst.I[ob+p] = s.r.finish(roundDivSigned(num, s.d*uint64(div), s.k))
					continue
				default:
					div := cnt
					if k.inclPad {
						div = padCnt
					}
					r = roundDivSigned(i128From(sum), uint64(div), 0)
				}
				dst.I[ob+p] = int32(r)
			}
		}
	}
	if post != nil {
		post.apply(dst, out, out.Dims, c0)
	}
}

// padEnd is the trailing pad of spatial dim i: the padded input spans
// −pb .. in+pe, and count_include_pad counts window positions inside it
// (not those past it that ceil_mode adds).
func padEnd(w *win, i int) int { return w.pe[i] }

// maxFast is MaxPool without dilation: each window is the rectangle of
// input rows and columns it covers, clipped to the input.
func (k *poolKernel) maxFast(x, dst []int32, c0, c1 int64) {
	wn := &k.win
	ih, iw := wn.in[0], wn.in[1]
	plane := ih * iw
	oh, ow := wn.out[0], wn.out[1]
	w := int(c1 - c0)
	inside := wn.pb[0] == 0 && wn.pb[1] == 0 && (oh-1)*wn.s[0]+wn.k[0] <= ih && (ow-1)*wn.s[1]+wn.k[1] <= iw
	for n := 0; n < k.n; n++ {
		for c := int(c0); c < int(c1); c++ {
			src := x[(n*k.c+c)*plane : (n*k.c+c+1)*plane]
			o := dst[(n*w+c-int(c0))*oh*ow:]
			if inside && wn.k[0] == 2 && wn.k[1] == 2 {
				// The common 2×2 window, all inside the input.
				for oy := 0; oy < oh; oy++ {
					r0 := src[oy*wn.s[0]*iw:]
					r1 := r0[iw:]
					or := o[oy*ow : oy*ow+ow]
					for ox := range or {
						j := ox * wn.s[1]
						or[ox] = max(max(r0[j], r0[j+1]), max(r1[j], r1[j+1]))
					}
				}
				continue
			}
			for oy := 0; oy < oh; oy++ {
				y0 := oy*wn.s[0] - wn.pb[0]
				y1 := min(y0+wn.k[0], ih)
				y0 = max(y0, 0)
				for ox := 0; ox < ow; ox++ {
					x0 := ox*wn.s[1] - wn.pb[1]
					x1 := min(x0+wn.k[1], iw)
					x0 = max(x0, 0)
					best := int32(-1 << 31)
					for y := y0; y < y1; y++ {
						for _, v := range src[y*iw+x0 : y*iw+x1] {
							best = max(best, v)
						}
					}
					o[oy*ow+ox] = best
				}
			}
		}
	}
}
