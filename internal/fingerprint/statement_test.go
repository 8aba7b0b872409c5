package fingerprint

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestStatementLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my-model")
	writePattern(t, filepath.Join(dir, "config.json"), 100)
	writePattern(t, filepath.Join(dir, "model.bin"), 2500)
	m := mustFingerprint(t, dir, Options{ShardSize: 1000})
	raw, err := m.Statement()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["_type"] != "https://in-toto.io/Statement/v1" || doc["predicateType"] != "https://model_signing/signature/v1.0" {
		t.Fatalf("types: %v %v", doc["_type"], doc["predicateType"])
	}
	subjects := doc["subject"].([]any)
	if len(subjects) != 1 {
		t.Fatalf("%d subjects", len(subjects))
	}
	subj := subjects[0].(map[string]any)
	digests := subj["digest"].(map[string]any)
	if subj["name"] != "my-model" || digests["blake3"] != m.Digest.Hex() {
		t.Fatalf("subject %v", subj)
	}
	omsRoot, _ := SubjectDigest(SHA256, m.Resources)
	if digests["sha256"] != omsRoot.Hex() || len(digests) != 2 {
		t.Fatalf("subject digests %v, want blake3 and OMS sha256 root %s", digests, omsRoot.Hex())
	}
	pred := doc["predicate"].(map[string]any)
	ser := pred["serialization"].(map[string]any)
	// model_signing does not know files+shards: the statement is the
	// equivalent shards serialization, with the same subject digest.
	if m.Serialization.Method != MethodFilesAndShards {
		t.Fatalf("manifest method %q", m.Serialization.Method)
	}
	if ser["method"] != MethodShards || ser["hash_type"] != "blake3" || ser["shard_size"] != 1000.0 || ser["allow_symlinks"] != false {
		t.Fatalf("serialization %v", ser)
	}
	var got []string
	for _, r := range pred["resources"].([]any) {
		r := r.(map[string]any)
		if len(r) != 3 {
			t.Errorf("resource keys %v, want algorithm, digest, name", r)
		}
		got = append(got, r["name"].(string)+" "+r["algorithm"].(string))
	}
	want := []string{
		"config.json:0:100 blake3-sharded-1000",
		"model.bin:0:1000 blake3-sharded-1000",
		"model.bin:1000:2000 blake3-sharded-1000",
		"model.bin:2000:2500 blake3-sharded-1000",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("resources %q, want %q", got, want)
	}

	back, err := ParseStatement(raw)
	if err != nil {
		t.Fatal(err)
	}
	oms, ok := m.OMS()
	if !ok || back.Digest != m.Digest || back.Name != m.Name || len(Compare(oms, back)) != 0 || !reflect.DeepEqual(oms, back) {
		t.Fatalf("round trip: %+v", back)
	}
	// Shard sizes come back from the names.
	if back.Resources[0].Size != 100 || back.Resources[1].Size != 1000 || back.Resources[3].Size != 500 {
		t.Errorf("sizes %+v", back.Resources)
	}
	// The same files hashed as model_signing's shards method give that
	// manifest exactly.
	shards := mustFingerprint(t, dir, Options{ShardAll: true, ShardSize: 1000})
	if !reflect.DeepEqual(shards, back) {
		t.Errorf("shards method %+v, statement %+v", shards, back)
	}
}

// TestParseOMSStatement reads a statement in the exact layout model_signing
// v1.0 writes for its "files" serialization with SHA-256, for the directory of
// TestKnownAnswerDirectory. The resource digests are the sha256sum vectors and
// the subject is the sha256 root digest computed there with coreutils.
func TestParseOMSStatement(t *testing.T) {
	oms := `{
  "_type": "https://in-toto.io/Statement/v1",
  "subject": [{"name": "model", "digest": {"sha256": "9442a3efb256126ad8ac939e648ba034f6530f4a1d25fa759e1eebbfbe187faf"}}],
  "predicateType": "https://model_signing/signature/v1.0",
  "predicate": {
    "serialization": {"method": "files", "hash_type": "sha256", "allow_symlinks": false,
      "ignore_paths": [".git", ".gitattributes", ".github", ".gitignore"]},
    "resources": [
      {"algorithm": "sha256", "digest": "2bce1ba628720664be4b9fdd77aae0678e5f0f3f02fc6ff641ec879094f6a404", "name": "a/x"},
      {"algorithm": "sha256", "digest": "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "name": "a.b"},
      {"algorithm": "sha256", "digest": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "name": "c"},
      {"algorithm": "sha256", "digest": "bc0b6b10b89b9487a12fda2a8cc13194e7091c217aabf8b92846274026f4bcd0", "name": "sub/b.bin"}
    ]
  }
}`
	m, err := ParseStatement([]byte(oms))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "model")
	writePattern(t, filepath.Join(dir, "a.b"), 1)
	writePattern(t, filepath.Join(dir, "a", "x"), 1024)
	writePattern(t, filepath.Join(dir, "c"), 0)
	writePattern(t, filepath.Join(dir, "sub", "b.bin"), 1025)
	local := mustFingerprint(t, dir, Options{Algorithm: SHA256})
	if diff := Compare(m, local); len(diff) != 0 || local.Digest != m.Digest {
		t.Fatalf("local fingerprint differs from the OMS statement: %v", diff)
	}
	// And our own statement for it carries the same single sha256 subject.
	ours, _ := local.Statement()
	if !strings.Contains(string(ours), `"digest":{"sha256":"9442a3efb256126ad8ac939e648ba034f6530f4a1d25fa759e1eebbfbe187faf"}`) {
		t.Fatalf("statement subject: %s", ours)
	}
}

