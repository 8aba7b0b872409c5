package onnxint

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strings"

	"github.com/prova-network/prova/internal/onnx/onnxpb"
)

// Load parses and lowers an ONNX model with the default limits.
func Load(b []byte) (*Model, error) { return LoadWithLimits(b, DefaultLimits()) }

// LoadWithLimits parses and lowers an ONNX model.
func LoadWithLimits(b []byte, lim Limits) (*Model, error) {
	return load(b, lim, false)
}

// LoadSkeleton loads a model written by Skeleton: its initializers carry no
// data, only names, types, dims and their tensor-root leaves. The program,
// Initializers and TensorRoot equal the full model's; ExecStep works when
// given the weights (each checked against its leaf) and Run fails with
// ErrNoWeights.
func LoadSkeleton(b []byte) (*Model, error) { return load(b, DefaultLimits(), true) }

// leafPrefix marks the tensor-root leaf that Skeleton writes into each
// initializer's doc_string in place of its data.
const leafPrefix = "prova-leaf:sha256:"

// maxIntElements caps Limits.MaxElements so that element indices, and
// products of a few of them, fit in an int (on 32-bit platforms too).
const maxIntElements = int64(^uint(0)>>1) / 16

// maxInitsPerNode bounds the initializers of a graph relative to MaxNodes.
const maxInitsPerNode = 4

func load(b []byte, lim Limits, skeleton bool) (*Model, error) {
	if lim.MaxBytes <= 0 || lim.MaxNodes <= 0 || lim.MaxElements <= 0 {
		return nil, fmt.Errorf("limits must be positive: %+v", lim)
	}
	if lim.MaxElements > maxIntElements {
		lim.MaxElements = maxIntElements // element indices are ints
	}
	if int64(len(b)) > lim.MaxBytes {
		return nil, fmt.Errorf("model is %d bytes, limit %d", len(b), lim.MaxBytes)
	}
	mp := &onnxpb.ModelProto{}
	if err := mp.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("parse onnx model: %w", err)
	}
	l := &loader{lim: lim, skeleton: skeleton, m: &Model{lim: lim, proto: mp}}
	if err := l.load(mp); err != nil {
		return nil, err
	}
	return l.m, nil
}

// loader holds the state of one Load.
type loader struct {
	lim      Limits
	skeleton bool
	opset    int64
	m        *Model
	initIdx  map[string]int
	vals     map[string]*val     // runtime values: graph inputs and lowered node outputs
	declared map[string]declared // static types and shapes from value_info and outputs
	nodes    []*gnode
	elements int64 // total elements of all runtime values
}

type declared struct {
	typ  DType
	dims []int64
}

// val is a runtime value.
type val struct {
	name  string
	typ   DType
	dims  []int64
	prod  *node // nil for a graph input
	input int   // graph input index when prod is nil
}

// gnode is a node of the ONNX graph with its display name.
type gnode struct {
	idx   int
	p     *onnxpb.NodeProto
	name  string
	attrs map[string]*onnxpb.AttributeProto
}

func (g *gnode) op() string { return g.p.OpType }

// in returns input i, or "" when absent.
func (g *gnode) in(i int) string {
	if i < len(g.p.Input) {
		return g.p.Input[i]
	}
	return ""
}

func (g *gnode) errf(format string, args ...any) error {
	return fmt.Errorf("node %q: %s", g.name, fmt.Sprintf(format, args...))
}

