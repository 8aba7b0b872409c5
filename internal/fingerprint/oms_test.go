package fingerprint

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// realData is the workspace's shared folder of files written by other
// projects' tools (see its README.md); tests using it skip without it.
var realData = filepath.Join("..", "..", "..", "shared", "realdata")

// TestModelTransparencyBundles hashes the files beside every model_signing
// bundle in the shared real data (sigstore/model-transparency's own test
// signatures, v1.0.0 and v1.1.0) with the serialization its payload states
// and checks that our statement has the payload's subject, serialization
// and resources: names, algorithm labels and digests.
func TestModelTransparencyBundles(t *testing.T) {
	sigs, _ := filepath.Glob(filepath.Join(realData, "model-transparency", "*", "model.sig"))
	if len(sigs) == 0 {
		t.Skip("no shared real data at ../../../shared/realdata")
	}
	for _, sig := range sigs {
		dir := filepath.Dir(sig)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			payload := bundlePayload(t, sig)
			want, err := ParseStatement(payload)
			if err != nil {
				t.Fatal(err)
			}
			opts, err := OptionsFromSerialization(want.Serialization)
			if err != nil {
				t.Fatal(err)
			}
			// model_signing's CLI leaves the signature out whether or
			// not the payload lists it (v1.0.0 does not).
			opts.IgnorePaths = append(opts.IgnorePaths, "/model.sig")
			// A one-file model is signed by its path; its subject is named
			// after the file.
			root := dir
			if want.Name != filepath.Base(dir) {
				root = filepath.Join(dir, want.Name)
			}
			got := mustFingerprint(t, root, opts)
			if diff := Compare(want, got); len(diff) != 0 {
				t.Fatalf("differs from the bundle: %v", diff)
			}
			ours := statementMap(t, got)
			ref := statementMap(t, want)
			theirs := map[string]any{}
			if err := json.Unmarshal(payload, &theirs); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"_type", "subject", "predicateType"} {
				if !reflect.DeepEqual(ours[k], theirs[k]) {
					t.Errorf("%s: ours %v, bundle %v", k, ours[k], theirs[k])
				}
			}
			op, tp := ours["predicate"].(map[string]any), theirs["predicate"].(map[string]any)
			if !reflect.DeepEqual(op["resources"], tp["resources"]) {
				t.Errorf("resources: ours %v, bundle %v", op["resources"], tp["resources"])
			}
			oser, tser := op["serialization"].(map[string]any), tp["serialization"].(map[string]any)
			if _, listed := tser["ignore_paths"]; !listed {
				// v1.0.0 did not record ignore_paths; v1.1 does, as a set.
				delete(oser, "ignore_paths")
			} else {
				slices.SortFunc(tser["ignore_paths"].([]any), func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
			}
			if !reflect.DeepEqual(oser, tser) {
				t.Errorf("serialization: ours %v, bundle %v", oser, tser)
			}
			// Parsing the bundle's payload and writing it again gives the
			// same values too.
			if !reflect.DeepEqual(ref["subject"], theirs["subject"]) || !reflect.DeepEqual(ref["predicate"].(map[string]any)["resources"], tp["resources"]) {
				t.Errorf("re-encoded payload differs: %v", ref)
			}
		})
	}
}

