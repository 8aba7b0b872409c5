package onnxint

// Elementwise and data-movement kernels.

// sliceAxis1 returns the part [c0,c1) of t along axis 1 (t itself when
// that is all of it).
func sliceAxis1(t *Tensor, c0, c1 int64) *Tensor {
	outer, c, inner := split1(t.Dims)
	if c0 == 0 && c1 == c {
		return t
	}
	out := newTensor(t.Type, chunkDims(t.Dims, c0, c1))
	w := c1 - c0
	for o := int64(0); o < outer; o++ {
		src := (o*c + c0) * inner
		dst := o * w * inner
		n := w * inner
		switch t.Type {
		case Float:
			copy(out.F[dst:dst+n], t.F[src:src+n])
		case Int64:
			copy(out.I64[dst:dst+n], t.I64[src:src+n])
		default:
			copy(out.I[dst:dst+n], t.I[src:src+n])
		}
	}
	return out
}

// mapKernel applies an emap to one operand.
type mapKernel struct {
	x    operand
	e    *emap
	dims []int64
}

type mapState struct {
	ms *emapState
	xw *Tensor
}

func (k *mapKernel) prepare(w []*Tensor) (any, error) {
	ms, err := k.e.prepare(w)
	if err != nil {
		return nil, err
	}
	s := &mapState{ms: ms}
	if k.x.isWeight() {
		s.xw = w[k.x.w]
	}
	return s, nil
}

func (k *mapKernel) exec(st any, in []*Tensor, c0, c1 int64, out *Tensor) {
	s := st.(*mapState)
	x := s.xw
	if x == nil {
		x = in[k.x.in]
	}
	x = sliceAxis1(x, c0, c1)
	s.ms.apply(x, out, out.Dims, c0)
}

// moveKernel moves elements: Reshape and Flatten keep the row-major order,
// Transpose permutes axes. An optional emap follows (QDQ patterns).
type moveKernel struct {
	x       operand
	inDims  []int64
	outDims []int64
	perm    []int // Transpose; nil keeps the order
	shape   int   // Reshape's shape (weight slot), checked at prepare; −1 none
	allow0  bool  // Reshape's allowzero
	post    *emap
	midType DType // element type before post
}

type moveState struct {
	post *emapState
	xw   *Tensor
}

func (k *moveKernel) prepare(w []*Tensor) (any, error) {
	s := &moveState{}
	if k.shape >= 0 {
		st := w[k.shape]
		dims, err := reshapeDims(k.inDims, st.I64, k.allow0)
		if err != nil || !equalDims(dims, k.outDims) {
			return nil, errReshapeMismatch
		}
	}
	if k.x.isWeight() {
		s.xw = w[k.x.w]
	}
	if k.post != nil {
		ps, err := k.post.prepare(w)
		if err != nil {
			return nil, err
		}
		s.post = ps
	}
	return s, nil
}

func (k *moveKernel) exec(st any, in []*Tensor, c0, c1 int64, out *Tensor) {
	s := st.(*moveState)
	x := s.xw
	if x == nil {
		x = in[k.x.in]
	}
	dst := out
	post := s.post
	if post != nil && post.ident {
		post = nil
	}
	if post != nil {
		dst = &Tensor{Type: k.midType, Dims: out.Dims}
		if k.midType == Float || k.midType == Int64 {
			dst = newTensor(k.midType, out.Dims)
		} else {
			bp := getI32(out.Len())
			defer putI32(bp)
			dst.I = *bp
		}
	}
	if k.perm == nil {
		// Same order: the chunk is outer runs of w·inner elements.
		outer, c, inner := split1(k.outDims)
		w := c1 - c0
		for o := int64(0); o < outer; o++ {
			src := (o*c + c0) * inner
			d := o * w * inner
			copyElems(dst, d, x, src, w*inner)
		}
	} else {
		// Transpose: walk the chunk's output coordinates; output axis i is
		// input axis perm[i].
		r := len(k.outDims)
		ist := make([]int64, len(k.inDims))
		acc := int64(1)
		for i := len(k.inDims) - 1; i >= 0; i-- {
			ist[i] = acc
			acc *= k.inDims[i]
		}
		step := make([]int64, r)
		for i := range step {
			step[i] = ist[k.perm[i]]
		}
		cd := chunkDims(k.outDims, c0, c1)
		coord := make([]int64, r)
		var src int64
		if r >= 2 {
			coord[1] = c0
			src = c0 * step[1]
		}
		n := dst.Len()
		for i := 0; i < n; i++ {
			copyElems(dst, int64(i), x, src, 1)
			for a := r - 1; a >= 0; a-- {
				coord[a]++
				src += step[a]
				lim := cd[a]
				base := int64(0)
				if a == 1 {
					lim, base = c1, c0
				}
				if coord[a] < lim {
					break
				}
				src -= (coord[a] - base) * step[a]
				coord[a] = base
			}
		}
	}
	if post != nil {
		post.apply(dst, out, out.Dims, c0)
	}
}

