// Package safetensorstest writes small safetensors files for tests: valid
// ones laid out like the reference writer does, and ones with an arbitrary
// header for corruption tests.
package safetensorstest

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
)

// Tensor is a tensor to write. Its data is a deterministic byte pattern.
type Tensor struct {
	Name  string
	DType string
	Shape []uint64
}

// bits mirrors the dtype table of the reader, kept separate on purpose so a
// mistake there is not copied here.
var bits = map[string]uint64{
	"BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
	"F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
	"I16": 16, "U16": 16, "F16": 16, "BF16": 16,
	"I32": 32, "U32": 32, "F32": 32,
	"I64": 64, "U64": 64, "F64": 64, "C64": 64,
}

// Encode returns a valid safetensors file holding tensors in the given order
// (data offsets follow that order) and metadata (omitted when nil).
func Encode(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	header := map[string]any{}
	if metadata != nil {
		header["__metadata__"] = metadata
	}
	var offset uint64
	for _, t := range tensors {
		b, ok := bits[t.DType]
		if !ok {
			return nil, fmt.Errorf("unknown dtype %q", t.DType)
		}
		n := uint64(1)
		for _, d := range t.Shape {
			n *= d
		}
		if n*b%8 != 0 {
			return nil, fmt.Errorf("tensor %q is not a whole number of bytes", t.Name)
		}
		size := n * b / 8
		shape := t.Shape
		if shape == nil {
			shape = []uint64{}
		}
		if _, dup := header[t.Name]; dup {
			return nil, fmt.Errorf("duplicate tensor %q", t.Name)
		}
		header[t.Name] = map[string]any{"dtype": t.DType, "shape": shape, "data_offsets": []uint64{offset, offset + size}}
		offset += size
	}
	js, err := json.Marshal(header)
	if err != nil {
		return nil, err
	}
	data := make([]byte, offset)
	for i := range data {
		data[i] = byte(i*7 + 3)
	}
	return EncodeRaw(js, data), nil
}

// EncodeRaw returns a file with the given header bytes, padded with spaces to
// a multiple of 8 like the reference writer, followed by data.
func EncodeRaw(header, data []byte) []byte {
	padded := append([]byte(nil), header...)
	for len(padded)%8 != 0 {
		padded = append(padded, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(padded)))
	out = append(out, padded...)
	return append(out, data...)
}

// Write writes Encode(tensors, metadata) to path.
func Write(path string, tensors []Tensor, metadata map[string]string) error {
	b, err := Encode(tensors, metadata)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// WriteIndex writes a model.safetensors.index.json mapping each tensor to a
// shard file name.
func WriteIndex(path string, weightMap map[string]string, totalSize int64) error {
	b, err := json.MarshalIndent(map[string]any{
		"metadata":   map[string]any{"total_size": totalSize},
		"weight_map": weightMap,
	}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
