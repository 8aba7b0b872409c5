package onnxint

import "fmt"

// emap is an elementwise map, possibly with per-axis parameters:
//
//	mapClamp    integer Relu and Clip: clamp(x, lo, hi)
//	mapQuant    QuantizeLinear of FLOAT or INT32: saturate(round(x/s)+z)
//	mapDequant  DequantizeLinear to FLOAT: (x−z)·s rounded once
//	mapRequant  a DequantizeLinear → [Relu|Clip] → QuantizeLinear chain
//
// 8-bit inputs go through a 256-entry table per channel built at prepare.
type emap struct {
	kind       int
	in, out    DType
	axis       int   // channel axis of the mapped tensor, −1 for none
	nch        int64 // channels (1 when axis < 0)
	qin, qout  qparam
	act        act
	relu       bool
	cmin, cmax int // integer Clip bounds (weight slots, −1 none)
}

const (
	mapClamp = iota
	mapQuant
	mapDequant
	mapRequant
)

type emapState struct {
	e      *emap
	lut    []uint32 // nch·256 for 8-bit inputs
	qt     *qtable  // per-tensor QuantizeLinear of FLOAT
	ident  bool     // the map is the identity (same type, every entry x → x)
	lo, hi []int64  // mapClamp
	sx, sy []f32
	zx, zy []int64
	rq     []rq
}

func newEmap(kind int, in, out DType) *emap {
	return &emap{kind: kind, in: in, out: out, axis: -1, nch: 1, cmin: -1, cmax: -1, act: act{min: -1, max: -1}}
}

// setAxis takes the per-axis parameters' axis (both must agree).
func (e *emap) setAxis(b *nb, dims []int64, qs ...qparam) error {
	for _, q := range qs {
		if q.axis < 0 {
			continue
		}
		if e.axis >= 0 && e.axis != q.axis {
			return b.errf("per-axis parameters on different axes %d and %d", e.axis, q.axis)
		}
		e.axis, e.nch = q.axis, dims[q.axis]
	}
	return nil
}

func (e *emap) prepare(w []*Tensor) (*emapState, error) {
	s := &emapState{e: e}
	n := int(e.nch)
	switch e.kind {
	case mapClamp:
		tlo, thi := typeRange(e.in)
		lo, hi := int64(tlo), int64(thi)
		if e.relu {
			lo = max(lo, 0)
		}
		if e.cmin >= 0 {
			lo = int64(w[e.cmin].I[0])
		}
		if e.cmax >= 0 {
			hi = int64(w[e.cmax].I[0])
		}
		s.lo, s.hi = []int64{lo}, []int64{hi}
	case mapQuant, mapDequant, mapRequant:
		var qin, qout qvals
		var err error
		if e.kind != mapQuant {
			if qin, err = e.qin.load(w); err != nil {
				return nil, err
			}
		}
		if e.kind != mapDequant {
			if qout, err = e.qout.load(w); err != nil {
				return nil, err
			}
		}
		s.sx, s.zx, s.sy, s.zy = make([]f32, n), make([]int64, n), make([]f32, n), make([]int64, n)
		for c := 0; c < n; c++ {
			if e.kind != mapQuant {
				s.sx[c], s.zx[c] = qin.at(int64(c))
			}
			if e.kind != mapDequant {
				s.sy[c], s.zy[c] = qout.at(int64(c))
			}
		}
		if e.kind == mapRequant {
			s.rq = make([]rq, n)
			for c := range s.rq {
				lo, hi, err := e.act.bounds(w, s.sy[c], s.zy[c])
				if err != nil {
					return nil, err
				}
				if s.rq[c], err = rqFor(dyOf(s.sx[c]), 0, dy{}, s.sy[c], s.zy[c], e.out, lo, hi); err != nil {
					return nil, fmt.Errorf("requantization: %w", err)
				}
			}
		}
	}
	if e.kind == mapQuant && e.in == Float && n == 1 {
		lo, hi := typeRange(e.out)
		s.qt = newQtable(func(b uint32) int32 { return int32(s.fn(0, b)) }, lo, hi)
	}
	if is8(e.in) {
		tlo, _ := typeRange(e.in)
		s.lut = make([]uint32, n*256)
		for c := 0; c < n; c++ {
			for i := 0; i < 256; i++ {
				s.lut[c*256+i] = s.fn(c, uint32(int32(i)+tlo))
			}
		}
	}
	if s.lut != nil && e.in == e.out {
		tlo, _ := typeRange(e.in)
		s.ident = true
		for i, v := range s.lut {
			if int32(v) != int32(i%256)+tlo {
				s.ident = false
				break
			}
		}
	}
	return s, nil
}

// fn maps one element x (an integer, or FLOAT bits) of channel c.
func (s *emapState) fn(c int, x uint32) uint32 {
	e := s.e
	switch e.kind {
	case mapClamp:
		return uint32(int32(clamp64(int64(int32(x)), s.lo[0], s.hi[0])))
	case mapQuant:
		var q int64
		if e.in == Float {
			q = quantizeF32(x, s.sy[c])
		} else {
			q = quantizeInt(int64(int32(x)), s.sy[c])
		}
		lo, hi := typeRange(e.out)
		return uint32(int32(clamp64(clamp64(q, -1<<40, 1<<40)+s.zy[c], int64(lo), int64(hi))))
	case mapDequant:
		return dequantizeF32(int64(int32(x)), s.zx[c], s.sx[c])
	default: // mapRequant
		return uint32(s.rq[c].apply(int64(int32(x)) - s.zx[c]))
	}
}

// apply maps src into dst (same length; both chunk-shaped with dims, whose
// axis 1 starts at c0 of the full tensor).
func (s *emapState) apply(src, dst *Tensor, dims []int64, c0 int64) {
	e := s.e
	tlo, _ := typeRange(e.in)
	outF := dst.Type == Float
	if e.axis < 0 {
		switch {
		case s.lut != nil && !outF:
			lut := s.lut[:256]
			for i, x := range src.I {
				dst.I[i] = int32(lut[uint8(x-tlo)])
			}
		case s.lut != nil:
			lut := s.lut[:256]
			for i, x := range src.I {
				dst.F[i] = lut[uint8(x-tlo)]
			}
		case s.qt != nil:
			for i, x := range src.F {
				dst.I[i] = s.qt.quant(x)
			}
		case src.Type == Float && !outF:
			for i, x := range src.F {
				dst.I[i] = int32(s.fn(0, x))
			}
		case src.Type == Float:
			for i, x := range src.F {
				dst.F[i] = s.fn(0, x)
			}
		case outF:
			for i, x := range src.I {
				dst.F[i] = s.fn(0, uint32(x))
			}
		default:
			for i, x := range src.I {
				dst.I[i] = int32(s.fn(0, uint32(x)))
			}
		}
		return
	}
	// Per channel: the element's index along e.axis.
	inner := int64(1)
	for _, d := range dims[e.axis+1:] {
		inner *= d
	}
	cdim := dims[e.axis]
	var off int64
	if e.axis == 1 {
		off = c0
	}
	n := src.Len()
	for i := 0; i < n; i++ {
		c := int(int64(i)/inner%cdim + off)
		var x uint32
		if src.Type == Float {
			x = src.F[i]
		} else {
			x = uint32(src.I[i])
		}
		var v uint32
		if s.lut != nil {
			v = s.lut[c*256+int(uint8(int32(x)-tlo))]
		} else {
			v = s.fn(c, x)
		}
		if outF {
			dst.F[i] = v
		} else {
			dst.I[i] = int32(v)
		}
	}
}
