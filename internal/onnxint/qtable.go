package onnxint

// qtable quantizes FLOAT bits to an 8-bit type (QuantizeLinear with one
// scale) by table lookup. QuantizeLinear is monotone in x, so it is fixed
// by its thresholds: t[j] is the least float (as an order-preserving key)
// whose result is lo+j+1, and Q(x) = lo + #{j : t[j] ≤ key(x)}. The
// thresholds are found at prepare time by binary search with the exact
// quantizer, so the table gives exactly its results. A bucket index on the
// key's top 16 bits narrows the count to the thresholds inside the bucket
// (usually none or one).
type qtable struct {
	lo int32
	t  []int32  // ascending threshold keys
	b  []uint16 // per bucket: the number of thresholds below its first key; len 65537
}

// f32Key maps float32 bits (not NaN) to an int32 in the order of the
// values (−0 and +0 both to 0).
func f32Key(b uint32) int32 {
	if b>>31 == 0 {
		return int32(b)
	}
	return -int32(b & 0x7fffffff)
}

func keyF32(k int32) uint32 {
	if k >= 0 {
		return uint32(k)
	}
	return uint32(-k) | 1<<31
}

const maxKey = 0x7f800000 // +inf

// newQtable builds the table for q(bits), monotone with values in [lo, hi].
func newQtable(q func(uint32) int32, lo, hi int32) *qtable {
	qt := &qtable{lo: lo, t: make([]int32, 0, hi-lo), b: make([]uint16, 65537)}
	for level := lo + 1; level <= hi; level++ {
		// Least key in [−maxKey, maxKey] with q ≥ level (maxKey+1 if none).
		a, z := int64(-maxKey), int64(maxKey)+1
		for a < z {
			mid := (a + z) >> 1
			if q(keyF32(int32(mid))) >= level {
				z = mid
			} else {
				a = mid + 1
			}
		}
		qt.t = append(qt.t, int32(min(a, maxKey+1)))
	}
	// Bucket i holds the keys whose offset key+2^31 has top 16 bits i.
	j := 0
	for i := 0; i <= 65536; i++ {
		start := int64(i)<<16 - 1<<31
		for j < len(qt.t) && int64(qt.t[j]) < start {
			j++
		}
		qt.b[i] = uint16(j)
	}
	return qt
}

func (qt *qtable) quant(bits uint32) int32 {
	if bits&0x7fffffff > maxKey { // NaN
		return qt.lo
	}
	key := f32Key(bits)
	bk := (uint32(key) ^ 1<<31) >> 16
	i, end := int(qt.b[bk]), int(qt.b[bk+1])
	for i < end && qt.t[i] <= key {
		i++
	}
	return qt.lo + int32(i)
}
