package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/formats/lfs"
	"github.com/prova-network/prova/internal/formats/safetensors/safetensorstest"
)

func encode(t testing.TB, tensors []safetensorstest.Tensor, meta map[string]string) []byte {
	t.Helper()
	b, err := safetensorstest.Encode(tensors, meta)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readBytes(b []byte) (*Header, error) {
	return Read(bytes.NewReader(b), int64(len(b)))
}

func TestReadValid(t *testing.T) {
	file := encode(t, []safetensorstest.Tensor{
		{Name: "model.layers.0.weight", DType: "BF16", Shape: []uint64{4, 3}},
		{Name: "embed.weight", DType: "F32", Shape: []uint64{5, 2}},
		{Name: "scale", DType: "F64"}, // scalar
		{Name: "empty", DType: "F16", Shape: []uint64{0, 7}},
		{Name: "packed", DType: "F4", Shape: []uint64{6}},
		{Name: "mask", DType: "BOOL", Shape: []uint64{3}},
	}, map[string]string{"format": "pt", "base_model": "org/base"})

	path := filepath.Join(t.TempDir(), "model.safetensors")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tn := range h.Tensors {
		got = append(got, tn.Name)
	}
	if want := []string{"embed.weight", "empty", "mask", "model.layers.0.weight", "packed", "scale"}; !slices.Equal(got, want) {
		t.Fatalf("tensors %q, want %q (sorted by name)", got, want)
	}
	if h.Metadata["format"] != "pt" || h.Metadata["base_model"] != "org/base" || len(h.Metadata) != 2 {
		t.Errorf("metadata %v", h.Metadata)
	}
	// 12 + 10 + 1 + 0 + 6 + 3 elements.
	if p := h.Parameters(); p != 32 {
		t.Errorf("parameters %d, want 32", p)
	}
	// 24 + 40 + 8 + 0 + 3 + 3 bytes.
	if h.DataSize != 78 || h.HeaderSize%8 != 0 || 8+h.HeaderSize+h.DataSize != uint64(len(file)) {
		t.Errorf("sizes: header %d data %d file %d", h.HeaderSize, h.DataSize, len(file))
	}
	scale := h.Tensors[5]
	if len(scale.Shape) != 0 || scale.Elements() != 1 || scale.End-scale.Begin != 8 {
		t.Errorf("scalar %+v", scale)
	}
	if h.Tensors[1].Elements() != 0 || h.Tensors[1].Begin != h.Tensors[1].End {
		t.Errorf("empty tensor %+v", h.Tensors[1])
	}

	// No metadata at all; zero tensors is a valid (empty) file.
	h, err = readBytes(encode(t, nil, nil))
	if err != nil || h.Metadata != nil || len(h.Tensors) != 0 || h.DataSize != 0 {
		t.Fatalf("empty file: %+v, %v", h, err)
	}
}

// corrupt builds a file from a raw header and a data buffer of dataLen bytes.
func corrupt(header string, dataLen int) []byte {
	return safetensorstest.EncodeRaw([]byte(header), make([]byte, dataLen))
}

func withLength(n uint64, rest []byte) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
}

