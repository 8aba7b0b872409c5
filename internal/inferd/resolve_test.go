package inferd

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"
	"testing"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/tensorio"
	"github.com/prova-network/prova/x/infer/types"
)

// checkResolve verifies a MsgResolveStep as x/infer's ResolveStep does
// (x/infer/keeper/resolve.go): the range hashes to the agreed root, every
// state and weight is proven, the step re-executes from exactly them, and
// the appended root is returned.
func checkResolve(t *testing.T, p *fakeProgram, m *types.MsgResolveStep, lo uint64, agreed [32]byte) [32]byte {
	t.Helper()
	if err := m.ValidateBasic(); err != nil {
		t.Fatalf("ValidateBasic: %v", err)
	}
	got, err := onnxint.RangeRoot(lo, m.Range)
	if err != nil || got != agreed {
		t.Fatalf("leaf %d: range root %x, agreed %x (%v)", lo, got, agreed, err)
	}
	states := map[int][]*onnxint.Tensor{}
	for _, sp := range m.States {
		var ts []*onnxint.Tensor
		for b := sp.Tensors; len(b) > 0; {
			tt, n, err := onnxint.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			ts, b = append(ts, tt), b[n:]
		}
		if err := onnxint.VerifyInclusion(onnxint.Digest(ts...), sp.LeafIndex, lo, sp.Proof, agreed); err != nil {
			t.Fatalf("leaf %d: state %d: %v", lo, sp.LeafIndex, err)
		}
		states[int(sp.LeafIndex)] = ts
	}
	weights := map[int]*onnxint.Tensor{}
	for _, wp := range m.Weights {
		w, _, err := onnxint.Decode(wp.Tensor)
		if err != nil {
			t.Fatal(err)
		}
		leaf := sha256.Sum256(append(append([]byte(fmt.Sprintf("w%d", wp.Index)), 0), wp.Tensor...))
		if err := onnxint.VerifyInclusion(leaf, wp.Index, uint64(len(p.leaves)), wp.Proof, p.TensorRoot()); err != nil {
			t.Fatalf("weight %d: %v", wp.Index, err)
		}
		weights[int(wp.Index)] = w
	}
	leaf, _, err := p.ExecStep(int(lo), states, weights)
	if err != nil {
		t.Fatalf("leaf %d: %v", lo, err)
	}
	root, err := onnxint.AppendRoot(lo, m.Range, leaf)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestBuildResolve resolves every leaf of an honest trace (the result is
// the honest prefix root) and the last leaf of a falsified one (the chain
// finds the honest root, not the liar's).
func TestBuildResolve(t *testing.T) {
	p := newFakeProgram(6)
	tr, err := Execute(p, fakeInput(1, 2, 3, 4), false)
	if err != nil {
		t.Fatal(err)
	}
	for lo := uint64(1); lo < p.TraceSize(); lo++ {
		m, leaf, err := BuildResolve(p, tr, testAddr(1), 9, lo)
		if err != nil {
			t.Fatalf("leaf %d: %v", lo, err)
		}
		if leaf != tr.Leaves[lo] || m.DisputeId != 9 || m.Sender != testAddr(1) {
			t.Fatalf("leaf %d: local re-execution %x, trace %x", lo, leaf, tr.Leaves[lo])
		}
		if got := checkResolve(t, p, m, lo, onnxint.PrefixRoot(tr.Leaves, lo)); got != onnxint.PrefixRoot(tr.Leaves, lo+1) {
			t.Fatalf("leaf %d: resolved root %x, want the honest prefix root", lo, got)
		}
	}
	// The output leaf reads only the last step (the fallback's sinks).
	if reads, _, _ := LeafReads(p, 7); !slices.Equal(reads, []int{6}) {
		t.Fatalf("output leaf reads %v", reads)
	}

	lie, err := Execute(p, fakeInput(1, 2, 3, 4), true)
	if err != nil {
		t.Fatal(err)
	}
	last := p.TraceSize() - 1
	if !lie.Lie || lie.Root == tr.Root || lie.Leaves[last] == tr.Leaves[last] || !slices.Equal(lie.Leaves[:last], tr.Leaves[:last]) {
		t.Fatal("a lie changes the output leaf and root, and nothing before")
	}
	if lie.OutputDigest != onnxint.Digest(lie.Outputs...) || lie.Root != onnxint.TraceRoot(lie.Leaves) {
		t.Fatal("a lie is not self-consistent")
	}
	if tensorio.Argmax(lie.Outputs[0]) == tensorio.Argmax(tr.Outputs[0]) {
		t.Fatal("a lie keeps the argmax")
	}
	m, leaf, err := BuildResolve(p, lie, testAddr(2), 9, last)
	if err != nil {
		t.Fatal(err)
	}
	if leaf != tr.Leaves[last] {
		t.Fatal("re-executing the liar's output leaf does not give the honest leaf")
	}
	if got := checkResolve(t, p, m, last, onnxint.PrefixRoot(lie.Leaves, last)); got == lie.Root || got != tr.Root {
		t.Fatal("the chain would not refute the liar's root")
	}

	pm, err := BuildProveOutput(tr, testAddr(3), 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := onnxint.VerifyInclusion(tr.OutputDigest, last, last+1, pm.Proof, tr.Root); err != nil {
		t.Fatal(err)
	}
	if _, _, err := BuildResolve(p, tr, "x", 1, 0); err == nil {
		t.Fatal("leaf 0 is never re-executed")
	}
}

// TestFalsify: the argmax always changes and the inputs are untouched, for
// every element type, ties and range ends included.
func TestFalsify(t *testing.T) {
	cases := []*onnxint.Tensor{
		{Type: onnxint.Int32, Dims: []int64{1, 4}, I: []int32{1, 9, 3, 2}},
		{Type: onnxint.Int8, Dims: []int64{3}, I: []int32{127, 127, 127}},
		{Type: onnxint.Int8, Dims: []int64{2}, I: []int32{-128, -128}},
		{Type: onnxint.Uint8, Dims: []int64{4}, I: []int32{0, 255, 255, 7}},
		{Type: onnxint.Int64, Dims: []int64{2}, I64: []int64{-5, 5}},
		{Type: onnxint.Float, Dims: []int64{3}, F: []uint32{0x3f800000, 0x40000000, 0xbf800000}}, // 1, 2, -1
		{Type: onnxint.Float, Dims: []int64{2}, F: []uint32{0, 0x80000000}},                      // +0, -0: a tie
	}
	for i, c := range cases {
		before := cloneTensor(c)
		out := Falsify([]*onnxint.Tensor{c})
		if tensorio.Argmax(out[0]) == tensorio.Argmax(c) {
			t.Errorf("case %d: argmax unchanged: %v", i, out[0])
		}
		if !bytes.Equal(onnxint.Encode(c), onnxint.Encode(before)) {
			t.Errorf("case %d: input modified", i)
		}
	}
	one := []*onnxint.Tensor{{Type: onnxint.Int8, Dims: []int64{1}, I: []int32{127}}}
	if out := Falsify(one); out[0].I[0] != 126 {
		t.Errorf("one element at the top of its range: %v", out[0].I)
	}
}
