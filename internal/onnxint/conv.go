package onnxint

import "fmt"

// convKernel is a grouped 1-D or 2-D convolution over 8-bit integers:
// ConvInteger (exact int32 result modulo 2^32), QLinearConv and the QDQ
// Conv pattern (requantized, with optional bias and activation). It
// computes im2col patches and multiplies them with the packed filters of
// the output channels asked for.
type convKernel struct {
	x, w    operand
	n, c, m int // batch, input channels, output channels
	group   int
	cg, mg  int // channels per group
	kg      int // patch length cg·kh·kw
	win     win
	outDims []int64

	zxSlot, zwSlot int // ConvInteger zero points (−1 absent)

	quant      bool
	qx, qw, qy qparam
	bias       operand // QLinearConv: int32 added to the accumulator; QDQ: dequantized
	qdqBias    bool
	qb         qparam
	act        act
	outType    DType
}

type convState struct {
	filt []*packed // per group: [kg][mg]; nil when the filter is computed
	zx   int64
	zw   []int64 // per output channel (len 1: all)
	bias []int64 // QLinearConv bias per output channel, or nil
	rq   []rq    // per output channel (len 1: all)
}

func (k *convKernel) unitCost() int64 {
	return int64(k.n) * int64(k.win.positions()) * int64(k.kg)
}

// geometry checks X and W and reads the window attributes.
func (k *convKernel) geometry(b *nb, g *gnode) error {
	xd, wd := k.x.dims, k.w.dims
	if len(xd) < 3 || len(wd) != len(xd) {
		return b.errf("input %v and filter %v: want [N,C,spatial] and [M,C/group,kernel] of the same rank", xd, wd)
	}
	grp, err := g.attrInt("group", 1)
	if err != nil {
		return err
	}
	if ks, ok, err := g.attrInts("kernel_shape"); err != nil {
		return err
	} else if ok && !equalDims(ks, wd[2:]) {
		return b.errf("kernel_shape %v does not match the filter %v", ks, wd)
	}
	if grp < 1 || xd[1]%grp != 0 || wd[0]%grp != 0 || wd[1]*grp != xd[1] {
		return b.errf("group %d does not fit input channels %d and filter %v", grp, xd[1], wd)
	}
	k.win, err = winGeom(g, xd, wd[2:], false, false)
	if err != nil {
		return err
	}
	k.n, k.c, k.m, k.group = int(xd[0]), int(xd[1]), int(wd[0]), int(grp)
	k.cg, k.mg = k.c/k.group, k.m/k.group
	k.kg = k.cg * k.win.k[0] * k.win.k[1]
	k.outDims = k.win.outDims(xd[0], wd[0])
	if _, err := numElements([]int64{int64(k.win.positions()), int64(k.kg)}, 1<<40); err != nil {
		return b.errf("%v", err)
	}
	return nil
}

func (k *convKernel) prepare(w []*Tensor) (any, error) {
	s := &convState{zw: []int64{0}}
	if k.w.isWeight() {
		s.filt = k.pack(w[k.w.w])
	}
	if !k.quant {
		if k.zxSlot >= 0 {
			s.zx = int64(w[k.zxSlot].I[0])
		}
		if k.zwSlot >= 0 {
			s.zw = int64s(w[k.zwSlot].I)
		}
		return s, nil
	}
	qx, err := k.qx.load(w)
	if err != nil {
		return nil, err
	}
	qw, err := k.qw.load(w)
	if err != nil {
		return nil, err
	}
	qy, err := k.qy.load(w)
	if err != nil {
		return nil, err
	}
	sx, zx := qx.at(0)
	sy, zy := qy.at(0)
	s.zx = zx
	s.zw = append([]int64{}, qw.z...)
	lo, hi, err := k.act.bounds(w, sy, zy)
	if err != nil {
		return nil, err
	}
	var qb qvals
	if k.bias.isWeight() {
		if k.qdqBias {
			if qb, err = k.qb.load(w); err != nil {
				return nil, err
			}
		} else {
			s.bias = int64s(w[k.bias.w].I)
		}
	}
	nrq := 1
	if len(qw.s) > 1 || k.qdqBias {
		nrq = k.m
	}
	s.rq = make([]rq, nrq)
	for m := range s.rq {
		sw, _ := qw.at(int64(m))
		var c int64
		var sc dy
		if k.qdqBias {
			sbf, zb := qb.at(int64(m))
			c, sc = int64(w[k.bias.w].I[m])-zb, dyOf(sbf)
		}
		r, err := rqFor(dyOf(sx).mul(dyOf(sw)), c, sc, sy, zy, k.outType, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("output channel %d: %w", m, err)
		}
		s.rq[m] = r
	}
	return s, nil
}

