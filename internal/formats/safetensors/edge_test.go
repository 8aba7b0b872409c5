package safetensors

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/formats/lfs"
	"github.com/prova-network/prova/internal/formats/safetensors/safetensorstest"
)

// TestDTypeTable pins the dtype table to the reference's Dtype enum and
// Dtype::bitsize (safetensors/src/tensor.rs at huggingface/safetensors
// 24b0b285), written out here by hand from that file.
func TestDTypeTable(t *testing.T) {
	want := map[DType]uint64{
		"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8,
		"F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8,
		"I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32,
		"C64": 64, "F64": 64, "I64": 64, "U64": 64,
	}
	got := DTypes()
	if len(got) != len(want) || !slices.IsSorted(got) {
		t.Fatalf("DTypes() = %v, want the %d reference dtypes, sorted", got, len(want))
	}
	for d, bits := range want {
		if b, ok := d.Bits(); !ok || b != bits {
			t.Errorf("%s: %d bits (known %v), want %d", d, b, ok, bits)
		}
	}
}

// TestEveryDType reads a file holding one tensor of each dtype, sized so
// that sub-byte dtypes fill whole bytes, and checks the byte sizes against
// hand-computed ones.
func TestEveryDType(t *testing.T) {
	// bytes of a [4, 2] tensor: 8 elements × bits / 8.
	want := map[DType]uint64{
		"F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "BOOL": 8, "U8": 8, "I8": 8,
		"F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8,
		"I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32,
		"C64": 64, "F64": 64, "I64": 64, "U64": 64,
	}
	var tensors []safetensorstest.Tensor
	for _, d := range DTypes() {
		tensors = append(tensors, safetensorstest.Tensor{Name: "t." + string(d), DType: string(d), Shape: []uint64{4, 2}})
	}
	h, err := readBytes(encode(t, tensors, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range h.Tensors {
		if size := tn.End - tn.Begin; size != want[tn.DType] {
			t.Errorf("%s: %d bytes, want %d", tn.DType, size, want[tn.DType])
		}
	}
	if p := h.Parameters(); p != 8*uint64(len(want)) {
		t.Errorf("parameters %d", p)
	}
}

// TestSubByteSizes: F4 packs two elements in a byte and F6 four in three
// bytes; a count that leaves part of a byte is refused, as the reference
// refuses it (MisalignedSlice).
func TestSubByteSizes(t *testing.T) {
	tests := []struct {
		dtype string
		shape string
		bytes int
		want  error
	}{
		{"F4", "[2]", 1, nil},
		{"F4", "[3,2]", 3, nil},
		{"F4", "[1]", 1, ErrSizeMismatch},
		{"F4", "[3]", 2, ErrSizeMismatch},
		{"F6_E2M3", "[4]", 3, nil},
		{"F6_E3M2", "[2,4]", 6, nil},
		{"F6_E3M2", "[4]", 4, ErrSizeMismatch},
		{"F6_E2M3", "[2]", 2, ErrSizeMismatch},
		{"F6_E2M3", "[0]", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.dtype+tt.shape, func(t *testing.T) {
			header := fmt.Sprintf(`{"a":{"dtype":%q,"shape":%s,"data_offsets":[0,%d]}}`, tt.dtype, tt.shape, tt.bytes)
			_, err := readBytes(corrupt(header, tt.bytes))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestHeaderWhitespace: the reference parses the header with serde_json,
// which takes JSON whitespace before and after the object.
func TestHeaderWhitespace(t *testing.T) {
	const tensor = `{"a":{"dtype":"F8_E4M3FNUZ","shape":[2],"data_offsets":[0,2]}}`
	for _, header := range []string{
		"  " + tensor,
		"\n\t\r " + tensor + " \n",
		tensor + "\t\t",
	} {
		h, err := readBytes(corrupt(header, 2))
		if err != nil {
			t.Fatalf("%q: %v", header, err)
		}
		if len(h.Tensors) != 1 || h.Tensors[0].DType != "F8_E4M3FNUZ" {
			t.Fatalf("%q: %+v", header, h)
		}
	}
}

// TestLFSPointer: a clone without git-lfs leaves a text pointer; its
// "version " reads as a header length over the limit. The error says what
// the file is and how to get the real one.
func TestLFSPointer(t *testing.T) {
	ptr := "version https://git-lfs.github.com/spec/v1\n" +
		"oid sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n" +
		"size 4943163488\n"
	path := filepath.Join(t.TempDir(), "model-00001-of-00002.safetensors")
	if err := os.WriteFile(path, []byte(ptr), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path)
	if !errors.Is(err, lfs.ErrPointer) {
		t.Fatalf("err = %v, want %v", err, lfs.ErrPointer)
	}
	const want = "this is a Git LFS pointer (oid sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824, size 4943163488): fetch the file with git lfs pull"
	if err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	// Starting like a pointer is not enough.
	if _, err := readBytes([]byte("version 2 of my weights")); !errors.Is(err, ErrHeaderTooLarge) {
		t.Errorf("text: err = %v, want %v", err, ErrHeaderTooLarge)
	}
}

// TestHostileHeaders covers files whose header lies about the rest: each
// must fail with the error that names the problem.
func TestHostileHeaders(t *testing.T) {
	good := encode(t, []safetensorstest.Tensor{
		{Name: "a", DType: "F32", Shape: []uint64{2, 3}},
		{Name: "b", DType: "BF16", Shape: []uint64{4}},
	}, nil)
	headerLen := int(good[0]) // under 256 bytes
	f32 := func(name, shape string, begin, end int) string {
		return fmt.Sprintf(`%q:{"dtype":"F32","shape":%s,"data_offsets":[%d,%d]}`, name, shape, begin, end)
	}
	tests := []struct {
		name   string
		file   []byte
		want   error
		tensor string
		says   string
	}{
		{"cut in the length", good[:5], ErrTooShort, "", "5 bytes"},
		{"cut in the header", good[:8+headerLen/2], ErrHeaderPastEOF, "", "only"},
		{"cut in the data", good[:len(good)-3], ErrOffsetsOutOfRange, "b", "data buffer"},
		{"length says less", withLength(uint64(headerLen-9), good[8:]), ErrInvalidJSON, "b", "unexpected EOF"},
		{"length says more", withLength(uint64(headerLen+8), good[8:]), ErrInvalidJSON, "", "unexpected bytes"},
		{"dimension over int64", corrupt(`{`+f32("a", "[9223372036854775808,0]", 0, 0)+`}`, 0), ErrShapeOverflow, "a", "2^63-1"},
		{"overflow before a zero", corrupt(`{`+f32("a", "[4294967296,4294967296,0]", 0, 0)+`}`, 0), ErrShapeOverflow, "a", ""},
		{"zero before huge dims", corrupt(`{`+f32("a", "[0,4294967296,4294967296]", 0, 0)+`}`, 0), nil, "", ""},
		{"dimension past uint64", corrupt(`{`+f32("a", "[18446744073709551616]", 0, 4)+`}`, 4), ErrInvalidJSON, "a", ""},
		{"offset past int64", corrupt(`{`+f32("a", "[1]", 0, 4)+`,`+`"b":{"dtype":"U8","shape":[1],"data_offsets":[9223372036854775808,9223372036854775809]}}`, 5), ErrOffsetsOutOfRange, "b", ""},
		{"wrong offsets", corrupt(`{`+f32("a", "[1]", 4, 8)+`,`+f32("b", "[1]", 0, 4)+`,`+f32("c", "[1]", 12, 16)+`}`, 16), ErrGap, "c", "[8, 12)"},
		{"overlap", corrupt(`{`+f32("a", "[2]", 0, 8)+`,`+f32("b", "[1]", 4, 8)+`}`, 8), ErrOverlap, "b", "inside the previous tensor"},
		{"unknown dtype", corrupt(`{"a":{"dtype":"F8_E4M3FN","shape":[1],"data_offsets":[0,1]}}`, 1), ErrUnknownDType, "a", "F8_E4M3FNUZ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readBytes(tt.file)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil {
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Tensor != tt.tensor {
				t.Fatalf("err %v: want an *Error on tensor %q", err, tt.tensor)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("err %q does not say %q", err, tt.says)
			}
		})
	}
}
