package onnxint

import (
	"fmt"
)

// Lowering turns the ONNX graph into the program's nodes. QDQ patterns
// (docs/INFERENCE.md §2) become one integer node each:
//
//	DequantizeLinear inputs → core → [Relu|Clip] → QuantizeLinear
//	    core ∈ MatMul, Gemm, Conv, Add, AveragePool
//	DequantizeLinear → [move] → [Relu|Clip] → QuantizeLinear
//	    move ∈ Reshape, Flatten, Transpose, MaxPool
//
// Every float value inside a pattern must be used only by the next node of
// the pattern (and not be a graph output). A DequantizeLinear whose every
// use is inside patterns disappears; one with other uses stays as a
// DequantizeLinear node. Any node left that computes on FLOAT values,
// other than QuantizeLinear, DequantizeLinear and the data movements
// Reshape, Flatten and Transpose, is refused.

var coreOps = map[string]bool{"MatMul": true, "Gemm": true, "Conv": true, "Add": true, "AveragePool": true}
var moveOps = map[string]bool{"Reshape": true, "Flatten": true, "Transpose": true, "MaxPool": true}
var actOps = map[string]bool{"Relu": true, "Clip": true}

// pattern is a matched QDQ pattern ending at q.
type pattern struct {
	q, act, core, move *gnode
	dq                 *gnode   // the single DequantizeLinear of a move or requantize pattern
	coreDQ             []*gnode // the DequantizeLinear producing each core input (nil: absent)
}

