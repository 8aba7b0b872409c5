package train

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnx/onnxpb"
)

// ONNX versions written: IR 7 with the default domain at opset 13 (ONNX
// 1.8), which onnxruntime 1.30 loads. Opset 13 has QuantizeLinear and
// DequantizeLinear with int32 dequantization, MaxPool on uint8 and Flatten on
// every type.
const (
	IRVersion = 7
	Opset     = 13
	Producer  = "prova-mnist"
)

// PoolForm selects how the quantized CNN's max-pools are written.
type PoolForm int

const (
	// PoolQuantized applies MaxPool to the uint8 tensor directly (ONNX
	// MaxPool accepts uint8 since opset 12): Q → MaxPool → DQ.
	PoolQuantized PoolForm = iota
	// PoolQDQ wraps a float MaxPool in DequantizeLinear and QuantizeLinear
	// with the same scale and zero point: Q → DQ → MaxPool → Q → DQ.
	PoolQDQ
)

// ExportInfo is recorded in the model's metadata.
type ExportInfo struct {
	Calibration int               // number of calibration images
	Extra       map[string]string // more metadata entries
}

type graphBuilder struct {
	nodes []*onnxpb.NodeProto
	inits []*onnxpb.TensorProto
}

func (g *graphBuilder) node(op, name string, in, out []string, attrs ...*onnxpb.AttributeProto) {
	g.nodes = append(g.nodes, &onnxpb.NodeProto{OpType: op, Name: name, Input: in, Output: out, Attribute: attrs})
}

func (g *graphBuilder) init(t *onnxpb.TensorProto) string {
	g.inits = append(g.inits, t)
	return t.Name
}

func dims64(d ...int) []int64 {
	out := make([]int64, len(d))
	for i, v := range d {
		out[i] = int64(v)
	}
	return out
}

func tensorF32(name string, dims []int64, v []float32) *onnxpb.TensorProto {
	raw := make([]byte, 0, 4*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(x))
	}
	return &onnxpb.TensorProto{Name: name, Dims: dims, DataType: int32(onnxpb.TensorProto_FLOAT), RawData: raw}
}

func tensorI8(name string, dims []int64, v []int8) *onnxpb.TensorProto {
	raw := make([]byte, len(v))
	for i, x := range v {
		raw[i] = byte(x)
	}
	return &onnxpb.TensorProto{Name: name, Dims: dims, DataType: int32(onnxpb.TensorProto_INT8), RawData: raw}
}

func tensorU8(name string, dims []int64, v []uint8) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: name, Dims: dims, DataType: int32(onnxpb.TensorProto_UINT8), RawData: append([]byte{}, v...)}
}

func tensorI32(name string, dims []int64, v []int32) *onnxpb.TensorProto {
	raw := make([]byte, 0, 4*len(v))
	for _, x := range v {
		raw = binary.LittleEndian.AppendUint32(raw, uint32(x))
	}
	return &onnxpb.TensorProto{Name: name, Dims: dims, DataType: int32(onnxpb.TensorProto_INT32), RawData: raw}
}

func attrInts(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}

func attrInt(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

func convAttrs() []*onnxpb.AttributeProto {
	return []*onnxpb.AttributeProto{
		attrInts("kernel_shape", cnnK, cnnK), attrInts("strides", 1, 1),
		attrInts("pads", 0, 0, 0, 0), attrInts("dilations", 1, 1), attrInt("group", 1),
	}
}

func poolAttrs() []*onnxpb.AttributeProto {
	return []*onnxpb.AttributeProto{attrInts("kernel_shape", 2, 2), attrInts("strides", 2, 2), attrInts("pads", 0, 0, 0, 0)}
}

func valueInfo(name string, elem onnxpb.TensorProto_DataType, dims ...int64) *onnxpb.ValueInfoProto {
	var shape []*onnxpb.TensorShapeProto_Dimension
	for _, d := range dims {
		shape = append(shape, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}})
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(elem), Shape: &onnxpb.TensorShapeProto{Dim: shape}}}}}
}

// Graph input and output names.
const (
	InputName  = "input"
	OutputName = "logits"
)

// inputDims is the graph input shape of an architecture.
func inputDims(arch string) []int64 {
	if arch == "cnn" {
		return []int64{1, 1, mnist.Rows, mnist.Cols}
	}
	return []int64{1, mnist.Pixels}
}

// InputConvention documents the models' input, also written to metadata.
const InputConvention = "float32 pixel/255 (0 background, 1 full ink), row-major 28x28; " +
	"MLP shape [1,784], CNN shape [1,1,28,28] (NCHW)"

