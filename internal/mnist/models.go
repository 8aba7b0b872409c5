package mnist

import (
	_ "embed"
	"math"

	"github.com/prova-network/prova/internal/onnxint"
)

// The committed int8 models, written by
// `go run ./internal/mnist/cmd/mnist-train -out internal/mnist/models`
// (models/README.md has their accuracies).
var (
	//go:embed models/mlp-int8.onnx
	mlpInt8 []byte
	//go:embed models/cnn-int8.onnx
	cnnInt8 []byte
)

// MLP returns the int8 QDQ ONNX model of the 784-128-10 MLP: float input
// "input" [1,784] (see Input), float output "logits" [1,10]. The slice is a
// copy.
func MLP() []byte { return append([]byte(nil), mlpInt8...) }

// CNN returns the int8 QDQ ONNX model of the small CNN: float input "input"
// [1,1,28,28] (see Input), float output "logits" [1,10]. The slice is a copy.
func CNN() []byte { return append([]byte(nil), cnnInt8...) }

// Input dims of the two models.
var (
	MLPInputDims = []int64{1, Pixels}
	CNNInputDims = []int64{1, 1, Rows, Cols}
)

// InputBits returns the models' input for a 28×28 image (Pixels bytes,
// 0 background, 255 full ink, row-major) as float32 bit patterns: pixel p
// becomes float32(p)/255, one correctly rounded division, exactly as in
// training. Each value quantizes back to p at the models' input scale.
func InputBits(img []byte) []uint32 {
	out := make([]uint32, len(img))
	for i, p := range img {
		out[i] = math.Float32bits(float32(p) / 255)
	}
	return out
}

// InputTensor returns the input tensor for img with the given dims:
// MLPInputDims or CNNInputDims (same elements, see InputBits).
func InputTensor(img []byte, dims []int64) *onnxint.Tensor {
	return &onnxint.Tensor{Type: onnxint.Float, Dims: append([]int64(nil), dims...), F: InputBits(img)}
}

// MLPInput returns the MLP's input tensor [1,784] for img.
func MLPInput(img []byte) *onnxint.Tensor { return InputTensor(img, MLPInputDims) }

// CNNInput returns the CNN's input tensor [1,1,28,28] for img.
func CNNInput(img []byte) *onnxint.Tensor { return InputTensor(img, CNNInputDims) }
