package train

// rng is SplitMix64: a fixed, fully specified generator, so initial weights
// and the order of training examples depend only on the seed (not on the Go
// release's math/rand).
type rng struct{ s uint64 }

func newRNG(seed uint64) *rng { return &rng{s: seed} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a uniform integer in [0, n) (n > 0), by rejection.
func (r *rng) intn(n int) int {
	bound := uint64(n)
	limit := -bound % bound // 2^64 mod n
	for {
		v := r.next()
		if v >= limit {
			return int(v % bound)
		}
	}
}

// uniform returns a float32 uniform in [-a, a): 24 random bits, scaled.
func (r *rng) uniform(a float32) float32 {
	u := float32(r.next()>>40) / (1 << 24) // [0, 1), exact
	return (2*u - 1) * a
}

// perm returns a random permutation of 0..n-1 (Fisher–Yates).
func (r *rng) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}
