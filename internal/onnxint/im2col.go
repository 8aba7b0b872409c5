package onnxint

// im2col: gathering a convolution's input patches into rows (int32 or
// int16, with the zero point as padding) for the dot-product kernels.

// gather32 writes patch p of batch n, group g (im2col, padding with zx)
// into row and returns its sum when sum is set.
func (k *convKernel) gather32(x []int32, n, g, p int, zx int64, row []int32, sum bool) int64 {
	wn := &k.win
	ih, iw := wn.in[0], wn.in[1]
	plane := ih * iw
	xbase := (n*k.c + g*k.cg) * plane
	oy, ox := p/wn.out[1], p%wn.out[1]
	z := int32(zx)
	kh, kw := wn.k[0], wn.k[1]
	x0 := ox*wn.s[1] - wn.pb[1]
	inside := wn.d[1] == 1 && x0 >= 0 && x0+kw <= iw
	i := 0
	for c := 0; c < k.cg; c++ {
		cb := xbase + c*plane
		for ki := 0; ki < kh; ki++ {
			y := oy*wn.s[0] - wn.pb[0] + ki*wn.d[0]
			dst := row[i : i+kw]
			i += kw
			if y < 0 || y >= ih {
				for j := range dst {
					dst[j] = z
				}
				continue
			}
			rb := cb + y*iw
			if inside {
				copy(dst, x[rb+x0:rb+x0+kw])
				continue
			}
			for kj := range dst {
				xx := x0 + kj*wn.d[1]
				if xx < 0 || xx >= iw {
					dst[kj] = z
				} else {
					dst[kj] = x[rb+xx]
				}
			}
		}
	}
	if !sum {
		return 0
	}
	return sum32(row)
}

// gather16 is gather32 into an int16 row.
func (k *convKernel) gather16(x []int32, n, g, p int, zx int64, row []int16, sum bool) int64 {
	wn := &k.win
	ih, iw := wn.in[0], wn.in[1]
	plane := ih * iw
	xbase := (n*k.c + g*k.cg) * plane
	oy, ox := p/wn.out[1], p%wn.out[1]
	z := int16(zx)
	kh, kw := wn.k[0], wn.k[1]
	x0 := ox*wn.s[1] - wn.pb[1]
	inside := wn.d[1] == 1 && x0 >= 0 && x0+kw <= iw
	var total int64
	i := 0
	for c := 0; c < k.cg; c++ {
		cb := xbase + c*plane
		for ki := 0; ki < kh; ki++ {
			y := oy*wn.s[0] - wn.pb[0] + ki*wn.d[0]
			dst := row[i : i+kw]
			i += kw
			if y < 0 || y >= ih {
				for j := range dst {
					dst[j] = z
				}
				continue
			}
			rb := cb + y*iw
			if inside {
				src := x[rb+x0 : rb+x0+kw]
				for j, v := range src {
					dst[j] = int16(v)
				}
				continue
			}
			for kj := range dst {
				xx := x0 + kj*wn.d[1]
				if xx < 0 || xx >= iw {
					dst[kj] = z
				} else {
					dst[kj] = int16(x[rb+xx])
				}
			}
		}
	}
	if sum {
		for _, v := range row {
			total += int64(v)
		}
	}
	return total
}

// gatherX16 is gather16 from an input already in int16.
func (k *convKernel) gatherX16(x []int16, n, g, p int, zx int64, row []int16, sum bool) int64 {
	wn := &k.win
	ih, iw := wn.in[0], wn.in[1]
	plane := ih * iw
	xbase := (n*k.c + g*k.cg) * plane
	oy, ox := p/wn.out[1], p%wn.out[1]
	z := int16(zx)
	kh, kw := wn.k[0], wn.k[1]
	x0 := ox*wn.s[1] - wn.pb[1]
	inside := wn.d[1] == 1 && x0 >= 0 && x0+kw <= iw
	i := 0
	for c := 0; c < k.cg; c++ {
		cb := xbase + c*plane
		for ki := 0; ki < kh; ki++ {
			y := oy*wn.s[0] - wn.pb[0] + ki*wn.d[0]
			dst := row[i : i+kw]
			i += kw
			if y < 0 || y >= ih {
				for j := range dst {
					dst[j] = z
				}
				continue
			}
			rb := cb + y*iw
			if inside {
				src := x[rb+x0 : rb+x0+kw]
				if kw <= 8 {
					for j, v := range src {
						dst[j] = v
					}
				} else {
					copy(dst, src)
				}
				continue
			}
			for kj := range dst {
				xx := x0 + kj*wn.d[1]
				if xx < 0 || xx >= iw {
					dst[kj] = z
				} else {
					dst[kj] = x[rb+xx]
				}
			}
		}
	}
	if !sum {
		return 0
	}
	var total int64
	for _, v := range row {
		total += int64(v)
	}
	return total
}

// padded returns batch n's input as int16 planes with the pads filled
// with the zero point: C planes of hp×wp.
func (k *convKernel) padded(x []int32, n int, zx int64) (buf *[]int16, hp, wp int) {
	wn := &k.win
	ih, iw := wn.in[0], wn.in[1]
	hp = max(ih+wn.pb[0]+wn.pe[0], (wn.out[0]-1)*wn.s[0]+(wn.k[0]-1)*wn.d[0]+1)
	wp = max(iw+wn.pb[1]+wn.pe[1], (wn.out[1]-1)*wn.s[1]+(wn.k[1]-1)*wn.d[1]+1)
	buf = getI16(k.c * hp * wp)
	b := *buf
	z := int16(zx)
	for i := range b {
		b[i] = z
	}
	for c := 0; c < k.c; c++ {
		src := x[(n*k.c+c)*ih*iw:]
		for y := 0; y < ih; y++ {
			dst := b[(c*hp+y+wn.pb[0])*wp+wn.pb[1]:][:iw]
			for i, v := range src[y*iw : y*iw+iw] {
				dst[i] = int16(v)
			}
		}
	}
	return buf, hp, wp
}
