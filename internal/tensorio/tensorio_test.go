package tensorio

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/onnxint"
)

// npyFile builds a .npy file as NumPy writes it: version 1.0, the header
// padded with spaces to a multiple of 64 bytes and ended by a newline.
func npyFile(header string, data []byte) []byte {
	pad := 64 - (10+len(header)+1)%64
	if pad == 64 {
		pad = 0
	}
	h := header + strings.Repeat(" ", pad) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

func f32s(fs ...float32) []byte {
	var b bytes.Buffer
	for _, f := range fs {
		binary.Write(&b, binary.LittleEndian, math.Float32bits(f))
	}
	return b.Bytes()
}

func TestReadNPY(t *testing.T) {
	got, err := ReadNPY(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }", f32s(1.5, -2, 0.25)))
	if err != nil {
		t.Fatal(err)
	}
	want := &onnxint.Tensor{Type: onnxint.Float, Dims: []int64{1, 3}, F: []uint32{math.Float32bits(1.5), math.Float32bits(-2), math.Float32bits(0.25)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}

	// float64 is rounded to float32; big-endian is read; 1-D shapes have a
	// trailing comma; a scalar has shape ().
	var f8 bytes.Buffer
	binary.Write(&f8, binary.BigEndian, 0.1)
	got, err = ReadNPY(npyFile("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", f8.Bytes()))
	if err != nil || got.Type != onnxint.Float || got.F[0] != math.Float32bits(0.1) || !reflect.DeepEqual(got.Dims, []int64{1}) {
		t.Fatalf("float64: %+v, %v", got, err)
	}
	got, err = ReadNPY(npyFile("{'descr': '|u1', 'fortran_order': False, 'shape': (), }", []byte{200}))
	if err != nil || got.Type != onnxint.Uint8 || got.I[0] != 200 || len(got.Dims) != 0 {
		t.Fatalf("scalar: %+v, %v", got, err)
	}
	got, err = ReadNPY(npyFile("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", []byte{0xff, 7}))
	if err != nil || !reflect.DeepEqual(got.I, []int32{-1, 7}) {
		t.Fatalf("int8: %+v, %v", got, err)
	}

	bad := map[string][]byte{
		"Fortran order":   npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", f32s(1)),
		"not supported":   npyFile("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", []byte{0, 0}),
		"needs 8":         npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", f32s(1)),
		"lacks descr":     npyFile("{'fortran_order': False, 'shape': (1,), }", f32s(1)),
		"unknown key":     npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", f32s(1)),
		"over the limit":  npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", nil),
		"structured":      npyFile("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", f32s(1)),
		"truncated":       []byte("\x93NUMPY\x01\x00\xff\x00{'descr'"),
		"version 9":       []byte("\x93NUMPY\x09\x00\x00\x00"),
		"not a .npy file": []byte("hello"),
	}
	for want, b := range bad {
		if _, err := ReadNPY(b); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v", want, err)
		}
	}
}

func TestWriteNPYRoundTrip(t *testing.T) {
	for _, tt := range []*onnxint.Tensor{
		{Type: onnxint.Float, Dims: []int64{2, 2}, F: []uint32{1, 2, 3, 0x7f800000}},
		{Type: onnxint.Int8, Dims: []int64{3}, I: []int32{-128, 0, 127}},
		{Type: onnxint.Uint8, Dims: []int64{1, 1, 2}, I: []int32{0, 255}},
		{Type: onnxint.Int32, Dims: []int64{}, I: []int32{-5}},
		{Type: onnxint.Int64, Dims: []int64{2}, I64: []int64{math.MinInt64, 9}},
	} {
		b, err := WriteNPY(tt)
		if err != nil {
			t.Fatal(err)
		}
		if hl := int(binary.LittleEndian.Uint16(b[8:10])); (10+hl)%64 != 0 || b[10+hl-1] != '\n' {
			t.Fatalf("%s: header not aligned to 64 bytes", tt.Type)
		}
		got, err := ReadNPY(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tt) {
			t.Fatalf("round trip: got %+v, want %+v", got, tt)
		}
	}
}

func TestReadInputs(t *testing.T) {
	one := []Input{{Name: "x", Type: onnxint.Float, Dims: []int64{1, 3}}}
	got, err := ReadInputs([]byte(" [[0.5, 1, -2e-1]]\n"), one)
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint32{math.Float32bits(0.5), math.Float32bits(1), math.Float32bits(-0.2)}; !reflect.DeepEqual(got[0].F, want) {
		t.Fatalf("got %v, want %v", got[0].F, want)
	}
	two := []Input{{Name: "a", Type: onnxint.Int8, Dims: []int64{2}}, {Name: "b", Type: onnxint.Uint8, Dims: []int64{-1}}}
	got, err = ReadInputs([]byte(`{"b": [1, 2, 3], "a": [-1, 1]}`), two)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got[0].I, []int32{-1, 1}) || !reflect.DeepEqual(got[1].Dims, []int64{3}) {
		t.Fatalf("got %+v %+v", got[0], got[1])
	}
	// A .npy file of int32 converts to int8 when every value fits.
	npy, _ := WriteNPY(&onnxint.Tensor{Type: onnxint.Int32, Dims: []int64{2}, I: []int32{3, -4}})
	if got, err := ReadInputs(npy, two[:1]); err != nil || got[0].Type != onnxint.Int8 {
		t.Fatalf("npy int32 → int8: %+v %v", got, err)
	}

	bad := []struct {
		in   string
		want []Input
		err  string
	}{
		{`[[1, 2]]`, one, "shape [1 2], but the model expects [1 3]"},
		{`[[1, 2], [3]]`, one, "ragged"},
		{`[[1, "x", 2]]`, one, "unexpected string"},
		{`[1e40, 1, 1]`, []Input{{Name: "x", Type: onnxint.Float}}, "not a float32"},
		{`[128, 0]`, two[:1], "not a INT8"},
		{`[1.5, 0]`, two[:1], "not a INT8"},
		{`{"a": [1, 2]}`, two, `no "b"`},
		{`{"a": [1, 2], "b": [1], "c": [0]}`, two, `"c", which is not an input`},
		{`[1, 2]`, two, "2 inputs"},
		{``, one, "empty input"},
		{`nope`, one, "neither"},
	}
	for _, tc := range bad {
		if _, err := ReadInputs([]byte(tc.in), tc.want); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: got %v, want %q", tc.in, err, tc.err)
		}
	}
}

