package onnxint

import (
	"fmt"
)

// Caps on a program's cost, so that sums never overflow.
const (
	maxNodeCost  = 1 << 48
	maxTotalCost = 1 << 52
)

// schedule splits the nodes into steps (see "Steps and chunks" in doc.go)
// and records what each step reads.
func (l *loader) schedule() error {
	m := l.m
	for _, n := range m.nodes {
		c, unit := n.c, n.unit
		if unit < 0 || (c > 0 && unit > maxNodeCost/c) {
			return fmt.Errorf("node %q: cost too large", n.name)
		}
		cost := unit * c
		n.bounds = chunkBounds(c, unit)
		k := int64(len(n.bounds) - 1)
		var reads []int
		seen := make(map[int]bool)
		for _, v := range n.inputs {
			for _, leaf := range leavesOf(v) {
				if !seen[leaf] {
					seen[leaf] = true
					reads = append(reads, leaf)
				}
			}
		}
		sortInts(reads)
		for i := int64(0); i < k; i++ {
			c0, c1 := n.bounds[i], n.bounds[i+1]
			n.chunks = append(n.chunks, len(m.steps))
			m.steps = append(m.steps, step{node: n, chunk: int(i), c0: c0, c1: c1, cost: unit * (c1 - c0), reads: reads})
		}
		m.cost += cost
		if m.cost > maxTotalCost {
			return fmt.Errorf("model cost exceeds %d", int64(maxTotalCost))
		}
	}
	seen := make(map[int]bool)
	for _, v := range m.outVals {
		for _, leaf := range leavesOf(v) {
			if !seen[leaf] {
				seen[leaf] = true
				m.finalReads = append(m.finalReads, leaf)
			}
		}
	}
	sortInts(m.finalReads)
	return nil
}

// chunkBounds splits axis 1 (extent c, cost unit per index) into the
// fewest chunks of at most MaxStepCost: with u = ⌊MaxStepCost/unit⌋ indices
// fitting in one chunk, k = ⌈c/u⌉ chunks (k = c when even one index costs
// more, and 1 when the whole costs at most MaxStepCost or c ≤ 1); chunk i
// covers [⌊i·c/k⌋, ⌊(i+1)·c/k⌋). This is consensus (docs/INFERENCE.md §3).
func chunkBounds(c, unit int64) []int64 {
	k := int64(1)
	if c > 1 && unit*c > MaxStepCost {
		if u := MaxStepCost / unit; u == 0 {
			k = c
		} else {
			k = (c + u - 1) / u
		}
	}
	b := make([]int64, k+1)
	for i := int64(0); i <= k; i++ {
		b[i] = i * c / k
	}
	return b
}