func (l *loader) load(mp *onnxpb.ModelProto) error {
	for _, os := range mp.OpsetImport {
		if os.Domain == "" || os.Domain == "ai.onnx" {
			l.opset = os.Version
		}
	}
	if l.opset == 0 {
		return fmt.Errorf("model imports no version of the default ONNX operator set")
	}
	if l.opset < 10 {
		return fmt.Errorf("default operator set version %d is older than 10 (the first with quantization operators)", l.opset)
	}
	g := mp.Graph
	if g == nil {
		return fmt.Errorf("model has no graph")
	}
	if len(g.Node) > l.lim.MaxNodes {
		return fmt.Errorf("graph has %d nodes, limit %d", len(g.Node), l.lim.MaxNodes)
	}
	if len(g.Initializer) > maxInitsPerNode*l.lim.MaxNodes {
		return fmt.Errorf("graph has %d initializers, limit %d", len(g.Initializer), maxInitsPerNode*l.lim.MaxNodes)
	}
	if len(g.Input)+len(g.Output)+len(g.ValueInfo) > maxInitsPerNode*l.lim.MaxNodes {
		return fmt.Errorf("graph declares too many values")
	}
	if err := l.loadInits(g); err != nil {
		return err
	}
	if err := l.loadInputs(g); err != nil {
		return err
	}
	if err := l.loadDeclared(g); err != nil {
		return err
	}
	if err := l.loadNodes(g); err != nil {
		return err
	}
	if err := l.lower(); err != nil {
		return err
	}
	if err := l.loadOutputs(g); err != nil {
		return err
	}
	if err := l.schedule(); err != nil {
		return err
	}
	if !l.skeleton {
		l.m.hasWeights = true
		return l.m.prepareAll()
	}
	return nil
}

func (l *loader) loadInits(g *onnxpb.GraphProto) error {
	l.initIdx = make(map[string]int, len(g.Initializer))
	leaves := make([][32]byte, len(g.Initializer))
	for i, p := range g.Initializer {
		if p == nil {
			return fmt.Errorf("initializer %d is empty", i)
		}
		if p.Name == "" {
			return fmt.Errorf("initializer %d has no name", i)
		}
		if _, dup := l.initIdx[p.Name]; dup {
			return fmt.Errorf("initializer %q is defined twice", p.Name)
		}
		l.initIdx[p.Name] = i
		in := initializer{name: p.Name}
		if l.skeleton {
			typ, dims, err := protoHeader(p, l.lim.MaxElements)
			if err != nil {
				return fmt.Errorf("initializer %q: %w", p.Name, err)
			}
			if hasData(p) {
				return fmt.Errorf("initializer %q: a skeleton's initializers carry no data", p.Name)
			}
			leaf, ok := strings.CutPrefix(p.DocString, leafPrefix)
			lb, err := hex.DecodeString(leaf)
			if !ok || err != nil || len(lb) != 32 {
				return fmt.Errorf("initializer %q: skeleton initializer lacks its leaf (doc_string %q)", p.Name, leafPrefix+"<64 hex>")
			}
			in.typ, in.dims = typ, dims
			copy(in.leaf[:], lb)
		} else {
			t, err := fromProto(p, l.lim.MaxElements)
			if err != nil {
				return fmt.Errorf("initializer %q: %w", p.Name, err)
			}
			in.typ, in.dims, in.t = t.Type, t.Dims, t
			in.leaf = initLeaf(p.Name, t)
		}
		leaves[i] = in.leaf
		l.m.inits = append(l.m.inits, in)
	}
	l.m.tensorRoot = TraceRoot(leaves)
	return nil
}

// staticType reads a value_info's tensor type; dims that are missing or
// symbolic are reported by ok = false.
func staticType(vi *onnxpb.ValueInfoProto) (typ DType, dims []int64, static bool, err error) {
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		return 0, nil, false, fmt.Errorf("value %q is not a tensor", vi.Name)
	}
	typ, err = dtypeOf(tt.ElemType)
	if err != nil {
		return 0, nil, false, fmt.Errorf("value %q: %w", vi.Name, err)
	}
	if tt.Shape == nil {
		return typ, nil, false, nil
	}
	if len(tt.Shape.Dim) > maxRank {
		return 0, nil, false, fmt.Errorf("value %q: rank %d exceeds %d", vi.Name, len(tt.Shape.Dim), maxRank)
	}
	static = true
	for _, d := range tt.Shape.Dim {
		dv, ok := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue)
		if !ok {
			static = false
			dims = append(dims, -1)
			continue
		}
		if dv.DimValue < 0 {
			return 0, nil, false, fmt.Errorf("value %q: negative dimension %d", vi.Name, dv.DimValue)
		}
		dims = append(dims, dv.DimValue)
	}
	return typ, dims, static, nil
}

