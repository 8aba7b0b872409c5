package records

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode. It either fails with
// ErrInvalidProof or returns a proof that verifies against its own root,
// and whose encoding decodes to an equal proof that encodes to the same
// bytes.
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
		if n == 7 { // near misses: a changed sibling, a truncated document
			f.Add(bytes.Replace(buf.Bytes(), []byte(`"siblings":["`), []byte(`"siblings":["00`), 1))
			f.Add(buf.Bytes()[:buf.Len()/2])
		}
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
		if !reflect.DeepEqual(q, p) {
			t.Fatalf("round trip changed the proof:\n%+v\n%+v", p, q)
		}
		var a, b bytes.Buffer
		_ = p.Encode(&a)
		_ = q.Encode(&b)
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("round trip changed the proof:\n%s\n%s", a.Bytes(), b.Bytes())
		}
	})
}