func model(arch, variant, doc string, g *graphBuilder, meta map[string]string) ([]byte, error) {
	props := []*onnxpb.StringStringEntryProto{
		{Key: "architecture", Value: arch},
		{Key: "variant", Value: variant},
		{Key: "input", Value: InputConvention},
		{Key: "output", Value: "float32 logits [1,10], digit = argmax"},
		{Key: "dataset", Value: "MNIST (" + mnist.ModulePath + "@" + mnist.ModuleVersion + ")"},
	}
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		props = append(props, &onnxpb.StringStringEntryProto{Key: k, Value: meta[k]})
	}
	m := &onnxpb.ModelProto{
		IrVersion:       IRVersion,
		OpsetImport:     []*onnxpb.OperatorSetIdProto{{Domain: "", Version: Opset}},
		ProducerName:    Producer,
		ProducerVersion: "1",
		Domain:          "network.prova",
		ModelVersion:    1,
		DocString:       doc,
		MetadataProps:   props,
		Graph: &onnxpb.GraphProto{
			Name:        "mnist_" + arch + "_" + variant,
			Node:        g.nodes,
			Initializer: g.inits,
			Input:       []*onnxpb.ValueInfoProto{valueInfo(InputName, onnxpb.TensorProto_FLOAT, inputDims(arch)...)},
			Output:      []*onnxpb.ValueInfoProto{valueInfo(OutputName, onnxpb.TensorProto_FLOAT, 1, 10)},
		},
	}
	return m.Marshal()
}

// FloatONNX writes the float model m as ONNX (Gemm, Conv, Relu, MaxPool,
// Flatten in float32).
func FloatONNX(m Model, meta map[string]string) ([]byte, error) {
	g := &graphBuilder{}
	switch m := m.(type) {
	case *MLP:
		w1 := g.init(tensorF32("fc1.weight", dims64(mlpIn, mlpHidden), m.W1))
		b1 := g.init(tensorF32("fc1.bias", dims64(mlpHidden), m.B1))
		w2 := g.init(tensorF32("fc2.weight", dims64(mlpHidden, mlpOut), m.W2))
		b2 := g.init(tensorF32("fc2.bias", dims64(mlpOut), m.B2))
		g.node("Gemm", "fc1.gemm", []string{InputName, w1, b1}, []string{"fc1.output"})
		g.node("Relu", "fc1.relu", []string{"fc1.output"}, []string{"fc1.relu"})
		g.node("Gemm", "fc2.gemm", []string{"fc1.relu", w2, b2}, []string{OutputName})
		return model("mlp", "f32", "MNIST 784-128-10 ReLU MLP, float32", g, meta)
	case *CNN:
		w1 := g.init(tensorF32("conv1.weight", dims64(cnnC1, 1, cnnK, cnnK), m.W1))
		b1 := g.init(tensorF32("conv1.bias", dims64(cnnC1), m.B1))
		w2 := g.init(tensorF32("conv2.weight", dims64(cnnC2, cnnC1, cnnK, cnnK), m.W2))
		b2 := g.init(tensorF32("conv2.bias", dims64(cnnC2), m.B2))
		w3 := g.init(tensorF32("fc.weight", dims64(cnnFl, cnnOut), m.W3))
		b3 := g.init(tensorF32("fc.bias", dims64(cnnOut), m.B3))
		g.node("Conv", "conv1.conv", []string{InputName, w1, b1}, []string{"conv1.output"}, convAttrs()...)
		g.node("Relu", "conv1.relu", []string{"conv1.output"}, []string{"conv1.relu"})
		g.node("MaxPool", "conv1.pool", []string{"conv1.relu"}, []string{"conv1.pool"}, poolAttrs()...)
		g.node("Conv", "conv2.conv", []string{"conv1.pool", w2, b2}, []string{"conv2.output"}, convAttrs()...)
		g.node("Relu", "conv2.relu", []string{"conv2.output"}, []string{"conv2.relu"})
		g.node("MaxPool", "conv2.pool", []string{"conv2.relu"}, []string{"conv2.pool"}, poolAttrs()...)
		g.node("Flatten", "conv2.flatten", []string{"conv2.pool"}, []string{"conv2.flatten"}, attrInt("axis", 1))
		g.node("Gemm", "fc.gemm", []string{"conv2.flatten", w3, b3}, []string{OutputName})
		return model("cnn", "f32", "MNIST CNN: conv5x5 1->8, ReLU, maxpool2, conv5x5 8->16, ReLU, maxpool2, dense 256->10; float32", g, meta)
	}
	return nil, fmt.Errorf("train: cannot export %T", m)
}

