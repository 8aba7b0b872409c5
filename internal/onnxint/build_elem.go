package onnxint

import (
	"errors"
	"fmt"
)

var errReshapeMismatch = errors.New("reshape: the shape tensor does not give the output shape the program was built with")

func buildQuantizeLinear(l *loader, gn *gnode) error {
	b := l.newNode(gn, "QuantizeLinear")
	x, err := b.opnd(gn.in(0))
	if err != nil {
		return err
	}
	if x.typ != Float && x.typ != Int32 {
		return b.errf("input is %v, want FLOAT or INT32", x.typ)
	}
	qp, err := b.qOutput(gn, x.dims)
	if err != nil {
		return err
	}
	e := newEmap(mapQuant, x.typ, qp.typ)
	e.qout = qp
	if err := e.setAxis(b, x.dims, qp); err != nil {
		return err
	}
	return b.finish(gn.p.Output[0], qp.typ, x.dims, &mapKernel{x: x, e: e, dims: x.dims}, elemUnit(x.dims))
}

// elemUnit is the cost (output elements) per index of axis 1.
func elemUnit(dims []int64) int64 {
	outer, _, inner := split1(dims)
	return outer * inner
}

func buildDequantizeLinear(l *loader, gn *gnode) error {
	b := l.newNode(gn, "DequantizeLinear")
	x, qp, err := b.dqInput(gn)
	if err != nil {
		return err
	}
	e := newEmap(mapDequant, x.typ, Float)
	e.qin = qp
	if err := e.setAxis(b, x.dims, qp); err != nil {
		return err
	}
	return b.finish(gn.p.Output[0], Float, x.dims, &mapKernel{x: x, e: e, dims: x.dims}, elemUnit(x.dims))
}

// buildIntAct builds Relu and Clip on integer tensors.
func buildIntAct(l *loader, gn *gnode) error {
	b := l.newNode(gn, gn.op())
	if err := b.checkOutputs(gn, 1); err != nil {
		return err
	}
	x, err := b.opnd(gn.in(0))
	if err != nil {
		return err
	}
	if x.typ == Float {
		return gn.errf("unsupported op %s on FLOAT (float computation outside a QDQ pattern)", gn.op())
	}
	if x.typ == Int64 {
		return b.errf("INT64 input is not supported")
	}
	e := newEmap(mapClamp, x.typ, x.typ)
	if gn.op() == "Relu" {
		if err := checkAttrs(gn); err != nil {
			return err
		}
		e.relu = true
	} else {
		if err := checkAttrs(gn); err != nil {
			return err
		}
		if l.opset < 11 {
			return b.errf("Clip on integers needs opset 11 or later")
		}
		for i, slot := range []*int{&e.cmin, &e.cmax} {
			name := gn.in(1 + i)
			if name == "" {
				continue
			}
			o, err := b.weight(name, "Clip bound")
			if err != nil {
				return err
			}
			if o.typ != x.typ || numel(o.dims) != 1 || len(o.dims) > 1 {
				return b.errf("Clip bound %q must be a %v scalar", name, x.typ)
			}
			*slot = o.w
		}
	}
	return b.finish(gn.p.Output[0], x.typ, x.dims, &mapKernel{x: x, e: e, dims: x.dims}, elemUnit(x.dims))
}

