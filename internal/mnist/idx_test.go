package mnist

import (
	"bytes"
	"compress/gzip"
	"errors"
	"sync"
	"testing"
)

func mustEncode(t testing.TB, x *IDX) []byte {
	t.Helper()
	b, err := x.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gzPool keeps gzip writers: a new one allocates about a megabyte, which
// would dominate the fuzzer's time.
var gzPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed); return w }}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzPool.Get().(*gzip.Writer)
	defer gzPool.Put(w)
	w.Reset(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestIDXRoundTrip(t *testing.T) {
	for _, x := range []*IDX{
		{Type: IDXUint8, Dims: []int{3}, Data: []byte{7, 8, 9}},
		{Type: IDXUint8, Dims: []int{2, 2, 3}, Data: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{Type: IDXInt16, Dims: []int{2}, Data: []byte{0, 1, 0xff, 0xfe}},
		{Type: IDXFloat64, Dims: []int{1, 1}, Data: make([]byte, 8)},
		{Type: IDXUint8, Dims: []int{0, 28, 28}, Data: []byte{}},
	} {
		b := mustEncode(t, x)
		for name, in := range map[string][]byte{"raw": b, "gzip": gz(b)} {
			got, err := ReadIDX(bytes.NewReader(in))
			if err != nil {
				t.Fatalf("%s %v: %v", name, x.Dims, err)
			}
			if got.Type != x.Type || !equalInts(got.Dims, x.Dims) || !bytes.Equal(got.Data, x.Data) {
				t.Fatalf("%s: read %+v, wrote %+v", name, got, x)
			}
		}
		p, err := ParseIDX(b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(mustEncode(t, p), b) {
			t.Fatal("ParseIDX then Encode changed the file")
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestIDXRefused(t *testing.T) {
	good := mustEncode(t, &IDX{Type: IDXUint8, Dims: []int{2, 2}, Data: []byte{1, 2, 3, 4}})
	huge := []byte{0, 0, IDXUint8, 3, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0} // 2^16 × 2^8 × 2^8 = 2^32 bytes
	over := []byte{0, 0, IDXFloat64, 2, 0x80, 0, 0, 0, 0x80, 0, 0, 0}     // 2^62 elements of 8 bytes
	cases := map[string][]byte{
		"empty":          {},
		"short magic":    {0, 0, 8},
		"magic":          {1, 0, 8, 1, 0, 0, 0, 0},
		"type":           {0, 0, 0x0A, 1, 0, 0, 0, 0},
		"no dims":        {0, 0, 8, 0},
		"too many dims":  {0, 0, 8, MaxIDXDims + 1},
		"short dims":     {0, 0, 8, 2, 0, 0, 0, 1},
		"short data":     good[:len(good)-1],
		"trailing":       append(append([]byte{}, good...), 0),
		"over the limit": huge,
		"overflow":       over,
	}
	for name, b := range cases {
		if _, err := ParseIDX(b); !errors.Is(err, ErrIDX) {
			t.Errorf("ParseIDX %s: err = %v, want ErrIDX", name, err)
		}
		if _, err := ReadIDX(bytes.NewReader(b)); !errors.Is(err, ErrIDX) {
			t.Errorf("ReadIDX %s: err = %v, want ErrIDX", name, err)
		}
		if len(b) > 0 {
			if _, err := ReadIDX(bytes.NewReader(gz(b))); !errors.Is(err, ErrIDX) {
				t.Errorf("ReadIDX gzip %s: err = %v, want ErrIDX", name, err)
			}
		}
	}
	// Two gzip members: the second is trailing data.
	two := append(gz(good), gz(good)...)
	if _, err := ReadIDX(bytes.NewReader(two)); !errors.Is(err, ErrIDX) {
		t.Errorf("two gzip members: err = %v, want ErrIDX", err)
	}
	if _, err := ReadIDX(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0})); !errors.Is(err, ErrIDX) {
		t.Errorf("broken gzip: err = %v, want ErrIDX", err)
	}
	for _, x := range []*IDX{
		{Type: 0x0A, Dims: []int{1}, Data: []byte{0}},
		{Type: IDXUint8, Dims: nil},
		{Type: IDXUint8, Dims: []int{2}, Data: []byte{0}},
		{Type: IDXUint8, Dims: []int{-1}},
		{Type: IDXUint8, Dims: []int{1 << 33}},
	} {
		if _, err := x.Encode(); !errors.Is(err, ErrIDX) {
			t.Errorf("Encode %+v: err = %v, want ErrIDX", x, err)
		}
	}
}

// FuzzIDX checks that every accepted file re-encodes to the same bytes and
// that ParseIDX and ReadIDX (raw and gzipped) accept the same files with the
// same contents.
func FuzzIDX(f *testing.F) {
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 2, 5, 6})
	f.Add([]byte{0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 9, 9})
	f.Add([]byte{0, 0, 0x0B, 2, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2})
	f.Add([]byte{0, 0, 0x0E, 1, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, perr := ParseIDX(b)
		r, rerr := ReadIDX(bytes.NewReader(b))
		if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
			// ReadIDX decompresses these; ParseIDX refuses them (bad magic).
			if perr == nil {
				t.Fatal("ParseIDX accepted a gzip stream")
			}
			return
		}
		if (perr == nil) != (rerr == nil) {
			t.Fatalf("ParseIDX err %v, ReadIDX err %v", perr, rerr)
		}
		if perr != nil {
			if !errors.Is(perr, ErrIDX) || !errors.Is(rerr, ErrIDX) {
				t.Fatalf("errors not wrapping ErrIDX: %v / %v", perr, rerr)
			}
			return
		}
		enc, err := p.Encode()
		if err != nil {
			t.Fatalf("accepted file does not encode: %v", err)
		}
		if !bytes.Equal(enc, b) {
			t.Fatalf("re-encoding differs:\n in  %x\n out %x", b, enc)
		}
		if r.Type != p.Type || !equalInts(r.Dims, p.Dims) || !bytes.Equal(r.Data, p.Data) {
			t.Fatalf("ReadIDX %+v, ParseIDX %+v", r, p)
		}
		z, err := ReadIDX(bytes.NewReader(gz(b)))
		if err != nil || !bytes.Equal(z.Data, p.Data) || !equalInts(z.Dims, p.Dims) {
			t.Fatalf("gzipped copy: %+v, %v", z, err)
		}
	})
}