func TestToOutputAndArgmax(t *testing.T) {
	x := &onnxint.Tensor{Type: onnxint.Float, Dims: []int64{1, 4}, F: []uint32{math.Float32bits(-3), math.Float32bits(0.1), math.Float32bits(2.5), math.Float32bits(2.5)}}
	o := ToOutput(x)
	b, _ := json.Marshal(o)
	if string(b) != `{"dtype":"float32","shape":[1,4],"data":[-3,0.1,2.5,2.5]}` {
		t.Fatalf("got %s", b)
	}
	if got := Argmax(x); got != 2 {
		t.Fatalf("argmax %d, want 2 (the first of a tie)", got)
	}
	neg := &onnxint.Tensor{Type: onnxint.Float, Dims: []int64{2}, F: []uint32{math.Float32bits(-1), math.Float32bits(-0.5)}}
	if Argmax(neg) != 1 {
		t.Fatal("argmax of negative floats")
	}
	// Output data reads back as the same input.
	got, err := ReadInputs(o.Data, []Input{{Name: "x", Type: onnxint.Float, Dims: []int64{4}}})
	if err != nil || !reflect.DeepEqual(got[0].F, x.F) {
		t.Fatalf("read back: %+v %v", got, err)
	}
}

// FuzzReadNPY: an accepted file is a tensor whose .npy encoding reads back
// as the same tensor (float64 files are already rounded to float32).
func FuzzReadNPY(f *testing.F) {
	f.Add(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }", f32s(1.5, -2, 0.25)))
	f.Add(npyFile("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", []byte{1, 2}))
	f.Add(npyFile("{'descr': '>i8', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)))
	f.Fuzz(func(t *testing.T, b []byte) {
		tt, err := ReadNPY(b)
		if err != nil {
			return
		}
		if int64(tt.Len()) > MaxElements {
			t.Fatalf("accepted %d elements", tt.Len())
		}
		w, err := WriteNPY(tt)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ReadNPY(w)
		if err != nil || !reflect.DeepEqual(back, tt) {
			t.Fatalf("re-encoded file reads as %+v, %v; want %+v", back, err, tt)
		}
	})
}

// FuzzReadInputsJSON: accepted JSON gives tensors of the declared type whose
// printed data reads back identically.
func FuzzReadInputsJSON(f *testing.F) {
	f.Add([]byte(`[[0.5, 1, -2]]`), uint8(onnxint.Float))
	f.Add([]byte(`[1, -2, 3]`), uint8(onnxint.Int8))
	f.Add([]byte(`{"x": [[255]]}`), uint8(onnxint.Uint8))
	f.Fuzz(func(t *testing.T, b []byte, dt uint8) {
		in := []Input{{Name: "x", Type: onnxint.DType(dt)}}
		ts, err := ReadInputs(b, in)
		if err != nil {
			return
		}
		if len(ts) != 1 || ts[0].Type != in[0].Type {
			t.Fatalf("got %+v", ts)
		}
		o := ToOutput(ts[0])
		back, err := ReadInputs(o.Data, []Input{{Name: "x", Type: in[0].Type}})
		if err != nil {
			t.Fatalf("printed data %s does not read back: %v", o.Data, err)
		}
		a, c := ts[0], back[0]
		if !reflect.DeepEqual(a.F, c.F) || !reflect.DeepEqual(a.I, c.I) || !reflect.DeepEqual(a.I64, c.I64) || a.Len() != c.Len() {
			t.Fatalf("read back %+v, want %+v", c, a)
		}
	})
}
