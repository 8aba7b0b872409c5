package onnxint

import "fmt"

// gemmKernel is the matrix product of the MatMul family (numpy matmul
// semantics with broadcast batch dims; Gemm is the rank-2 case with
// transposes): MatMulInteger (exact int32 result, wrapping like 32-bit
// accumulation), QLinearMatMul, and the QDQ MatMul and Gemm patterns
// (requantized, with an optional bias and activation).
type gemmKernel struct {
	a, b           operand
	m, k, n        int
	transA, transB bool
	nOut           int   // output batches
	aOff, bOff     []int // per output batch: A's and B's batch index
	nbB            int   // B's batches
	outDims        []int64
	role           int // what axis 1 of the output is
	bInner, b1     int // roleBatch: product of the batch dims after dim 1, and dim 1

	// MatMulInteger zero points (weight slots or −1).
	zaSlot, zbSlot int

	quant      bool // requantized output (otherwise int32)
	qa, qb, qy qparam
	bias       operand // w < 0 when absent
	qc         qparam
	act        act
	outType    DType
}

const (
	roleNone = iota
	roleBatch
	roleRow
	roleCol
)

type gemmState struct {
	aw     *Tensor
	bw     []*packed // per B batch when B is a weight
	za     int64
	zb     []int64 // per column (len 1: all)
	rq     []rq    // per column (len 1: all)
	sparse bool
}

// matmulGeometry validates A and B and sets the kernel's shapes.
func (g *gemmKernel) geometry(b *nb, gemm bool) error {
	ad, bd := g.a.dims, g.b.dims
	if len(ad) == 0 || len(bd) == 0 {
		return b.errf("matrix product of a scalar")
	}
	if gemm && (len(ad) != 2 || len(bd) != 2) {
		return b.errf("Gemm needs rank-2 inputs, got %v and %v", ad, bd)
	}
	var aBatch, bBatch []int64
	var m, ka, kb, n int64
	if len(ad) == 1 {
		m, ka = 1, ad[0]
	} else {
		m, ka = ad[len(ad)-2], ad[len(ad)-1]
		if g.transA {
			m, ka = ka, m
		}
		aBatch = ad[:len(ad)-2]
	}
	if len(bd) == 1 {
		kb, n = bd[0], 1
	} else {
		kb, n = bd[len(bd)-2], bd[len(bd)-1]
		if g.transB {
			kb, n = n, kb
		}
		bBatch = bd[:len(bd)-2]
	}
	if ka != kb {
		return b.errf("inner dimensions differ: %v and %v", ad, bd)
	}
	outBatch, err := broadcastDims(aBatch, bBatch)
	if err != nil {
		return b.errf("batch dims: %v", err)
	}
	g.m, g.k, g.n = int(m), int(ka), int(n)
	g.outDims = append([]int64{}, outBatch...)
	roles := make([]int, len(outBatch))
	for i := range roles {
		roles[i] = roleBatch
	}
	if len(ad) >= 2 {
		g.outDims = append(g.outDims, m)
		roles = append(roles, roleRow)
	}
	if len(bd) >= 2 {
		g.outDims = append(g.outDims, n)
		roles = append(roles, roleCol)
	}
	if len(roles) >= 2 {
		g.role = roles[1]
	}
	if g.role == roleBatch {
		g.b1 = int(outBatch[1])
		g.bInner = 1
		for _, d := range outBatch[2:] {
			g.bInner *= int(d)
		}
	}
	nOut, err := numElements(outBatch, b.l.lim.MaxElements)
	if err != nil {
		return b.errf("%v", err)
	}
	g.nOut = int(nOut)
	g.aOff = broadcastIndex(outBatch, aBatch)
	g.bOff = broadcastIndex(outBatch, bBatch)
	nb, _ := numElements(bBatch, 1<<62)
	g.nbB = int(nb)
	if _, err := numElements([]int64{m, ka}, b.l.lim.MaxElements); err != nil {
		return b.errf("%v", err)
	}
	return nil
}

// cost is the number of multiply-accumulates per index of output axis 1.
func (g *gemmKernel) unitCost() int64 {
	total := int64(g.nOut) * int64(g.m) * int64(g.n) * int64(g.k)
	_, c, _ := split1(g.outDims)
	if c == 0 {
		return 0
	}
	return total / c
}