// pack packs each group's filters as a [kg][mg] matrix.
func (k *convKernel) pack(wt *Tensor) []*packed {
	per := k.mg * k.kg
	filt := make([]*packed, k.group)
	for g := range filt {
		filt[g] = packB(wt.I[g*per:(g+1)*per], k.kg, k.mg, 1, k.kg, k.x.typ, k.w.typ)
	}
	return filt
}

func int64s(v []int32) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// patchTile is how many patches im2col gathers at a time.
const patchTile = 64

func (k *convKernel) exec(st any, in []*Tensor, c0, c1 int64, out *Tensor) {
	s := st.(*convState)
	xt := in[k.x.in]
	filt := s.filt
	if filt == nil {
		filt = k.pack(in[k.w.in])
	}
	wn := &k.win
	P := wn.positions()
	simd := filt[0].q != nil
	kp := k.kg // row stride of the patch tile
	if simd {
		kp = filt[0].kp
	}
	var tile32 []int32
	var tile16 []int16
	if simd {
		tp := getI16(patchTile * kp)
		defer putI16(tp)
		tile16 = *tp
		clear(tile16) // the padding beyond kg stays zero
	} else {
		tp := getI32(patchTile * kp)
		defer putI32(tp)
		tile32 = *tp
	}
	ap := getI64(accLen(0, k.mg))
	defer putI64(ap)
	acc := *ap
	sp := getI64(patchTile)
	defer putI64(sp)
	sums := *sp
	zwAny := false
	for _, z := range s.zw {
		zwAny = zwAny || z != 0
	}
	// Per output channel: the zero-point and bias terms that do not depend
	// on the patch, its weight zero point and its requantization.
	cp := getI64(2 * k.m)
	defer putI64(cp)
	corr, zws := (*cp)[:k.m], (*cp)[k.m:]
	for m := 0; m < k.m; m++ {
		zw := s.zw[0]
		if len(s.zw) > 1 {
			zw = s.zw[m]
		}
		zws[m] = zw
		f := filt[m/k.mg]
		corr[m] = -s.zx*f.colSum[m%k.mg] + int64(k.kg)*s.zx*zw
		if s.bias != nil {
			corr[m] += s.bias[m]
		}
	}
	w := int(c1 - c0)
	var x16 []int16 // the input as int16, made on first use
	for n := 0; n < k.n; n++ {
		var xpad *[]int16 // batch n's padded input, made on first use
		var hp, wp int
		for g := 0; g < k.group; g++ {
			// Output channels of this group inside the chunk, local to the group.
			m0, m1 := max(int(c0)-g*k.mg, 0), min(int(c1)-g*k.mg, k.mg)
			if m0 >= m1 {
				continue
			}
			f := filt[g]
			if simd && kp <= simdBlock {
				if x16 == nil {
					xp := getI16(len(xt.I))
					defer putI16(xp)
					x16 = *xp
					for i, v := range xt.I {
						x16[i] = int16(v)
					}
				}
				if f.np <= pairsMax {
					if xpad == nil {
						xpad, hp, wp = k.padded(xt.I, n, s.zx)
						defer putI16(xpad)
					}
					k.tileT(s, f, *xpad, hp, wp, g, m0, m1, n*w-int(c0), zwAny, corr, zws, sums, out)
				} else {
					k.tileSIMD(s, f, x16, n, g, m0, m1, c0, w, zwAny, corr, zws, tile16, sums, out)
				}
				continue
			}
			me := f.base(m0)
			for p0 := 0; p0 < P; p0 += patchTile {
				p1 := min(p0+patchTile, P)
				for p := p0; p < p1; p++ {
					o := (p - p0) * kp
					if simd {
						sums[p-p0] = k.gather16(xt.I, n, g, p, s.zx, tile16[o:o+k.kg], zwAny)
					} else {
						sums[p-p0] = k.gather32(xt.I, n, g, p, s.zx, tile32[o:o+k.kg], zwAny)
					}
				}
				for p := p0; p < p1; p++ {
					clear(acc)
					o := (p - p0) * kp
					if simd {
						f.dotRow16(tile16[o:o+kp], me, m1, acc)
					} else {
						f.dotRow(tile32[o:o+k.kg], me, m1, acc)
					}
					rowSum := sums[p-p0]
					for m := m0; m < m1; m++ {
						mg := g*k.mg + m
						v := acc[m-me] - zws[mg]*rowSum + corr[mg]
						oi := (n*w+mg-int(c0))*P + p
						if !k.quant {
							out.I[oi] = int32(v) // the exact sum modulo 2^32
							continue
						}
						r := &s.rq[0]
						if len(s.rq) > 1 {
							r = &s.rq[mg]
						}
						if y, ok := r.quick(v); ok {
							out.I[oi] = y
						} else {
							out.I[oi] = r.applySlow(v)
						}
					}
				}
			}
		}
	}
}