func (l *loader) loadInputs(g *onnxpb.GraphProto) error {
	l.vals = make(map[string]*val)
	for _, vi := range g.Input {
		if vi == nil || vi.Name == "" {
			return fmt.Errorf("graph input without a name")
		}
		if _, ok := l.initIdx[vi.Name]; ok {
			continue // an initializer listed as an input (IR < 4): a constant
		}
		if _, dup := l.vals[vi.Name]; dup {
			return fmt.Errorf("graph input %q is declared twice", vi.Name)
		}
		typ, dims, static, err := staticType(vi)
		if err != nil {
			return fmt.Errorf("graph input: %w", err)
		}
		if !static {
			return fmt.Errorf("graph input %q has no static shape (symbolic or missing dims %v); the runtime needs fixed shapes", vi.Name, dims)
		}
		if err := l.account(vi.Name, dims); err != nil {
			return err
		}
		v := &val{name: vi.Name, typ: typ, dims: dims, input: len(l.m.inputs)}
		l.vals[vi.Name] = v
		l.m.inputs = append(l.m.inputs, ValueInfo{Name: vi.Name, Type: typ, Dims: dims})
	}
	return nil
}

// maxTotalFactor bounds the elements of all runtime values together, as a
// multiple of MaxElements.
const maxTotalFactor = 4

// account checks a new runtime value's size against the limits.
func (l *loader) account(name string, dims []int64) error {
	n, err := numElements(dims, l.lim.MaxElements)
	if err != nil {
		return fmt.Errorf("value %q: %w", name, err)
	}
	l.elements += n
	if l.elements > maxTotalFactor*l.lim.MaxElements {
		return fmt.Errorf("value %q: the graph's values hold more than %d elements", name, maxTotalFactor*l.lim.MaxElements)
	}
	return nil
}

func (l *loader) loadDeclared(g *onnxpb.GraphProto) error {
	l.declared = make(map[string]declared)
	for _, list := range [][]*onnxpb.ValueInfoProto{g.ValueInfo, g.Output} {
		for _, vi := range list {
			if vi == nil {
				return fmt.Errorf("empty value_info")
			}
			typ, dims, static, err := staticType(vi)
			if err != nil {
				return err
			}
			if static {
				if d, ok := l.declared[vi.Name]; ok && (d.typ != typ || !equalDims(d.dims, dims)) {
					return fmt.Errorf("value %q is declared twice with different types", vi.Name)
				}
				l.declared[vi.Name] = declared{typ, dims}
			}
		}
	}
	return nil
}

func (l *loader) loadNodes(g *onnxpb.GraphProto) error {
	defined := make(map[string]bool)
	for name := range l.vals {
		defined[name] = true
	}
	for i, p := range g.Node {
		if p == nil {
			return fmt.Errorf("node %d is empty", i)
		}
		gn := &gnode{idx: i, p: p, name: p.Name, attrs: make(map[string]*onnxpb.AttributeProto)}
		if gn.name == "" {
			gn.name = fmt.Sprintf("op_%d", i)
		}
		if p.Domain != "" && p.Domain != "ai.onnx" {
			return gn.errf("unsupported op %s (domain %q)", p.OpType, p.Domain)
		}
		for _, a := range p.Attribute {
			if a == nil || a.Name == "" {
				return gn.errf("attribute without a name")
			}
			if a.RefAttrName != "" {
				return gn.errf("attribute %q refers to a function attribute", a.Name)
			}
			if _, dup := gn.attrs[a.Name]; dup {
				return gn.errf("attribute %q given twice", a.Name)
			}
			gn.attrs[a.Name] = a
		}
		for _, in := range p.Input {
			if in == "" {
				continue
			}
			if _, ok := l.initIdx[in]; ok || defined[in] {
				continue
			}
			return gn.errf("input %q is not defined before the node (unknown name, or a cycle)", in)
		}
		if len(p.Output) == 0 {
			return gn.errf("no outputs")
		}
		for _, out := range p.Output {
			if out == "" {
				continue
			}
			if _, ok := l.initIdx[out]; ok || defined[out] {
				return gn.errf("output %q is defined twice", out)
			}
			defined[out] = true
		}
		l.nodes = append(l.nodes, gn)
	}
	return nil
}

