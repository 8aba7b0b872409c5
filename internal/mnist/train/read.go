package train

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnx/onnxpb"
)

// ReadQuantONNX reads back a model QuantONNX wrote (either pool form), by
// its initializer and node names. It is the inverse the tests use to run
// committed models through the simulator; it is not a general ONNX reader.
func ReadQuantONNX(b []byte) (*QModel, error) {
	var m onnxpb.ModelProto
	if err := m.Unmarshal(b); err != nil {
		return nil, err
	}
	g := m.Graph
	if g == nil || len(g.Input) != 1 {
		return nil, fmt.Errorf("train: not a model of this package (graph inputs)")
	}
	inits := map[string]*onnxpb.TensorProto{}
	for _, t := range g.Initializer {
		inits[t.Name] = t
	}
	nodes := map[string]bool{}
	for _, n := range g.Node {
		nodes[n.Name] = true
	}
	r := &tensorReader{inits: inits}
	q := &QModel{InScale: r.scalarF32("input.scale"), InZero: r.scalarU8("input.zero_point")}
	shape := g.Input[0].GetType().GetTensorType().GetShape().GetDim()
	type spec struct {
		name, kind string
		in, out, h int
		relu, pool bool
	}
	var specs []spec
	switch len(shape) {
	case 2:
		q.Arch = "mlp"
		specs = []spec{{"fc1", Dense, mlpIn, mlpHidden, 0, true, false}, {"fc2", Dense, mlpHidden, mlpOut, 0, false, false}}
	case 4:
		q.Arch = "cnn"
		specs = []spec{{"conv1", Conv, 1, cnnC1, mnist.Rows, true, true}, {"conv2", Conv, cnnC1, cnnC2, cnnP1, true, true},
			{"fc", Dense, cnnFl, cnnOut, 0, false, false}}
	default:
		return nil, fmt.Errorf("train: not a model of this package (input rank %d)", len(shape))
	}
	for _, s := range specs {
		l := QLayer{Name: s.name, Kind: s.kind, In: s.in, Out: s.out, H: s.h,
			Relu: nodes[s.name+".relu"], Pool: nodes[s.name+".pool"]}
		if l.Relu != s.relu || l.Pool != s.pool {
			return nil, fmt.Errorf("train: layer %s: relu %v pool %v, want %v %v", s.name, l.Relu, l.Pool, s.relu, s.pool)
		}
		for _, raw := range r.raw(s.name+".weight_quantized", onnxpb.TensorProto_INT8) {
			l.W = append(l.W, int8(raw))
		}
		l.WScale = r.scalarF32(s.name + ".weight_scale")
		braw := r.raw(s.name+".bias_quantized", onnxpb.TensorProto_INT32)
		for i := 0; i+4 <= len(braw); i += 4 {
			l.B = append(l.B, int32(binary.LittleEndian.Uint32(braw[i:])))
		}
		l.BScale = r.scalarF32(s.name + ".bias_scale")
		l.OutScale = r.scalarF32(s.name + ".output_scale")
		l.OutZero = r.scalarU8(s.name + ".output_zero_point")
		q.Layers = append(q.Layers, l)
	}
	if r.err != nil {
		return nil, r.err
	}
	return q, q.Check()
}

type tensorReader struct {
	inits map[string]*onnxpb.TensorProto
	err   error
}

func (r *tensorReader) raw(name string, typ onnxpb.TensorProto_DataType) []byte {
	t := r.inits[name]
	if t == nil || t.DataType != int32(typ) {
		if r.err == nil {
			r.err = fmt.Errorf("train: initializer %s missing or not %v", name, typ)
		}
		return nil
	}
	return t.RawData
}

func (r *tensorReader) scalarF32(name string) float32 {
	b := r.raw(name, onnxpb.TensorProto_FLOAT)
	if len(b) != 4 {
		if r.err == nil {
			r.err = fmt.Errorf("train: %s is not one float", name)
		}
		return 0
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(b))
}

func (r *tensorReader) scalarU8(name string) uint8 {
	b := r.raw(name, onnxpb.TensorProto_UINT8)
	if len(b) != 1 {
		if r.err == nil {
			r.err = fmt.Errorf("train: %s is not one uint8", name)
		}
		return 0
	}
	return b[0]
}
