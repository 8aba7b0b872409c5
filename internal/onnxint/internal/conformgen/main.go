// Command conformgen transcribes ONNX backend node test cases into the JSON
// known-answer files that internal/onnxint/conformance_test.go runs.
//
// It reads a bare git mirror of github.com/onnx/onnx with `git show`, decodes
// each selected test's model.onnx and test_data_set_0/{input,output}_K.pb with
// the messages of internal/onnx/onnxpb, and writes one file per case:
//
//	go run ./internal/onnxint/internal/conformgen \
//	    -repo /work/.mirror/onnx+onnx/repo -out internal/onnxint/testdata/conformance
//
// ONNX removed the generated node-test artifacts from its tree in commit
// a8f77b5b90fd (#7959, "Remove node test artifacts"); they are now produced
// on the fly by Python. The default -rev is therefore that commit's parent,
// the last revision that carries them.
//
// Besides one <case>.json per transcribed case, it writes index.json, which
// lists every case of the selected operators in that revision and, for those
// not transcribed, why (element types outside INT8/UINT8/INT32/INT64/FLOAT,
// or a multi-node "expanded" function body). The test checks its own skip
// table against this index.
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/prova-network/prova/internal/onnx/onnxpb"
)

// DefaultRev is the parent of onnx/onnx commit a8f77b5b90fd (#7959), the last
// revision holding onnx/backend/test/data/node.
const DefaultRev = "6be0677fc22e74563e6eb472f931513aefe5648d"

const nodeDir = "onnx/backend/test/data/node/"

// selected matches the test directories of the operators we port.
var selected = regexp.MustCompile(`^test_(qlinearmatmul|qlinearconv|quantizelinear|dequantizelinear|matmulinteger|convinteger|relu|maxpool|averagepool|reshape|flatten|transpose|add|clip)($|_)`)

// Case is the JSON form of one test case.
type Case struct {
	Name      string    `json:"name"`
	Source    string    `json:"source"`
	IRVersion int64     `json:"ir_version"`
	Opsets    []Opset   `json:"opsets"`
	Node      Node      `json:"node"`
	Inputs    []*Tensor `json:"inputs"`
	Outputs   []*Tensor `json:"outputs"`
}

type Opset struct {
	Domain  string `json:"domain"`
	Version int64  `json:"version"`
}

type Node struct {
	OpType     string       `json:"op_type"`
	Domain     string       `json:"domain,omitempty"`
	Inputs     []string     `json:"inputs"`
	Outputs    []string     `json:"outputs"`
	Attributes []*Attribute `json:"attributes,omitempty"`
}

// Attribute carries one of the scalar or list kinds; FLOAT values are given as
// IEEE-754 bit patterns (f_bits/floats_bits), the f/floats fields only make the
// file readable.
type Attribute struct {
	Name       string   `json:"name"`
	Type       string   `json:"type"` // INT, INTS, FLOAT, FLOATS, STRING, STRINGS
	I          *int64   `json:"i,omitempty"`
	Ints       []int64  `json:"ints,omitempty"`
	FBits      *uint32  `json:"f_bits,omitempty"`
	F          *string  `json:"f,omitempty"`
	FloatsBits []uint32 `json:"floats_bits,omitempty"`
	Floats     []string `json:"floats,omitempty"`
	S          *string  `json:"s,omitempty"`
	Strings    []string `json:"strings,omitempty"`
}

// Tensor is a named tensor: integer types carry data, FLOAT carries bits (the
// exact values) and values (the same numbers printed, for reading only).
type Tensor struct {
	Name   string   `json:"name"`
	DType  string   `json:"dtype"` // FLOAT, UINT8, INT8, INT32, INT64
	Dims   []int64  `json:"dims"`
	Data   []int64  `json:"data,omitempty"`
	Bits   []uint32 `json:"bits,omitempty"`
	Values []string `json:"values,omitempty"`
}

// IndexEntry records whether a case was transcribed.
type IndexEntry struct {
	Name    string `json:"name"`
	Ported  bool   `json:"ported"`
	Skipped string `json:"skipped,omitempty"`
}