// tileSIMD computes batch n, group g, group-local output channels
// [m0, m1) with the SIMD kernel, a tile of patches at a time: the int32
// sums of the whole tile first, then each channel's outputs in a row.
func (k *convKernel) tileSIMD(s *convState, f *packed, x []int16, n, g, m0, m1 int, c0 int64, w int, zwAny bool,
	corr, zws []int64, tile16 []int16, sums []int64, out *Tensor) {
	P := k.win.positions()
	kp := f.kp
	cb := m0 &^ 3
	stride := (m1 - cb + 7) &^ 7
	ap := getI32(patchTile * stride)
	defer putI32(ap)
	accs := *ap
	for p0 := 0; p0 < P; p0 += patchTile {
		p1 := min(p0+patchTile, P)
		for p := p0; p < p1; p++ {
			o := (p - p0) * kp
			sums[p-p0] = k.gatherX16(x, n, g, p, s.zx, tile16[o:o+k.kg], zwAny)
			f.dot16To32(tile16[o:o+kp], cb, m1, accs[(p-p0)*stride:(p-p0+1)*stride])
		}
		for m := m0; m < m1; m++ {
			mg := g*k.mg + m
			zw, cr := zws[mg], corr[mg]
			dst := out.I[(n*w+mg-int(c0))*P:][p0:p1]
			col := accs[m-cb:]
			if !k.quant {
				for i := range dst {
					dst[i] = int32(int64(col[i*stride]) - zw*sums[i] + cr)
				}
				continue
			}
			r := &s.rq[0]
			if len(s.rq) > 1 {
				r = &s.rq[mg]
			}
			r.row(dst, col, stride, zw, sums, cr)
		}
	}
}

