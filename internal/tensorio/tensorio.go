// Package tensorio reads model inputs and writes model outputs in the formats
// ML engineers already have: NumPy's .npy files and JSON nested arrays. It is
// the boundary between files and the integer runtime's tensors
// (internal/onnxint); nothing here runs on the verification path.
//
// JSON input is either a nested array, for a model with one input, or an
// object from input names to nested arrays. Numbers are converted to the
// input's element type: FLOAT inputs round to the nearest float32 (strconv,
// the same on every machine), integer inputs must be integers in range.
package tensorio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/prova-network/prova/internal/onnxint"
)

// MaxElements caps the elements of one tensor read from a file.
const MaxElements = 1 << 26

// Input describes what a model expects of one input: its name, element
// type and shape (a dimension < 0 is free and taken from the data).
type Input struct {
	Name string
	Type onnxint.DType
	Dims []int64
}

// ReadInputs reads the inputs of a model from data, a .npy file (for a model
// with one input) or JSON. The result is in the order of want.
func ReadInputs(data []byte, want []Input) ([]*onnxint.Tensor, error) {
	if len(want) == 0 {
		return nil, errors.New("the model has no inputs")
	}
	if bytes.HasPrefix(data, npyMagic) {
		if len(want) != 1 {
			return nil, fmt.Errorf("a .npy file holds one tensor, but the model has %d inputs (%s): use a JSON object from input names to arrays", len(want), names(want))
		}
		t, err := ReadNPY(data)
		if err != nil {
			return nil, err
		}
		t, err = convert(t, want[0])
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", want[0].Name, err)
		}
		return []*onnxint.Tensor{t}, nil
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("empty input: give a .npy file or JSON (a nested array, or an object from input names to arrays)")
	}
	switch trimmed[0] {
	case '[':
		if len(want) != 1 {
			return nil, fmt.Errorf("a JSON array is one tensor, but the model has %d inputs (%s): use an object from input names to arrays", len(want), names(want))
		}
		t, err := fromJSON(trimmed, want[0])
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", want[0].Name, err)
		}
		return []*onnxint.Tensor{t}, nil
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &obj); err != nil {
			return nil, fmt.Errorf("input JSON: %w", err)
		}
		out := make([]*onnxint.Tensor, len(want))
		for i, w := range want {
			raw, ok := obj[w.Name]
			if !ok {
				return nil, fmt.Errorf("input JSON has no %q (the model's inputs: %s)", w.Name, names(want))
			}
			t, err := fromJSON(raw, w)
			if err != nil {
				return nil, fmt.Errorf("input %q: %w", w.Name, err)
			}
			out[i] = t
		}
		for k := range obj {
			if !hasName(want, k) {
				return nil, fmt.Errorf("input JSON names %q, which is not an input of the model (its inputs: %s)", k, names(want))
			}
		}
		return out, nil
	}
	return nil, errors.New("input is neither a .npy file nor JSON (a nested array, or an object from input names to arrays)")
}

func names(want []Input) string {
	s := make([]string, len(want))
	for i, w := range want {
		s[i] = w.Name
	}
	return strings.Join(s, ", ")
}

func hasName(want []Input, n string) bool {
	for _, w := range want {
		if w.Name == n {
			return true
		}
	}
	return false
}

// fromJSON reads one nested array as a tensor of w's type; its shape must
// match w's fixed dimensions.
func fromJSON(raw []byte, w Input) (*onnxint.Tensor, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("JSON: %w", err)
	}
	var dims []int64
	var nums []json.Number
	if err := flatten(v, 0, &dims, &nums); err != nil {
		return nil, err
	}
	if len(nums) > MaxElements {
		return nil, fmt.Errorf("%d elements is over the limit of %d", len(nums), MaxElements)
	}
	t := &onnxint.Tensor{Type: w.Type, Dims: dims}
	switch w.Type {
	case onnxint.Float:
		t.F = make([]uint32, len(nums))
		for i, n := range nums {
			f, err := strconv.ParseFloat(string(n), 32)
			if err != nil || math.IsInf(f, 0) {
				return nil, fmt.Errorf("element %d: %s is not a float32", i, n)
			}
			t.F[i] = math.Float32bits(float32(f))
		}
	case onnxint.Int8, onnxint.Uint8, onnxint.Int32:
		lo, hi := intRange(w.Type)
		t.I = make([]int32, len(nums))
		for i, n := range nums {
			x, err := strconv.ParseInt(string(n), 10, 64)
			if err != nil || x < lo || x > hi {
				return nil, fmt.Errorf("element %d: %s is not a %s (integers %d to %d)", i, n, w.Type, lo, hi)
			}
			t.I[i] = int32(x)
		}
	case onnxint.Int64:
		t.I64 = make([]int64, len(nums))
		for i, n := range nums {
			x, err := strconv.ParseInt(string(n), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("element %d: %s is not an INT64", i, n)
			}
			t.I64[i] = x
		}
	default:
		return nil, fmt.Errorf("inputs of type %s are not supported", w.Type)
	}
	if err := checkShape(dims, w.Dims); err != nil {
		return nil, err
	}
	return t, nil
}