type Index struct {
	Source string       `json:"source"`
	Cases  []IndexEntry `json:"cases"`
}

// arithmetic lists the operators whose FLOAT cases are not transcribed: on
// FLOAT data they compute in floating point, which the integer runtime refuses
// outside a QDQ pattern. Their integer cases are. The quantization operators
// (FLOAT scales, QuantizeLinear's input, DequantizeLinear's output) and the
// layout operators (Reshape, Flatten, Transpose: data movement only) are
// transcribed whatever their element types.
var arithmetic = map[string]bool{"Add": true, "Relu": true, "Clip": true, "MaxPool": true, "AveragePool": true}

var dtypeName = map[int32]string{1: "FLOAT", 2: "UINT8", 3: "INT8", 6: "INT32", 7: "INT64"}

func main() {
	repo := flag.String("repo", "/work/.mirror/onnx+onnx/repo", "bare git mirror of github.com/onnx/onnx")
	rev := flag.String("rev", DefaultRev, "revision holding "+nodeDir)
	out := flag.String("out", "internal/onnxint/testdata/conformance", "output directory")
	flag.Parse()
	if err := run(*repo, *rev, *out); err != nil {
		fmt.Fprintln(os.Stderr, "conformgen:", err)
		os.Exit(1)
	}
}

func git(repo string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return b, nil
}

