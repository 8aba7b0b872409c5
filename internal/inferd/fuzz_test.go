package inferd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/prova-network/prova/internal/onnxint"
)

// FuzzStoreOpen feeds arbitrary bytes after the store's header: opening
// never panics, and a store that opens takes appends and reopens with the
// same runs.
func FuzzStoreOpen(f *testing.F) {
	dir := f.TempDir()
	s, err := OpenStore(dir)
	if err != nil {
		f.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		r, in := testRun(i)
		if _, err := s.AppendRun(r, in); err != nil {
			f.Fatal(err)
		}
	}
	if err := s.MarkClaimed(1, 7); err != nil {
		f.Fatal(err)
	}
	s.Close()
	whole, err := os.ReadFile(filepath.Join(dir, storeFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(whole[len(storeHeader):])
	f.Add(whole[len(storeHeader) : len(whole)-5])
	f.Add([]byte{0, 0, 0, 2, 0, 0, 0, 0, '{', '}'})
	f.Fuzz(func(t *testing.T, body []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, storeFile), append([]byte(storeHeader), body...), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := OpenStore(dir)
		if err != nil {
			return
		}
		n := s.Len()
		for seq := 1; seq <= n; seq++ {
			if _, err := s.Inputs(uint64(seq)); err != nil {
				t.Fatalf("run %d of an opened store: %v", seq, err)
			}
		}
		r, in := testRun(n + 1)
		if _, err := s.AppendRun(r, in); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s, err = OpenStore(dir)
		if err != nil || s.Len() != n+1 || s.Dropped() != 0 {
			t.Fatalf("reopen: %v", err)
		}
		s.Close()
	})
}

// FuzzDecodeInputs: arbitrary bytes either fail or decode to inputs that
// encode back to the same bytes.
func FuzzDecodeInputs(f *testing.F) {
	p := newFakeProgram(2)
	f.Add(EncodeInputs(fakeInput(1, 2, 3, 4)))
	f.Add(EncodeInputs(fakeInput(1, 2, 3, 4))[:20])
	f.Add(onnxint.Encode(&onnxint.Tensor{Type: onnxint.Int8, Dims: []int64{4}, I: []int32{1, 2, 3, 4}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, err := DecodeInputs(p, b)
		if err != nil {
			return
		}
		if !bytes.Equal(EncodeInputs(ts), b) {
			t.Fatalf("decoded %x re-encodes differently", b)
		}
	})
}

func FuzzParseDigest(f *testing.F) {
	f.Add("sha256:" + string(bytes.Repeat([]byte("ab"), 32)))
	f.Add("blake3:00")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDigest(s)
		if err != nil {
			return
		}
		if back, err := ParseDigest(DigestText(d)); err != nil || back != d {
			t.Fatalf("%q does not round-trip", s)
		}
	})
}