func (l *loader) loadOutputs(g *onnxpb.GraphProto) error {
	if len(g.Output) == 0 {
		return fmt.Errorf("graph has no outputs")
	}
	for _, vi := range g.Output {
		if _, ok := l.initIdx[vi.Name]; ok {
			return fmt.Errorf("graph output %q is an initializer", vi.Name)
		}
		v, ok := l.vals[vi.Name]
		if !ok {
			return fmt.Errorf("graph output %q is not computed by the graph", vi.Name)
		}
		typ, dims, _, err := staticType(vi)
		if err != nil {
			return fmt.Errorf("graph output: %w", err)
		}
		if typ != v.typ {
			return fmt.Errorf("graph output %q is declared %v, computed %v", vi.Name, typ, v.typ)
		}
		if dims != nil && !compatibleDims(dims, v.dims) {
			return fmt.Errorf("graph output %q is declared with shape %v, computed %v", vi.Name, dims, v.dims)
		}
		l.m.outputs = append(l.m.outputs, ValueInfo{Name: v.name, Type: v.typ, Dims: v.dims})
		l.m.outVals = append(l.m.outVals, v)
	}
	return nil
}

func equalDims(a, b []int64) bool {
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

// compatibleDims compares declared dims (−1 for symbolic) with computed ones.
func compatibleDims(decl, dims []int64) bool {
	if len(decl) != len(dims) {
		return false
	}
	for i := range decl {
		if decl[i] >= 0 && decl[i] != dims[i] {
			return false
		}
	}
	return true
}

// dtypeOf maps an ONNX element type code to a DType the runtime supports.
func dtypeOf(code int32) (DType, error) {
	switch d := DType(code); {
	case code > 0 && code < 256 && d.valid():
		return d, nil
	}
	name := onnxpb.TensorProto_DataType_name[code]
	if name == "" {
		name = fmt.Sprint(code)
	}
	return 0, fmt.Errorf("unsupported element type %s", name)
}

// protoHeader validates an initializer's type, dims and storage.
func protoHeader(p *onnxpb.TensorProto, limit int64) (DType, []int64, error) {
	if p.DataLocation == onnxpb.TensorProto_EXTERNAL || len(p.ExternalData) > 0 {
		return 0, nil, fmt.Errorf("external data is not supported")
	}
	typ, err := dtypeOf(p.DataType)
	if err != nil {
		return 0, nil, err
	}
	if len(p.Dims) > maxRank {
		return 0, nil, fmt.Errorf("rank %d exceeds %d", len(p.Dims), maxRank)
	}
	if _, err := numElements(p.Dims, limit); err != nil {
		return 0, nil, err
	}
	return typ, append([]int64{}, p.Dims...), nil
}

func hasData(p *onnxpb.TensorProto) bool {
	return len(p.RawData)+len(p.FloatData)+len(p.Int32Data)+len(p.Int64Data)+len(p.StringData)+
		len(p.DoubleData)+len(p.Uint64Data) > 0
}

func fromProto(p *onnxpb.TensorProto, limit int64) (*Tensor, error) {
	if p == nil {
		return nil, fmt.Errorf("nil tensor")
	}
	typ, dims, err := protoHeader(p, limit)
	if err != nil {
		return nil, err
	}
	n, _ := numElements(dims, limit)
	t := &Tensor{Type: typ, Dims: dims}
	sources := 0
	for _, l := range []int{len(p.RawData), len(p.FloatData), len(p.Int32Data), len(p.Int64Data), len(p.StringData), len(p.DoubleData), len(p.Uint64Data)} {
		if l > 0 {
			sources++
		}
	}
	if sources > 1 {
		return nil, fmt.Errorf("data in more than one field")
	}
	w := typ.width()
	switch {
	case len(p.RawData) > 0 || n == 0:
		if int64(len(p.RawData)) != n*int64(w) {
			return nil, fmt.Errorf("%v tensor of shape %v needs %d bytes of raw data, has %d", typ, dims, n*int64(w), len(p.RawData))
		}
		// The raw data is the element part of the canonical encoding.
		hdr := make([]byte, 2, 2+8*len(dims)+len(p.RawData))
		hdr[0], hdr[1] = byte(typ), byte(len(dims))
		for _, d := range dims {
			hdr = binary.BigEndian.AppendUint64(hdr, uint64(d))
		}
		dec, _, err := Decode(append(hdr, p.RawData...))
		if err != nil {
			return nil, err
		}
		return dec, nil
	case typ == Float && len(p.FloatData) > 0:
		if int64(len(p.FloatData)) != n {
			return nil, fmt.Errorf("FLOAT tensor of shape %v needs %d values, has %d", dims, n, len(p.FloatData))
		}
		t.F = make([]uint32, n)
		for i, f := range p.FloatData {
			t.F[i] = math.Float32bits(f) // bit pattern, not arithmetic
		}
	case (typ == Int8 || typ == Uint8 || typ == Int32) && len(p.Int32Data) > 0:
		if int64(len(p.Int32Data)) != n {
			return nil, fmt.Errorf("%v tensor of shape %v needs %d values, has %d", typ, dims, n, len(p.Int32Data))
		}
		t.I = append([]int32{}, p.Int32Data...)
	case typ == Int64 && len(p.Int64Data) > 0:
		if int64(len(p.Int64Data)) != n {
			return nil, fmt.Errorf("INT64 tensor of shape %v needs %d values, has %d", dims, n, len(p.Int64Data))
		}
		t.I64 = append([]int64{}, p.Int64Data...)
	case sources == 0:
		return nil, fmt.Errorf("%v tensor of shape %v has no data", typ, dims)
	default:
		return nil, fmt.Errorf("%v tensor stores its data in a field of another type", typ)
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

// Skeleton returns the model's ONNX bytes with every initializer's data
// removed: names, types and dims are kept, and each initializer's
// tensor-root leaf is written into its doc_string as
// "prova-leaf:sha256:<hex>". The graph's value_info lists the static type
// and shape of every value a lowered node computes, so that LoadSkeleton
// rebuilds the same program without the data (a Reshape's target shape is
// data). LoadSkeleton(Skeleton()) has the same Steps, Initializers,
// TensorRoot and trace as the full model.
func (m *Model) Skeleton() ([]byte, error) {
	src := m.proto
	g := src.Graph
	sg := *g
	sg.Initializer = make([]*onnxpb.TensorProto, len(g.Initializer))
	for i, p := range g.Initializer {
		in := m.inits[i]
		sg.Initializer[i] = &onnxpb.TensorProto{
			Name:      p.Name,
			DataType:  p.DataType,
			Dims:      append([]int64{}, p.Dims...),
			DocString: leafPrefix + hex.EncodeToString(in.leaf[:]),
		}
	}
	sg.ValueInfo = nil
	for _, n := range m.nodes {
		sg.ValueInfo = append(sg.ValueInfo, valueInfoProto(n.out.name, n.out.typ, n.out.dims))
	}
	sm := *src
	sm.Graph = &sg
	return sm.Marshal()
}

func valueInfoProto(name string, typ DType, dims []int64) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{Dim: []*onnxpb.TensorShapeProto_Dimension{}}
	for _, d := range dims {
		shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{
			Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d},
		})
	}
	return &onnxpb.ValueInfoProto{
		Name: name,
		Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
			TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(typ), Shape: shape},
		}},
	}
}
