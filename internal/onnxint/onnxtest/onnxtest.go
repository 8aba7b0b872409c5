// Package onnxtest builds small ONNX models in Go for tests: graphs, nodes,
// attributes and initializers from Go slices. It depends only on the ONNX
// messages (internal/onnx/onnxpb), so any package's tests may use it.
//
//	g := onnxtest.NewGraph(13)
//	g.Input("x", onnxtest.Int8, 1, 4)
//	g.Int8("w", []int64{4, 2}, 1, 2, 3, 4, 5, 6, 7, 8)
//	g.Node("MatMulInteger", "mm", []string{"x", "w"}, []string{"y"})
//	g.Output("y", onnxtest.Int32, 1, 2)
//	b := g.Bytes()
package onnxtest

import (
	"encoding/binary"
	"math"

	"github.com/prova-network/prova/internal/onnx/onnxpb"
)

// Element type codes (ONNX TensorProto.DataType).
const (
	Float int32 = 1
	Uint8 int32 = 2
	Int8  int32 = 3
	Int32 int32 = 6
	Int64 int32 = 7
)

// Graph accumulates a graph under construction.
type Graph struct {
	G     *onnxpb.GraphProto
	Opset int64
}

// NewGraph starts an empty graph for the default ONNX domain at opset.
func NewGraph(opset int64) *Graph {
	return &Graph{G: &onnxpb.GraphProto{Name: "test"}, Opset: opset}
}

func valueInfo(name string, typ int32, dims []int64) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{
			Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d},
		})
	}
	return &onnxpb.ValueInfoProto{
		Name: name,
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: typ, Shape: shape},
		}},
	}
}

// Input declares a graph input with a static shape.
func (g *Graph) Input(name string, typ int32, dims ...int64) {
	g.G.Input = append(g.G.Input, valueInfo(name, typ, dims))
}

// SymbolicInput declares a graph input whose dims are named parameters
// where a string is given and fixed where an int64 is given.
func (g *Graph) SymbolicInput(name string, typ int32, dims ...any) {
	vi := valueInfo(name, typ, nil)
	shape := vi.Type.GetTensorType().Shape
	for _, d := range dims {
		switch d := d.(type) {
		case string:
			shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{
				Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: d}})
		case int64:
			shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{
				Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}})
		case int:
			shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{
				Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
		}
	}
	g.G.Input = append(g.G.Input, vi)
}

// Output declares a graph output; with no dims the shape is left out (use
// ScalarOutput for a rank-0 output).
func (g *Graph) Output(name string, typ int32, dims ...int64) {
	vi := valueInfo(name, typ, dims)
	if len(dims) == 0 {
		vi.Type.GetTensorType().Shape = nil
	}
	g.G.Output = append(g.G.Output, vi)
}

// ScalarOutput declares a rank-0 graph output.
func (g *Graph) ScalarOutput(name string, typ int32) {
	g.G.Output = append(g.G.Output, valueInfo(name, typ, nil))
}

// Node appends a node.
func (g *Graph) Node(op, name string, inputs, outputs []string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
	n := &onnxpb.NodeProto{OpType: op, Name: name, Input: inputs, Output: outputs, Attribute: attrs}
	g.G.Node = append(g.G.Node, n)
	return n
}

// Init appends an initializer.
func (g *Graph) Init(t *onnxpb.TensorProto) { g.G.Initializer = append(g.G.Initializer, t) }

// Int8 adds an INT8 initializer.
func (g *Graph) Int8(name string, dims []int64, v ...int8) {
	raw := make([]byte, len(v))
	for i, x := range v {
		raw[i] = byte(x)
	}
	g.Init(&onnxpb.TensorProto{Name: name, DataType: Int8, Dims: dims, RawData: raw})
}

// Uint8 adds a UINT8 initializer.
func (g *Graph) Uint8(name string, dims []int64, v ...uint8) {
	g.Init(&onnxpb.TensorProto{Name: name, DataType: Uint8, Dims: dims, RawData: append([]byte{}, v...)})
}

// Int32 adds an INT32 initializer.
func (g *Graph) Int32(name string, dims []int64, v ...int32) {
	raw := make([]byte, 0, 4*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint32(raw, uint32(x))
	}
	g.Init(&onnxpb.TensorProto{Name: name, DataType: Int32, Dims: dims, RawData: raw})
}

// Int64 adds an INT64 initializer (e.g. a Reshape shape).
func (g *Graph) Int64(name string, dims []int64, v ...int64) {
	g.Init(&onnxpb.TensorProto{Name: name, DataType: Int64, Dims: dims, Int64Data: v})
}

// Float adds a FLOAT initializer.
func (g *Graph) Float(name string, dims []int64, v ...float32) {
	raw := make([]byte, 0, 4*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(x))
	}
	g.Init(&onnxpb.TensorProto{Name: name, DataType: Float, Dims: dims, RawData: raw})
}

// Scale adds a scalar FLOAT initializer (a quantization scale).
func (g *Graph) Scale(name string, v float32) { g.Float(name, nil, v) }

// ZeroPoint adds a scalar zero point of type typ (Int8, Uint8 or Int32).
func (g *Graph) ZeroPoint(name string, typ int32, v int32) {
	switch typ {
	case Int8:
		g.Int8(name, nil, int8(v))
	case Uint8:
		g.Uint8(name, nil, uint8(v))
	default:
		g.Int32(name, nil, v)
	}
}

// Model wraps the graph in a model (IR version 8, the default domain at
// g.Opset).
func (g *Graph) Model() *onnxpb.ModelProto {
	return &onnxpb.ModelProto{
		IrVersion:    8,
		ProducerName: "onnxtest",
		OpsetImport:  []*onnxpb.OperatorSetIdProto{{Domain: "", Version: g.Opset}},
		Graph:        g.G,
	}
}

// Bytes is the marshalled model.
func (g *Graph) Bytes() []byte {
	b, err := g.Model().Marshal()
	if err != nil {
		panic(err)
	}
	return b
}

// Int is an INT attribute.
func Int(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

// Ints is an INTS attribute.
func Ints(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}

// Float32 is a FLOAT attribute.
func Float32(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOAT, F: v}
}

// String is a STRING attribute.
func String(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRING, S: []byte(v)}
}