func (l *loader) lower() error {
	prod := make(map[string]*gnode)
	uses := make(map[string]int)
	isOut := make(map[string]bool)
	for _, o := range l.m.proto.Graph.Output {
		isOut[o.Name] = true
	}
	for _, gn := range l.nodes {
		for _, in := range gn.p.Input {
			if in != "" {
				uses[in]++
			}
		}
		for _, out := range gn.p.Output {
			if out != "" {
				prod[out] = gn
			}
		}
	}
	single := func(name string) bool { return uses[name] == 1 && !isOut[name] }
	from := func(name, op string) *gnode {
		if p := prod[name]; p != nil && p.op() == op {
			return p
		}
		return nil
	}
	patterns := make(map[*gnode]*pattern) // by their QuantizeLinear
	absorbed := make(map[*gnode]bool)
	dqUses := make(map[*gnode]int)
	for _, q := range l.nodes {
		if q.op() != "QuantizeLinear" {
			continue
		}
		x := q.in(0)
		cur := prod[x]
		// A DequantizeLinear read directly may have other readers (it then
		// stays for them); any other float producer must be ours alone.
		if cur == nil || (cur.op() != "DequantizeLinear" && !single(x)) {
			continue
		}
		p := &pattern{q: q}
		if actOps[cur.op()] {
			p.act = cur
			x = cur.in(0)
			cur = prod[x]
			if cur == nil {
				continue
			}
			if cur.op() != "DequantizeLinear" && !single(x) {
				continue
			}
		}
		switch {
		case coreOps[cur.op()]:
			p.core = cur
		case moveOps[cur.op()]:
			p.move = cur
		case cur.op() == "DequantizeLinear":
			p.dq = cur
		default:
			continue
		}
		var dqs []*gnode
		ok := true
		switch {
		case p.core != nil:
			n, required := 2, 2
			switch p.core.op() {
			case "AveragePool":
				n, required = 1, 1
			case "Gemm", "Conv":
				n = 3
			}
			if len(p.core.p.Input) < required || len(p.core.p.Input) > n {
				ok = false
				break
			}
			p.coreDQ = make([]*gnode, n)
			for i := 0; i < n && i < len(p.core.p.Input); i++ {
				in := p.core.in(i)
				if in == "" && i >= required {
					continue
				}
				d := from(in, "DequantizeLinear")
				if d == nil {
					ok = false
					break
				}
				p.coreDQ[i] = d
				dqs = append(dqs, d)
			}
		case p.move != nil:
			d := from(p.move.in(0), "DequantizeLinear")
			if d == nil {
				ok = false
				break
			}
			// A move's other inputs (Reshape's shape) must not be float.
			p.dq = d
			dqs = append(dqs, d)
		default:
			dqs = append(dqs, p.dq)
		}
		if !ok {
			continue
		}
		patterns[q] = p
		for _, g := range []*gnode{p.act, p.core, p.move} {
			if g != nil {
				absorbed[g] = true
			}
		}
		for _, d := range dqs {
			dqUses[d]++
		}
	}
	for d, n := range dqUses {
		if n == uses[d.p.Output[0]] && !isOut[d.p.Output[0]] {
			absorbed[d] = true
		}
	}
	for _, gn := range l.nodes {
		if absorbed[gn] {
			continue
		}
		var err error
		if p := patterns[gn]; p != nil {
			err = l.buildPattern(p)
		} else {
			err = l.buildPlain(gn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// nb builds one lowered node.
type nb struct {
	l      *loader
	gn     *gnode // the node named in errors and StepInfo
	n      *node
	wslot  map[int]int
	inslot map[*val]int
}

func (l *loader) newNode(gn *gnode, op string) *nb {
	return &nb{l: l, gn: gn, n: &node{name: gn.name, op: op}, wslot: map[int]int{}, inslot: map[*val]int{}}
}

func (b *nb) errf(format string, args ...any) error {
	return fmt.Errorf("node %q: %s: %s", b.gn.name, b.n.op, fmt.Sprintf(format, args...))
}

// operand is a node input: an initializer (w ≥ 0, its slot in the node's
// weights) or a runtime value (in ≥ 0, its index in the node's inputs).
type operand struct {
	name string
	typ  DType
	dims []int64
	w    int
	in   int
}

func (o operand) isWeight() bool { return o.w >= 0 }

// get picks the operand's tensor.
func (o operand) get(w, in []*Tensor) *Tensor {
	if o.w >= 0 {
		return w[o.w]
	}
	return in[o.in]
}

// opnd resolves a node input name.
func (b *nb) opnd(name string) (operand, error) {
	if name == "" {
		return operand{}, b.errf("required input missing")
	}
	if i, ok := b.l.initIdx[name]; ok {
		s, ok := b.wslot[i]
		if !ok {
			s = len(b.n.weights)
			b.wslot[i] = s
			b.n.weights = append(b.n.weights, i)
		}
		in := b.l.m.inits[i]
		return operand{name: name, typ: in.typ, dims: in.dims, w: s, in: -1}, nil
	}
	v, ok := b.l.vals[name]
	if !ok {
		return operand{}, b.errf("input %q is not an integer value the runtime computes (float computation outside a QDQ pattern?)", name)
	}
	s, ok := b.inslot[v]
	if !ok {
		s = len(b.n.inputs)
		b.inslot[v] = s
		b.n.inputs = append(b.n.inputs, v)
	}
	return operand{name: name, typ: v.typ, dims: v.dims, w: -1, in: s}, nil
}

// weight resolves an input that must be an initializer.
func (b *nb) weight(name, what string) (operand, error) {
	if _, ok := b.l.initIdx[name]; !ok {
		return operand{}, b.errf("%s %q must be an initializer", what, name)
	}
	return b.opnd(name)
}

// data returns an initializer's tensor when the model has its data.
func (b *nb) data(o operand) *Tensor {
	if o.w < 0 {
		return nil
	}
	return b.l.m.inits[b.n.weights[o.w]].t
}

// finish records the node with its output value and cost.
func (b *nb) finish(outName string, typ DType, dims []int64, k kernel, unit int64) error {
	if outName == "" {
		return b.errf("output has no name")
	}
	if err := b.l.account(outName, dims); err != nil {
		return fmt.Errorf("node %q: %w", b.gn.name, err)
	}
	if d, ok := b.l.declared[outName]; ok && (d.typ != typ || !equalDims(d.dims, dims)) {
		return b.errf("output %q is declared %v%v, computed %v%v", outName, d.typ, d.dims, typ, dims)
	}
	_, c, _ := split1(dims)
	v := &val{name: outName, typ: typ, dims: dims, prod: b.n}
	b.n.out, b.n.k, b.n.c, b.n.unit = v, k, c, unit
	b.n.idx = len(b.l.m.nodes)
	b.l.vals[outName] = v
	b.l.m.nodes = append(b.l.m.nodes, b.n)
	return nil
}

// checkOutputs refuses extra outputs of a node the runtime computes one
// output of.
func (b *nb) checkOutputs(g *gnode, n int) error {
	for i, o := range g.p.Output {
		if i >= n && o != "" {
			return fmt.Errorf("node %q: %s: output %d (%q) is not supported", g.name, g.op(), i, o)
		}
	}
	return nil
}

// checkAttrs refuses attributes outside allowed.
func checkAttrs(g *gnode, allowed ...string) error {
	for name := range g.attrs {
		ok := false
		for _, a := range allowed {
			if a == name {
				ok = true
			}
		}
		if !ok {
			return g.errf("%s: unsupported attribute %q", g.op(), name)
		}
	}
	return nil
}

func (l *loader) buildPlain(gn *gnode) error {
	f := plainOps[gn.op()]
	if f == nil {
		return gn.errf("unsupported op %s", gn.op())
	}
	return f(l, gn)
}

// plainOps builds the nodes that are not part of a QDQ pattern.
var plainOps map[string]func(*loader, *gnode) error

func init() {
	plainOps = map[string]func(*loader, *gnode) error{
		"QLinearMatMul":    buildQLinearMatMul,
		"MatMulInteger":    buildMatMulInteger,
		"QLinearConv":      buildQLinearConv,
		"ConvInteger":      buildConvInteger,
		"QuantizeLinear":   buildQuantizeLinear,
		"DequantizeLinear": buildDequantizeLinear,
		"Relu":             buildIntAct,
		"Clip":             buildIntAct,
		"MaxPool":          buildIntPool,
		"AveragePool":      buildIntPool,
		"Reshape":          buildMove,
		"Flatten":          buildMove,
		"Transpose":        buildMove,
		"Add":              buildIntAdd,
		"MatMul":           refuseFloat,
		"Gemm":             refuseFloat,
		"Conv":             refuseFloat,
	}
}

func refuseFloat(l *loader, gn *gnode) error {
	return gn.errf("unsupported op %s (float computation outside a QDQ pattern)", gn.op())
}
