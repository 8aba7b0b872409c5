package onnxint

// Builders shared by the quantized ops: the quantization parameters of
// DequantizeLinear and QuantizeLinear nodes, and fused activations.

// dqInput resolves a DequantizeLinear node inside a pattern: the quantized
// operand it reads and its parameters.
func (b *nb) dqInput(dq *gnode) (operand, qparam, error) {
	if dq == nil {
		return operand{}, qparam{}, b.errf("input is not produced by a DequantizeLinear")
	}
	if err := checkAttrs(dq, "axis", "block_size", "output_dtype"); err != nil {
		return operand{}, qparam{}, err
	}
	if bs, _ := dq.attrInt("block_size", 0); bs != 0 {
		return operand{}, qparam{}, dq.errf("DequantizeLinear: blocked quantization is not supported")
	}
	if od, _ := dq.attrInt("output_dtype", 0); od != 0 && od != int64(Float) {
		return operand{}, qparam{}, dq.errf("DequantizeLinear: output type %d is not supported", od)
	}
	if err := b.checkOutputs(dq, 1); err != nil {
		return operand{}, qparam{}, err
	}
	x, err := b.opnd(dq.in(0))
	if err != nil {
		return operand{}, qparam{}, err
	}
	axis, err := dq.attrInt("axis", 1)
	if err != nil {
		return operand{}, qparam{}, err
	}
	qp, err := b.qparam(dq.in(1), dq.in(2), x.typ, x.dims, axis)
	if err != nil {
		return operand{}, qparam{}, err
	}
	return x, qp, nil
}

// qOutput resolves a QuantizeLinear node's output parameters for an
// output of shape dims.
func (b *nb) qOutput(q *gnode, dims []int64) (qparam, error) {
	if err := checkAttrs(q, "axis", "saturate", "block_size", "output_dtype", "precision"); err != nil {
		return qparam{}, err
	}
	if bs, _ := q.attrInt("block_size", 0); bs != 0 {
		return qparam{}, q.errf("QuantizeLinear: blocked quantization is not supported")
	}
	if p, _ := q.attrInt("precision", 0); p != 0 && p != int64(Float) {
		return qparam{}, q.errf("QuantizeLinear: precision %d is not supported", p)
	}
	if err := b.checkOutputs(q, 1); err != nil {
		return qparam{}, err
	}
	od, err := q.attrInt("output_dtype", 0)
	if err != nil {
		return qparam{}, err
	}
	typ := DType(0)
	if od != 0 {
		if od != int64(Int8) && od != int64(Uint8) {
			return qparam{}, q.errf("QuantizeLinear: output type %d is not supported", od)
		}
		typ = DType(od)
	}
	axis, err := q.attrInt("axis", 1)
	if err != nil {
		return qparam{}, err
	}
	qp, err := b.qparam(q.in(1), q.in(2), typ, dims, axis)
	if err != nil {
		return qparam{}, err
	}
	if qp.typ != Int8 && qp.typ != Uint8 {
		return qparam{}, b.errf("QuantizeLinear output type %v is not supported", qp.typ)
	}
	return qp, nil
}

// actOf resolves a fused Relu or Clip (nil: none). Clip's bounds are FLOAT
// scalars: initializers (opset ≥ 11) or attributes.
func (b *nb) actOf(g *gnode) (act, error) {
	a := act{min: -1, max: -1}
	if g == nil {
		return a, nil
	}
	if err := b.checkOutputs(g, 1); err != nil {
		return a, err
	}
	switch g.op() {
	case "Relu":
		a.kind = actRelu
		return a, checkAttrs(g)
	case "Clip":
		a.kind = actClip
		if b.l.opset < 11 {
			if err := checkAttrs(g, "min", "max"); err != nil {
				return a, err
			}
			var err error
			if a.minBits, a.hasMin, err = g.attrFloatBits("min"); err != nil {
				return a, err
			}
			if a.maxBits, a.hasMax, err = g.attrFloatBits("max"); err != nil {
				return a, err
			}
			return a, nil
		}
		if err := checkAttrs(g); err != nil {
			return a, err
		}
		for i, slot := range []*int{&a.min, &a.max} {
			name := g.in(1 + i)
			if name == "" {
				continue
			}
			o, err := b.weight(name, "Clip bound")
			if err != nil {
				return a, err
			}
			if o.typ != Float || o.w < 0 || len(o.dims) > 1 || (len(o.dims) == 1 && o.dims[0] != 1) {
				return a, b.errf("Clip bound %q must be a FLOAT scalar", name)
			}
			*slot = o.w
		}
		return a, nil
	}
	return a, b.errf("unsupported activation %s", g.op())
}

// perTensor refuses a per-axis parameter.
func (b *nb) perTensor(qp qparam, what string) error {
	if qp.axis >= 0 {
		return b.errf("per-axis quantization of %s is not supported", what)
	}
	return nil
}

// is8 reports whether t is an 8-bit integer type.
func is8(t DType) bool { return t == Int8 || t == Uint8 }

func (l *loader) buildPattern(p *pattern) error {
	rep := p.q
	name := ""
	switch {
	case p.core != nil:
		rep, name = p.core, p.core.op()
	case p.move != nil:
		rep, name = p.move, p.move.op()
	case p.act != nil:
		rep, name = p.act, p.act.op()
	default:
		rep, name = p.q, "Requantize"
	}
	b := l.newNode(rep, "QDQ "+name)
	a, err := b.actOf(p.act)
	if err != nil {
		return err
	}
	if p.act != nil && (p.core != nil || p.move != nil) {
		b.n.op += a.suffix()
	}
	switch {
	case p.core != nil:
		switch p.core.op() {
		case "MatMul", "Gemm":
			return buildQDQGemm(b, p, a)
		case "Conv":
			return buildQDQConv(b, p, a)
		case "Add":
			return buildQDQAdd(b, p, a)
		case "AveragePool":
			return buildQDQAvgPool(b, p, a)
		}
	case p.move != nil:
		return buildQDQMove(b, p, a)
	}
	return buildQDQRequant(b, p, a)
}