// bundlePayload returns the decoded DSSE payload of a sigstore bundle.
func bundlePayload(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		DSSE struct {
			Payload     string `json:"payload"`
			PayloadType string `json:"payloadType"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	if b.DSSE.PayloadType != PayloadType {
		t.Fatalf("payload type %q", b.DSSE.PayloadType)
	}
	p, err := base64.StdEncoding.DecodeString(b.DSSE.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func statementMap(t *testing.T, m *Manifest) map[string]any {
	t.Helper()
	raw, err := m.Statement()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOptionsFromSerialization(t *testing.T) {
	tests := []struct {
		name string
		s    Serialization
		want Options
	}{
		{"files", Serialization{Method: "files", HashType: "sha256"},
			Options{Algorithm: SHA256, WholeFiles: true, IncludeGitPaths: true, IgnorePaths: []string{"/.git", "/.gitattributes", "/.github", "/.gitignore"}}},
		{"shards with symlinks and ignore paths", Serialization{Method: "shards", HashType: "blake3", ShardSize: 1000, AllowSymlinks: true,
			IgnorePaths: []string{"model.sig", "sub/dir/", "a[1]*?", "../outside", "/abs", "./x"}},
			Options{Algorithm: BLAKE3, ShardAll: true, ShardSize: 1000, Symlinks: SymlinkFollow, IncludeGitPaths: true,
				IgnorePaths: []string{"/.git", "/.gitattributes", "/.github", "/.gitignore", "/model.sig", "/sub/dir", `/a\[1]\*\?`, "/x"}}},
		{"files+shards", Serialization{Method: "files+shards", HashType: "blake3", ShardSize: 5},
			Options{Algorithm: BLAKE3, ShardSize: 5, IncludeGitPaths: true, IgnorePaths: []string{"/.git", "/.gitattributes", "/.github", "/.gitignore"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := OptionsFromSerialization(tt.s)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	for _, s := range []Serialization{
		{Method: "files", HashType: "md5"},
		{Method: "tensors", HashType: "sha256"},
		{Method: "shards", HashType: "sha256"},
		{Method: "shards", HashType: "sha256", ShardSize: -1},
		{Method: "files", HashType: "sha256", IgnorePaths: []string{"."}},
	} {
		if _, err := OptionsFromSerialization(s); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%+v: err = %v, want ErrInvalidOptions", s, err)
		}
	}
}

// TestLiteralIgnorePaths checks model_signing's ignore semantics as
// OptionsFromSerialization reproduces them: a path is literal and anchored
// at the root, and git paths are left out only at the root.
func TestLiteralIgnorePaths(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"model.sig", "sub/model.sig", "a[1]", "a1", "sub/.gitignore", ".gitignore", "keep"} {
		writePattern(t, filepath.Join(dir, p), 3)
	}
	o, err := OptionsFromSerialization(Serialization{Method: "files", HashType: "sha256", IgnorePaths: []string{"model.sig", "a[1]"}})
	if err != nil {
		t.Fatal(err)
	}
	m := mustFingerprint(t, dir, o)
	if got, want := names(m), []string{"a1", "keep", "sub/.gitignore", "sub/model.sig"}; !slices.Equal(got, want) {
		t.Fatalf("resources %q, want %q", got, want)
	}
	// The manifest records them as model_signing does: relative paths.
	if got, want := m.Serialization.IgnorePaths, []string{".git", ".gitattributes", ".github", ".gitignore", "a[1]", "model.sig"}; !slices.Equal(got, want) {
		t.Errorf("ignore_paths %q, want %q", got, want)
	}
	// Prova's own patterns: unanchored names at any depth.
	m = mustFingerprint(t, dir, Options{IgnorePaths: []string{"model.sig"}})
	if got, want := names(m), []string{"a1", "a[1]", "keep"}; !slices.Equal(got, want) {
		t.Fatalf("Prova patterns: resources %q, want %q", got, want)
	}
}

// TestWholeFiles: model_signing's "files" method hashes a file over the shard
// size whole (b3sum/sha256sum of the file), where Prova's default shards it.
func TestWholeFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	writePattern(t, filepath.Join(dir, "big"), 2500)
	writePattern(t, filepath.Join(dir, "small"), 10)
	for _, alg := range []Algorithm{BLAKE3, SHA256} {
		whole := mustFingerprint(t, dir, Options{Algorithm: alg, ShardSize: 1000, WholeFiles: true})
		if whole.Serialization.Method != MethodFiles || whole.Serialization.ShardSize != 0 {
			t.Fatalf("serialization %+v", whole.Serialization)
		}
		if got := names(whole); !slices.Equal(got, []string{"big", "small"}) {
			t.Fatalf("resources %q", got)
		}
		want, _ := alg.Sum(patternBytes(2500))
		if whole.Resources[0].Digest != want {
			t.Errorf("%s: big %s, want the file's digest %s", alg, whole.Resources[0].Digest, want)
		}
		// Without sharding anywhere the default is the same manifest.
		if def := mustFingerprint(t, dir, Options{Algorithm: alg, WholeFiles: true}); !reflect.DeepEqual(def, mustFingerprint(t, dir, Options{Algorithm: alg})) {
			t.Errorf("%s: WholeFiles changed a manifest with no large file", alg)
		}
	}
	if _, err := Fingerprint(t.Context(), dir, Options{WholeFiles: true, ShardAll: true}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("WholeFiles with ShardAll: err = %v", err)
	}
}

// TestFilesAndShardsStatement: the statement of a files+shards manifest is
// the shards serialization model_signing computes for the same directory;
// the Prova ID is unchanged, and empty files are left out as the shards
// method does.
func TestFilesAndShardsStatement(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	writePattern(t, filepath.Join(dir, "big"), 2500)
	writePattern(t, filepath.Join(dir, "small"), 10)
	m := mustFingerprint(t, dir, Options{Algorithm: SHA256, ShardSize: 1000})
	raw, _ := m.Statement()
	back, err := ParseStatement(raw)
	if err != nil {
		t.Fatal(err)
	}
	ref := mustFingerprint(t, dir, Options{Algorithm: SHA256, ShardSize: 1000, ShardAll: true})
	if !reflect.DeepEqual(back, ref) || back.Digest != m.Digest {
		t.Fatalf("statement %+v\nshards method %+v\nID %s", back, ref, m.Digest)
	}
	if strings.Contains(string(raw), MethodFilesAndShards) {
		t.Errorf("statement uses the Prova-only method: %s", raw)
	}

	writePattern(t, filepath.Join(dir, "empty"), 0)
	m = mustFingerprint(t, dir, Options{Algorithm: SHA256, ShardSize: 1000})
	back, err = ParseStatement(mustStatement(t, m))
	if err != nil {
		t.Fatal(err)
	}
	ref = mustFingerprint(t, dir, Options{Algorithm: SHA256, ShardSize: 1000, ShardAll: true})
	if !reflect.DeepEqual(back, ref) {
		t.Fatalf("with an empty file: statement %+v, shards method %+v", back, ref)
	}
	if back.Digest == m.Digest {
		t.Error("the empty file should be in the Prova ID but not in the shards statement")
	}
}

func mustStatement(t *testing.T, m *Manifest) []byte {
	t.Helper()
	raw, err := m.Statement()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestCompareKinds(t *testing.T) {
	d := func(b byte) Digest { return Digest{Algorithm: SHA256, Sum: [DigestSize]byte{b}} }
	want := &Manifest{Resources: []Resource{{Name: "a", Digest: d(1)}, {Name: "b", Digest: d(2)}, {Name: "c", Digest: d(3)}}}
	got := &Manifest{Resources: []Resource{{Name: "a", Digest: d(1)}, {Name: "b", Digest: d(9)}, {Name: "d", Digest: d(4)}}}
	diff := Compare(want, got)
	if len(diff) != 3 {
		t.Fatalf("diff %v", diff)
	}
	if b := diff[0]; b.Name != "b" || b.Missing() || b.Extra() {
		t.Errorf("changed: %+v", b)
	}
	if c := diff[1]; c.Name != "c" || !c.Missing() || c.Extra() || c.String() != "c: missing" {
		t.Errorf("missing: %+v", c)
	}
	if e := diff[2]; e.Name != "d" || e.Missing() || !e.Extra() || e.String() != "d: unexpected" {
		t.Errorf("extra: %+v", e)
	}
}
