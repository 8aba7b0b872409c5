package onnxint

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"

	"github.com/prova-network/prova/internal/onnx/onnxpb"
)

// DType is an element type, numbered as ONNX's TensorProto.DataType.
type DType uint8

// The element types the runtime knows.
const (
	Float DType = 1
	Uint8 DType = 2
	Int8  DType = 3
	Int32 DType = 6
	Int64 DType = 7
)

// String names the type as ONNX does.
func (d DType) String() string {
	switch d {
	case Float:
		return "FLOAT"
	case Uint8:
		return "UINT8"
	case Int8:
		return "INT8"
	case Int32:
		return "INT32"
	case Int64:
		return "INT64"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// width is the size in bytes of one element in the canonical encoding, 0 for
// an unknown type.
func (d DType) width() int {
	switch d {
	case Uint8, Int8:
		return 1
	case Int32, Float:
		return 4
	case Int64:
		return 8
	}
	return 0
}

// valid reports whether d is one of the runtime's types.
func (d DType) valid() bool { return d.width() != 0 }

// Tensor is a dense tensor. Exactly one of I, I64 and F holds the elements,
// chosen by Type; its length is the product of Dims.
type Tensor struct {
	Type DType
	Dims []int64
	I    []int32  // elements of INT8, UINT8, INT32 tensors
	I64  []int64  // elements of INT64 tensors
	F    []uint32 // FLOAT tensors as IEEE-754 bit patterns
}

// Len is the number of elements the tensor holds (the length of its element
// slice, which a valid tensor keeps equal to the product of its dims).
func (t *Tensor) Len() int {
	switch t.Type {
	case Int64:
		return len(t.I64)
	case Float:
		return len(t.F)
	}
	return len(t.I)
}

// maxRank bounds a tensor's rank: the encoding stores it in one byte.
const maxRank = 255

// numElements is the product of dims, or an error when a dim is negative or
// the product exceeds limit.
func numElements(dims []int64, limit int64) (int64, error) {
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in %v", d, dims)
		}
		if d == 0 {
			return 0, nil
		}
	}
	n := int64(1)
	for _, d := range dims {
		hi, lo := bits.Mul64(uint64(n), uint64(d))
		if hi != 0 || lo > uint64(limit) {
			return 0, fmt.Errorf("shape %v has more than %d elements", dims, limit)
		}
		n = int64(lo)
	}
	if n > limit {
		return 0, fmt.Errorf("shape %v has more than %d elements", dims, limit)
	}
	return n, nil
}

// check verifies that t is well formed: a known type, a rank that encodes,
// non-negative dims, and the right number of elements in the right slice.
func (t *Tensor) check() error {
	if t == nil {
		return fmt.Errorf("nil tensor")
	}
	if !t.Type.valid() {
		return fmt.Errorf("unsupported element type %d", t.Type)
	}
	if len(t.Dims) > maxRank {
		return fmt.Errorf("rank %d exceeds %d", len(t.Dims), maxRank)
	}
	n, err := numElements(t.Dims, int64(^uint(0)>>1))
	if err != nil {
		return err
	}
	var have, others int
	switch t.Type {
	case Int64:
		have, others = len(t.I64), len(t.I)+len(t.F)
	case Float:
		have, others = len(t.F), len(t.I)+len(t.I64)
	default:
		have, others = len(t.I), len(t.I64)+len(t.F)
		lo, hi := typeRange(t.Type)
		for _, v := range t.I {
			if v < lo || v > hi {
				return fmt.Errorf("%v element %d out of range", t.Type, v)
			}
		}
	}
	if int64(have) != n || others != 0 {
		return fmt.Errorf("%v tensor of shape %v must hold %d elements, holds %d", t.Type, t.Dims, n, have+others)
	}
	return nil
}

// typeRange is the range of an element type held in Tensor.I.
func typeRange(d DType) (lo, hi int32) {
	switch d {
	case Uint8:
		return 0, 255
	case Int8:
		return -128, 127
	}
	return -1 << 31, 1<<31 - 1
}

// EncodedLen is the length of Encode(t).
func EncodedLen(t *Tensor) int { return 2 + 8*len(t.Dims) + t.Len()*t.Type.width() }

// Encode returns the canonical encoding of t (docs/INFERENCE.md §1): type
// code, rank, big-endian u64 dims, then the elements little-endian at the
// type's width. t must be well formed (an element of INT8 is written as its
// low byte).
func Encode(t *Tensor) []byte {
	return appendEncoding(make([]byte, 0, EncodedLen(t)), t)
}

func appendEncoding(b []byte, t *Tensor) []byte {
	b = append(b, byte(t.Type), byte(len(t.Dims)))
	for _, d := range t.Dims {
		b = binary.BigEndian.AppendUint64(b, uint64(d))
	}
	// Grow once, then store by index.
	off, n := len(b), t.Len()*t.Type.width()
	b = slices.Grow(b, n)[:off+n]
	e := b[off:]
	switch t.Type {
	case Uint8, Int8:
		for i, v := range t.I {
			e[i] = byte(v)
		}
	case Int32:
		for i, v := range t.I {
			binary.LittleEndian.PutUint32(e[4*i:], uint32(v))
		}
	case Float:
		for i, v := range t.F {
			binary.LittleEndian.PutUint32(e[4*i:], v)
		}
	case Int64:
		for i, v := range t.I64 {
			binary.LittleEndian.PutUint64(e[8*i:], uint64(v))
		}
	}
	return b
}