// moveGeometry reads a Reshape, Flatten or Transpose node: the output dims,
// the permutation, and Reshape's shape operand.
func moveGeometry(b *nb, g *gnode, k *moveKernel, outName string) error {
	if err := b.checkOutputs(g, 1); err != nil {
		return err
	}
	in := k.inDims
	switch g.op() {
	case "Reshape":
		if err := checkAttrs(g, "allowzero"); err != nil {
			return err
		}
		az, err := g.attrInt("allowzero", 0)
		if err != nil {
			return err
		}
		k.allow0 = az != 0
		sh, err := b.weight(g.in(1), "Reshape shape")
		if err != nil {
			return err
		}
		if sh.typ != Int64 || len(sh.dims) != 1 {
			return b.errf("shape %q must be a 1-D INT64 tensor", sh.name)
		}
		k.shape = sh.w
		if t := b.data(sh); t != nil {
			if k.outDims, err = reshapeDims(in, t.I64, k.allow0); err != nil {
				return b.errf("%v", err)
			}
		} else {
			// A skeleton: the shape's data is gone; the program takes the
			// output shape Skeleton recorded, and prepare checks it.
			d, ok := b.l.declared[outName]
			if !ok {
				return b.errf("output %q has no declared static shape and the shape's data is absent", outName)
			}
			if numel(d.dims) != numel(in) || int64(len(d.dims)) != sh.dims[0] {
				return b.errf("declared shape %v of %q does not fit input %v", d.dims, outName, in)
			}
			k.outDims = d.dims
		}
	case "Flatten":
		if err := checkAttrs(g, "axis"); err != nil {
			return err
		}
		ax, err := g.attrInt("axis", 1)
		if err != nil {
			return err
		}
		if ax < -int64(len(in)) || ax > int64(len(in)) {
			return b.errf("axis %d out of range for rank %d", ax, len(in))
		}
		if ax < 0 {
			ax += int64(len(in))
		}
		k.outDims = []int64{numel(in[:ax]), numel(in[ax:])}
	case "Transpose":
		if err := checkAttrs(g, "perm"); err != nil {
			return err
		}
		perm, ok, err := g.attrInts("perm")
		if err != nil {
			return err
		}
		r := len(in)
		if !ok {
			perm = make([]int64, r)
			for i := range perm {
				perm[i] = int64(r - 1 - i)
			}
		}
		if len(perm) != r {
			return b.errf("perm %v does not fit rank %d", perm, r)
		}
		seen := make([]bool, r)
		k.perm = make([]int, r)
		k.outDims = make([]int64, r)
		for i, p := range perm {
			if p < 0 || p >= int64(r) || seen[p] {
				return b.errf("perm %v is not a permutation", perm)
			}
			seen[p] = true
			k.perm[i] = int(p)
			k.outDims[i] = in[p]
		}
	}
	return nil
}

// reshapeDims applies a Reshape shape to dims.
func reshapeDims(in, shape []int64, allowZero bool) ([]int64, error) {
	if len(shape) > maxRank {
		return nil, fmt.Errorf("shape has %d dims", len(shape))
	}
	out := make([]int64, len(shape))
	infer := -1
	known := int64(1)
	hasZero := false
	for i, d := range shape {
		switch {
		case d == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %v has more than one -1", shape)
			}
			infer = i
			continue
		case d == 0 && !allowZero:
			if i >= len(in) {
				return nil, fmt.Errorf("shape %v copies dim %d of a rank-%d input", shape, i, len(in))
			}
			d = in[i]
		case d < 0:
			return nil, fmt.Errorf("shape %v has a negative dim", shape)
		}
		if d == 0 {
			hasZero = true
		}
		out[i] = d
		if d != 0 {
			if known > (1<<62)/d {
				return nil, fmt.Errorf("shape %v is too large", shape)
			}
			known *= d
		}
	}
	total := numel(in)
	if infer >= 0 {
		if allowZero && hasZero {
			return nil, fmt.Errorf("shape %v has both 0 and -1 with allowzero", shape)
		}
		if hasZero || total%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to %v", in, shape)
		}
		out[infer] = total / known
	} else if hasZero {
		known = 0
	}
	if numel(out) != total {
		return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", in, total, shape)
	}
	return out, nil
}

func buildMove(l *loader, gn *gnode) error {
	b := l.newNode(gn, gn.op())
	x, err := b.opnd(gn.in(0))
	if err != nil {
		return err
	}
	k := &moveKernel{x: x, inDims: x.dims, shape: -1, midType: x.typ}
	if err := moveGeometry(b, gn, k, gn.p.Output[0]); err != nil {
		return err
	}
	return b.finish(gn.p.Output[0], x.typ, k.outDims, k, elemUnit(k.outDims))
}

func buildIntAdd(l *loader, gn *gnode) error {
	b := l.newNode(gn, "Add")
	if err := checkAttrs(gn); err != nil {
		return err
	}
	if err := b.checkOutputs(gn, 1); err != nil {
		return err
	}
	x, err := b.opnd(gn.in(0))
	if err != nil {
		return err
	}
	y, err := b.opnd(gn.in(1))
	if err != nil {
		return err
	}
	if x.typ == Float || y.typ == Float {
		return gn.errf("unsupported op Add on FLOAT (float computation outside a QDQ pattern)")
	}
	if x.typ != y.typ || x.typ == Int64 {
		return b.errf("inputs are %v and %v, want the same type of INT8, UINT8 or INT32", x.typ, y.typ)
	}
	dims, err := broadcastDims(x.dims, y.dims)
	if err != nil {
		return b.errf("%v", err)
	}
	k := &addKernel{a: x, b: y, outDims: dims, typ: x.typ, outType: x.typ, act: act{min: -1, max: -1}}
	return b.finish(gn.p.Output[0], x.typ, dims, k, elemUnit(dims))
}