// tileT computes batch n, group g, group-local output channels [m0, m1)
// with the transposed SIMD kernel: a tile of patches is laid out as
// int16 pairs by patch index, read straight from the padded input (no
// bounds checks), and convT8AVX2 forms the sums of 8 output channels for
// 8 patches at a time, with no horizontal additions.
func (k *convKernel) tileT(s *convState, f *packed, x []int16, hp, wp int, g, m0, m1 int, nOut int, zwAny bool,
	corr, zws []int64, sums []int64, out *Tensor) {
	wn := &k.win
	P := wn.positions()
	np := f.np
	// Offsets in the padded input of each patch element k = (c, ki, kj)
	// relative to the patch origin; an odd k count pads with a zero read
	// (offset −1 marks it).
	dp := getI32(2 * np)
	defer putI32(dp)
	d := *dp
	i := 0
	for c := 0; c < k.cg; c++ {
		for ki := 0; ki < wn.k[0]; ki++ {
			for kj := 0; kj < wn.k[1]; kj++ {
				d[i] = int32(((g*k.cg+c)*hp+ki*wn.d[0])*wp + kj*wn.d[1])
				i++
			}
		}
	}
	odd := i < 2*np
	if odd {
		d[i] = 0
	}
	xp := getI32(np * patchTile)
	defer putI32(xp)
	xt := *xp
	op := getI32(8 * patchTile)
	defer putI32(op)
	o32 := *op
	var org [patchTile]int32
	for p0 := 0; p0 < P; p0 += patchTile {
		p1 := min(p0+patchTile, P)
		cnt := p1 - p0
		pt := (cnt + 7) &^ 7
		for i := 0; i < cnt; i++ {
			oy, ox := (p0+i)/wn.out[1], (p0+i)%wn.out[1]
			org[i] = int32(oy*wn.s[0]*wp + ox*wn.s[1])
		}
		if wn.s[1] == 1 {
			// Patches of one output row are consecutive in the padded
			// input: pair whole row segments.
			for j := 0; j < np; j++ {
				d0, d1 := int(d[2*j]), int(d[2*j+1])
				row := xt[j*pt : j*pt+pt]
				i := 0
				for i < cnt {
					ox := (p0 + i) % wn.out[1]
					l := min(wn.out[1]-ox, cnt-i)
					o := int(org[i])
					dst := row[i : i+l]
					if odd && j == np-1 {
						for t, v := range x[o+d0 : o+d0+l] {
							dst[t] = int32(uint16(v))
						}
					} else {
						s0, s1 := x[o+d0:o+d0+l], x[o+d1:o+d1+l]
						t := 0
						if v := l &^ 15; v > 0 {
							pairs16AVX2(&dst[0], &s0[0], &s1[0], v)
							t = v
						}
						for ; t < l; t++ {
							dst[t] = int32(uint16(s0[t])) | int32(s1[t])<<16
						}
					}
					i += l
				}
				clear(row[cnt:])
			}
		} else {
			for j := 0; j < np; j++ {
				d0, d1 := d[2*j], d[2*j+1]
				row := xt[j*pt : j*pt+pt]
				if odd && j == np-1 {
					for i, o := range org[:cnt] {
						row[i] = int32(uint16(x[o+d0]))
					}
				} else {
					for i, o := range org[:cnt] {
						row[i] = int32(uint32(uint16(x[o+d0])) | uint32(uint16(x[o+d1]))<<16)
					}
				}
				clear(row[cnt:])
			}
		}
		if zwAny {
			for i := range sums[:cnt] {
				var t int64
				for j := 0; j < np; j++ {
					v := xt[j*pt+i]
					t += int64(int16(v)) + int64(int16(v>>16))
				}
				sums[i] = t
			}
		}
		for mb := m0 &^ 7; mb < m1; mb += 8 {
			convT8AVX2(&xt[0], &f.t[mb*np], np, pt, &o32[0])
			for m := max(m0, mb); m < min(m1, mb+8); m++ {
				mg := g*k.mg + m
				zw, cr := zws[mg], corr[mg]
				dst := out.I[(nOut+mg)*P:][p0:p1]
				col := o32[(m-mb)*pt:]
				if !k.quant {
					for i := range dst {
						dst[i] = int32(int64(col[i]) - zw*sums[i] + cr)
					}
					continue
				}
				r := &s.rq[0]
				if len(s.rq) > 1 {
					r = &s.rq[mg]
				}
				r.row(dst, col, 1, zw, sums, cr)
			}
		}
	}
}