func copyElems(dst *Tensor, d int64, src *Tensor, s, n int64) {
	switch src.Type {
	case Float:
		copy(dst.F[d:d+n], src.F[s:s+n])
	case Int64:
		copy(dst.I64[d:d+n], src.I64[s:s+n])
	default:
		copy(dst.I[d:d+n], src.I[s:s+n])
	}
}

// addKernel is Add with numpy broadcasting: on integers it wraps in the
// element type (as numpy does); in the QDQ pattern it is
// round((sa(a−za) + sb(b−zb)) / sy) + zy with an optional activation.
type addKernel struct {
	a, b       operand
	outDims    []int64
	typ        DType // integer Add's type
	quant      bool
	qa, qb, qy qparam
	act        act
	outType    DType
}

type addState struct {
	aw, bw *Tensor
	za, zb int64
	pa, pb uint64
	d      uint64
	k      uint
	r      rq
}

func (k *addKernel) prepare(w []*Tensor) (any, error) {
	s := &addState{}
	if k.a.isWeight() {
		s.aw = w[k.a.w]
	}
	if k.b.isWeight() {
		s.bw = w[k.b.w]
	}
	if !k.quant {
		return s, nil
	}
	qa, err := k.qa.load(w)
	if err != nil {
		return nil, err
	}
	qb, err := k.qb.load(w)
	if err != nil {
		return nil, err
	}
	qy, err := k.qy.load(w)
	if err != nil {
		return nil, err
	}
	sa, za := qa.at(0)
	sb, zb := qb.at(0)
	sy, zy := qy.at(0)
	l, err := newLin([]dy{dyOf(sa), dyOf(sb)}, dyOf(sy))
	if err != nil {
		return nil, err
	}
	lo, hi, err := k.act.bounds(w, sy, zy)
	if err != nil {
		return nil, err
	}
	tlo, thi := typeRange(k.outType)
	s.za, s.zb, s.pa, s.pb, s.d, s.k = za, zb, l.p[0], l.p[1], l.d, l.k
	s.r = rq{z: zy, lo: lo, hi: hi, tlo: int64(tlo), thi: int64(thi)}
	s.r.seal()
	return s, nil
}

func (k *addKernel) exec(st any, in []*Tensor, c0, c1 int64, out *Tensor) {
	s := st.(*addState)
	at, bt := s.aw, s.bw
	if at == nil {
		at = in[k.a.in]
	}
	if bt == nil {
		bt = in[k.b.in]
	}
	ai := chunkIndex(k.outDims, k.a.dims, c0, c1)
	bi := chunkIndex(k.outDims, k.b.dims, c0, c1)
	n := out.Len()
	if !k.quant {
		for i := 0; i < n; i++ {
			v := at.I[idx(ai, i)] + bt.I[idx(bi, i)] // wraps in int32
			switch k.typ {
			case Int8:
				v = int32(int8(v))
			case Uint8:
				v = int32(uint8(v))
			}
			out.I[i] = v
		}
		return
	}
	for i := 0; i < n; i++ {
		x := mulI128(int64(at.I[idx(ai, i)])-s.za, s.pa).add(mulI128(int64(bt.I[idx(bi, i)])-s.zb, s.pb))
		out.I[i] = s.r.finish(roundDivSigned(x, s.d, s.k))
	}
}

// idx reads an index table; a nil table is the identity.
func idx(t []int, i int) int {
	if t == nil {
		return i
	}
	return t[i]
}

// chunkIndex maps each element of the chunk [c0,c1) (axis 1) of a tensor
// of shape out to the flat index of the operand of shape in broadcast to
// it; nil when that is the identity.
func chunkIndex(out, in []int64, c0, c1 int64) []int {
	_, c, _ := split1(out)
	if equalDims(out, in) && c0 == 0 && c1 == c {
		return nil
	}
	st := bstrides(out, in)
	cd := chunkDims(out, c0, c1)
	n, _ := numElements(cd, 1<<62)
	res := make([]int, n)
	r := len(out)
	coord := make([]int64, r)
	var src int64
	if r >= 2 {
		coord[1] = c0
		src = c0 * st[1]
	}
	for i := range res {
		res[i] = int(src)
		for a := r - 1; a >= 0; a-- {
			coord[a]++
			src += st[a]
			lim, base := cd[a], int64(0)
			if a == 1 {
				lim, base = c1, c0
			}
			if coord[a] < lim {
				break
			}
			src -= (coord[a] - base) * st[a]
			coord[a] = base
		}
	}
	return res
}