// broadcastDims is numpy's broadcast of two shapes.
func broadcastDims(a, b []int64) ([]int64, error) {
	r := len(a)
	if len(b) > r {
		r = len(b)
	}
	out := make([]int64, r)
	for i := 0; i < r; i++ {
		da, db := int64(1), int64(1)
		if j := i - (r - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (r - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

// broadcastIndex maps each flat index of out to the flat index of the
// operand of shape in that broadcasts to it.
func broadcastIndex(out, in []int64) []int {
	n, _ := numElements(out, 1<<62)
	idx := make([]int, n)
	st := bstrides(out, in)
	coord := make([]int64, len(out))
	for f := range idx {
		var off int64
		for i, c := range coord {
			off += c * st[i]
		}
		idx[f] = int(off)
		for i := len(coord) - 1; i >= 0; i-- {
			coord[i]++
			if coord[i] < out[i] {
				break
			}
			coord[i] = 0
		}
	}
	return idx
}

// bstrides are the strides of in (right-aligned to out) with 0 on the
// broadcast dims.
func bstrides(out, in []int64) []int64 {
	st := make([]int64, len(out))
	s := int64(1)
	for i := len(out) - 1; i >= 0; i-- {
		j := i - (len(out) - len(in))
		if j < 0 {
			continue
		}
		if in[j] != 1 {
			st[i] = s
		}
		s *= in[j]
	}
	return st
}

func (g *gemmKernel) prepare(w []*Tensor) (any, error) {
	s := &gemmState{za: 0, zb: []int64{0}}
	if g.a.isWeight() {
		s.aw = w[g.a.w]
	}
	if g.b.isWeight() {
		s.bw = g.pack(w[g.b.w])
	}
	if !g.quant {
		if g.zaSlot >= 0 {
			s.za = int64(w[g.zaSlot].I[0])
		}
		if g.zbSlot >= 0 {
			zt := w[g.zbSlot]
			s.zb = make([]int64, len(zt.I))
			for i, v := range zt.I {
				s.zb[i] = int64(v)
			}
		}
		return s, nil
	}
	qa, err := g.qa.load(w)
	if err != nil {
		return nil, err
	}
	qb, err := g.qb.load(w)
	if err != nil {
		return nil, err
	}
	qy, err := g.qy.load(w)
	if err != nil {
		return nil, err
	}
	var qc qvals
	if g.bias.isWeight() {
		if qc, err = g.qc.load(w); err != nil {
			return nil, err
		}
	}
	sa, za := qa.at(0)
	sy, zy := qy.at(0)
	s.za = za
	lo, hi, err := g.act.bounds(w, sy, zy)
	if err != nil {
		return nil, err
	}
	perCol := len(qb.s) > 1 || (g.bias.isWeight() && (len(qc.s) > 1 || w[g.bias.w].Len() > 1))
	ncol := 1
	if perCol {
		ncol = g.n
	}
	s.zb = make([]int64, len(qb.z))
	copy(s.zb, qb.z)
	s.rq = make([]rq, ncol)
	for j := range s.rq {
		sb, _ := qb.at(int64(j))
		var c int64
		var sc dy
		if g.bias.isWeight() {
			bt := w[g.bias.w]
			bv := int64(bt.I[0])
			if bt.Len() > 1 {
				bv = int64(bt.I[j])
			}
			scf, zc := qc.at(int64(j))
			c, sc = bv-zc, dyOf(scf)
		}
		r, err := rqFor(dyOf(sa).mul(dyOf(sb)), c, sc, sy, zy, g.outType, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("output column %d: %w", j, err)
		}
		s.rq[j] = r
	}
	return s, nil
}

// pack packs every batch of B.
func (g *gemmKernel) pack(bt *Tensor) []*packed {
	out := make([]*packed, g.nbB)
	per := g.k * g.n
	rs, cs := g.n, 1
	if g.transB {
		rs, cs = 1, g.k
	}
	for i := range out {
		out[i] = packB(bt.I[i*per:(i+1)*per], g.k, g.n, rs, cs, g.a.typ, g.b.typ)
	}
	return out
}

func (g *gemmKernel) exec(st any, in []*Tensor, c0, c1 int64, out *Tensor) {
	s := st.(*gemmState)
	at := s.aw
	if at == nil {
		at = in[g.a.in]
	}
	bw := s.bw
	if bw == nil {
		bw = g.pack(in[g.b.in])
	}
	i0, i1, j0, j1 := 0, g.m, 0, g.n
	switch g.role {
	case roleRow:
		i0, i1 = int(c0), int(c1)
	case roleCol:
		j0, j1 = int(c0), int(c1)
	}
	accp := getI64(accLen(j0, j1))
	defer putI64(accp)
	acc := *accp
	var row []int32
	if g.transA {
		rp := getI32(g.k)
		defer putI32(rp)
		row = *rp
	}
	lay := newLayout(g.outDims, c0, c1)
	zbAny := false
	for _, z := range s.zb {
		zbAny = zbAny || z != 0
	}
	kk := int64(g.k)
	for ob := 0; ob < g.nOut; ob++ {
		if g.role == roleBatch {
			if c := int64(ob / g.bInner % g.b1); c < c0 || c >= c1 {
				continue
			}
		}
		aBase := g.aOff[ob] * g.m * g.k
		bp := bw[g.bOff[ob]]
		je := bp.base(j0)
		for i := i0; i < i1; i++ {
			if g.transA {
				for k := range row {
					row[k] = at.I[aBase+k*g.m+i]
				}
			} else {
				row = at.I[aBase+i*g.k : aBase+(i+1)*g.k]
			}
			clear(acc)
			bp.dotRow(row, je, j1, acc)
			var rowSum int64
			if zbAny {
				rowSum = sum32(row)
			}
			base := (ob*g.m + i) * g.n
			for j := j0; j < j1; j++ {
				zb := s.zb[0]
				if len(s.zb) > 1 {
					zb = s.zb[j]
				}
				v := acc[j-je] - zb*rowSum - s.za*bp.colSum[j] + kk*s.za*zb
				o := lay.at(int64(base + j))
				if !g.quant {
					out.I[o] = int32(v) // the exact sum modulo 2^32
					continue
				}
				r := &s.rq[0]
				if len(s.rq) > 1 {
					r = &s.rq[j]
				}
				if y, ok := r.quick(v); ok {
					out.I[o] = y
				} else {
					out.I[o] = r.applySlow(v)
				}
			}
		}
	}
}

// layout maps an output's flat index to its index in a chunk [c0,c1) of
// axis 1.
type layout struct {
	whole        bool
	c, inner, c0 int64
	w            int64
}

func newLayout(dims []int64, c0, c1 int64) layout {
	_, c, inner := split1(dims)
	return layout{whole: c0 == 0 && c1 == c, c: c, inner: inner, c0: c0, w: c1 - c0}
}

func (l layout) at(f int64) int {
	if l.whole {
		return int(f)
	}
	r := f % l.inner
	q := f / l.inner
	c := q % l.c
	o := q / l.c
	return int((o*l.w+c-l.c0)*l.inner + r)
}