func TestReadCorrupt(t *testing.T) {
	f32 := func(name string, shape string, begin, end string) string {
		return `"` + name + `":{"dtype":"F32","shape":` + shape + `,"data_offsets":[` + begin + `,` + end + `]}`
	}
	tests := []struct {
		name   string
		file   []byte
		want   error
		tensor string
	}{
		{"too short", []byte{1, 2, 3}, ErrTooShort, ""},
		{"header past end", withLength(100, []byte(`{}`)), ErrHeaderPastEOF, ""},
		{"header length huge", withLength(1<<63, []byte(`{}`)), ErrHeaderTooLarge, ""},
		{"header over 100 MB", withLength(MaxHeaderSize+1, []byte(`{}`)), ErrHeaderTooLarge, ""},
		{"empty header", withLength(0, nil), ErrInvalidJSON, ""},
		{"bad json", corrupt(`{"a":`, 0), ErrInvalidJSON, "a"},
		{"bad json at top level", corrupt(`{1:2}`, 0), ErrInvalidJSON, ""},
		{"not an object", corrupt(`[]`, 0), ErrInvalidJSON, ""},
		{"only whitespace", corrupt(`  `, 0), ErrInvalidJSON, ""},
		{"nul padding", corrupt("{}\x00\x00", 0), ErrInvalidJSON, ""},
		{"leading nul", corrupt("\x00{}", 0), ErrInvalidJSON, ""},
		{"trailing garbage", corrupt(`{} x`, 0), ErrInvalidJSON, ""},
		{"two objects", corrupt(`{}{}`, 0), ErrInvalidJSON, ""},
		{"invalid utf-8", corrupt("{\"\xff\":1}", 0), ErrInvalidJSON, ""},
		{"tensor not an object", corrupt(`{"a":"F32"}`, 0), ErrInvalidJSON, "a"},
		{"duplicate tensor", corrupt(`{`+f32("a", "[1]", "0", "4")+`,`+f32("a", "[1]", "4", "8")+`}`, 8), ErrInvalidJSON, "a"},
		{"unknown field", corrupt(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}`, 4), ErrInvalidJSON, "a"},
		{"missing dtype", corrupt(`{"a":{"shape":[1],"data_offsets":[0,4]}}`, 4), ErrInvalidJSON, "a"},
		{"missing shape", corrupt(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, 4), ErrInvalidJSON, "a"},
		{"missing offsets", corrupt(`{"a":{"dtype":"F32","shape":[1]}}`, 4), ErrInvalidJSON, "a"},
		{"three offsets", corrupt(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, 4), ErrInvalidJSON, "a"},
		{"negative dim", corrupt(`{`+f32("a", "[-1]", "0", "4")+`}`, 4), ErrInvalidJSON, "a"},
		{"fractional dim", corrupt(`{`+f32("a", "[1.5]", "0", "4")+`}`, 4), ErrInvalidJSON, "a"},
		{"negative offset", corrupt(`{`+f32("a", "[1]", "-4", "0")+`}`, 4), ErrInvalidJSON, "a"},
		{"metadata not strings", corrupt(`{"__metadata__":{"epochs":3}}`, 0), ErrInvalidMetadata, ""},
		{"metadata not an object", corrupt(`{"__metadata__":[]}`, 0), ErrInvalidMetadata, ""},
		{"unknown dtype", corrupt(`{"a":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}}`, 4), ErrUnknownDType, "a"},
		{"lower-case dtype", corrupt(`{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}`, 4), ErrUnknownDType, "a"},
		{"offsets reversed", corrupt(`{`+f32("a", "[1]", "8", "4")+`}`, 8), ErrOffsetsOutOfRange, "a"},
		{"offsets past end", corrupt(`{`+f32("a", "[2]", "0", "8")+`}`, 4), ErrOffsetsOutOfRange, "a"},
		{"offsets past end huge", corrupt(`{`+f32("a", "[1]", "18446744073709551612", "18446744073709551615")+`}`, 4), ErrOffsetsOutOfRange, "a"},
		{"size too small", corrupt(`{`+f32("a", "[3]", "0", "8")+`}`, 8), ErrSizeMismatch, "a"},
		{"size too large", corrupt(`{`+f32("a", "[1]", "0", "8")+`}`, 8), ErrSizeMismatch, "a"},
		{"sub-byte misaligned", corrupt(`{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}`, 2), ErrSizeMismatch, "a"},
		{"shape overflow", corrupt(`{`+f32("a", "[4294967296,4294967296,2]", "0", "4")+`}`, 4), ErrShapeOverflow, "a"},
		{"bit size overflow", corrupt(`{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}}`, 8), ErrShapeOverflow, "a"},
		{"overlap", corrupt(`{`+f32("a", "[2]", "0", "8")+`,`+f32("b", "[2]", "4", "12")+`}`, 12), ErrOverlap, "b"},
		{"same range twice", corrupt(`{`+f32("a", "[2]", "0", "8")+`,`+f32("b", "[2]", "0", "8")+`}`, 8), ErrOverlap, "b"},
		{"gap between", corrupt(`{`+f32("a", "[2]", "0", "8")+`,`+f32("b", "[2]", "12", "20")+`}`, 20), ErrGap, "b"},
		{"gap at start", corrupt(`{`+f32("a", "[2]", "4", "12")+`}`, 12), ErrGap, "a"},
		{"trailing data", corrupt(`{`+f32("a", "[2]", "0", "8")+`}`, 12), ErrGap, ""},
		{"data without tensors", corrupt(`{}`, 1), ErrGap, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readBytes(tt.file)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %T is not *Error", err)
			}
			if e.Tensor != tt.tensor {
				t.Errorf("tensor %q, want %q (%v)", e.Tensor, tt.tensor, err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "safetensors: "+tt.want.Error()) {
				t.Errorf("message %q", msg)
			}
		})
	}
}

// sizeCheckingReader fails the test if a read asks for more than limit bytes,
// proving that no buffer is sized from an unchecked length.
type sizeCheckingReader struct {
	t     *testing.T
	r     *bytes.Reader
	limit int
}

func (s sizeCheckingReader) ReadAt(p []byte, off int64) (int, error) {
	if len(p) > s.limit {
		s.t.Fatalf("read of %d bytes from a %d byte file", len(p), s.r.Size())
	}
	return s.r.ReadAt(p, off)
}

func TestNoAllocationFromUntrustedLength(t *testing.T) {
	for _, n := range []uint64{MaxHeaderSize, MaxHeaderSize - 1, 1 << 40, 1<<64 - 1, 17} {
		file := withLength(n, []byte(`{"a":1}`)) // 15 bytes
		r := sizeCheckingReader{t, bytes.NewReader(file), len(file)}
		if _, err := Read(r, int64(len(file))); err == nil {
			t.Fatalf("length %d accepted", n)
		}
	}
}

func TestReadErrorsFromFile(t *testing.T) {
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing.safetensors")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

// FuzzRead feeds whole files to Read. It either fails with an *Error whose
// Kind is one of the package's sentinels, or returns a header that satisfies
// the format's invariants and, written out again (tensors in name order,
// header unpadded), reads back equal.
func FuzzRead(f *testing.F) {
	valid, _ := safetensorstest.Encode([]safetensorstest.Tensor{
		{Name: "w", DType: "F16", Shape: []uint64{2, 2}},
		{Name: "b", DType: "F4", Shape: []uint64{2}},
		{Name: "s", DType: "I64"},
	}, map[string]string{"k": "v"})
	f.Add(valid)
	f.Add(corrupt(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8))
	f.Add(corrupt(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 9))
	f.Add(corrupt(`{"__metadata__":{"a":"b"},"x":{"dtype":"BOOL","shape":[],"data_offsets":[0,1]}}`, 1))
	f.Add(corrupt(`{"__metadata__":{},"\u00e9\u0000":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`, 0))
	f.Add(corrupt(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}`, 6))
	f.Add(withLength(1<<62, nil))
	f.Add(corrupt(" \t\r\n{\"a\":{\"dtype\":\"F6_E2M3\",\"shape\":[4],\"data_offsets\":[0,3]}}", 3))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, file []byte) {
		h, err := readBytes(file)
		if errors.Is(err, lfs.ErrPointer) {
			return // text a clone without git-lfs leaves; see TestLFSPointer
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *Error", err)
			}
			if !slices.Contains(sentinels, e.Kind) {
				t.Fatalf("error %v has kind %v, not a sentinel", err, e.Kind)
			}
			return
		}
		if 8+h.HeaderSize+h.DataSize != uint64(len(file)) {
			t.Fatalf("sizes do not add up: %d+%d+8 != %d", h.HeaderSize, h.DataSize, len(file))
		}
		var covered, params uint64
		for i, tn := range h.Tensors {
			if i > 0 && h.Tensors[i-1].Name >= tn.Name {
				t.Fatalf("tensors not sorted or repeated at %q", tn.Name)
			}
			b, ok := tn.DType.Bits()
			if !ok || tn.End < tn.Begin || tn.End > h.DataSize || tn.Elements()*b != (tn.End-tn.Begin)*8 {
				t.Fatalf("invalid tensor accepted: %+v", tn)
			}
			covered += tn.End - tn.Begin
			params += tn.Elements()
		}
		if covered != h.DataSize {
			t.Fatalf("tensors cover %d of %d bytes", covered, h.DataSize)
		}
		if h.Parameters() != params || params > 2*h.DataSize {
			t.Fatalf("%d parameters (summed %d) in %d bytes", h.Parameters(), params, h.DataSize)
		}
		again := encodeHeader(t, h)
		back, err := readBytes(again)
		if err != nil {
			t.Fatalf("%s written again does not read: %v", again, err)
		}
		back.HeaderSize = h.HeaderSize
		if !reflect.DeepEqual(back, h) {
			t.Fatalf("round trip changed the header:\n%+v\n%+v", h, back)
		}
	})
}

var sentinels = []error{ErrTooShort, ErrHeaderTooLarge, ErrHeaderPastEOF, ErrInvalidJSON, ErrInvalidMetadata,
	ErrUnknownDType, ErrShapeOverflow, ErrOffsetsOutOfRange, ErrSizeMismatch, ErrOverlap, ErrGap, ErrInvalidIndex}

// encodeHeader writes h as a safetensors file with a zero data buffer.
func encodeHeader(t *testing.T, h *Header) []byte {
	t.Helper()
	header := map[string]any{}
	if h.Metadata != nil {
		header["__metadata__"] = h.Metadata
	}
	for _, tn := range h.Tensors {
		header[tn.Name] = map[string]any{"dtype": tn.DType, "shape": tn.Shape, "data_offsets": []uint64{tn.Begin, tn.End}}
	}
	js, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	return append(withLength(uint64(len(js)), js), make([]byte, h.DataSize)...)
}
