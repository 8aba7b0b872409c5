package inferd

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/tensorio"
	"github.com/prova-network/prova/x/infer/types"
)

// loadMNIST loads one of internal/mnist's committed int8 models.
func loadMNIST(t *testing.T, name string) *onnxint.Model {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "mnist", "models", name))
	if err != nil {
		t.Skipf("model not available: %v", err)
	}
	m, err := onnxint.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestResolveRealModels builds the resolution of every leaf of MNIST runs
// (honest and falsified) and checks each as x/infer does, with the
// runtime's own ExecStep and proofs.
func TestResolveRealModels(t *testing.T) {
	for _, name := range []string{"mlp-int8.onnx", "cnn-int8.onnx"} {
		t.Run(name, func(t *testing.T) {
			m := loadMNIST(t, name)
			in := m.Inputs()[0]
			x := &onnxint.Tensor{Type: in.Type, Dims: in.Dims}
			n := 1
			for _, d := range in.Dims {
				n *= int(d)
			}
			x.F = make([]uint32, n)
			for i := range x.F {
				x.F[i] = math.Float32bits(float32(i%7) / 7)
			}
			tr, err := Execute(m, []*onnxint.Tensor{x}, false)
			if err != nil {
				t.Fatal(err)
			}
			lie, err := Execute(m, []*onnxint.Tensor{x}, true)
			if err != nil {
				t.Fatal(err)
			}
			if tensorio.Argmax(lie.Outputs[0]) == tensorio.Argmax(tr.Outputs[0]) {
				t.Fatal("the lie keeps the digit")
			}
			size := m.TraceSize()
			for lo := uint64(1); lo < size; lo++ {
				msg, leaf, err := BuildResolve(m, tr, testAddr(1), 1, lo)
				if err != nil {
					t.Fatalf("leaf %d: %v", lo, err)
				}
				if leaf != tr.Leaves[lo] {
					t.Fatalf("leaf %d re-executes differently", lo)
				}
				checkRealResolve(t, m, msg, lo, onnxint.PrefixRoot(tr.Leaves, lo), onnxint.PrefixRoot(tr.Leaves, lo+1))
			}
			msg, leaf, err := BuildResolve(m, lie, testAddr(1), 1, size-1)
			if err != nil {
				t.Fatal(err)
			}
			if leaf != tr.Leaves[size-1] {
				t.Fatal("the falsified output leaf re-executes to the lie")
			}
			checkRealResolve(t, m, msg, size-1, onnxint.PrefixRoot(lie.Leaves, size-1), tr.Root)
		})
	}
}

// checkRealResolve checks msg as x/infer's ResolveStep does and that the
// resolved root is want.
func checkRealResolve(t *testing.T, m *onnxint.Model, msg *types.MsgResolveStep, lo uint64, agreed, want [32]byte) {
	t.Helper()
	if err := msg.ValidateBasic(); err != nil {
		t.Fatalf("leaf %d: %v", lo, err)
	}
	if got, err := onnxint.RangeRoot(lo, msg.Range); err != nil || got != agreed {
		t.Fatalf("leaf %d: range", lo)
	}
	states := map[int][]*onnxint.Tensor{}
	for _, sp := range msg.States {
		var ts []*onnxint.Tensor
		for b := sp.Tensors; len(b) > 0; {
			x, k, err := onnxint.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			ts, b = append(ts, x), b[k:]
		}
		if err := onnxint.VerifyInclusion(onnxint.Digest(ts...), sp.LeafIndex, lo, sp.Proof, agreed); err != nil {
			t.Fatalf("leaf %d state %d: %v", lo, sp.LeafIndex, err)
		}
		states[int(sp.LeafIndex)] = ts
	}
	inits := m.Initializers()
	weights := map[int]*onnxint.Tensor{}
	for _, wp := range msg.Weights {
		x, _, err := onnxint.Decode(wp.Tensor)
		if err != nil {
			t.Fatal(err)
		}
		if err := onnxint.VerifyInclusion(inits[wp.Index].Leaf, wp.Index, uint64(len(inits)), wp.Proof, m.TensorRoot()); err != nil {
			t.Fatalf("weight %d: %v", wp.Index, err)
		}
		weights[int(wp.Index)] = x
	}
	leaf, _, err := m.ExecStep(int(lo), states, weights)
	if err != nil {
		t.Fatalf("leaf %d: %v", lo, err)
	}
	if root, err := onnxint.AppendRoot(lo, msg.Range, leaf); err != nil || root != want {
		t.Fatalf("leaf %d: resolved root differs", lo)
	}
}