// Decode reads one canonically encoded tensor from the front of b and
// returns it with the number of bytes it took. Dims must be non-negative
// int64 values and the elements must all be present.
func Decode(b []byte) (*Tensor, int, error) {
	if len(b) < 2 {
		return nil, 0, fmt.Errorf("tensor encoding: %d bytes, need at least 2", len(b))
	}
	t := &Tensor{Type: DType(b[0])}
	if !t.Type.valid() {
		return nil, 0, fmt.Errorf("tensor encoding: unsupported element type %d", b[0])
	}
	rank := int(b[1])
	off := 2
	if len(b)-off < 8*rank {
		return nil, 0, fmt.Errorf("tensor encoding: truncated dims")
	}
	t.Dims = make([]int64, rank)
	for i := range t.Dims {
		d := binary.BigEndian.Uint64(b[off:])
		if d > 1<<63-1 {
			return nil, 0, fmt.Errorf("tensor encoding: dimension %d out of range", d)
		}
		t.Dims[i] = int64(d)
		off += 8
	}
	w := t.Type.width()
	n, err := numElements(t.Dims, int64(len(b)-off)/int64(w))
	if err != nil {
		return nil, 0, fmt.Errorf("tensor encoding: truncated elements: %w", err)
	}
	data := b[off : off+int(n)*w]
	switch t.Type {
	case Uint8:
		t.I = make([]int32, n)
		for i := range t.I {
			t.I[i] = int32(data[i])
		}
	case Int8:
		t.I = make([]int32, n)
		for i := range t.I {
			t.I[i] = int32(int8(data[i]))
		}
	case Int32:
		t.I = make([]int32, n)
		for i := range t.I {
			t.I[i] = int32(binary.LittleEndian.Uint32(data[4*i:]))
		}
	case Float:
		t.F = make([]uint32, n)
		for i := range t.F {
			t.F[i] = binary.LittleEndian.Uint32(data[4*i:])
		}
	case Int64:
		t.I64 = make([]int64, n)
		for i := range t.I64 {
			t.I64[i] = int64(binary.LittleEndian.Uint64(data[8*i:]))
		}
	}
	return t, off + len(data), nil
}

// Digest is SHA-256 over the concatenated canonical encodings of ts.
func Digest(ts ...*Tensor) [32]byte {
	total := 0
	for _, t := range ts {
		total += EncodedLen(t)
	}
	if total <= smallDigest {
		// One stack buffer and one call: no allocation.
		var buf [smallDigest]byte
		b := buf[:0]
		for _, t := range ts {
			b = appendEncoding(b, t)
		}
		return sha256.Sum256(b)
	}
	h := sha256.New()
	var buf [2048]byte
	for _, t := range ts {
		b := buf[:0]
		b = append(b, byte(t.Type), byte(len(t.Dims)))
		for _, d := range t.Dims {
			if len(b)+8 > len(buf) {
				h.Write(b)
				b = buf[:0]
			}
			b = binary.BigEndian.AppendUint64(b, uint64(d))
		}
		// Elements, a buffer at a time.
		w := t.Type.width()
		n := t.Len()
		for i := 0; i < n; {
			if len(b)+w > len(buf) {
				h.Write(b)
				b = buf[:0]
			}
			m := min(n-i, (len(buf)-len(b))/w)
			switch t.Type {
			case Uint8, Int8:
				for _, v := range t.I[i : i+m] {
					b = append(b, byte(v))
				}
			case Int32:
				for _, v := range t.I[i : i+m] {
					b = binary.LittleEndian.AppendUint32(b, uint32(v))
				}
			case Float:
				for _, v := range t.F[i : i+m] {
					b = binary.LittleEndian.AppendUint32(b, v)
				}
			case Int64:
				for _, v := range t.I64[i : i+m] {
					b = binary.LittleEndian.AppendUint64(b, uint64(v))
				}
			}
			i += m
		}
		h.Write(b)
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// smallDigest is the largest encoding Digest hashes from a stack buffer.
const smallDigest = 4096

// FromProto converts an ONNX tensor with its data inline (raw_data or the
// typed repeated field) to a Tensor. External data, other element types and
// data of the wrong length are refused.
func FromProto(p *onnxpb.TensorProto) (*Tensor, error) {
	return fromProto(p, int64(^uint(0)>>1))
}

// Proto converts t to an ONNX tensor named name with its data in raw_data.
func (t *Tensor) Proto(name string) *onnxpb.TensorProto {
	enc := Encode(t)
	return &onnxpb.TensorProto{
		Name:     name,
		DataType: int32(t.Type),
		Dims:     append([]int64{}, t.Dims...),
		RawData:  enc[2+8*len(t.Dims):],
	}
}
