package fingerprint

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/zeebo/blake3"
)

// TestSubjectDigestRecomputed recomputes the subject digest from the JSON
// manifest by hand, without this package's hashing code: decode each
// resource's hex, concatenate in the listed order, hash with the library
// functions directly.
func TestSubjectDigestRecomputed(t *testing.T) {
	dir := t.TempDir()
	writePattern(t, filepath.Join(dir, "weights", "model-00001.bin"), 5000)
	writePattern(t, filepath.Join(dir, "weights", "model-00002.bin"), 3000)
	writePattern(t, filepath.Join(dir, "config.json"), 100)
	writePattern(t, filepath.Join(dir, "empty"), 0)
	for _, o := range []Options{{}, {Algorithm: SHA256}, {ShardSize: 2048}, {Algorithm: SHA256, ShardAll: true, ShardSize: 1000}} {
		m := mustFingerprint(t, dir, o)
		raw, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Digest    string
			Algorithm string
			Resources []struct {
				Name   string
				Digest string
			}
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		var concat []byte
		for _, r := range doc.Resources {
			alg, hx, _ := strings.Cut(r.Digest, ":")
			if alg != doc.Algorithm {
				t.Fatalf("resource %s algorithm %s in a %s manifest", r.Name, alg, doc.Algorithm)
			}
			b, err := hex.DecodeString(hx)
			if err != nil || len(b) != 32 {
				t.Fatalf("resource %s digest %q", r.Name, r.Digest)
			}
			concat = append(concat, b...)
		}
		var want string
		switch doc.Algorithm {
		case "blake3":
			s := blake3.Sum256(concat)
			want = "blake3:" + hex.EncodeToString(s[:])
		case "sha256":
			s := sha256.Sum256(concat)
			want = "sha256:" + hex.EncodeToString(s[:])
		default:
			t.Fatalf("algorithm %q", doc.Algorithm)
		}
		if doc.Digest != want {
			t.Errorf("%+v: subject %s, recomputed %s", o, doc.Digest, want)
		}
	}
}

