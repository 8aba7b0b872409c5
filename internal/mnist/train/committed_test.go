package train

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnxint"
)

// TestCommittedModelsMatchOnnxint reads the committed int8 models back into
// the simulator and checks that internal/onnxint computes bit-identical
// logits on the test set (the first 1,000 images with -short).
func TestCommittedModelsMatchOnnxint(t *testing.T) {
	test := loadOrSkip(t, mnist.TestSet)
	n := test.Len()
	if testing.Short() {
		n = 1000
	}
	for _, c := range []struct {
		name string
		dims []int64
	}{{"mlp", mnist.MLPInputDims}, {"cnn", mnist.CNNInputDims}} {
		b, err := os.ReadFile(filepath.Join("..", "models", c.name+"-int8.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		q, err := ReadQuantONNX(b)
		if err != nil {
			t.Fatal(err)
		}
		sim, err := NewSim(q)
		if err != nil {
			t.Fatal(err)
		}
		m, err := onnxint.Load(b)
		if err != nil {
			t.Fatal(err)
		}
		diff := 0
		for i := 0; i < n; i++ {
			res, err := m.Run([]*onnxint.Tensor{mnist.InputTensor(test.Image(i), c.dims)}, onnxint.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := sim.Run(test.Image(i))
			got := res.Outputs[0].F
			for k := range want {
				if k >= len(got) || math.Float32bits(want[k]) != got[k] {
					if diff++; diff <= 5 {
						t.Errorf("%s image %d: onnxint logits %v, simulation %v", c.name, i, got, want)
					}
					break
				}
			}
		}
		if diff > 0 {
			t.Fatalf("%s: %d of %d images differ", c.name, diff, n)
		}
	}
}
