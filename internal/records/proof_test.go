package records

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/tlog"
)

const testDatasetID = "blake3:0000000000000000000000000000000000000000000000000000000000000001"

func proofFor(t *testing.T, n int, index uint64) (*InclusionProof, *Tree) {
	t.Helper()
	recs := numbered(n)
	tr := treeOf(recs...)
	p, err := NewInclusionProof(testDatasetID, tr, index, recs[index])
	if err != nil {
		t.Fatal(err)
	}
	return p, tr
}

func encode(t *testing.T, p *InclusionProof) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := p.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestProofRoundTripEverySize(t *testing.T) {
	for n := 1; n <= 17; n++ {
		for i := range uint64(n) {
			p, tr := proofFor(t, n, i)
			got, err := Decode(bytes.NewReader(encode(t, p)))
			if err != nil {
				t.Fatalf("size %d index %d: decode: %v", n, i, err)
			}
			if err := got.Verify(tr.Root()); err != nil {
				t.Fatalf("size %d index %d: verify: %v", n, i, err)
			}
			if err := got.VerifyWithSize(tr.Root(), tr.Size()); err != nil {
				t.Fatalf("size %d index %d: verify with size: %v", n, i, err)
			}
		}
	}
}

func TestProofDocumentShape(t *testing.T) {
	p, _ := proofFor(t, 3, 2)
	var m map[string]any
	if err := json.Unmarshal(encode(t, p), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"version":      float64(1),
		"algorithm":    "rfc6962-sha256",
		"dataset_id":   testDatasetID,
		"record":       "cjI=", // base64("r2")
		"record_index": float64(2),
		"tree_size":    float64(3),
		// sha256(0x00 || "r2") and the root of r0..r2, from the same Python
		// script as the known-answer test.
		"leaf_hash": hexString(kLeaf([]byte("r2"))),
		"root":      "6afb54d82cc354d4ebfe3266a135ec897d675dba4dc67c92472d9105670ee0f5",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	sib, _ := m["siblings"].([]any)
	if len(sib) != 1 || sib[0] != hexString(kNode(kLeaf([]byte("r0")), kLeaf([]byte("r1")))) {
		t.Errorf("siblings = %v", m["siblings"])
	}
	if len(m) != len(want)+1 {
		t.Errorf("document has %d fields: %v", len(m), m)
	}
}

// withField returns doc with one top-level field set to v.
func withField(t *testing.T, doc, k string, v any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	m[k] = v
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func hexString(b []byte) string {
	s, _ := Hash(b).MarshalText()
	return string(s)
}

func TestVerifyFailures(t *testing.T) {
	p, tr := proofFor(t, 7, 4)
	root := tr.Root()
	other := treeOf(numbered(8)...).Root()
	tests := []struct {
		name   string
		mutate func(p *InclusionProof)
		root   []byte
		want   []error
	}{
		{"modified record", func(p *InclusionProof) { p.Record = []byte("r9") }, root, []error{ErrInvalidProof}},
		{"modified record and leaf hash", func(p *InclusionProof) {
			p.Record = []byte("r9")
			p.LeafHash = kLeaf(p.Record)
		}, root, []error{ErrInvalidProof, ErrNotIncluded, tlog.ErrInclusionInvalid}},
		{"wrong index", func(p *InclusionProof) { p.RecordIndex = 5 }, root, []error{ErrInvalidProof, ErrNotIncluded}},
		// Size 8 instead of 7 would keep the same path shape for leaf 4 and
		// verify; see TestVerifyWithSizePinsIndex.
		{"wrong size", func(p *InclusionProof) { p.TreeSize = 6 }, root, []error{ErrInvalidProof}},
		{"index not below size", func(p *InclusionProof) { p.RecordIndex = 7 }, root, []error{ErrInvalidProof}},
		{"flipped sibling", func(p *InclusionProof) { p.Siblings[1] = flip(p.Siblings[1]) }, root, []error{ErrInvalidProof}},
		{"missing sibling", func(p *InclusionProof) { p.Siblings = p.Siblings[:2] }, root, []error{ErrInvalidProof}},
		{"short sibling", func(p *InclusionProof) { p.Siblings[0] = p.Siblings[0][:31] }, root, []error{ErrInvalidProof}},
		{"wrong root", func(*InclusionProof) {}, other, []error{ErrRootMismatch}},
		{"short root", func(*InclusionProof) {}, root[:16], []error{ErrRootMismatch}},
		{"proof rebuilt for other root", func(p *InclusionProof) { p.Root = other }, root, []error{ErrInvalidProof}},
		{"wrong version", func(p *InclusionProof) { p.Version = 2 }, root, []error{ErrInvalidProof}},
		{"wrong algorithm", func(p *InclusionProof) { p.Algorithm = "rfc6962-blake3" }, root, []error{ErrInvalidProof}},
		{"empty dataset id", func(p *InclusionProof) { p.DatasetID = "" }, root, []error{ErrInvalidProof}},
		{"dataset id with space", func(p *InclusionProof) { p.DatasetID = "a b" }, root, []error{ErrInvalidProof}},
		{"long dataset id", func(p *InclusionProof) { p.DatasetID = strings.Repeat("a", MaxDatasetIDLen+1) }, root, []error{ErrInvalidProof}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := clone(p)
			tc.mutate(q)
			err := q.Verify(tc.root)
			if err == nil {
				t.Fatal("verified")
			}
			matched := false
			for _, w := range tc.want {
				matched = matched || errors.Is(err, w)
			}
			if !matched {
				t.Fatalf("error %v, want one of %v", err, tc.want)
			}
		})
	}
	if err := p.Verify(root); err != nil {
		t.Fatalf("the unmodified proof fails: %v", err)
	}
}

// One audit path can fit one root at two (index, size) pairs: leaf 2 of a
// 3-leaf tree is the right child of the root, exactly as leaf 1 of a 2-leaf
// tree whose left child is MTH(r0, r1). Verify accepts both (membership is
// proven either way); VerifyWithSize pins the position.
func TestVerifyWithSizePinsIndex(t *testing.T) {
	p, tr := proofFor(t, 3, 2)
	q := clone(p)
	q.RecordIndex, q.TreeSize = 1, 2
	if err := q.Verify(tr.Root()); err != nil {
		t.Fatalf("the re-indexed proof should still prove membership: %v", err)
	}
	if err := q.VerifyWithSize(tr.Root(), 3); !errors.Is(err, ErrSizeMismatch) {
		t.Fatalf("VerifyWithSize: %v, want ErrSizeMismatch", err)
	}
	if err := p.VerifyWithSize(tr.Root(), 3); err != nil {
		t.Fatal(err)
	}
	// Leaf 4 of 7 and leaf 4 of 8 have the same path shape as well.
	p7, tr7 := proofFor(t, 7, 4)
	p7.TreeSize = 8
	if err := p7.Verify(tr7.Root()); err != nil {
		t.Fatalf("leaf 4 of 8: %v", err)
	}
	if err := p7.VerifyWithSize(tr7.Root(), 7); !errors.Is(err, ErrSizeMismatch) {
		t.Fatalf("VerifyWithSize: %v, want ErrSizeMismatch", err)
	}
}

func TestNewInclusionProofChecksRecord(t *testing.T) {
	tr := treeOf(numbered(4)...)
	if _, err := NewInclusionProof(testDatasetID, tr, 1, []byte("r2")); !errors.Is(err, ErrRecordNotFound) {
		t.Fatalf("wrong record: %v", err)
	}
	if _, err := NewInclusionProof(testDatasetID, tr, 4, []byte("r4")); !errors.Is(err, ErrIndexOutOfRange) {
		t.Fatalf("index past end: %v", err)
	}
	if _, err := NewInclusionProof("", tr, 1, []byte("r1")); !errors.Is(err, ErrInvalidProof) {
		t.Fatalf("empty dataset id: %v", err)
	}
}

func TestDecodeStrict(t *testing.T) {
	p, _ := proofFor(t, 5, 3)
	good := string(encode(t, p))
	replace := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("document lacks %q", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	leafHex := hexString(p.LeafHash)
	tests := []struct {
		name, doc string
	}{
		{"unknown field", replace(`"version": 1,`, `"version": 1, "extra": true,`)},
		{"missing field", replace(`"version": 1,`, ``)},
		{"null siblings", withField(t, good, "siblings", nil)},
		{"null record", withField(t, good, "record", nil)},
		{"string index", withField(t, good, "record_index", "3")},
		{"trailing data", good + "{}"},
		{"two documents", good + good},
		{"negative index", replace(`"record_index": 3`, `"record_index": -1`)},
		{"fractional size", replace(`"tree_size": 5`, `"tree_size": 5.5`)},
		{"short hex", replace(leafHex, leafHex[:62])},
		{"long hex", replace(leafHex, leafHex+"00")},
		{"non-hex", replace(leafHex, "zz"+leafHex[2:])},
		{"bad base64", replace(`"record": "cjM="`, `"record": "cjM"`)},
		{"index equals size", replace(`"record_index": 3`, `"record_index": 5`)},
		{"not json", "version: 1"},
		{"empty", ""},
		{"array", "[]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Decode(strings.NewReader(tc.doc)); !errors.Is(err, ErrInvalidProof) {
				t.Fatalf("error %v, want ErrInvalidProof", err)
			}
		})
	}
	if _, err := Decode(strings.NewReader(good)); err != nil {
		t.Fatalf("good document: %v", err)
	}
	// Upper-case hex and trailing whitespace are accepted.
	if _, err := Decode(strings.NewReader(replace(leafHex, strings.ToUpper(leafHex)) + "\n\n")); err != nil {
		t.Fatalf("upper-case hex: %v", err)
	}
}