// QuantONNX writes q as an ONNX model in QDQ form: the float input is
// quantized (QuantizeLinear) and every layer reads DequantizeLinear outputs
// of its quantized input, its int8 weights and its int32 bias, is followed
// by Relu (if any) and QuantizeLinear; the final DequantizeLinear gives the
// float logits.
func QuantONNX(q *QModel, pool PoolForm, info ExportInfo) ([]byte, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	g := &graphBuilder{}
	scale := g.init(tensorF32("input.scale", nil, []float32{q.InScale}))
	zero := g.init(tensorU8("input.zero_point", nil, []uint8{q.InZero}))
	cur := "input.quantized"
	g.node("QuantizeLinear", "input.quantize", []string{InputName, scale, zero}, []string{cur})
	var arch []string
	for i, l := range q.Layers {
		n := l.Name
		g.node("DequantizeLinear", n+".input_dequantize", []string{cur, scale, zero}, []string{n + ".input"})
		var wdims []int64
		if l.Kind == Conv {
			wdims = dims64(l.Out, l.In, cnnK, cnnK)
		} else {
			wdims = dims64(l.In, l.Out)
		}
		wq := g.init(tensorI8(n+".weight_quantized", wdims, l.W))
		ws := g.init(tensorF32(n+".weight_scale", nil, []float32{l.WScale}))
		wz := g.init(tensorI8(n+".weight_zero_point", nil, []int8{0}))
		bq := g.init(tensorI32(n+".bias_quantized", dims64(l.Out), l.B))
		bs := g.init(tensorF32(n+".bias_scale", nil, []float32{l.BScale}))
		bz := g.init(tensorI32(n+".bias_zero_point", nil, []int32{0}))
		g.node("DequantizeLinear", n+".weight_dequantize", []string{wq, ws, wz}, []string{n + ".weight"})
		g.node("DequantizeLinear", n+".bias_dequantize", []string{bq, bs, bz}, []string{n + ".bias"})
		out := n + ".output"
		if l.Kind == Conv {
			g.node("Conv", n+".conv", []string{n + ".input", n + ".weight", n + ".bias"}, []string{out}, convAttrs()...)
			arch = append(arch, fmt.Sprintf("conv5x5 %d->%d", l.In, l.Out))
		} else {
			g.node("Gemm", n+".gemm", []string{n + ".input", n + ".weight", n + ".bias"}, []string{out})
			arch = append(arch, fmt.Sprintf("dense %d->%d", l.In, l.Out))
		}
		if l.Relu {
			g.node("Relu", n+".relu", []string{out}, []string{n + ".relu"})
			out = n + ".relu"
			arch = append(arch, "ReLU")
		}
		scale = g.init(tensorF32(n+".output_scale", nil, []float32{l.OutScale}))
		zero = g.init(tensorU8(n+".output_zero_point", nil, []uint8{l.OutZero}))
		cur = n + ".output_quantized"
		g.node("QuantizeLinear", n+".output_quantize", []string{out, scale, zero}, []string{cur})
		if l.Pool {
			switch pool {
			case PoolQuantized:
				g.node("MaxPool", n+".pool", []string{cur}, []string{n + ".pool_quantized"}, poolAttrs()...)
			case PoolQDQ:
				g.node("DequantizeLinear", n+".pool_dequantize", []string{cur, scale, zero}, []string{n + ".pool_input"})
				g.node("MaxPool", n+".pool", []string{n + ".pool_input"}, []string{n + ".pool"}, poolAttrs()...)
				g.node("QuantizeLinear", n+".pool_quantize", []string{n + ".pool", scale, zero}, []string{n + ".pool_quantized"})
			default:
				return nil, fmt.Errorf("train: unknown pool form %d", pool)
			}
			cur = n + ".pool_quantized"
			arch = append(arch, "maxpool2")
		}
		if l.Kind == Conv && i+1 < len(q.Layers) && q.Layers[i+1].Kind == Dense {
			g.node("Flatten", n+".flatten", []string{cur}, []string{n + ".flatten_quantized"}, attrInt("axis", 1))
			cur = n + ".flatten_quantized"
		}
	}
	g.node("DequantizeLinear", "output.dequantize", []string{cur, scale, zero}, []string{OutputName})
	meta := map[string]string{
		"quantization": "static, QDQ: uint8 activations (per tensor, calibrated min/max), " +
			"int8 symmetric per-tensor weights, int32 bias (scale = input scale x weight scale, zero point 0)",
	}
	if info.Calibration > 0 {
		meta["calibration_images"] = fmt.Sprint(info.Calibration)
	}
	for k, v := range info.Extra {
		meta[k] = v
	}
	doc := fmt.Sprintf("MNIST %s, int8 QDQ: %s", strings.ToUpper(q.Arch), strings.Join(arch, ", "))
	return model(q.Arch, "int8", doc, g, meta)
}