// leavesOf is the trace leaves holding value v: 0 for a graph input, else
// its producer's chunks.
func leavesOf(v *val) []int {
	if v.prod == nil {
		return []int{0}
	}
	out := make([]int, len(v.prod.chunks))
	for i, s := range v.prod.chunks {
		out[i] = s + 1
	}
	return out
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// prepareAll prepares every node's kernel with the model's weights.
func (m *Model) prepareAll() error {
	for _, n := range m.nodes {
		w := make([]*Tensor, len(n.weights))
		for i, idx := range n.weights {
			w[i] = m.inits[idx].t
		}
		st, err := n.k.prepare(w)
		if err != nil {
			return fmt.Errorf("node %q: %s: %w", n.name, n.op, err)
		}
		n.st = st
	}
	return nil
}

// checkTensor verifies that t is well formed with the given type and dims.
func checkTensor(t *Tensor, typ DType, dims []int64) error {
	if err := t.check(); err != nil {
		return err
	}
	if t.Type != typ || !equalDims(t.Dims, dims) {
		return fmt.Errorf("got %v%v, want %v%v", t.Type, t.Dims, typ, dims)
	}
	return nil
}

// Run executes the model on inputs (in graph-input order). With
// opt.Trace it also hashes every step's state into the trace and keeps the
// states (Result.Leaves, Root, States).
func (m *Model) Run(inputs []*Tensor, opt Options) (*Result, error) {
	if !m.hasWeights {
		return nil, ErrNoWeights
	}
	if len(inputs) != len(m.inputs) {
		return nil, fmt.Errorf("got %d inputs, the model takes %d", len(inputs), len(m.inputs))
	}
	for i, t := range inputs {
		if err := checkTensor(t, m.inputs[i].Type, m.inputs[i].Dims); err != nil {
			return nil, fmt.Errorf("input %q: %w", m.inputs[i].Name, err)
		}
	}
	res := &Result{Cost: m.cost}
	// Tracing hashes every state inline. (A helper goroutine hashing while
	// the run goes on measured no faster on this project's loaded 2-core
	// machines: ratio 1.40 inline against 1.48-1.63 for the CNN of
	// bench_test.go.)
	hash := func(j int, ts ...*Tensor) { res.Leaves[j] = Digest(ts...) }
	if opt.Trace {
		res.Leaves = make([][32]byte, m.TraceSize())
		res.States = make([][]*Tensor, m.TraceSize())
		res.States[0] = inputs
		hash(0, inputs...)
	}
	// A plain run writes node outputs into an arena reused by later runs
	// and copies the graph outputs out; a traced run keeps every output
	// as a state.
	var ar *arena
	if !opt.Trace {
		ar, _ = m.arenas.Get().(*arena)
		if ar == nil {
			ar = &arena{vals: make([]*Tensor, len(m.nodes))}
		}
		defer m.arenas.Put(ar)
	}
	vals := make([]*Tensor, len(m.nodes))
	// A traced run's outputs live in one block per element slice type.
	var blk *block
	if opt.Trace {
		blk = m.newBlock()
	}
	get := func(v *val) *Tensor {
		if v.prod == nil {
			return inputs[v.input]
		}
		return vals[v.prod.idx]
	}
	var inBuf [8]*Tensor
	in := inBuf[:0]
	for i, n := range m.nodes {
		in = in[:0]
		for _, v := range n.inputs {
			in = append(in, get(v))
		}
		// The whole node at once: a chunk's elements are the same computed
		// alone (ExecStep) or with the others, and shared work (im2col,
		// input rows) is done once.
		var full *Tensor
		if ar != nil {
			if ar.vals[i] == nil {
				ar.vals[i] = newTensor(n.out.typ, n.out.dims)
			}
			full = ar.vals[i]
		} else {
			full = blk.tensor(n.out.typ, n.out.dims)
		}
		n.k.exec(n.st, in, 0, n.c, full)
		if opt.Trace {
			for i, si := range n.chunks {
				st := full
				if len(n.chunks) > 1 {
					st = chunkView(full, n.bounds[i], n.bounds[i+1])
				}
				res.States[si+1] = []*Tensor{st}
				hash(si+1, st)
			}
		}
		vals[i] = full
	}
	res.Outputs = make([]*Tensor, len(m.outVals))
	for i, v := range m.outVals {
		res.Outputs[i] = get(v)
		if ar != nil && v.prod != nil {
			res.Outputs[i] = cloneTensor(res.Outputs[i])
		}
	}
	if opt.Trace {
		last := len(res.Leaves) - 1
		res.States[last] = res.Outputs
		hash(last, res.Outputs...)
		res.Root = TraceRoot(res.Leaves)
	}
	return res, nil
}

func cloneTensor(t *Tensor) *Tensor {
	c := &Tensor{Type: t.Type, Dims: append([]int64{}, t.Dims...)}
	switch t.Type {
	case Float:
		c.F = append([]uint32{}, t.F...)
	case Int64:
		c.I64 = append([]int64{}, t.I64...)
	default:
		c.I = append([]int32{}, t.I...)
	}
	return c
}

// putChunk copies chunk ct (axis 1 range [c0,c1)) into full.
func putChunk(full, ct *Tensor, c0, c1 int64) {
	outer, c, inner := split1(full.Dims)
	w := c1 - c0
	for o := int64(0); o < outer; o++ {
		copyElems(full, (o*c+c0)*inner, ct, o*w*inner, w*inner)
	}
}

// ExecStep re-executes trace leaf j (1 <= j <= TraceSize-1; the last leaf
// is the output digest computed from the states of the output producers).
// states maps leaf index to that leaf's tensors (leaf 0: the graph inputs);
// weights maps initializer index to tensor. It checks shapes and types,
// that every needed leaf and weight is present, and that each weight
// matches its tensor-root leaf, and returns the leaf and the leaf's
// tensors.
func (m *Model) ExecStep(j int, states map[int][]*Tensor, weights map[int]*Tensor) ([32]byte, []*Tensor, error) {
	var zero [32]byte
	n := len(m.steps)
	if j < 1 || j > n+1 {
		return zero, nil, fmt.Errorf("leaf %d out of range [1,%d]", j, n+1)
	}
	if j == n+1 {
		outs := make([]*Tensor, len(m.outVals))
		for i, v := range m.outVals {
			t, err := m.assemble(v, states)
			if err != nil {
				return zero, nil, err
			}
			outs[i] = t
		}
		return Digest(outs...), outs, nil
	}
	s := &m.steps[j-1]
	nd := s.node
	in := make([]*Tensor, len(nd.inputs))
	for i, v := range nd.inputs {
		t, err := m.assemble(v, states)
		if err != nil {
			return zero, nil, err
		}
		in[i] = t
	}
	w := make([]*Tensor, len(nd.weights))
	for i, idx := range nd.weights {
		t, ok := weights[idx]
		if !ok || t == nil {
			return zero, nil, fmt.Errorf("weight %d (%q) is missing", idx, m.inits[idx].name)
		}
		init := &m.inits[idx]
		if err := checkTensor(t, init.typ, init.dims); err != nil {
			return zero, nil, fmt.Errorf("weight %d (%q): %w", idx, init.name, err)
		}
		if initLeaf(init.name, t) != init.leaf {
			return zero, nil, fmt.Errorf("weight %d (%q) does not match its tensor-root leaf", idx, init.name)
		}
		w[i] = t
	}
	st, err := nd.k.prepare(w)
	if err != nil {
		return zero, nil, fmt.Errorf("node %q: %s: %w", nd.name, nd.op, err)
	}
	out := newTensor(nd.out.typ, chunkDims(nd.out.dims, s.c0, s.c1))
	nd.k.exec(st, in, s.c0, s.c1, out)
	return Digest(out), []*Tensor{out}, nil
}

// assemble rebuilds value v from the states of the leaves holding it,
// checking each.
func (m *Model) assemble(v *val, states map[int][]*Tensor) (*Tensor, error) {
	if v.prod == nil {
		ts, ok := states[0]
		if !ok {
			return nil, fmt.Errorf("state of leaf 0 (the graph inputs) is missing")
		}
		if len(ts) != len(m.inputs) {
			return nil, fmt.Errorf("leaf 0 holds %d tensors, the model has %d inputs", len(ts), len(m.inputs))
		}
		for i, t := range ts {
			if err := checkTensor(t, m.inputs[i].Type, m.inputs[i].Dims); err != nil {
				return nil, fmt.Errorf("leaf 0, input %q: %w", m.inputs[i].Name, err)
			}
		}
		return ts[v.input], nil
	}
	p := v.prod
	parts := make([]*Tensor, len(p.chunks))
	for i, si := range p.chunks {
		leaf := si + 1
		ts, ok := states[leaf]
		if !ok {
			return nil, fmt.Errorf("state of leaf %d (node %q) is missing", leaf, p.name)
		}
		if len(ts) != 1 {
			return nil, fmt.Errorf("leaf %d holds %d tensors, want 1", leaf, len(ts))
		}
		if err := checkTensor(ts[0], v.typ, chunkDims(v.dims, p.bounds[i], p.bounds[i+1])); err != nil {
			return nil, fmt.Errorf("leaf %d (node %q): %w", leaf, p.name, err)
		}
		parts[i] = ts[0]
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	full := newTensor(v.typ, v.dims)
	for i, t := range parts {
		putChunk(full, t, p.bounds[i], p.bounds[i+1])
	}
	return full, nil
}

// block hands out the element storage of a traced run's node outputs from
// one allocation per element type (sized at load time).
type block struct {
	i []int32
	f []uint32
	t []Tensor
}

func (m *Model) newBlock() *block {
	var ni, nf int64
	for _, n := range m.nodes {
		c := numel(n.out.dims)
		if n.out.typ == Float {
			nf += c
		} else if n.out.typ != Int64 {
			ni += c
		}
	}
	return &block{i: make([]int32, ni), f: make([]uint32, nf), t: make([]Tensor, 0, len(m.nodes))}
}

func (b *block) tensor(typ DType, dims []int64) *Tensor {
	n := numel(dims)
	b.t = append(b.t, Tensor{Type: typ, Dims: dims})
	t := &b.t[len(b.t)-1]
	switch typ {
	case Float:
		t.F, b.f = b.f[:n:n], b.f[n:]
	case Int64:
		t.I64 = make([]int64, n)
	default:
		t.I, b.i = b.i[:n:n], b.i[n:]
	}
	return t
}

// chunkView is the part [c0,c1) of t along axis 1: a view sharing t's
// elements when they are contiguous (dim 0 is 1), else a copy.
func chunkView(t *Tensor, c0, c1 int64) *Tensor {
	if len(t.Dims) < 2 || t.Dims[0] != 1 {
		return sliceAxis1(t, c0, c1)
	}
	_, _, inner := split1(t.Dims)
	v := &Tensor{Type: t.Type, Dims: chunkDims(t.Dims, c0, c1)}
	a, b := c0*inner, c1*inner
	switch t.Type {
	case Float:
		v.F = t.F[a:b:b]
	case Int64:
		v.I64 = t.I64[a:b:b]
	default:
		v.I = t.I[a:b:b]
	}
	return v
}