func TestDecodeSizeCap(t *testing.T) {
	huge := `{"record": "` + strings.Repeat("A", MaxProofSize) + `"}`
	if _, err := Decode(strings.NewReader(huge)); !errors.Is(err, ErrInvalidProof) || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("oversized document: %v", err)
	}
	// A record just over MaxRecordSize fits the document cap but not the
	// record cap.
	p, _ := proofFor(t, 1, 0)
	q := clone(p)
	q.Record = make([]byte, MaxRecordSize+1)
	q.LeafHash = kLeaf(q.Record)
	q.Root = q.LeafHash
	doc, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc) > MaxProofSize {
		t.Fatalf("document of %d bytes exceeds MaxProofSize %d", len(doc), MaxProofSize)
	}
	if _, err := Decode(bytes.NewReader(doc)); !errors.Is(err, ErrInvalidProof) || !strings.Contains(err.Error(), "record is") {
		t.Fatalf("oversized record: %v", err)
	}
}

// End to end: build from a JSONL file, find a record, prove it, write the
// document, read it back and verify it against the root.
func TestProveFromFile(t *testing.T) {
	path := writeFile(t, t.TempDir(), "d.jsonl", "{\"id\":1}\n{\"id\":2}\r\n{\"id\":3}\n")
	tr, err := Build(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := FindRecord(path, []byte(`{"id":2}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := RecordAt(path, idx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewInclusionProof(testDatasetID, tr, idx, rec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(bytes.NewReader(encode(t, p)))
	if err != nil {
		t.Fatal(err)
	}
	if err := got.VerifyWithSize(tr.Root(), 3); err != nil {
		t.Fatal(err)
	}
	if string(got.Record) != `{"id":2}` || got.RecordIndex != 1 {
		t.Fatalf("record %q index %d", got.Record, got.RecordIndex)
	}
}

func clone(p *InclusionProof) *InclusionProof {
	q := *p
	q.Record = append([]byte{}, p.Record...)
	q.LeafHash = append(Hash{}, p.LeafHash...)
	q.Root = append(Hash{}, p.Root...)
	q.Siblings = make([]Hash, len(p.Siblings))
	for i, s := range p.Siblings {
		q.Siblings[i] = append(Hash{}, s...)
	}
	return &q
}

func flip(h Hash) Hash {
	out := append(Hash{}, h...)
	out[0] ^= 0x80
	return out
}