func TestComparePaths(t *testing.T) {
	// Each list is in model_signing order (Python PurePosixPath / Shard).
	ordered := []resourceKey{
		{path: "a/b"},
		{path: "a/b/c"},
		{path: "a.b"},
		{path: "a0"},
		{path: "b", start: 0, end: 2},
		{path: "b", start: 2, end: 10},
		{path: "b", start: 10, end: 11},
		{path: "b.bin"},
		{path: "é"},
	}
	for i := range ordered {
		for j := range ordered {
			got := compareKeys(ordered[i], ordered[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Errorf("compare(%+v, %+v) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func TestShardNames(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		start, end int64
		ok         bool
	}{
		{"f:0:10", "f", 0, 10, true},
		{"dir/f.bin:1000:2000", "dir/f.bin", 1000, 2000, true},
		{"a:b:0:1", "a:b", 0, 1, true},
		{"f", "", 0, 0, false},
		{"f:0", "", 0, 0, false},
		{":0:1", "", 0, 0, false},
		{"f:01:2", "", 0, 0, false},
		{"f:+1:2", "", 0, 0, false},
		{"f:2:2", "", 0, 0, false},
		{"f:3:2", "", 0, 0, false},
		{"f:-1:2", "", 0, 0, false},
		{"f:0:99999999999999999999", "", 0, 0, false},
	}
	for _, tt := range tests {
		p, s, e, ok := Resource{Name: tt.name}.Shard()
		if p != tt.path || s != tt.start || e != tt.end || ok != tt.ok {
			t.Errorf("Shard(%q) = %q %d %d %v", tt.name, p, s, e, ok)
		}
	}
}

func validManifest(t *testing.T) *Manifest {
	t.Helper()
	dir := t.TempDir()
	writePattern(t, filepath.Join(dir, "a"), 10)
	writePattern(t, filepath.Join(dir, "b"), 3000)
	writePattern(t, filepath.Join(dir, "c"), 20)
	return mustFingerprint(t, dir, Options{ShardSize: 1000})
}

func TestValidate(t *testing.T) {
	d0, _ := BLAKE3.Sum([]byte("x"))
	tests := []struct {
		name   string
		mutate func(m *Manifest)
	}{
		{"unknown algorithm", func(m *Manifest) { m.Algorithm = "md5" }},
		{"unknown method", func(m *Manifest) { m.Serialization.Method = "tensors" }},
		{"no resources", func(m *Manifest) { m.Resources = nil }},
		{"empty name", func(m *Manifest) { m.Resources[0].Name = "" }},
		{"wrong digest algorithm", func(m *Manifest) { m.Resources[0].Digest.Algorithm = SHA256 }},
		{"negative size", func(m *Manifest) { m.Resources[0].Size = -1 }},
		{"shard size mismatch", func(m *Manifest) { m.Resources[1].Size = 999 }},
		{"out of order", func(m *Manifest) { m.Resources[0], m.Resources[1] = m.Resources[1], m.Resources[0] }},
		{"duplicate", func(m *Manifest) { m.Resources[1] = m.Resources[0] }},
		{"total size", func(m *Manifest) { m.Size++ }},
		{"resource digest edited", func(m *Manifest) { m.Resources[2].Digest = d0 }},
		{"subject digest edited", func(m *Manifest) { m.Digest.Sum[0] ^= 1 }},
		{"not a shard in shards method", func(m *Manifest) { m.Serialization.Method = MethodShards }},
	}
	if err := validManifest(t).Validate(); err != nil {
		t.Fatalf("valid manifest: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validManifest(t)
			tt.mutate(m)
			if err := m.Validate(); !errors.Is(err, ErrInvalidManifest) {
				t.Fatalf("err = %v, want ErrInvalidManifest", err)
			}
		})
	}
}

func TestParseManifest(t *testing.T) {
	m := validManifest(t)
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	if back.Digest != m.Digest || !slices.Equal(back.Resources, m.Resources) || back.Serialization.ShardSize != 1000 {
		t.Fatalf("round trip differs: %+v", back)
	}
	for name, bad := range map[string]string{
		"not json":      "{",
		"unknown field": strings.Replace(string(raw), `"name"`, `"nom"`, 1),
		"trailing":      string(raw) + "{}",
		"edited digest": strings.Replace(string(raw), m.Resources[0].Digest.Hex(), strings.Repeat("0", 64), 1),
	} {
		if _, err := ParseManifest([]byte(bad)); !errors.Is(err, ErrInvalidManifest) && !errors.Is(err, ErrInvalidDigest) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestCompare(t *testing.T) {
	a := validManifest(t)
	b := validManifest(t)
	if diff := Compare(a, b); len(diff) != 0 {
		t.Fatalf("same content: %v", diff)
	}
	b.Resources = b.Resources[1:]
	b.Resources[0].Digest.Sum[0] ^= 1
	b.Resources = append(b.Resources, Resource{Name: "z", Digest: a.Resources[0].Digest})
	diff := Compare(a, b)
	var got []string
	for _, d := range diff {
		got = append(got, d.String())
	}
	if len(got) != 3 || !strings.HasSuffix(got[0], "a: missing") || !strings.Contains(got[1], "b:0:1000: digest") || got[2] != "z: unexpected" {
		t.Fatalf("Compare = %q", got)
	}
}

// FuzzParseManifest: ParseManifest either fails with ErrInvalidManifest or
// returns a manifest that validates, has a total size that is the
// non-negative sum of its resources' sizes, and whose json.Marshal parses
// back to an equal manifest and re-encodes to the same bytes.
func FuzzParseManifest(f *testing.F) {
	d, _ := BLAKE3.Sum(nil)
	m := &Manifest{Name: "m", Algorithm: BLAKE3, Serialization: Serialization{Method: MethodFiles, HashType: "blake3"},
		Resources: []Resource{{Name: "a", Digest: d, Size: 3}}, Size: 3}
	m.Digest, _ = SubjectDigest(BLAKE3, m.Resources)
	seed, _ := json.Marshal(m)
	f.Add(seed)
	f.Add([]byte(strings.Replace(string(seed), `"size":3,`, `"size":4,`, 1))) // wrong total
	f.Add([]byte(strings.Replace(string(seed), `"name":"m",`, `"name":"m","extra":1,`, 1)))
	f.Add(append(seed, seed...))
	// Two files whose sizes add up past the largest int64.
	m.Resources = []Resource{{Name: "a", Digest: d, Size: 1 << 62}, {Name: "b", Digest: d, Size: 1 << 62}, {Name: "c", Digest: d, Size: 1 << 62}, {Name: "d", Digest: d, Size: 1 << 62}}
	m.Size = 0
	m.Digest, _ = SubjectDigest(BLAKE3, m.Resources)
	seed, _ = json.Marshal(m)
	f.Add(seed)
	f.Add([]byte(`{"resources":[{"name":"a:0:1","digest":"sha256:00"}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidManifest) {
				t.Fatalf("error without ErrInvalidManifest: %v", err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("parsed manifest is invalid: %v", err)
		}
		var total int64
		for _, r := range m.Resources {
			if r.Size > math.MaxInt64-total {
				t.Fatalf("accepted resource sizes that overflow int64 (total %d)", m.Size)
			}
			total += r.Size
		}
		if m.Size != total {
			t.Fatalf("size %d, resources sum to %d", m.Size, total)
		}
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseManifest(again)
		if err != nil {
			t.Fatalf("re-encoded manifest does not parse back: %v", err)
		}
		if !reflect.DeepEqual(back, m) {
			t.Fatalf("round trip changed the manifest:\n%+v\n%+v", m, back)
		}
		if b, _ := json.Marshal(back); !bytes.Equal(b, again) {
			t.Fatalf("re-encoding is not stable:\n%s\n%s", again, b)
		}
	})
}
