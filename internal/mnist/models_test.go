package mnist

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prova-network/prova/internal/onnx/onnxpb"
	"github.com/prova-network/prova/internal/onnxint"
)

// The float models' test accuracies as the generator measured them (Go
// float32 arithmetic), from models/README.md.
const (
	floatAccMLP = 0.9815
	floatAccCNN = 0.9891
)

// Targets: float MLP ≥ 97%, float CNN ≥ 98.5%, int8 within 0.5 points of
// float.
const (
	minAccMLP = 0.97
	minAccCNN = 0.985
	maxDrop   = 0.005
)

type committed struct {
	name     string
	onnx     []byte
	dims     []int64
	floatAcc float64
	minAcc   float64
}

func committedModels() []committed {
	return []committed{
		{"mlp", MLP(), MLPInputDims, floatAccMLP, minAccMLP},
		{"cnn", CNN(), CNNInputDims, floatAccCNN, minAccCNN},
	}
}

// runOnnxint returns the int8 model's logits (float32 bits, 10 per image)
// for the first n test images, on two goroutines with a model each.
func runOnnxint(t *testing.T, b []byte, dims []int64, set *Set, n int) []uint32 {
	t.Helper()
	out := make([]uint32, 10*n)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for g := 0; g < 2; g++ {
		m, err := onnxint.Load(b)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g * n / 2; i < (g+1)*n/2; i++ {
				res, err := m.Run([]*onnxint.Tensor{InputTensor(set.Image(i), dims)}, onnxint.Options{})
				if err != nil {
					errs[g] = err
					return
				}
				if o := res.Outputs[0]; o.Type != onnxint.Float || len(o.F) != 10 {
					errs[g] = errBadOutput
					return
				}
				copy(out[10*i:], res.Outputs[0].F)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

var errBadOutput = errors.New("output is not 10 floats")

// accuracy scores logits (float32 bits, 10 per image; the first maximum
// wins) against labels.
func accuracy(logits []uint32, labels []byte) float64 {
	ok := 0
	for i := 0; i < len(logits)/10; i++ {
		best := 0
		for k := 1; k < 10; k++ {
			if math.Float32frombits(logits[10*i+k]) > math.Float32frombits(logits[10*i+best]) {
				best = k
			}
		}
		if best == int(labels[i]) {
			ok++
		}
	}
	return float64(ok) / float64(len(logits)/10)
}

// TestInt8Accuracy runs the committed int8 models through the integer
// runtime on the whole 10,000-image test set (the first 1,000 images with
// -short) and checks the accuracy targets.
func TestInt8Accuracy(t *testing.T) {
	test := loadOrSkip(t, TestSet)
	n := test.Len()
	if testing.Short() {
		n = 1000
	}
	for _, c := range committedModels() {
		acc := accuracy(runOnnxint(t, c.onnx, c.dims, test, n), test.Labels[:n])
		t.Logf("%s int8 (onnxint): %.2f%% on %d test images; float %.2f%% on all", c.name, 100*acc, n, 100*c.floatAcc)
		if c.floatAcc < c.minAcc {
			t.Errorf("%s: recorded float accuracy %.4f below the %.3f target", c.name, c.floatAcc, c.minAcc)
		}
		if n == test.Len() && acc < c.floatAcc-maxDrop {
			t.Errorf("%s: int8 accuracy %.4f more than %.1f points below float %.4f", c.name, acc, 100*maxDrop, c.floatAcc)
		}
		if acc < c.minAcc {
			t.Errorf("%s: int8 accuracy %.4f below %.3f", c.name, acc, c.minAcc)
		}
	}
}

func TestInputBits(t *testing.T) {
	img := make([]byte, Pixels)
	for i := range img {
		img[i] = byte(i)
	}
	in := MLPInput(img)
	if in.Type != onnxint.Float || len(in.F) != Pixels || len(in.Dims) != 2 || in.Dims[1] != Pixels {
		t.Fatalf("MLPInput: %v %v", in.Type, in.Dims)
	}
	if c := CNNInput(img); len(c.Dims) != 4 || c.Dims[2] != Rows {
		t.Fatalf("CNNInput dims %v", c.Dims)
	}
	for i, b := range in.F {
		if v := math.Float32frombits(b); v != float32(img[i])/255 || v < 0 || v > 1 {
			t.Fatalf("pixel %d: %g", img[i], v)
		}
	}
	if math.Float32frombits(in.F[255]) != 1 || in.F[0] != 0 {
		t.Fatal("255 must be 1 and 0 must be 0")
	}
}

// TestCommittedModels checks the ONNX files' declared versions, producer,
// input and output, that every node is named and uses only the allowed
// operators, and that the embedded bytes are the files in models/.
func TestCommittedModels(t *testing.T) {
	allowed := map[string]bool{"QuantizeLinear": true, "DequantizeLinear": true, "MatMul": true, "Gemm": true,
		"Conv": true, "Add": true, "Relu": true, "Clip": true, "MaxPool": true, "AveragePool": true,
		"Reshape": true, "Flatten": true, "Transpose": true}
	for _, c := range committedModels() {
		file, err := os.ReadFile(filepath.Join("models", c.name+"-int8.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(file, c.onnx) {
			t.Fatalf("%s: embedded model differs from models/%s-int8.onnx", c.name, c.name)
		}
		var m onnxpb.ModelProto
		if err := m.Unmarshal(c.onnx); err != nil {
			t.Fatal(err)
		}
		if m.IrVersion < 7 || m.IrVersion > 8 || len(m.OpsetImport) != 1 || m.OpsetImport[0].Domain != "" ||
			m.OpsetImport[0].Version < 13 || m.ProducerName != "prova-mnist" {
			t.Errorf("%s: ir %d, opsets %v, producer %q", c.name, m.IrVersion, m.OpsetImport, m.ProducerName)
		}
		g := m.Graph
		if len(g.Input) != 1 || g.Input[0].Name != "input" || len(g.Output) != 1 || g.Output[0].Name != "logits" {
			t.Fatalf("%s: inputs %v outputs %v", c.name, g.Input, g.Output)
		}
		var dims []int64
		for _, d := range g.Input[0].GetType().GetTensorType().GetShape().GetDim() {
			dims = append(dims, d.GetDimValue())
		}
		if !equal64(dims, c.dims) {
			t.Errorf("%s: input dims %v, want %v", c.name, dims, c.dims)
		}
		names := map[string]bool{}
		for _, n := range g.Node {
			if n.Name == "" || names[n.Name] {
				t.Errorf("%s: node %s unnamed or named twice", c.name, n.OpType)
			}
			names[n.Name] = true
			if !allowed[n.OpType] || n.Domain != "" {
				t.Errorf("%s: operator %s (domain %q) not allowed", c.name, n.OpType, n.Domain)
			}
		}
		m2, err := onnxint.Load(c.onnx)
		if err != nil {
			t.Fatalf("%s: onnxint: %v", c.name, err)
		}
		if in := m2.Inputs(); len(in) != 1 || !equal64(in[0].Dims, c.dims) {
			t.Errorf("%s: onnxint sees inputs %+v", c.name, in)
		}
	}
}

func equal64(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestONNXRuntime runs the committed models (float and int8) through
// onnxruntime 1.30 (test/ort) on the whole test set when node and
// test/ort's dependencies are installed: the float models must score the
// accuracies the generator measured (±0.05 points: onnxruntime's float
// arithmetic is not Go's), the int8 models must load and their logits equal
// onnxint's except for rare one-quantum differences (onnxruntime multiplies
// by a float32 multiplier; docs/INFERENCE.md §2).
func TestONNXRuntime(t *testing.T) {
	ortDir, _ := filepath.Abs(filepath.Join("..", "..", "test", "ort"))
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("Node.js is not installed: the onnxruntime comparison needs node and npm (apt-get install nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(ortDir, "node_modules", "onnxruntime-node")); err != nil {
		// Node.js is here, so the comparison runs: install the pinned
		// package (its install script would download GPU builds).
		t.Logf("installing onnxruntime-node in %s (npm ci --ignore-scripts)", ortDir)
		cmd := exec.Command("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
		cmd.Dir = ortDir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in test/ort: %v\n%s", err, b)
		}
	}
	if testing.Short() {
		t.Skip("runs onnxruntime on 10,000 images per model")
	}
	test := loadOrSkip(t, TestSet)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.f32")
	raw := make([]byte, 0, 4*len(test.Images))
	for _, b := range InputBits(test.Images) {
		raw = binary.LittleEndian.AppendUint32(raw, b)
	}
	if err := os.WriteFile(in, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	ort := func(model string, dims []int64) []uint32 {
		out := filepath.Join(dir, "out.f32")
		ds := formatDims(dims)
		abs, _ := filepath.Abs(filepath.Join("models", model))
		cmd := exec.Command("node", "ort.mjs", "run", abs, ds, in, out)
		cmd.Dir = ortDir
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("onnxruntime %s: %v\n%s", model, err, b)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		v := make([]uint32, len(b)/4)
		for i := range v {
			v[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
		if len(v) != 10*test.Len() {
			t.Fatalf("onnxruntime %s: %d outputs", model, len(v))
		}
		return v
	}
	for _, c := range committedModels() {
		facc := accuracy(ort(c.name+"-f32.onnx", c.dims), test.Labels)
		if math.Abs(facc-c.floatAcc) > 0.0005 {
			t.Errorf("%s float: onnxruntime %.4f, generator %.4f", c.name, facc, c.floatAcc)
		}
		q := ort(c.name+"-int8.onnx", c.dims)
		ref := runOnnxint(t, c.onnx, c.dims, test, test.Len())
		scale := outputScale(t, c.onnx)
		// Same argmax on every image; logits differ by at most one
		// quantum of the output, on at most 0.1% of them.
		diff, argmaxDiff := 0, 0
		for i := 0; i < test.Len(); i++ {
			if argmax(q[10*i:10*i+10]) != argmax(ref[10*i:10*i+10]) {
				argmaxDiff++
			}
			for k := 10 * i; k < 10*i+10; k++ {
				if q[k] == ref[k] {
					continue
				}
				diff++
				d := math.Abs(float64(math.Float32frombits(q[k])) - float64(math.Float32frombits(ref[k])))
				if quanta := math.Round(d / scale); quanta > 1 {
					t.Errorf("%s image %d logit %d: onnxruntime %g, onnxint %g: %v quanta apart", c.name, i, k%10,
						math.Float32frombits(q[k]), math.Float32frombits(ref[k]), quanta)
				}
			}
		}
		qacc, racc := accuracy(q, test.Labels), accuracy(ref, test.Labels)
		t.Logf("%s: onnxruntime float %.2f%%, int8 %.2f%%; onnxint int8 %.2f%%; %d of %d logits differ by one quantum (%.4f%%); argmax differs on %d images",
			c.name, 100*facc, 100*qacc, 100*racc, diff, len(q), 100*float64(diff)/float64(len(q)), argmaxDiff)
		if argmaxDiff != 0 {
			t.Errorf("%s: onnxruntime and onnxint give different digits for %d images", c.name, argmaxDiff)
		}
		if diff*1000 > len(q) {
			t.Errorf("%s: %d of %d logits differ, more than 0.1%%", c.name, diff, len(q))
		}
	}
}

// argmax is the index of the largest of float32 logits (first on ties).
func argmax(logits []uint32) int {
	best := 0
	for k := 1; k < len(logits); k++ {
		if math.Float32frombits(logits[k]) > math.Float32frombits(logits[best]) {
			best = k
		}
	}
	return best
}

// outputScale is the scale of the model's last DequantizeLinear, one
// quantum of its float output.
func outputScale(t *testing.T, b []byte) float64 {
	t.Helper()
	var m onnxpb.ModelProto
	if err := m.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	g := m.Graph
	last := g.Node[len(g.Node)-1]
	if last.OpType != "DequantizeLinear" {
		t.Fatalf("last node is %s, not DequantizeLinear", last.OpType)
	}
	for _, init := range g.Initializer {
		if init.Name == last.Input[1] {
			ts, err := onnxint.FromProto(init)
			if err != nil || len(ts.F) != 1 {
				t.Fatalf("output scale %s: %v", init.Name, err)
			}
			return float64(math.Float32frombits(ts.F[0]))
		}
	}
	t.Fatalf("output scale %s is not an initializer", last.Input[1])
	return 0
}

func formatDims(dims []int64) string {
	var parts []string
	for _, d := range dims {
		parts = append(parts, strconv.FormatInt(d, 10))
	}
	return strings.Join(parts, ",")
}
