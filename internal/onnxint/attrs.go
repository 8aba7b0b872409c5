package onnxint

import (
	"fmt"
	"math"

	"github.com/prova-network/prova/internal/onnx/onnxpb"
)

func (g *gnode) attrInt(name string, def int64) (int64, error) {
	a, ok := g.attrs[name]
	if !ok {
		return def, nil
	}
	if a.Type != onnxpb.AttributeProto_INT && !(a.Type == onnxpb.AttributeProto_UNDEFINED && len(a.Ints) == 0) {
		return 0, g.errf("%s: attribute %q is not an int", g.op(), name)
	}
	return a.I, nil
}

func (g *gnode) attrInts(name string) ([]int64, bool, error) {
	a, ok := g.attrs[name]
	if !ok {
		return nil, false, nil
	}
	if a.Type != onnxpb.AttributeProto_INTS && a.Type != onnxpb.AttributeProto_UNDEFINED {
		return nil, false, g.errf("%s: attribute %q is not a list of ints", g.op(), name)
	}
	if len(a.Ints) > maxRank {
		return nil, false, g.errf("%s: attribute %q is too long", g.op(), name)
	}
	return a.Ints, true, nil
}

func (g *gnode) attrString(name, def string) (string, error) {
	a, ok := g.attrs[name]
	if !ok {
		return def, nil
	}
	if a.Type != onnxpb.AttributeProto_STRING && a.Type != onnxpb.AttributeProto_UNDEFINED {
		return "", g.errf("%s: attribute %q is not a string", g.op(), name)
	}
	return string(a.S), nil
}

// attrFloatBits returns a FLOAT attribute's bit pattern.
func (g *gnode) attrFloatBits(name string) (uint32, bool, error) {
	a, ok := g.attrs[name]
	if !ok {
		return 0, false, nil
	}
	if a.Type != onnxpb.AttributeProto_FLOAT && a.Type != onnxpb.AttributeProto_UNDEFINED {
		return 0, false, g.errf("%s: attribute %q is not a float", g.op(), name)
	}
	return math.Float32bits(a.F), true, nil // a bit pattern, not arithmetic
}

// normAxis maps axis in [-r, r-1] to [0, r).
func normAxis(axis int64, rank int) (int, error) {
	if axis < -int64(rank) || axis >= int64(rank) {
		return 0, fmt.Errorf("axis %d out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += int64(rank)
	}
	return int(axis), nil
}

// f32One is the bit pattern of 1.0.
const f32One = 0x3f800000

// qparam is a quantization parameter pair (scale, zero point) for a tensor
// of type typ and dims: per tensor (axis −1) or per axis.
type qparam struct {
	scale int // weight slot of the FLOAT scale
	zp    int // weight slot of the zero point, −1 when absent (0)
	typ   DType
	axis  int   // −1 per tensor
	n     int64 // number of entries: 1, or dims[axis]
}

// qparam resolves a scale and zero point given as initializers for a
// tensor of type typ (0: the zero point's type, uint8 when absent) and dims,
// with the ONNX axis attribute axisAttr.
func (b *nb) qparam(scaleName, zpName string, typ DType, dims []int64, axisAttr int64) (qparam, error) {
	if scaleName == "" {
		return qparam{}, b.errf("scale missing")
	}
	s, err := b.weight(scaleName, "scale")
	if err != nil {
		return qparam{}, err
	}
	if s.typ != Float {
		return qparam{}, b.errf("scale %q is %v, want FLOAT", scaleName, s.typ)
	}
	qp := qparam{scale: s.w, zp: -1, typ: typ, axis: -1, n: 1}
	sn, _ := numElements(s.dims, 1<<62)
	if len(s.dims) > 1 {
		return qparam{}, b.errf("scale %q has shape %v: blocked quantization is not supported", scaleName, s.dims)
	}
	if zpName != "" {
		z, err := b.weight(zpName, "zero point")
		if err != nil {
			return qparam{}, err
		}
		if !equalDims(z.dims, s.dims) {
			return qparam{}, b.errf("zero point %q has shape %v, scale %q %v", zpName, z.dims, scaleName, s.dims)
		}
		if qp.typ == 0 {
			qp.typ = z.typ
		}
		if z.typ != qp.typ {
			return qparam{}, b.errf("zero point %q is %v, want %v", zpName, z.typ, qp.typ)
		}
		qp.zp = z.w
	}
	if qp.typ == 0 {
		qp.typ = Uint8
	}
	switch qp.typ {
	case Int8, Uint8, Int32:
	default:
		return qparam{}, b.errf("quantized type %v is not supported", qp.typ)
	}
	if len(s.dims) == 1 && sn != 1 {
		ax, err := normAxis(axisAttr, len(dims))
		if err != nil {
			return qparam{}, b.errf("per-axis scale %q: %v", scaleName, err)
		}
		if dims[ax] != sn {
			return qparam{}, b.errf("per-axis scale %q has %d entries, axis %d of %v has %d", scaleName, sn, ax, dims, dims[ax])
		}
		qp.axis, qp.n = ax, sn
	}
	return qp, nil
}

// qvals are a qparam's values.
type qvals struct {
	s []f32
	z []int64
}

// load reads the parameter's values: scales must be positive and finite.
func (qp qparam) load(w []*Tensor) (qvals, error) {
	st := w[qp.scale]
	v := qvals{s: make([]f32, qp.n), z: make([]int64, qp.n)}
	for i := range v.s {
		f, cls := decodeF32(st.F[i])
		if cls != f32Finite || f.neg || f.mant == 0 {
			return qvals{}, fmt.Errorf("scale %#08x is not a positive finite number", st.F[i])
		}
		v.s[i] = f
	}
	if qp.zp >= 0 {
		zt := w[qp.zp]
		for i := range v.z {
			v.z[i] = int64(zt.I[i])
		}
		if qp.typ == Int32 {
			for _, z := range v.z {
				if z != 0 {
					return qvals{}, fmt.Errorf("zero point of an INT32 tensor must be 0, is %d", z)
				}
			}
		}
	}
	return v, nil
}

// at returns entry i (entry 0 for a per-tensor parameter).
func (v qvals) at(i int64) (f32, int64) {
	if len(v.s) == 1 {
		return v.s[0], v.z[0]
	}
	return v.s[i], v.z[i]
}
