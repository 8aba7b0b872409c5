package formats_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/formats"
	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnx/onnxpb"
)

func TestInspectONNX(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mlp-int8.onnx")
	if err := os.WriteFile(path, mnist.MLP(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, dir} { // the file, and the directory holding it
		s, err := formats.Inspect(p)
		if err != nil {
			t.Fatal(err)
		}
		if s.Format != formats.ONNX || s.Architecture == "" || s.Files[0] != "mlp-int8.onnx" {
			t.Fatalf("%s: %+v", p, s)
		}
		// 784×128 + 128×10 int8 weights and their two int8 zero points;
		// 128 + 10 int32 biases and their two int32 zero points.
		var i8, i32 uint64
		for _, d := range s.DTypes {
			switch d.DType {
			case "I8":
				i8 = d.Parameters
			case "I32":
				i32 = d.Parameters
			}
		}
		if i8 != 784*128+128*10+2 || i32 != 128+10+2 {
			t.Fatalf("I8 %d, I32 %d parameters", i8, i32)
		}
		if !strings.Contains(s.Metadata["operators"], "QuantizeLinear") || s.Metadata["opset"] != "ai.onnx=13" {
			t.Fatalf("metadata %v", s.Metadata)
		}
	}
	// Two ONNX files in a directory are ambiguous; garbage is refused.
	os.WriteFile(filepath.Join(dir, "other.onnx"), mnist.CNN(), 0o644)
	if _, err := formats.Inspect(dir); !errors.Is(err, formats.ErrAmbiguous) {
		t.Fatalf("two ONNX files: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.onnx")
	os.WriteFile(bad, []byte("\xff\xff\xff not protobuf"), 0o644)
	if _, err := formats.Inspect(bad); err == nil || !strings.Contains(err.Error(), "not a valid ONNX file") {
		t.Fatalf("garbage: %v", err)
	}
}

// FuzzInspectONNX: an accepted file's summary lists exactly the file's
// initializers, and its parameter count is the sum of their elements.
func FuzzInspectONNX(f *testing.F) {
	f.Add(mnist.CNN())
	f.Add([]byte{0x08, 0x07, 0x3a, 0x00})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "m.onnx")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := formats.Inspect(path)
		if err != nil {
			return
		}
		var m onnxpb.ModelProto
		if err := m.Unmarshal(b); err != nil {
			t.Fatalf("accepted a file that does not decode: %v", err)
		}
		if s.TensorCount != len(m.Graph.Initializer) {
			t.Fatalf("%d tensors for %d initializers", s.TensorCount, len(m.Graph.Initializer))
		}
		var sum uint64
		for _, init := range m.Graph.Initializer {
			n := uint64(1)
			for _, d := range init.Dims {
				n *= uint64(d)
			}
			sum += n
		}
		if s.Parameters != sum {
			t.Fatalf("%d parameters, initializers hold %d", s.Parameters, sum)
		}
	})
}
