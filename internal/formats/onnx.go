package formats

import (
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/prova-network/prova/internal/onnx/onnxpb"
)

// MaxONNXSize caps the ONNX files Inspect decodes. A protobuf must be read
// whole, and protobuf itself limits a message to 2 GiB.
const MaxONNXSize = 2 << 30

// onnxDTypes names ONNX element types as safetensors does.
var onnxDTypes = map[int32]string{
	1: "F32", 2: "U8", 3: "I8", 4: "U16", 5: "I16", 6: "I32", 7: "I64", 8: "STRING", 9: "BOOL",
	10: "F16", 11: "F64", 12: "U32", 13: "U64", 14: "C64", 15: "C128", 16: "BF16",
	17: "F8_E4M3", 18: "F8_E4M3FNUZ", 19: "F8_E5M2", 20: "F8_E5M2FNUZ", 21: "U4", 22: "I4", 23: "F4_E2M1",
}

// inspectONNX reads an ONNX model: its initializers are the tensors, the
// producer, IR version, operator sets and operator types are metadata, and
// the graph's name (or the producer's, if it has none) is the architecture.
func inspectONNX(path string) (*Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxONNXSize+1))
	if err != nil {
		return nil, err
	}
	name := filepath.Base(path)
	if len(b) > MaxONNXSize {
		return nil, fmt.Errorf("%s: ONNX file over %d bytes", name, MaxONNXSize)
	}
	var m onnxpb.ModelProto
	if err := m.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("%s: not a valid ONNX file: %w", name, err)
	}
	if m.Graph == nil || m.IrVersion <= 0 {
		return nil, fmt.Errorf("%s: not an ONNX model (no graph or IR version)", name)
	}
	return fromONNX(name, &m)
}

func fromONNX(name string, m *onnxpb.ModelProto) (*Summary, error) {
	s := &Summary{Format: ONNX, Files: []string{name}, Metadata: map[string]string{}}
	g := m.Graph
	s.Architecture = g.Name
	if s.Architecture == "" {
		s.Architecture = m.ProducerName
	}
	md := s.Metadata
	md["ir_version"] = strconv.FormatInt(m.IrVersion, 10)
	if m.ProducerName != "" {
		md["producer"] = strings.TrimSpace(m.ProducerName + " " + m.ProducerVersion)
	}
	var opsets []string
	for _, o := range m.OpsetImport {
		d := o.Domain
		if d == "" {
			d = "ai.onnx"
		}
		opsets = append(opsets, d+"="+strconv.FormatInt(o.Version, 10))
	}
	if len(opsets) > 0 {
		md["opset"] = strings.Join(opsets, ",")
	}
	var ops []string
	for _, n := range g.Node {
		op := n.OpType
		if n.Domain != "" && n.Domain != "ai.onnx" {
			op = n.Domain + "." + op
		}
		if !slices.Contains(ops, op) {
			ops = append(ops, op)
		}
	}
	slices.Sort(ops)
	md["operators"] = strings.Join(ops, ",")
	md["nodes"] = strconv.Itoa(len(g.Node))
	for _, p := range m.MetadataProps {
		if _, ok := md[p.Key]; !ok {
			md[p.Key] = p.Value
		}
	}
	for _, t := range g.Initializer {
		dt, ok := onnxDTypes[t.DataType]
		if !ok {
			return nil, fmt.Errorf("%s: initializer %q has unknown data type %d", name, t.Name, t.DataType)
		}
		shape := make([]uint64, len(t.Dims))
		n := uint64(1)
		for i, d := range t.Dims {
			if d < 0 {
				return nil, fmt.Errorf("%s: initializer %q has a negative dimension %d", name, t.Name, d)
			}
			shape[i] = uint64(d)
			hi, lo := bits.Mul64(n, uint64(d))
			if hi != 0 {
				return nil, fmt.Errorf("%s: initializer %q has an element count that overflows", name, t.Name)
			}
			n = lo
		}
		s.Tensors = append(s.Tensors, Tensor{Name: t.Name, DType: dt, Shape: shape})
	}
	// finish sorts the tensors by name; count elements from the shapes.
	s.finish(func(i int) uint64 {
		n := uint64(1)
		for _, d := range s.Tensors[i].Shape {
			n *= d // checked above
		}
		return n
	})
	return s, nil
}
