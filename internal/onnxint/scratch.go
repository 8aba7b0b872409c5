package onnxint

import "sync"

// Scratch buffers reused across kernel calls, so that a run allocates
// little beyond its results.

var i64Pool, i32Pool, i16Pool sync.Pool

// getI64 returns a zeroed []int64 of length n in a reusable holder.
func getI64(n int) *[]int64 {
	if p, ok := i64Pool.Get().(*[]int64); ok {
		if cap(*p) >= n {
			*p = (*p)[:n]
			clear(*p)
			return p
		}
	}
	s := make([]int64, n)
	return &s
}

func putI64(p *[]int64) { i64Pool.Put(p) }

// getI32 returns a []int32 of length n (not zeroed).
func getI32(n int) *[]int32 {
	if p, ok := i32Pool.Get().(*[]int32); ok {
		if cap(*p) >= n {
			*p = (*p)[:n]
			return p
		}
	}
	s := make([]int32, n)
	return &s
}

func putI32(p *[]int32) { i32Pool.Put(p) }

// arena holds a plain run's node outputs, reused by later runs (shapes
// are static).
type arena struct {
	vals []*Tensor
}

// getI16 returns a []int16 of length n (not zeroed).
func getI16(n int) *[]int16 {
	if p, ok := i16Pool.Get().(*[]int16); ok {
		if cap(*p) >= n {
			*p = (*p)[:n]
			return p
		}
	}
	s := make([]int16, n)
	return &s
}

func putI16(p *[]int16) { i16Pool.Put(p) }
