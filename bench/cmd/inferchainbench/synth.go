package main

import (
	"fmt"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/onnxint/onnxtest"
)

// The synthetic models that bracket the on-chain limit. newSynthetic(c)
// costs exactly c multiply-accumulates and elements: y = a·b with one
// QLinearMatMul, a [m, k] int8 a graph input and b [k, n] int8 an
// initializer (m·k·n MACs, m = c / (k·n)), plus, for the remainder
// r = c mod (k·n), an int8 input [1, r] through a Relu (r elements). The
// weights are small (k·n bytes), so what limits such a model on chain is
// its cost, not max_model_bytes.

// synthK and synthN are the inner and output dims: k·n = 80,000, so
// 20,000,000 (the dev chain's max_run_cost) is m = 250 rows exactly.
const synthK, synthN = 320, 250

// synthetic is a model file and the inputs MsgRunModel carries for it.
type synthetic struct {
	file   []byte
	inputs []byte
	cost   int64
	shape  string
}

// newSynthetic builds the model that costs exactly cost.
func newSynthetic(cost int64) (synthetic, error) {
	k, n := int64(synthK), int64(synthN)
	m, r := cost/(k*n), cost%(k*n)
	if m < 1 {
		return synthetic{}, fmt.Errorf("cost %d is under one row (%d)", cost, k*n)
	}
	g := onnxtest.NewGraph(17)
	g.Input("a", onnxtest.Int8, m, k)
	w := make([]int8, k*n)
	for i := range w {
		w[i] = int8(i*37%255 - 127)
	}
	g.Int8("b", []int64{k, n}, w...)
	// Power-of-two scales: every requantization is an exact shift.
	g.Scale("sa", 1.0/64)
	g.ZeroPoint("za", onnxtest.Int8, 0)
	g.Scale("sb", 1.0/64)
	g.ZeroPoint("zb", onnxtest.Int8, 0)
	g.Scale("sy", 4)
	g.ZeroPoint("zy", onnxtest.Int8, 0)
	g.Node("QLinearMatMul", "mm", []string{"a", "sa", "za", "b", "sb", "zb", "sy", "zy"}, []string{"y"})
	g.Output("y", onnxtest.Int8, m, n)
	a := &onnxint.Tensor{Type: onnxint.Int8, Dims: []int64{m, k}, I: make([]int32, m*k)}
	for i := range a.I {
		a.I[i] = int32(i*53%255 - 127)
	}
	inputs := onnxint.Encode(a)
	shape := fmt.Sprintf("QLinearMatMul [%d×%d]·[%d×%d]", m, k, k, n)
	if r > 0 {
		g.Input("e", onnxtest.Int8, 1, r)
		g.Node("Relu", "relu", []string{"e"}, []string{"z"})
		g.Output("z", onnxtest.Int8, 1, r)
		e := &onnxint.Tensor{Type: onnxint.Int8, Dims: []int64{1, r}, I: make([]int32, r)}
		for i := range e.I {
			e.I[i] = int32(i%7 - 3)
		}
		inputs = append(inputs, onnxint.Encode(e)...)
		shape += fmt.Sprintf(" + Relu [1×%d]", r)
	}
	file := g.Bytes()
	model, err := onnxint.Load(file)
	if err != nil {
		return synthetic{}, err
	}
	if model.Cost() != cost {
		return synthetic{}, fmt.Errorf("synthetic model costs %d, want %d", model.Cost(), cost)
	}
	return synthetic{file: file, inputs: inputs, cost: cost, shape: shape}, nil
}