func buildQDQAdd(b *nb, p *pattern, a act) error {
	core := p.core
	if err := checkAttrs(core); err != nil {
		return err
	}
	if err := b.checkOutputs(core, 1); err != nil {
		return err
	}
	k := &addKernel{quant: true, act: a}
	var err error
	if k.a, k.qa, err = b.dqInput(p.coreDQ[0]); err != nil {
		return err
	}
	if k.b, k.qb, err = b.dqInput(p.coreDQ[1]); err != nil {
		return err
	}
	if k.a.typ == Int64 || k.b.typ == Int64 {
		return b.errf("INT64 inputs are not supported")
	}
	if err := b.perTensor(k.qa, "A"); err != nil {
		return err
	}
	if err := b.perTensor(k.qb, "B"); err != nil {
		return err
	}
	if k.outDims, err = broadcastDims(k.a.dims, k.b.dims); err != nil {
		return b.errf("%v", err)
	}
	if k.qy, err = b.qOutput(p.q, k.outDims); err != nil {
		return err
	}
	if err := b.perTensor(k.qy, "the output"); err != nil {
		return err
	}
	k.outType = k.qy.typ
	return b.finish(p.q.p.Output[0], k.outType, k.outDims, k, elemUnit(k.outDims))
}

// buildQDQRequant builds DequantizeLinear → [Relu|Clip] → QuantizeLinear.
func buildQDQRequant(b *nb, p *pattern, a act) error {
	x, qin, err := b.dqInput(p.dq)
	if err != nil {
		return err
	}
	if x.typ == Int64 {
		return b.errf("INT64 input is not supported")
	}
	qout, err := b.qOutput(p.q, x.dims)
	if err != nil {
		return err
	}
	e := newEmap(mapRequant, x.typ, qout.typ)
	e.qin, e.qout, e.act = qin, qout, a
	if err := e.setAxis(b, x.dims, qin, qout); err != nil {
		return err
	}
	return b.finish(p.q.p.Output[0], qout.typ, x.dims, &mapKernel{x: x, e: e, dims: x.dims}, elemUnit(x.dims))
}

// buildQDQMove builds DequantizeLinear → move → [Relu|Clip] →
// QuantizeLinear: the move on the integers, then one requantization (the
// moves commute with the increasing maps DequantizeLinear and
// QuantizeLinear; MaxPool too, since scales are positive).
func buildQDQMove(b *nb, p *pattern, a act) error {
	x, qin, err := b.dqInput(p.dq)
	if err != nil {
		return err
	}
	if !is8(x.typ) {
		return b.errf("quantized input is %v, want INT8 or UINT8", x.typ)
	}
	if err := b.perTensor(qin, "the input"); err != nil {
		return err
	}
	var k kernel
	var outDims []int64
	var e *emap
	mk := func(out []int64) (*emap, error) {
		qout, err := b.qOutput(p.q, out)
		if err != nil {
			return nil, err
		}
		if err := b.perTensor(qout, "the output"); err != nil {
			return nil, err
		}
		e := newEmap(mapRequant, x.typ, qout.typ)
		e.qin, e.qout, e.act = qin, qout, a
		return e, nil
	}
	if p.move.op() == "MaxPool" {
		pk, err := poolGeometry(b, p.move, x)
		if err != nil {
			return err
		}
		outDims = pk.outDims
		if e, err = mk(outDims); err != nil {
			return err
		}
		pk.post = e
		k = pk
	} else {
		mk2 := &moveKernel{x: x, inDims: x.dims, shape: -1, midType: x.typ}
		if err := moveGeometry(b, p.move, mk2, p.q.p.Output[0]); err != nil {
			return err
		}
		outDims = mk2.outDims
		if e, err = mk(outDims); err != nil {
			return err
		}
		mk2.post = e
		k = mk2
	}
	return b.finish(p.q.p.Output[0], e.out, outDims, k, elemUnit(outDims))
}