func run(repo, rev, out string) error {
	list, err := git(repo, "ls-tree", "-r", "--name-only", rev, nodeDir)
	if err != nil {
		return err
	}
	files := map[string][]string{} // case -> files under it
	for _, p := range strings.Split(strings.TrimSpace(string(list)), "\n") {
		rest := strings.TrimPrefix(p, nodeDir)
		name, file, ok := strings.Cut(rest, "/")
		if !ok || !selected.MatchString(name) {
			continue
		}
		files[name] = append(files[name], file)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return fmt.Errorf("no selected cases under %s at %s", nodeDir, rev)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	// Remove previously generated files so that dropped cases do not linger.
	old, _ := filepath.Glob(filepath.Join(out, "*.json"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	idx := Index{Source: "github.com/onnx/onnx@" + rev + " " + nodeDir}
	for _, name := range names {
		c, skip, err := load(repo, rev, name, files[name])
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if skip != "" {
			idx.Cases = append(idx.Cases, IndexEntry{Name: name, Skipped: skip})
			continue
		}
		if err := writeJSON(filepath.Join(out, name+".json"), c); err != nil {
			return err
		}
		idx.Cases = append(idx.Cases, IndexEntry{Name: name, Ported: true})
	}
	return writeJSON(filepath.Join(out, "index.json"), idx)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	// Arrays of scalars on one line each.
	b = flatArray.ReplaceAllFunc(b, func(m []byte) []byte {
		m = spaceRun.ReplaceAll(m, []byte(" "))
		return append(append([]byte("["), bytes.TrimSpace(m[1:len(m)-1])...), ']')
	})
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

var (
	flatArray = regexp.MustCompile(`\[\n[^\[\]{}]*\]`)
	spaceRun  = regexp.MustCompile(`\n\s*`)
)

var ioFile = regexp.MustCompile(`^test_data_set_0/(input|output)_(\d+)\.pb$`)

func load(repo, rev, name string, files []string) (*Case, string, error) {
	dir := nodeDir + name + "/"
	mb, err := git(repo, "show", rev+":"+dir+"model.onnx")
	if err != nil {
		return nil, "", err
	}
	m := &onnxpb.ModelProto{}
	if err := m.Unmarshal(mb); err != nil {
		return nil, "", fmt.Errorf("model.onnx: %w", err)
	}
	g := m.Graph
	if g == nil {
		return nil, "", fmt.Errorf("model without graph")
	}
	if strings.Contains(name, "_expanded") {
		return nil, "function body expanded into primitive ops, not the operator itself", nil
	}
	if len(g.Node) != 1 {
		return nil, fmt.Sprintf("%d nodes (function body expanded into primitive ops)", len(g.Node)), nil
	}
	if len(g.Initializer) != 0 {
		return nil, "", fmt.Errorf("unexpected initializers")
	}
	for _, f := range files {
		if f != "model.onnx" && !ioFile.MatchString(f) {
			return nil, "", fmt.Errorf("unexpected file %s (more than one data set?)", f)
		}
	}
	// Element types of the graph's inputs and outputs, from their declared types.
	for _, vi := range append(append([]*onnxpb.ValueInfoProto{}, g.Input...), g.Output...) {
		tt := vi.GetType().GetTensorType()
		if tt == nil {
			return nil, "non-tensor value " + vi.Name, nil
		}
		if _, ok := dtypeName[tt.ElemType]; !ok {
			return nil, fmt.Sprintf("element type %s of %s", onnxpb.TensorProto_DataType(tt.ElemType), vi.Name), nil
		}
	}
	n := g.Node[0]
	if arithmetic[n.OpType] {
		for _, vi := range g.Input {
			if vi.GetType().GetTensorType().GetElemType() == 1 {
				return nil, "FLOAT data: float arithmetic outside a QDQ pattern is refused by design (docs/INFERENCE.md §2)", nil
			}
		}
	}
	c := &Case{
		Name:      name,
		Source:    "github.com/onnx/onnx@" + rev + " " + dir,
		IRVersion: m.IrVersion,
		Node:      Node{OpType: n.OpType, Domain: n.Domain, Inputs: n.Input, Outputs: n.Output},
	}
	for _, o := range m.OpsetImport {
		c.Opsets = append(c.Opsets, Opset{Domain: o.Domain, Version: o.Version})
	}
	for _, a := range n.Attribute {
		ja, err := attr(a)
		if err != nil {
			return nil, "", err
		}
		c.Node.Attributes = append(c.Node.Attributes, ja)
	}
	for _, kind := range []string{"input", "output"} {
		vis := g.Input
		if kind == "output" {
			vis = g.Output
		}
		for k, vi := range vis {
			b, err := git(repo, "show", fmt.Sprintf("%s:%stest_data_set_0/%s_%d.pb", rev, dir, kind, k))
			if err != nil {
				return nil, "", err
			}
			tp := &onnxpb.TensorProto{}
			if err := tp.Unmarshal(b); err != nil {
				return nil, "", fmt.Errorf("%s_%d.pb: %w", kind, k, err)
			}
			if tp.Name != "" && tp.Name != vi.Name {
				return nil, "", fmt.Errorf("%s_%d.pb is %q, graph says %q", kind, k, tp.Name, vi.Name)
			}
			if tp.DataType != vi.GetType().GetTensorType().GetElemType() {
				return nil, "", fmt.Errorf("%s_%d.pb has type %d, graph says %d", kind, k, tp.DataType, vi.GetType().GetTensorType().GetElemType())
			}
			t, err := tensor(vi.Name, tp)
			if err != nil {
				return nil, "", fmt.Errorf("%s_%d.pb: %w", kind, k, err)
			}
			if kind == "input" {
				c.Inputs = append(c.Inputs, t)
			} else {
				c.Outputs = append(c.Outputs, t)
			}
		}
		if got := countPrefix(files, "test_data_set_0/"+kind+"_"); got != len(vis) {
			return nil, "", fmt.Errorf("%d %s files for %d graph %ss", got, kind, len(vis), kind)
		}
	}
	return c, "", nil
}

func countPrefix(files []string, prefix string) int {
	n := 0
	for _, f := range files {
		if strings.HasPrefix(f, prefix) {
			n++
		}
	}
	return n
}

func fstr(f float32) string { return strconv.FormatFloat(float64(f), 'g', -1, 32) }

func attr(a *onnxpb.AttributeProto) (*Attribute, error) {
	if a.RefAttrName != "" {
		return nil, fmt.Errorf("attribute %s refers to %s", a.Name, a.RefAttrName)
	}
	ja := &Attribute{Name: a.Name, Type: a.Type.String()}
	switch a.Type {
	case onnxpb.AttributeProto_INT:
		i := a.I
		ja.I = &i
	case onnxpb.AttributeProto_INTS:
		ja.Ints = append([]int64{}, a.Ints...)
		if ja.Ints == nil {
			ja.Ints = []int64{}
		}
	case onnxpb.AttributeProto_FLOAT:
		b := math.Float32bits(a.F)
		s := fstr(a.F)
		ja.FBits, ja.F = &b, &s
	case onnxpb.AttributeProto_FLOATS:
		for _, f := range a.Floats {
			ja.FloatsBits = append(ja.FloatsBits, math.Float32bits(f))
			ja.Floats = append(ja.Floats, fstr(f))
		}
	case onnxpb.AttributeProto_STRING:
		s := string(a.S)
		ja.S = &s
	case onnxpb.AttributeProto_STRINGS:
		for _, s := range a.Strings {
			ja.Strings = append(ja.Strings, string(s))
		}
	default:
		return nil, fmt.Errorf("attribute %s has type %s", a.Name, a.Type)
	}
	return ja, nil
}

func tensor(name string, tp *onnxpb.TensorProto) (*Tensor, error) {
	dt, ok := dtypeName[tp.DataType]
	if !ok {
		return nil, fmt.Errorf("element type %d", tp.DataType)
	}
	if len(tp.ExternalData) != 0 || tp.DataLocation != onnxpb.TensorProto_DEFAULT {
		return nil, fmt.Errorf("external data")
	}
	t := &Tensor{Name: name, DType: dt, Dims: append([]int64{}, tp.Dims...)}
	n := int64(1)
	for _, d := range tp.Dims {
		if d < 0 {
			return nil, fmt.Errorf("negative dim")
		}
		n *= d
	}
	raw := tp.RawData
	width := map[int32]int{1: 4, 2: 1, 3: 1, 6: 4, 7: 8}[tp.DataType]
	if raw != nil && int64(len(raw)) != n*int64(width) {
		return nil, fmt.Errorf("raw_data has %d bytes for %d elements", len(raw), n)
	}
	switch tp.DataType {
	case 1:
		var bits []uint32
		if raw != nil {
			for i := 0; i < len(raw); i += 4 {
				bits = append(bits, binary.LittleEndian.Uint32(raw[i:]))
			}
		} else {
			for _, f := range tp.FloatData {
				bits = append(bits, math.Float32bits(f))
			}
		}
		if int64(len(bits)) != n {
			return nil, fmt.Errorf("%d float elements for %d", len(bits), n)
		}
		t.Bits = bits
		for _, b := range bits {
			t.Values = append(t.Values, fstr(math.Float32frombits(b)))
		}
		if t.Bits == nil {
			t.Bits, t.Values = []uint32{}, []string{}
		}
		return t, nil
	case 2, 3, 6:
		if raw != nil {
			for i := 0; i < len(raw); i += width {
				switch tp.DataType {
				case 2:
					t.Data = append(t.Data, int64(raw[i]))
				case 3:
					t.Data = append(t.Data, int64(int8(raw[i])))
				case 6:
					t.Data = append(t.Data, int64(int32(binary.LittleEndian.Uint32(raw[i:]))))
				}
			}
		} else {
			for _, v := range tp.Int32Data {
				switch tp.DataType {
				case 2:
					if v < 0 || v > 255 {
						return nil, fmt.Errorf("uint8 element %d", v)
					}
				case 3:
					if v < -128 || v > 127 {
						return nil, fmt.Errorf("int8 element %d", v)
					}
				}
				t.Data = append(t.Data, int64(v))
			}
		}
	case 7:
		if raw != nil {
			for i := 0; i < len(raw); i += 8 {
				t.Data = append(t.Data, int64(binary.LittleEndian.Uint64(raw[i:])))
			}
		} else {
			t.Data = append(t.Data, tp.Int64Data...)
		}
	}
	if int64(len(t.Data)) != n {
		return nil, fmt.Errorf("%d elements for %d", len(t.Data), n)
	}
	if t.Data == nil {
		t.Data = []int64{}
	}
	return t, nil
}
