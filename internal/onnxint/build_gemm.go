package onnxint

func buildQLinearMatMul(l *loader, gn *gnode) error {
	b := l.newNode(gn, "QLinearMatMul")
	if err := checkAttrs(gn); err != nil {
		return err
	}
	if err := b.checkOutputs(gn, 1); err != nil {
		return err
	}
	if len(gn.p.Input) != 8 {
		return b.errf("needs 8 inputs, has %d", len(gn.p.Input))
	}
	g := &gemmKernel{zaSlot: -1, zbSlot: -1, quant: true, bias: operand{w: -1, in: -1}, act: act{min: -1, max: -1}}
	var err error
	if g.a, err = b.opnd(gn.in(0)); err != nil {
		return err
	}
	if g.b, err = b.opnd(gn.in(3)); err != nil {
		return err
	}
	if !is8(g.a.typ) || !is8(g.b.typ) {
		return b.errf("inputs are %v and %v, want INT8 or UINT8", g.a.typ, g.b.typ)
	}
	if err := g.geometry(b, false); err != nil {
		return err
	}
	if g.qa, err = b.qparam(gn.in(1), gn.in(2), g.a.typ, g.a.dims, -1); err != nil {
		return err
	}
	if err := b.perTensor(g.qa, "a"); err != nil {
		return err
	}
	if g.qb, err = b.qparam(gn.in(4), gn.in(5), g.b.typ, g.b.dims, -1); err != nil {
		return err
	}
	if g.qy, err = b.qparam(gn.in(6), gn.in(7), 0, g.outDims, -1); err != nil {
		return err
	}
	if err := b.perTensor(g.qy, "y"); err != nil {
		return err
	}
	if !is8(g.qy.typ) {
		return b.errf("output type %v, want INT8 or UINT8", g.qy.typ)
	}
	g.outType = g.qy.typ
	return b.finish(gn.p.Output[0], g.outType, g.outDims, g, g.unitCost())
}

// qparam with axisAttr −1 above treats a 1-D scale as per-axis on the
// last axis; QLinearMatMul's per-column b parameters have N entries.

func buildMatMulInteger(l *loader, gn *gnode) error {
	b := l.newNode(gn, "MatMulInteger")
	if err := checkAttrs(gn); err != nil {
		return err
	}
	if err := b.checkOutputs(gn, 1); err != nil {
		return err
	}
	g := &gemmKernel{zaSlot: -1, zbSlot: -1, bias: operand{w: -1, in: -1}, act: act{min: -1, max: -1}, outType: Int32}
	var err error
	if g.a, err = b.opnd(gn.in(0)); err != nil {
		return err
	}
	if g.b, err = b.opnd(gn.in(1)); err != nil {
		return err
	}
	if !is8(g.a.typ) || !is8(g.b.typ) {
		return b.errf("inputs are %v and %v, want INT8 or UINT8", g.a.typ, g.b.typ)
	}
	if err := g.geometry(b, false); err != nil {
		return err
	}
	if name := gn.in(2); name != "" {
		z, err := b.weight(name, "a_zero_point")
		if err != nil {
			return err
		}
		if z.typ != g.a.typ || numel(z.dims) != 1 {
			return b.errf("a_zero_point must be a single %v (per-row zero points are not supported)", g.a.typ)
		}
		g.zaSlot = z.w
	}
	if name := gn.in(3); name != "" {
		z, err := b.weight(name, "b_zero_point")
		if err != nil {
			return err
		}
		n := numel(z.dims)
		if z.typ != g.b.typ || (n != 1 && (n != int64(g.n) || len(z.dims) > 2 || len(z.dims) == 2 && z.dims[0] != 1)) {
			return b.errf("b_zero_point must be one %v or one per column (%d), has shape %v", g.b.typ, g.n, z.dims)
		}
		g.zbSlot = z.w
	}
	return b.finish(gn.p.Output[0], Int32, g.outDims, g, g.unitCost())
}

func numel(dims []int64) int64 {
	n, err := numElements(dims, 1<<62)
	if err != nil {
		return -1
	}
	return n
}

func buildQDQGemm(b *nb, p *pattern, a act) error {
	core := p.core
	g := &gemmKernel{zaSlot: -1, zbSlot: -1, quant: true, bias: operand{w: -1, in: -1}, act: a}
	gemm := core.op() == "Gemm"
	if gemm {
		if err := checkAttrs(core, "transA", "transB", "alpha", "beta"); err != nil {
			return err
		}
		ta, err := core.attrInt("transA", 0)
		if err != nil {
			return err
		}
		tb, err := core.attrInt("transB", 0)
		if err != nil {
			return err
		}
		g.transA, g.transB = ta != 0, tb != 0
		for _, name := range []string{"alpha", "beta"} {
			v, ok, err := core.attrFloatBits(name)
			if err != nil {
				return err
			}
			if ok && v != f32One {
				return b.errf("%s must be 1", name)
			}
		}
	} else if err := checkAttrs(core); err != nil {
		return err
	}
	if err := b.checkOutputs(core, 1); err != nil {
		return err
	}
	var err error
	if g.a, g.qa, err = b.dqInput(p.coreDQ[0]); err != nil {
		return err
	}
	if g.b, g.qb, err = b.dqInput(p.coreDQ[1]); err != nil {
		return err
	}
	if !is8(g.a.typ) || !is8(g.b.typ) {
		return b.errf("quantized inputs are %v and %v, want INT8 or UINT8", g.a.typ, g.b.typ)
	}
	if err := g.geometry(b, gemm); err != nil {
		return err
	}
	if err := b.perTensor(g.qa, "A"); err != nil {
		return err
	}
	if g.qb.axis >= 0 {
		col := len(g.b.dims) - 1
		if g.transB {
			col = 0
		}
		if len(g.b.dims) < 2 || g.qb.axis != col {
			return b.errf("B is quantized per axis %d; only per output column is supported", g.qb.axis)
		}
	}
	if gemm && core.in(2) != "" {
		if g.bias, g.qc, err = b.dqInput(p.coreDQ[2]); err != nil {
			return err
		}
		if !g.bias.isWeight() {
			return b.errf("bias %q must be an initializer", g.bias.name)
		}
		cd := g.bias.dims
		n := numel(cd)
		ok := n == 1 && len(cd) <= 2 || n == int64(g.n) && (len(cd) == 1 || len(cd) == 2 && cd[0] == 1)
		if !ok {
			return b.errf("bias of shape %v is not supported (want a scalar or one value per column)", cd)
		}
		if g.qc.axis >= 0 && g.qc.axis != len(cd)-1 {
			return b.errf("bias quantized per axis %d is not supported", g.qc.axis)
		}
	}
	if g.qy, err = b.qOutput(p.q, g.outDims); err != nil {
		return err
	}
	if err := b.perTensor(g.qy, "the output"); err != nil {
		return err
	}
	g.outType = g.qy.typ
	return b.finish(p.q.p.Output[0], g.outType, g.outDims, g, g.unitCost())
}
