// Package safetensors reads and validates the header of a safetensors file
// (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON, then the tensor data buffer.
//
// Only the header is read, never tensor data. Untrusted lengths are checked
// against the file size and MaxHeaderSize before anything is allocated. The
// validation follows the reference implementation: known dtypes, offsets
// inside the buffer, each tensor's byte size equal to dtype size × product of
// its shape, and tensors tiling the buffer with no overlap and no gap. Like
// the reference, the JSON may have whitespace before and after the object.
// A Git LFS pointer left in place of the file is reported as one (see
// package lfs), not as a corrupt header.
package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/prova-network/prova/internal/formats/lfs"
)

// MaxHeaderSize is the largest JSON header accepted, as in the reference
// implementation (100 MB).
const MaxHeaderSize = 100_000_000

// MetadataKey is the reserved header key holding free-form string metadata.
const MetadataKey = "__metadata__"

// jsonSpace is JSON's whitespace (RFC 8259, section 2).
const jsonSpace = " \t\r\n"

// DType is a safetensors element type name, such as "F16" or "BF16".
type DType string

// dtypeBits is the size in bits of each dtype the format defines: the Dtype
// enum and Dtype::bitsize of the reference (safetensors/src/tensor.rs,
// huggingface/safetensors 24b0b285, May 2026). F4 (MXFP4) and the F6 types
// are sub-byte: a tensor of them must fill whole bytes.
var dtypeBits = map[DType]uint64{
	"BOOL": 8, "U8": 8, "I8": 8,
	"F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8,
	"F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
	"I16": 16, "U16": 16, "F16": 16, "BF16": 16,
	"I32": 32, "U32": 32, "F32": 32,
	"I64": 64, "U64": 64, "F64": 64, "C64": 64,
}

// dtypeList names the dtypes in error messages.
var dtypeList = func() string {
	var names []string
	for _, d := range DTypes() {
		names = append(names, string(d))
	}
	return strings.Join(names, " ")
}()

// Bits returns the size of one element in bits and whether d is known.
func (d DType) Bits() (uint64, bool) {
	b, ok := dtypeBits[d]
	return b, ok
}

