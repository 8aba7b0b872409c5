package onnxint

var convAttrs = []string{"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}

func newConv() *convKernel {
	return &convKernel{zxSlot: -1, zwSlot: -1, bias: operand{w: -1, in: -1}, act: act{min: -1, max: -1}}
}

// convOperands resolves X (computed) and W (an initializer, usually).
func (k *convKernel) operands(b *nb, x, w operand) error {
	if x.isWeight() {
		return b.errf("input %q must be computed, not an initializer", x.name)
	}
	if !is8(x.typ) || !is8(w.typ) {
		return b.errf("input and filter are %v and %v, want INT8 or UINT8", x.typ, w.typ)
	}
	k.x, k.w = x, w
	return nil
}

func buildConvInteger(l *loader, gn *gnode) error {
	b := l.newNode(gn, "ConvInteger")
	if err := checkAttrs(gn, convAttrs...); err != nil {
		return err
	}
	if err := b.checkOutputs(gn, 1); err != nil {
		return err
	}
	k := newConv()
	k.outType = Int32
	x, err := b.opnd(gn.in(0))
	if err != nil {
		return err
	}
	w, err := b.opnd(gn.in(1))
	if err != nil {
		return err
	}
	if err := k.operands(b, x, w); err != nil {
		return err
	}
	if err := k.geometry(b, gn); err != nil {
		return err
	}
	if name := gn.in(2); name != "" {
		z, err := b.weight(name, "x_zero_point")
		if err != nil {
			return err
		}
		if z.typ != x.typ || numel(z.dims) != 1 {
			return b.errf("x_zero_point must be a single %v", x.typ)
		}
		k.zxSlot = z.w
	}
	if name := gn.in(3); name != "" {
		z, err := b.weight(name, "w_zero_point")
		if err != nil {
			return err
		}
		n := numel(z.dims)
		if z.typ != w.typ || len(z.dims) > 1 || (n != 1 && n != int64(k.m)) {
			return b.errf("w_zero_point must be one %v or one per output channel, has shape %v", w.typ, z.dims)
		}
		k.zwSlot = z.w
	}
	return b.finish(gn.p.Output[0], Int32, k.outDims, k, k.unitCost())
}

func buildQLinearConv(l *loader, gn *gnode) error {
	b := l.newNode(gn, "QLinearConv")
	if err := checkAttrs(gn, convAttrs...); err != nil {
		return err
	}
	if err := b.checkOutputs(gn, 1); err != nil {
		return err
	}
	if len(gn.p.Input) < 8 {
		return b.errf("needs 8 or 9 inputs, has %d", len(gn.p.Input))
	}
	k := newConv()
	k.quant = true
	x, err := b.opnd(gn.in(0))
	if err != nil {
		return err
	}
	w, err := b.opnd(gn.in(3))
	if err != nil {
		return err
	}
	if err := k.operands(b, x, w); err != nil {
		return err
	}
	if err := k.geometry(b, gn); err != nil {
		return err
	}
	if k.qx, err = b.qparam(gn.in(1), gn.in(2), x.typ, x.dims, 1); err != nil {
		return err
	}
	if err := b.perTensor(k.qx, "x"); err != nil {
		return err
	}
	if k.qw, err = b.qparam(gn.in(4), gn.in(5), w.typ, w.dims, 0); err != nil {
		return err
	}
	if k.qy, err = b.qparam(gn.in(6), gn.in(7), 0, k.outDims, 1); err != nil {
		return err
	}
	if err := b.perTensor(k.qy, "y"); err != nil {
		return err
	}
	if !is8(k.qy.typ) {
		return b.errf("output type %v, want INT8 or UINT8", k.qy.typ)
	}
	k.outType = k.qy.typ
	if name := gn.in(8); name != "" {
		bias, err := b.weight(name, "bias")
		if err != nil {
			return err
		}
		if bias.typ != Int32 || len(bias.dims) != 1 || bias.dims[0] != int64(k.m) {
			return b.errf("bias %q must be INT32 of shape [%d], is %v%v", name, k.m, bias.typ, bias.dims)
		}
		k.bias = bias
	}
	return b.finish(gn.p.Output[0], k.outType, k.outDims, k, k.unitCost())
}

func buildQDQConv(b *nb, p *pattern, a act) error {
	core := p.core
	if err := checkAttrs(core, convAttrs...); err != nil {
		return err
	}
	if err := b.checkOutputs(core, 1); err != nil {
		return err
	}
	k := newConv()
	k.quant, k.act = true, a
	x, qx, err := b.dqInput(p.coreDQ[0])
	if err != nil {
		return err
	}
	w, qw, err := b.dqInput(p.coreDQ[1])
	if err != nil {
		return err
	}
	if err := k.operands(b, x, w); err != nil {
		return err
	}
	if err := k.geometry(b, core); err != nil {
		return err
	}
	if err := b.perTensor(qx, "X"); err != nil {
		return err
	}
	if qw.axis > 0 {
		return b.errf("W is quantized per axis %d; only per output channel (axis 0) is supported", qw.axis)
	}
	k.qx, k.qw = qx, qw
	if core.in(2) != "" {
		bias, qb, err := b.dqInput(p.coreDQ[2])
		if err != nil {
			return err
		}
		if !bias.isWeight() || len(bias.dims) != 1 || bias.dims[0] != int64(k.m) {
			return b.errf("bias %q must be an initializer of shape [%d]", bias.name, k.m)
		}
		k.bias, k.qb, k.qdqBias = bias, qb, true
	}
	if k.qy, err = b.qOutput(p.q, k.outDims); err != nil {
		return err
	}
	if err := b.perTensor(k.qy, "the output"); err != nil {
		return err
	}
	k.outType = k.qy.typ
	return b.finish(p.q.p.Output[0], k.outType, k.outDims, k, k.unitCost())
}