func TestParseStatementErrors(t *testing.T) {
	dir := t.TempDir()
	writePattern(t, filepath.Join(dir, "a"), 10)
	writePattern(t, filepath.Join(dir, "b"), 2500)
	m := mustFingerprint(t, dir, Options{ShardSize: 1000})
	good := m.InToto()
	tests := []struct {
		name   string
		mutate func(s *Statement)
	}{
		{"statement type", func(s *Statement) { s.Type = "https://in-toto.io/Statement/v0.1" }},
		{"predicate type", func(s *Statement) { s.PredicateType = "https://model_signing/Digests/v0.1" }},
		{"two subjects", func(s *Statement) { s.Subject = append(s.Subject, s.Subject[0]) }},
		{"no known subject digest", func(s *Statement) { s.Subject[0].Digest = map[string]string{"md5": "00"} }},
		{"wrong blake3 subject", func(s *Statement) { s.Subject[0].Digest["blake3"] = strings.Repeat("0", 64) }},
		{"wrong sha256 subject", func(s *Statement) { s.Subject[0].Digest["sha256"] = strings.Repeat("0", 64) }},
		{"bad subject hex", func(s *Statement) { s.Subject[0].Digest["blake3"] = "zz" }},
		{"hash type", func(s *Statement) { s.Predicate.Serialization.HashType = "blake2b" }},
		{"resource algorithm", func(s *Statement) { s.Predicate.Resources[0].Algorithm = "sha256" }},
		{"file label on a shard", func(s *Statement) { s.Predicate.Resources[0].Algorithm = "blake3" }},
		{"shard label size", func(s *Statement) { s.Predicate.Resources[1].Algorithm = "blake3-sharded-999" }},
		{"short resource digest", func(s *Statement) { s.Predicate.Resources[0].Digest = "abcd" }},
		{"resource digest edited", func(s *Statement) { s.Predicate.Resources[0].Digest = strings.Repeat("1", 64) }},
		{"resources reordered", func(s *Statement) {
			r := s.Predicate.Resources
			r[1], r[2] = r[2], r[1]
		}},
		{"no resources", func(s *Statement) { s.Predicate.Resources = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, _ := json.Marshal(good)
			var s Statement
			if err := json.Unmarshal(raw, &s); err != nil { // deep copy
				t.Fatal(err)
			}
			tt.mutate(&s)
			raw, _ = json.Marshal(s)
			if _, err := ParseStatement(raw); !errors.Is(err, ErrInvalidManifest) {
				t.Fatalf("err = %v, want ErrInvalidManifest", err)
			}
		})
	}
	if _, err := ParseStatement([]byte("not json")); !errors.Is(err, ErrInvalidManifest) {
		t.Errorf("not json: %v", err)
	}
}

// FuzzParseStatement: ParseStatement either fails with ErrInvalidManifest or
// returns a manifest that validates and whose own statement parses back to
// an equal manifest and re-encodes to the same bytes.
func FuzzParseStatement(f *testing.F) {
	d, _ := SHA256.Sum(nil)
	m := &Manifest{Name: "m", Algorithm: SHA256, Serialization: Serialization{Method: MethodShards, HashType: "sha256", ShardSize: 5},
		Resources: []Resource{{Name: "a:0:5", Digest: d, Size: 5}, {Name: "a:5:7", Digest: d, Size: 2}}, Size: 7}
	m.Digest, _ = SubjectDigest(SHA256, m.Resources)
	seed, _ := m.Statement()
	f.Add(seed)
	f.Add([]byte(strings.Replace(string(seed), "sha256-sharded-5", "sha256-sharded-4", 1)))
	f.Add([]byte(strings.Replace(string(seed), `"a:5:7"`, `"a:0:5"`, 1))) // repeated shard
	f.Add(seed[:len(seed)-1])
	m.Serialization = Serialization{Method: MethodFiles, HashType: "sha256"}
	m.Resources = []Resource{{Name: "a", Digest: d}, {Name: "b/c", Digest: d}}
	m.Size = 0
	m.Digest, _ = SubjectDigest(SHA256, m.Resources)
	seed, _ = m.Statement()
	f.Add(seed)
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseStatement(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidManifest) {
				t.Fatalf("error without ErrInvalidManifest: %v", err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("parsed statement gives an invalid manifest: %v", err)
		}
		again, err := m.Statement()
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseStatement(again)
		if err != nil {
			t.Fatalf("re-encoded statement does not parse back: %v", err)
		}
		if m.Serialization.Method == MethodFilesAndShards {
			// Written as its shards equivalent where it can be.
			m, _ = m.OMS()
		}
		if !reflect.DeepEqual(back, m) {
			t.Fatalf("round trip changed the manifest:\n%+v\n%+v", m, back)
		}
		if b, _ := back.Statement(); !bytes.Equal(b, again) {
			t.Fatalf("re-encoding is not stable:\n%s\n%s", again, b)
		}
	})
}