// flatten walks a nested array, recording its shape at the first visit of
// each depth and requiring every other element to agree.
func flatten(v any, depth int, dims *[]int64, out *[]json.Number) error {
	if depth > 16 {
		return errors.New("arrays nested deeper than 16")
	}
	switch x := v.(type) {
	case []any:
		if depth == len(*dims) {
			*dims = append(*dims, int64(len(x)))
		} else if depth > len(*dims) || (*dims)[depth] != int64(len(x)) {
			return fmt.Errorf("ragged array: %d elements at depth %d where others have %d", len(x), depth, dimAt(*dims, depth))
		}
		for _, e := range x {
			if err := flatten(e, depth+1, dims, out); err != nil {
				return err
			}
			if len(*out) > MaxElements {
				return fmt.Errorf("more than %d elements", MaxElements)
			}
		}
		return nil
	case json.Number:
		if depth != len(*dims) {
			return fmt.Errorf("ragged array: a number at depth %d where others have arrays", depth)
		}
		*out = append(*out, x)
		return nil
	}
	return fmt.Errorf("unexpected %T in a tensor (only numbers and arrays)", v)
}

func dimAt(dims []int64, i int) int64 {
	if i < len(dims) {
		return dims[i]
	}
	return -1
}

func intRange(t onnxint.DType) (int64, int64) {
	switch t {
	case onnxint.Int8:
		return math.MinInt8, math.MaxInt8
	case onnxint.Uint8:
		return 0, math.MaxUint8
	}
	return math.MinInt32, math.MaxInt32
}

// checkShape compares a tensor's shape with what the model declares (a
// declared dimension < 0 matches any size).
func checkShape(got, want []int64) error {
	if want == nil {
		return nil
	}
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = want[i] < 0 || want[i] == got[i]
	}
	if !ok {
		return fmt.Errorf("shape %v, but the model expects %v", got, want)
	}
	return nil
}

// convert checks a tensor read from a file against an input, converting
// between integer types where every value fits.
func convert(t *onnxint.Tensor, w Input) (*onnxint.Tensor, error) {
	if err := checkShape(t.Dims, w.Dims); err != nil {
		return nil, err
	}
	if t.Type == w.Type {
		return t, nil
	}
	isInt := func(d onnxint.DType) bool { return d == onnxint.Int8 || d == onnxint.Uint8 || d == onnxint.Int32 }
	if isInt(t.Type) && isInt(w.Type) {
		lo, hi := intRange(w.Type)
		for i, x := range t.I {
			if int64(x) < lo || int64(x) > hi {
				return nil, fmt.Errorf("element %d (%d) does not fit %s", i, x, w.Type)
			}
		}
		return &onnxint.Tensor{Type: w.Type, Dims: t.Dims, I: t.I}, nil
	}
	return nil, fmt.Errorf("the file holds %s, but the model expects %s", t.Type, w.Type)
}

// Output is one output tensor as JSON: {"dtype", "shape", "data"}.
type Output struct {
	DType string          `json:"dtype"`
	Shape []int64         `json:"shape"`
	Data  json.RawMessage `json:"data"`
}

// DTypeName is the NumPy name of an element type ("float32", "int8", …).
func DTypeName(t onnxint.DType) string {
	switch t {
	case onnxint.Float:
		return "float32"
	case onnxint.Uint8:
		return "uint8"
	case onnxint.Int8:
		return "int8"
	case onnxint.Int32:
		return "int32"
	case onnxint.Int64:
		return "int64"
	}
	return t.String()
}

// ToOutput writes t as JSON data: a flat array in row-major order. FLOAT
// elements are printed in the shortest form that reads back to the same
// float32.
func ToOutput(t *onnxint.Tensor) Output {
	var b []byte
	b = append(b, '[')
	n := t.Len()
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		switch t.Type {
		case onnxint.Float:
			f := math.Float32frombits(t.F[i])
			if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
				b = strconv.AppendQuote(b, strconv.FormatFloat(float64(f), 'g', -1, 32))
			} else {
				b = strconv.AppendFloat(b, float64(f), 'g', -1, 32)
			}
		case onnxint.Int64:
			b = strconv.AppendInt(b, t.I64[i], 10)
		default:
			b = strconv.AppendInt(b, int64(t.I[i]), 10)
		}
	}
	b = append(b, ']')
	dims := t.Dims
	if dims == nil {
		dims = []int64{}
	}
	return Output{DType: DTypeName(t.Type), Shape: dims, Data: b}
}

// Argmax returns the index of the largest element of a FLOAT or integer
// tensor (the first one on ties), comparing floats by their order as
// numbers; -1 for an empty tensor.
func Argmax(t *onnxint.Tensor) int {
	best := -1
	for i := range t.Len() {
		if best < 0 || less(t, best, i) {
			best = i
		}
	}
	return best
}

func less(t *onnxint.Tensor, a, b int) bool {
	switch t.Type {
	case onnxint.Float:
		return floatKey(t.F[a]) < floatKey(t.F[b])
	case onnxint.Int64:
		return t.I64[a] < t.I64[b]
	}
	return t.I[a] < t.I[b]
}

// floatKey maps float32 bits to an integer with the same order as the
// numbers (NaNs sort above +Inf or below -Inf by sign).
func floatKey(u uint32) int64 {
	if u&0x80000000 != 0 {
		return -int64(u & 0x7fffffff)
	}
	return int64(u)
}
