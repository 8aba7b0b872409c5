package inferd

import (
	"math"
	"slices"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/tensorio"
)

// Falsify returns outputs with one of them changed so that a classifier's
// answer differs: in the first output of more than one element the largest
// element trades places with the runner-up (and, where they tie, the former
// largest is lowered by one step), so tensorio.Argmax changes; an output of
// one element is moved by one step. It is the fault that --lie-every
// injects, for tests and demos of disputes. The inputs are not modified.
func Falsify(outputs []*onnxint.Tensor) []*onnxint.Tensor {
	out := slices.Clone(outputs)
	for i, t := range outputs {
		if t.Len() > 1 {
			c := cloneTensor(t)
			a := tensorio.Argmax(c)
			r := runnerUp(c, a)
			swap(c, a, r)
			if tensorio.Argmax(c) == a { // a tie: lower the old maximum
				if !step(c, a, -1) {
					step(c, r, +1)
				}
			}
			out[i] = c
			return out
		}
	}
	for i, t := range outputs {
		if t.Len() == 1 {
			c := cloneTensor(t)
			if !step(c, 0, +1) {
				step(c, 0, -1)
			}
			out[i] = c
			return out
		}
	}
	return out
}

func cloneTensor(t *onnxint.Tensor) *onnxint.Tensor {
	return &onnxint.Tensor{Type: t.Type, Dims: slices.Clone(t.Dims), I: slices.Clone(t.I), I64: slices.Clone(t.I64), F: slices.Clone(t.F)}
}

// key orders elements as numbers (floats by value, as tensorio does).
func key(t *onnxint.Tensor, i int) int64 {
	switch t.Type {
	case onnxint.Float:
		u := t.F[i]
		if u&0x80000000 != 0 {
			return -int64(u & 0x7fffffff)
		}
		return int64(u)
	case onnxint.Int64:
		return t.I64[i]
	}
	return int64(t.I[i])
}

// runnerUp is the index of the largest element other than a.
func runnerUp(t *onnxint.Tensor, a int) int {
	best := -1
	for i := range t.Len() {
		if i != a && (best < 0 || key(t, i) > key(t, best)) {
			best = i
		}
	}
	return best
}

func swap(t *onnxint.Tensor, i, j int) {
	switch t.Type {
	case onnxint.Float:
		t.F[i], t.F[j] = t.F[j], t.F[i]
	case onnxint.Int64:
		t.I64[i], t.I64[j] = t.I64[j], t.I64[i]
	default:
		t.I[i], t.I[j] = t.I[j], t.I[i]
	}
}

// step moves element i one representable value up (dir > 0) or down; it
// reports false at the end of the type's range.
func step(t *onnxint.Tensor, i int, dir int64) bool {
	switch t.Type {
	case onnxint.Float:
		k := key(t, i) + dir
		if k > 0x7f7fffff || k < -0x7f7fffff { // stay finite
			return false
		}
		if k >= 0 {
			t.F[i] = uint32(k)
		} else {
			t.F[i] = 0x80000000 | uint32(-k)
		}
	case onnxint.Int64:
		if (dir > 0 && t.I64[i] == math.MaxInt64) || (dir < 0 && t.I64[i] == math.MinInt64) {
			return false
		}
		t.I64[i] += dir
	default:
		lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
		switch t.Type {
		case onnxint.Int8:
			lo, hi = -128, 127
		case onnxint.Uint8:
			lo, hi = 0, 255
		}
		v := int64(t.I[i]) + dir
		if v < lo || v > hi {
			return false
		}
		t.I[i] = int32(v)
	}
	return true
}
