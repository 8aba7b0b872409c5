package onnxint

import (
	"bytes"
	"encoding/hex"
	"math"
	"testing"

	"github.com/prova-network/prova/internal/onnx/onnxpb"
)

func TestEncodeKnownAnswer(t *testing.T) {
	// docs/INFERENCE.md §1: type 3 (INT8), rank 2, dims 2 and 1 big-endian,
	// elements 1 and −1 as bytes.
	tn := tI8(dims(2, 1), 1, -1)
	want := "0302" + "0000000000000002" + "0000000000000001" + "01ff"
	if got := hex.EncodeToString(Encode(tn)); got != want {
		t.Fatalf("Encode = %s, want %s", got, want)
	}
	// sha256 of those bytes, from Python's hashlib.
	d := Digest(&Tensor{Type: Int8, Dims: dims(2, 1), I: []int32{1, -1}})
	if got := hex.EncodeToString(d[:]); got != "29d08a64db91f890180c9910b21fe4f203f497ccff1582ad1a6220414e6c146a" {
		t.Fatalf("Digest = %s", got)
	}
	// Other widths, little-endian.
	cases := []struct {
		t    *Tensor
		want string
	}{
		{tU8(nil, 200), "0200c8"},
		{tI32(dims(1), -2), "0601" + "0000000000000001" + "feffffff"},
		{&Tensor{Type: Int64, Dims: dims(1), I64: []int64{258}}, "0701" + "0000000000000001" + "0201000000000000"},
		{tF32(dims(1), 1), "0101" + "0000000000000001" + "0000803f"},
		{tI8(dims(0, 3)), "0302" + "0000000000000000" + "0000000000000003"},
	}
	for _, c := range cases {
		if got := hex.EncodeToString(Encode(c.t)); got != c.want {
			t.Errorf("Encode(%v) = %s, want %s", c.t.Type, got, c.want)
		}
		back, n, err := Decode(append(Encode(c.t), 0xaa))
		if err != nil || n != len(Encode(c.t)) || !bytes.Equal(Encode(back), Encode(c.t)) {
			t.Errorf("Decode(%s): %v, %d", c.want, err, n)
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, h := range []string{
		"",
		"03",
		"0401",                             // INT16
		"0301000000000000",                 // truncated dims
		"03018000000000000000",             // dim ≥ 2^63
		"0301" + "0000000000000002" + "01", // one element short
		"0302" + "7fffffffffffffff" + "7fffffffffffffff",
	} {
		b, _ := hex.DecodeString(h)
		if _, _, err := Decode(b); err == nil {
			t.Errorf("Decode(%s) accepted", h)
		}
	}
}

func TestProtoRoundTrip(t *testing.T) {
	for _, tn := range []*Tensor{
		tI8(dims(2, 2), -128, 127, 0, 5),
		tU8(dims(3), 0, 255, 7),
		tI32(nil, -7),
		tF32(dims(2), 1.5, float32(math.Inf(-1))),
		{Type: Int64, Dims: dims(2), I64: []int64{-1, 1 << 40}},
	} {
		back, err := FromProto(tn.Proto("n"))
		if err != nil || !bytes.Equal(Encode(back), Encode(tn)) {
			t.Fatalf("%v: %v", tn.Type, err)
		}
	}
	// Typed fields.
	p := &onnxpb.TensorProto{DataType: int32(Int8), Dims: []int64{2}, Int32Data: []int32{-3, 4}}
	if got, err := FromProto(p); err != nil || got.I[0] != -3 {
		t.Fatalf("int32_data: %v", err)
	}
	p = &onnxpb.TensorProto{DataType: int32(Float), Dims: []int64{1}, FloatData: []float32{0.5}}
	if got, err := FromProto(p); err != nil || got.F[0] != 0x3f000000 {
		t.Fatalf("float_data: %v", err)
	}
	bad := []*onnxpb.TensorProto{
		{DataType: int32(Int8), Dims: []int64{1}, Int32Data: []int32{200}}, // out of range
		{DataType: int32(Uint8), Dims: []int64{2}, RawData: []byte{1}},     // short
		{DataType: int32(Int32), Dims: []int64{1}},                         // no data
		{DataType: 10, Dims: []int64{1}, RawData: []byte{0, 0}},            // FLOAT16
		{DataType: int32(Int8), Dims: []int64{1}, RawData: []byte{1}, DataLocation: onnxpb.TensorProto_EXTERNAL},
		{DataType: int32(Int8), Dims: []int64{1}, ExternalData: []*onnxpb.StringStringEntryProto{{Key: "location", Value: "w.bin"}}},
		{DataType: int32(Int8), Dims: []int64{-1}},
		{DataType: int32(Int8), Dims: []int64{1 << 40, 1 << 40}},
		{DataType: int32(Int32), Dims: []int64{1}, RawData: []byte{1, 0, 0, 0}, Int32Data: []int32{1}},
		{DataType: int32(Int64), Dims: []int64{1}, Int32Data: []int32{1}},
	}
	for i, p := range bad {
		if _, err := FromProto(p); err == nil {
			t.Errorf("bad tensor %d accepted", i)
		}
	}
}

func FuzzDecodeTensor(f *testing.F) {
	for _, tn := range []*Tensor{tI8(dims(2, 1), 1, -1), tF32(dims(1), 2), tI32(nil, 5), {Type: Int64, Dims: dims(1), I64: []int64{9}}, tU8(dims(0))} {
		f.Add(Encode(tn))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tn, n, err := Decode(b)
		if err != nil {
			return
		}
		enc := Encode(tn)
		if !bytes.Equal(enc, b[:n]) {
			t.Fatalf("Encode(Decode(b)) = %x, want %x", enc, b[:n])
		}
		if err := tn.check(); err != nil {
			t.Fatalf("decoded tensor is malformed: %v", err)
		}
		back, m, err := Decode(enc)
		if err != nil || m != len(enc) || Digest(back) != Digest(tn) {
			t.Fatalf("Decode(Encode(t)) differs: %v", err)
		}
	})
}