// DTypes returns every dtype the format defines, sorted.
func DTypes() []DType {
	out := make([]DType, 0, len(dtypeBits))
	for d := range dtypeBits {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// Tensor describes one tensor of the header.
type Tensor struct {
	Name  string
	DType DType
	// Shape is the list of dimensions; empty for a scalar.
	Shape []uint64
	// Begin and End are the data_offsets: the byte range [Begin, End) of the
	// tensor inside the data buffer (which starts after the header).
	Begin, End uint64
}

// Elements returns the product of the shape (1 for a scalar). It cannot
// overflow for a tensor that passed validation.
func (t Tensor) Elements() uint64 {
	n, _ := elements(t.Shape)
	return n
}

// Header is a validated safetensors header.
type Header struct {
	// Metadata is the __metadata__ map; nil when absent.
	Metadata map[string]string
	// Tensors are sorted by name.
	Tensors []Tensor
	// HeaderSize is the length of the JSON header in bytes.
	HeaderSize uint64
	// DataSize is the length of the data buffer in bytes.
	DataSize uint64
}

// Parameters returns the total element count of all tensors.
func (h *Header) Parameters() uint64 {
	var n uint64
	for _, t := range h.Tensors {
		n += t.Elements() // bounded by 2 × DataSize (F4 is the smallest dtype)
	}
	return n
}

// ReadFile reads and validates the header of the safetensors file at path.
func ReadFile(path string) (*Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return Read(f, info.Size())
}

// Read reads and validates the header of a safetensors file of the given
// size. Only the first 8+N bytes are read. A Git LFS pointer in place of the
// file is an *lfs.PointerError (errors.Is(err, lfs.ErrPointer)), which says
// how to fetch the file.
func Read(r io.ReaderAt, size int64) (*Header, error) {
	if size < 8 {
		return nil, newError(ErrTooShort, "", "%d bytes", size)
	}
	var lenBuf [8]byte
	if m, err := r.ReadAt(lenBuf[:], 0); m < len(lenBuf) {
		return nil, fmt.Errorf("safetensors: read header length: %w", err)
	}
	// A clone without git-lfs leaves a text pointer whose "version " reads
	// as an absurd header length; say what the file is instead.
	if lfs.HasPrefix(lenBuf[:]) {
		if err := lfs.Check(r); err != nil {
			return nil, err
		}
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderSize {
		return nil, newError(ErrHeaderTooLarge, "", "header length %d is over the %d byte limit", n, MaxHeaderSize)
	}
	if n > uint64(size)-8 {
		return nil, newError(ErrHeaderPastEOF, "", "header length %d but only %d bytes follow", n, size-8)
	}
	header := make([]byte, n) // n ≤ MaxHeaderSize and ≤ file size
	// io.ReaderAt may report io.EOF along with a full read at the end of
	// the file, so the count decides.
	if m, err := r.ReadAt(header, 8); m < len(header) {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, newError(ErrHeaderPastEOF, "", "file ended inside the header")
		}
		return nil, fmt.Errorf("safetensors: read header: %w", err)
	}
	return ParseHeader(header, uint64(size)-8-n)
}

// tensorJSON is one tensor entry; pointers tell a missing field from a zero
// one.
type tensorJSON struct {
	DType       *string   `json:"dtype"`
	Shape       *[]uint64 `json:"shape"`
	DataOffsets *[]uint64 `json:"data_offsets"`
}

// ParseHeader validates the JSON header bytes of a file whose data buffer is
// dataSize bytes long. It is a pure function, for fuzzing and for callers
// that already hold the header.
func ParseHeader(header []byte, dataSize uint64) (*Header, error) {
	if len(header) > MaxHeaderSize {
		return nil, newError(ErrHeaderTooLarge, "", "header length %d is over the %d byte limit", len(header), MaxHeaderSize)
	}
	// The reference parses the header with serde_json::from_str, which
	// allows JSON whitespace before and after the object; some writers
	// pad before it.
	if body := bytes.TrimLeft(header, jsonSpace); len(body) == 0 || body[0] != '{' {
		return nil, newError(ErrInvalidJSON, "", "header is not a JSON object: it must start with '{' (after optional whitespace)")
	}
	if !utf8.Valid(header) {
		return nil, newError(ErrInvalidJSON, "", "header is not valid UTF-8")
	}
	h := &Header{HeaderSize: uint64(len(header)), DataSize: dataSize}
	dec := json.NewDecoder(bytes.NewReader(header))
	if _, err := dec.Token(); err != nil { // the '{' checked above, after any whitespace
		return nil, newError(ErrInvalidJSON, "", "%v", err)
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, newError(ErrInvalidJSON, "", "%v", err)
		}
		name, _ := tok.(string) // object keys are always strings
		if seen[name] {
			return nil, newError(ErrInvalidJSON, name, "duplicate key")
		}
		seen[name] = true
		if name == MetadataKey {
			if err := dec.Decode(&h.Metadata); err != nil {
				return nil, newError(ErrInvalidMetadata, "", "must be an object of strings: %v", err)
			}
			continue
		}
		t, err := decodeTensor(dec, name)
		if err != nil {
			return nil, err
		}
		h.Tensors = append(h.Tensors, t)
	}
	if _, err := dec.Token(); err != nil { // closing '}'
		return nil, newError(ErrInvalidJSON, "", "%v", err)
	}
	// The format pads the header with spaces to align the data; as for
	// the reference, any JSON whitespace may follow the object, and
	// nothing else (not even NUL bytes).
	if rest := header[dec.InputOffset():]; len(bytes.TrimLeft(rest, jsonSpace)) != 0 {
		return nil, newError(ErrInvalidJSON, "", "%d unexpected bytes after the header object (only whitespace may pad it)", len(rest))
	}
	for i := range h.Tensors {
		if err := checkTensor(&h.Tensors[i], dataSize); err != nil {
			return nil, err
		}
	}
	if err := checkCoverage(h.Tensors, dataSize); err != nil {
		return nil, err
	}
	slices.SortFunc(h.Tensors, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	return h, nil
}

// decodeTensor decodes the tensor entry that dec is positioned at.
func decodeTensor(dec *json.Decoder, name string) (Tensor, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return Tensor{}, newError(ErrInvalidJSON, name, "%v", err)
	}
	td := json.NewDecoder(bytes.NewReader(raw))
	td.DisallowUnknownFields()
	var tj tensorJSON
	if err := td.Decode(&tj); err != nil {
		return Tensor{}, newError(ErrInvalidJSON, name, "%v", err)
	}
	switch {
	case tj.DType == nil:
		return Tensor{}, newError(ErrInvalidJSON, name, "missing dtype")
	case tj.Shape == nil:
		return Tensor{}, newError(ErrInvalidJSON, name, "missing shape")
	case tj.DataOffsets == nil:
		return Tensor{}, newError(ErrInvalidJSON, name, "missing data_offsets")
	case len(*tj.DataOffsets) != 2:
		return Tensor{}, newError(ErrInvalidJSON, name, "data_offsets has %d values, want 2", len(*tj.DataOffsets))
	}
	off := *tj.DataOffsets
	return Tensor{Name: name, DType: DType(*tj.DType), Shape: *tj.Shape, Begin: off[0], End: off[1]}, nil
}

// elements multiplies the dimensions left to right, reporting overflow, as
// the reference does (a product that overflows before a zero dimension is
// an overflow), and refuses a dimension over 2^63-1: shapes are int64 in
// PyTorch and NumPy, so no framework can hold such a tensor.
func elements(shape []uint64) (uint64, bool) {
	n := uint64(1)
	for _, d := range shape {
		if d > math.MaxInt64 {
			return 0, false
		}
		hi, lo := bits.Mul64(n, d)
		if hi != 0 {
			return 0, false
		}
		n = lo
	}
	return n, true
}

// checkTensor validates one tensor on its own.
func checkTensor(t *Tensor, dataSize uint64) error {
	b, ok := t.DType.Bits()
	if !ok {
		return newError(ErrUnknownDType, t.Name, "%q is none of the format's dtypes (%s); names are case-sensitive", t.DType, dtypeList)
	}
	n, ok := elements(t.Shape)
	if !ok {
		return newError(ErrShapeOverflow, t.Name, "shape %v has a dimension over 2^63-1 or more than 2^64 elements", t.Shape)
	}
	hi, nbits := bits.Mul64(n, b)
	if hi != 0 {
		return newError(ErrShapeOverflow, t.Name, "shape %v of %s is more than 2^64 bits", t.Shape, t.DType)
	}
	if t.Begin > t.End || t.End > dataSize {
		return newError(ErrOffsetsOutOfRange, t.Name, "[%d, %d) in a %d byte data buffer", t.Begin, t.End, dataSize)
	}
	if nbits%8 != 0 {
		return newError(ErrSizeMismatch, t.Name, "%d elements of %s are %d bits, not whole bytes", n, t.DType, nbits)
	}
	if want := nbits / 8; t.End-t.Begin != want {
		return newError(ErrSizeMismatch, t.Name, "%d bytes at [%d, %d), but %s %v needs %d", t.End-t.Begin, t.Begin, t.End, t.DType, t.Shape, want)
	}
	return nil
}

// checkCoverage checks that the tensors tile [0, dataSize) exactly.
func checkCoverage(tensors []Tensor, dataSize uint64) error {
	order := slices.Clone(tensors)
	slices.SortFunc(order, func(a, b Tensor) int {
		if a.Begin != b.Begin {
			return cmp.Compare(a.Begin, b.Begin)
		}
		if a.End != b.End {
			return cmp.Compare(a.End, b.End)
		}
		return strings.Compare(a.Name, b.Name)
	})
	var next uint64
	for _, t := range order {
		switch {
		case t.Begin < next:
			return newError(ErrOverlap, t.Name, "starts at %d, inside the previous tensor which ends at %d", t.Begin, next)
		case t.Begin > next:
			return newError(ErrGap, t.Name, "bytes [%d, %d) before it belong to no tensor", next, t.Begin)
		}
		next = t.End
	}
	if next != dataSize {
		return newError(ErrGap, "", "bytes [%d, %d) at the end of the data buffer belong to no tensor", next, dataSize)
	}
	return nil
}
