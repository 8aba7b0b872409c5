package inferd

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"github.com/prova-network/prova/internal/onnxint"
)

// Program is what the daemons need of a loaded model; *onnxint.Model is
// one. Tests substitute small fakes.
type Program interface {
	Inputs() []onnxint.ValueInfo
	Outputs() []onnxint.ValueInfo
	TraceSize() uint64
	TensorRoot() [32]byte
	Steps() []onnxint.StepInfo
	Run(inputs []*onnxint.Tensor, opt onnxint.Options) (*onnxint.Result, error)
	Weight(i int) (*onnxint.Tensor, error)
	TensorProof(i int) ([][]byte, error)
}

var _ Program = (*onnxint.Model)(nil)

// ErrBadInputs: the input encodings do not fit the model.
var ErrBadInputs = errors.New("inputs do not fit the model")

// Trace is one traced run: everything a claim and its disputes need.
type Trace struct {
	// Inputs are the canonical encodings of the graph inputs, concatenated
	// (what MsgPostInput carries; their SHA-256 is InputDigest).
	Inputs  []byte
	Outputs []*onnxint.Tensor
	Leaves  [][32]byte
	// States[j] are the tensors of leaf j (the inputs for 0, the outputs
	// for the last leaf).
	States       [][]*onnxint.Tensor
	Root         [32]byte
	InputDigest  [32]byte
	OutputDigest [32]byte
	// Lie is set when the outputs were falsified on purpose (--lie-every).
	Lie bool
}

// EncodeInputs concatenates the canonical encodings of ts.
func EncodeInputs(ts []*onnxint.Tensor) []byte {
	var b []byte
	for _, t := range ts {
		b = append(b, onnxint.Encode(t)...)
	}
	return b
}

// DecodeInputs splits concatenated encodings into the model's inputs,
// checking their number, types and static dims.
func DecodeInputs(p Program, b []byte) ([]*onnxint.Tensor, error) {
	want := p.Inputs()
	out := make([]*onnxint.Tensor, 0, len(want))
	for i, w := range want {
		t, n, err := onnxint.Decode(b)
		if err != nil {
			return nil, fmt.Errorf("%w: input %d (%s): %w", ErrBadInputs, i, w.Name, err)
		}
		if t.Type != w.Type {
			return nil, fmt.Errorf("%w: input %s is %v, the model wants %v", ErrBadInputs, w.Name, t.Type, w.Type)
		}
		if !dimsFit(w.Dims, t.Dims) {
			return nil, fmt.Errorf("%w: input %s has shape %v, the model wants %v", ErrBadInputs, w.Name, t.Dims, w.Dims)
		}
		out = append(out, t)
		b = b[n:]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last input", ErrBadInputs, len(b))
	}
	return out, nil
}

// dimsFit reports whether got has want's rank and its fixed (≥ 0) dims.
func dimsFit(want, got []int64) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if want[i] >= 0 && want[i] != got[i] {
			return false
		}
	}
	return true
}

// Execute runs p on inputs with a trace. With lie set the outputs are
// falsified (see Falsify) and the last leaf and root recomputed from them,
// so the trace is what a lying provider claims and defends.
func Execute(p Program, inputs []*onnxint.Tensor, lie bool) (*Trace, error) {
	res, err := p.Run(inputs, onnxint.Options{Trace: true})
	if err != nil {
		return nil, err
	}
	n := int(p.TraceSize())
	if len(res.Leaves) != n || len(res.States) != n {
		return nil, fmt.Errorf("run returned %d leaves and %d states for a trace of %d", len(res.Leaves), len(res.States), n)
	}
	tr := &Trace{
		Inputs: EncodeInputs(inputs), Outputs: res.Outputs, Leaves: res.Leaves, States: res.States,
		Root: res.Root, InputDigest: res.Leaves[0], OutputDigest: res.Leaves[n-1],
	}
	if lie {
		tr.Lie = true
		tr.Outputs = Falsify(res.Outputs)
		tr.Leaves = slices.Clone(res.Leaves)
		tr.States = slices.Clone(res.States)
		tr.States[n-1] = tr.Outputs
		tr.OutputDigest = onnxint.Digest(tr.Outputs...)
		tr.Leaves[n-1] = tr.OutputDigest
		tr.Root = onnxint.TraceRoot(tr.Leaves)
	}
	return tr, nil
}

// ExecuteEncoded is Execute on concatenated input encodings; it checks
// that they hash to want when want is not zero.
func ExecuteEncoded(p Program, inputs []byte, want [32]byte, lie bool) (*Trace, error) {
	if want != ([32]byte{}) && sha256.Sum256(inputs) != want {
		return nil, fmt.Errorf("%w: inputs do not hash to the input digest", ErrBadInputs)
	}
	ts, err := DecodeInputs(p, inputs)
	if err != nil {
		return nil, err
	}
	return Execute(p, ts, lie)
}
