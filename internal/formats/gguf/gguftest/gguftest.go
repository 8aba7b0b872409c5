// Package gguftest writes small GGUF v3 files for tests, by hand from the
// format description (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md):
//
//	magic "GGUF" | version u32 = 3 | tensor_count u64 | metadata_kv_count u64
//	metadata: key (u64 length + bytes) | value type u32 | value
//	tensor infos: name | n_dims u32 | dims u64 × n_dims | ggml type u32 | offset u64
//	padding to general.alignment (32) | tensor data, each tensor aligned to 32
//
// All numbers are little-endian; strings are a u64 length and UTF-8 bytes
// without a terminator; an array value is item type u32, count u64, items.
package gguftest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
)

// GGML tensor types supported by Encode, with their ggml_type ids.
const (
	TypeF32  = 0
	TypeF16  = 1
	TypeQ8_0 = 8
	TypeI8   = 24
	TypeBF16 = 30
)

// Metadata value type ids.
const (
	valUint8   = 0
	valInt8    = 1
	valUint16  = 2
	valInt16   = 3
	valUint32  = 4
	valInt32   = 5
	valFloat32 = 6
	valBool    = 7
	valString  = 8
	valArray   = 9
	valUint64  = 10
	valInt64   = 11
	valFloat64 = 12
)

// Alignment is the data alignment the files use (the GGUF default).
const Alignment = 32

// KV is one metadata entry. Value is one of uint8, int8, uint16, int16,
// uint32, int32, float32, bool, string, uint64, int64, float64, []string or
// []uint32.
type KV struct {
	Key   string
	Value any
}

// Tensor is one tensor. Dims are in GGUF order (ne[0], the innermost, first).
type Tensor struct {
	Name string
	Type uint32
	Dims []uint64
}

// bytesOf returns the data size of a tensor: (elements / block) × block size.
func bytesOf(t Tensor) (uint64, error) {
	n := uint64(1)
	for _, d := range t.Dims {
		n *= d
	}
	switch t.Type {
	case TypeF32:
		return n * 4, nil
	case TypeF16, TypeBF16:
		return n * 2, nil
	case TypeI8:
		return n, nil
	case TypeQ8_0:
		if n%32 != 0 {
			return 0, fmt.Errorf("tensor %q: Q8_0 needs a multiple of 32 elements", t.Name)
		}
		return n / 32 * 34, nil
	}
	return 0, fmt.Errorf("tensor %q: type %d not supported by gguftest", t.Name, t.Type)
}

type writer struct{ bytes.Buffer }

func (w *writer) u32(v uint32) { w.Write(binary.LittleEndian.AppendUint32(nil, v)) }
func (w *writer) u64(v uint64) { w.Write(binary.LittleEndian.AppendUint64(nil, v)) }
func (w *writer) str(s string) { w.u64(uint64(len(s))); w.WriteString(s) }

func (w *writer) value(v any) error {
	switch v := v.(type) {
	case uint8:
		w.u32(valUint8)
		w.WriteByte(v)
	case int8:
		w.u32(valInt8)
		w.WriteByte(byte(v))
	case uint16:
		w.u32(valUint16)
		w.Write(binary.LittleEndian.AppendUint16(nil, v))
	case int16:
		w.u32(valInt16)
		w.Write(binary.LittleEndian.AppendUint16(nil, uint16(v)))
	case uint32:
		w.u32(valUint32)
		w.u32(v)
	case int32:
		w.u32(valInt32)
		w.u32(uint32(v))
	case float32:
		w.u32(valFloat32)
		w.u32(math.Float32bits(v))
	case bool:
		w.u32(valBool)
		if v {
			w.WriteByte(1)
		} else {
			w.WriteByte(0)
		}
	case string:
		w.u32(valString)
		w.str(v)
	case uint64:
		w.u32(valUint64)
		w.u64(v)
	case int64:
		w.u32(valInt64)
		w.u64(uint64(v))
	case float64:
		w.u32(valFloat64)
		w.u64(math.Float64bits(v))
	case []string:
		w.u32(valArray)
		w.u32(valString)
		w.u64(uint64(len(v)))
		for _, s := range v {
			w.str(s)
		}
	case []uint32:
		w.u32(valArray)
		w.u32(valUint32)
		w.u64(uint64(len(v)))
		for _, x := range v {
			w.u32(x)
		}
	default:
		return fmt.Errorf("unsupported metadata value type %T", v)
	}
	return nil
}

func pad(n uint64) uint64 { return (Alignment - n%Alignment) % Alignment }

// Encode returns a GGUF v3 file with the given metadata and tensors. Tensor
// data is a deterministic byte pattern.
func Encode(kvs []KV, tensors []Tensor) ([]byte, error) {
	var w writer
	w.WriteString("GGUF")
	w.u32(3)
	w.u64(uint64(len(tensors)))
	w.u64(uint64(len(kvs)))
	for _, kv := range kvs {
		w.str(kv.Key)
		if err := w.value(kv.Value); err != nil {
			return nil, fmt.Errorf("key %q: %w", kv.Key, err)
		}
	}
	var offset uint64
	sizes := make([]uint64, len(tensors))
	for i, t := range tensors {
		size, err := bytesOf(t)
		if err != nil {
			return nil, err
		}
		sizes[i] = size
		w.str(t.Name)
		w.u32(uint32(len(t.Dims)))
		for _, d := range t.Dims {
			w.u64(d)
		}
		w.u32(t.Type)
		w.u64(offset)
		offset += size + pad(size)
	}
	w.Write(make([]byte, pad(uint64(w.Len()))))
	for i := range tensors {
		data := make([]byte, sizes[i]+pad(sizes[i]))
		for j := range data[:sizes[i]] {
			data[j] = byte(i + j)
		}
		w.Write(data)
	}
	return w.Bytes(), nil
}

// Write writes Encode(kvs, tensors) to path.
func Write(path string, kvs []KV, tensors []Tensor) error {
	b, err := Encode(kvs, tensors)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// Tiny returns a small valid llama-style model: architecture, name, file
// type, one base model and one dataset, and three tensors.
func Tiny() []byte {
	b, err := Encode([]KV{
		{"general.architecture", "llama"},
		{"general.name", "Tiny Test"},
		{"general.file_type", uint32(7)}, // MOSTLY_Q8_0
		{"general.quantization_version", uint32(2)},
		{"general.license", "apache-2.0"},
		{"general.base_model.count", uint32(1)},
		{"general.base_model.0.name", "Tiny Base"},
		{"general.base_model.0.organization", "Example Org"},
		{"general.base_model.0.repo_url", "https://huggingface.co/example/tiny-base"},
		{"general.dataset.count", uint32(1)},
		{"general.dataset.0.name", "Tiny Corpus"},
		{"general.dataset.0.version", "v1"},
		{"general.dataset.0.url", "https://example.org/tiny-corpus"},
		{"llama.context_length", uint32(128)},
		{"tokenizer.ggml.tokens", []string{"<s>", "</s>", "a"}},
	}, []Tensor{
		{Name: "token_embd.weight", Type: TypeQ8_0, Dims: []uint64{32, 4}},
		{Name: "blk.0.attn_q.weight", Type: TypeQ8_0, Dims: []uint64{32, 32}},
		{Name: "output_norm.weight", Type: TypeF32, Dims: []uint64{32}},
	})
	if err != nil {
		panic(err) // the inputs above are fixed
	}
	return b
}
