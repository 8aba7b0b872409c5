package safetensors

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRealFiles reads files written by huggingface/safetensors' own writer
// (its samples) and by candle, from the workspace's shared real data
// (skipped when absent). The dtypes, shapes and metadata are what the
// reference reader reports, as listed in the data's README.md and read with
// Python's json module from each header.
func TestRealFiles(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "realdata", "safetensors")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no real data: %v", err)
	}
	sample := func(name string, dtype DType) map[string]DType { return map[string]DType{name: dtype} }
	for _, tt := range []struct {
		file    string
		tensors map[string]DType
		params  uint64
		meta    bool // __metadata__ {"test": "a"}
	}{
		{"st-B.safetensors", sample("B", "U8"), 6, true},
		{"st-H.safetensors", sample("H", "U16"), 6, true},
		{"st-I.safetensors", sample("I", "U32"), 6, true},
		{"st-b.safetensors", sample("b", "I8"), 6, true},
		{"st-d.safetensors", sample("d", "F64"), 6, true},
		{"st-e.safetensors", sample("e", "F16"), 6, true},
		{"st-f.safetensors", sample("f", "F32"), 6, true},
		{"st-h.safetensors", sample("h", "I16"), 6, true},
		{"st-i.safetensors", sample("i", "I32"), 6, true},
		{"st-overall.safetensors", map[string]DType{"B": "U8", "H": "U16", "I": "U32", "b": "I8", "d": "F64", "e": "F16", "f": "F32", "h": "I16", "i": "I32"}, 54, true},
		{"candle-jfk-codes.safetensors", sample("codes", "I64"), 1 * 2 * 828, false},
		{"candle-voices.safetensors", map[string]DType{"tokens": "I64", "mask": "U8"}, 2 * 982 * 33, false},
	} {
		t.Run(tt.file, func(t *testing.T) {
			h, err := ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(h.Tensors) != len(tt.tensors) || h.Parameters() != tt.params {
				t.Fatalf("%d tensors, %d parameters; want %d, %d", len(h.Tensors), h.Parameters(), len(tt.tensors), tt.params)
			}
			for _, tn := range h.Tensors {
				if tn.DType != tt.tensors[tn.Name] {
					t.Errorf("tensor %q: dtype %s, want %s", tn.Name, tn.DType, tt.tensors[tn.Name])
				}
			}
			if got := h.Metadata["test"]; tt.meta && (got != "a" || len(h.Metadata) != 1) || !tt.meta && h.Metadata != nil {
				t.Errorf("metadata %v", h.Metadata)
			}
		})
	}
}
