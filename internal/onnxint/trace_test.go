package onnxint

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/prova-network/prova/internal/onnxint/onnxtest"
)

// mth is RFC 6962's Merkle Tree Hash, written from §2.1 as a plain
// recursion, to check the helpers built on transparency-dev/merkle.
func mth(leaves [][32]byte) [32]byte {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return LeafHash(leaves[0])
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := mth(leaves[:k]), mth(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

func testLeaves(n int) [][32]byte {
	out := make([][32]byte, n)
	for i := range out {
		out[i] = sha256.Sum256([]byte{byte(i), byte(i >> 8)})
	}
	return out
}

func TestMerkleKnownAnswers(t *testing.T) {
	// Vectors from Python's hashlib: sha256(b""), sha256(b"\x00" + 32 zero
	// bytes), and sha256(b"\x01" + that + sha256(b"\x00" + 32 bytes of 1)).
	hexOf := func(h [32]byte) string { return hex.EncodeToString(h[:]) }
	if got := hexOf(TraceRoot(nil)); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("empty root %s", got)
	}
	var zero, ones [32]byte
	for i := range ones {
		ones[i] = 1
	}
	if got := hexOf(LeafHash(zero)); got != "7f9c9e31ac8256ca2f258583df262dbc7d6f68f2a03043d5c99a4ae5a7396ce9" {
		t.Fatalf("leaf hash %s", got)
	}
	if got := hexOf(TraceRoot([][32]byte{zero, ones})); got != "28fb81e496897e0ce886f08602392e9239b65c659041e5202163e58ad898f444" {
		t.Fatalf("two-leaf root %s", got)
	}
}

func TestMerkleProofsAndRanges(t *testing.T) {
	leaves := testLeaves(40)
	for size := uint64(0); size <= uint64(len(leaves)); size++ {
		root := PrefixRoot(leaves, size)
		if root != mth(leaves[:size]) || TraceRoot(leaves[:size]) != root {
			t.Fatalf("PrefixRoot or TraceRoot(%d) differs from RFC 6962 MTH", size)
		}
		rng := CompactRange(leaves, size)
		got, err := RangeRoot(size, rng)
		if err != nil || got != root {
			t.Fatalf("RangeRoot(%d) = %x, %v", size, got, err)
		}
		if size < uint64(len(leaves)) {
			next, err := AppendRoot(size, rng, leaves[size])
			if err != nil || next != mth(leaves[:size+1]) {
				t.Fatalf("AppendRoot(%d) = %x, %v", size, next, err)
			}
			// The caller's range is left as it was.
			if again, _ := RangeRoot(size, rng); again != root {
				t.Fatalf("AppendRoot modified the range")
			}
		}
		if len(rng) > 0 {
			if _, err := RangeRoot(size, rng[1:]); !errors.Is(err, ErrProof) {
				t.Fatalf("short range of size %d accepted: %v", size, err)
			}
			bad := append([][]byte{rng[0][:31]}, rng[1:]...)
			if _, err := AppendRoot(size, bad, leaves[0]); !errors.Is(err, ErrProof) {
				t.Fatalf("range with a short hash accepted: %v", err)
			}
		}
		if _, err := RangeRoot(size, append(rng, make([]byte, 32))); !errors.Is(err, ErrProof) {
			t.Fatalf("long range of size %d accepted", size)
		}
		for i := uint64(0); i < size; i++ {
			p, err := InclusionProof(leaves, i, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyInclusion(leaves[i], i, size, p, root); err != nil {
				t.Fatalf("proof of %d in %d: %v", i, size, err)
			}
			if err := VerifyInclusion(leaves[(i+1)%size], i, size, p, root); size > 1 && err == nil {
				t.Fatalf("proof of %d in %d accepts another leaf", i, size)
			}
			if size > 1 {
				if err := VerifyInclusion(leaves[i], (i+1)%size, size, p, root); err == nil {
					t.Fatalf("proof of %d in %d accepts index %d", i, size, (i+1)%size)
				}
			}
			if len(p) > 0 {
				p[0][0] ^= 1
				if err := VerifyInclusion(leaves[i], i, size, p, root); !errors.Is(err, ErrProof) {
					t.Fatalf("tampered proof of %d in %d: %v", i, size, err)
				}
			}
		}
	}
	if _, err := InclusionProof(leaves, 5, 5); err == nil {
		t.Fatal("proof of an index beyond the size")
	}
}

// chunkedModel is a MatMulInteger of 1×256 by 256×600 (153600 MACs, three
// chunks of 200 columns) followed by a QLinearMatMul reading every chunk.
func chunkedModel(t testing.TB) (*onnxtest.Graph, *Tensor) {
	g := onnxtest.NewGraph(13)
	g.Input("x", onnxtest.Int8, 1, 256)
	w := make([]int8, 256*600)
	for i := range w {
		w[i] = int8(i*7 + i/600)
	}
	g.Int8("w", dims(256, 600), w...)
	g.Node("MatMulInteger", "big", []string{"x", "w"}, []string{"acc"})
	g.Scale("s", 1.0/1024)
	g.Int32("zero32", nil, 0)
	g.ZeroPoint("z", onnxtest.Int8, 0)
	g.Node("QuantizeLinear", "requant", []string{"acc", "s", "z"}, []string{"h"})
	w2 := make([]int8, 600*10)
	for i := range w2 {
		w2[i] = int8(i * 13)
	}
	g.Int8("w2", dims(600, 10), w2...)
	g.Scale("s2", 0.5)
	g.Node("QLinearMatMul", "head", []string{"h", "s", "z", "w2", "s2", "z", "s2", "z"}, []string{"y"})
	g.Output("y", onnxtest.Int8, 1, 10)
	x := make([]int32, 256)
	for i := range x {
		x[i] = int32(int8(i * 31))
	}
	return g, tI8(dims(1, 256), x...)
}

func TestChunkingAndExecStep(t *testing.T) {
	g, x := chunkedModel(t)
	m := mustLoad(t, g)
	steps := m.Steps()
	var desc []string
	for _, s := range steps {
		desc = append(desc, s.Node)
	}
	if len(steps) != 5 || m.TraceSize() != 7 {
		t.Fatalf("steps %v", desc)
	}
	for i := 0; i < 3; i++ {
		s := steps[i]
		if s.Node != "big" || s.Chunk != i || s.Chunks != 3 || s.Cost != 256*200 || len(s.Reads) != 1 || s.Reads[0] != 0 {
			t.Fatalf("step %d: %+v", i, s)
		}
	}
	// QuantizeLinear of [1,600] costs 600 elements: one chunk reading all three.
	if s := steps[3]; s.Node != "requant" || s.Chunks != 1 || len(s.Reads) != 3 || s.Reads[2] != 3 {
		t.Fatalf("requant step %+v", s)
	}
	if s := steps[4]; s.Node != "head" || s.Cost != 6000 || len(s.Reads) != 1 || s.Reads[0] != 4 {
		t.Fatalf("head step %+v", s)
	}
	var sum int64
	for _, s := range steps {
		sum += s.Cost
	}
	if sum != m.Cost() {
		t.Fatalf("cost %d, steps sum to %d", m.Cost(), sum)
	}
	out := runChecked(t, m, x)

	// A chunked run equals the unchunked computation: MatMulInteger of the
	// same data computed directly.
	res, err := m.Run([]*Tensor{x}, Options{Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	// The chunks' columns are MatMulInteger's: check a few directly.
	w0, _ := m.Weight(0)
	acc := res.States[1][0]
	for j := 0; j < 200; j += 37 {
		var want int32
		for k := 0; k < 256; k++ {
			want += x.I[k] * w0.I[k*600+j]
		}
		if acc.I[j] != want {
			t.Fatalf("column %d: %d, want %d", j, acc.I[j], want)
		}
	}
	if !equalDims(acc.Dims, dims(1, 200)) {
		t.Fatalf("chunk dims %v", acc.Dims)
	}
	if Digest(out...) != Digest(res.Outputs...) {
		t.Fatal("runs differ")
	}
	states := map[int][]*Tensor{0: res.States[0]}
	if _, _, err := m.ExecStep(2, states, map[int]*Tensor{0: w0}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.ExecStep(2, states, map[int]*Tensor{}); err == nil {
		t.Fatal("missing weight accepted")
	}
	bad := &Tensor{Type: Int8, Dims: w0.Dims, I: append([]int32{}, w0.I...)}
	bad.I[5]++
	if _, _, err := m.ExecStep(2, states, map[int]*Tensor{0: bad}); err == nil {
		t.Fatal("weight not matching its leaf accepted")
	}
	if _, _, err := m.ExecStep(4, states, nil); err == nil {
		t.Fatal("missing states accepted")
	}
	wrong := map[int][]*Tensor{1: res.States[1], 2: res.States[1], 3: {tI8(dims(1, 200), make([]int32, 200)...)}}
	if _, _, err := m.ExecStep(4, wrong, nil); err == nil {
		t.Fatal("a state of the wrong type accepted")
	}
	short := map[int][]*Tensor{1: res.States[1], 2: res.States[2], 3: {tI32(dims(1, 199), make([]int32, 199)...)}}
	if _, _, err := m.ExecStep(4, short, nil); err == nil {
		t.Fatal("a state of the wrong shape accepted")
	}
	// Leaf 4 from the right states equals the run's, though the states of
	// chunks 1 and 2 were swapped above only in the refused cases.
	okStates := map[int][]*Tensor{1: res.States[1], 2: res.States[2], 3: res.States[3]}
	ws := map[int]*Tensor{}
	for _, i := range steps[3].Weights {
		ws[i], _ = m.Weight(i)
	}
	if leaf, _, err := m.ExecStep(4, okStates, ws); err != nil || leaf != res.Leaves[4] {
		t.Fatalf("ExecStep(4): %v", err)
	}
	if _, _, err := m.ExecStep(0, states, nil); err == nil {
		t.Fatal("leaf 0 executed")
	}
	if _, _, err := m.ExecStep(int(m.TraceSize()), states, nil); err == nil {
		t.Fatal("leaf beyond the trace executed")
	}
}

func TestChunkRule(t *testing.T) {
	cases := []struct {
		c, unit int64
		want    []int64
	}{
		{10, 6553, []int64{0, 10}},            // 65530 ≤ MaxStepCost
		{10, 10000, []int64{0, 5, 10}},        // 6 per chunk fit: ceil(10/6) = 2 chunks of 5
		{9, 14000, []int64{0, 3, 6, 9}},       // 4 per chunk fit: ceil(9/4) = 3 chunks of 3
		{3, 100000, []int64{0, 1, 2, 3}},      // one index exceeds: one chunk per index
		{1, 1 << 20, []int64{0, 1}},           // nothing to split
		{600, 256, []int64{0, 200, 400, 600}}, // 256 per chunk: 3 chunks
		{1000, 1, []int64{0, 1000}},
	}
	for _, c := range cases {
		got := chunkBounds(c.c, c.unit)
		if !equalDims(got, c.want) {
			t.Errorf("chunkBounds(%d, %d) = %v, want %v", c.c, c.unit, got, c.want)
		}
	}
}

func TestTraceReproducible(t *testing.T) {
	g, x := chunkedModel(t)
	b := g.Bytes()
	m1, _ := Load(b)
	m2, _ := Load(b)
	r1, _ := m1.Run([]*Tensor{x}, Options{Trace: true})
	r2, _ := m2.Run([]*Tensor{x}, Options{Trace: true})
	if r1.Root != r2.Root || !bytes.Equal(Encode(r1.Outputs[0]), Encode(r2.Outputs[0])) {
		t.Fatal("two runs differ")
	}
	if r1.Leaves[0] != Digest(x) || r1.Leaves[len(r1.Leaves)-1] != Digest(r1.Outputs...) {
		t.Fatal("first or last leaf is not the input or output digest")
	}
}
