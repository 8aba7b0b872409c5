package records

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode. It must never panic; whatever
// it accepts must be a valid proof that verifies against its own root and
// survives an encode/decode round trip unchanged.
func FuzzDecode(f *testing.F) {
	for _, n := range []int{1, 2, 3, 7, 17} {
		recs := numbered(n)
		tr := treeOf(recs...)
		idx := uint64(n / 2)
		p, err := NewInclusionProof(testDatasetID, tr, idx, recs[idx])
		if err != nil {
			f.Fatal(err)
		}
		var buf bytes.Buffer
		if err := p.Encode(&buf); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"version":1,"algorithm":"rfc6962-sha256","dataset_id":"x","record":"","record_index":0,"tree_size":1,"leaf_hash":"","siblings":[],"root":""}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("error does not wrap ErrInvalidProof: %v", err)
			}
			return
		}
		if err := p.Verify(p.Root); err != nil {
			t.Fatalf("decoded proof does not verify against its own root: %v", err)
		}
		var buf bytes.Buffer
		if err := p.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		q, err := Decode(&buf)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		var a, b bytes.Buffer
		_ = p.Encode(&a)
		_ = q.Encode(&b)
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("round trip changed the proof:\n%s\n%s", a.Bytes(), b.Bytes())
		}
	})
}
