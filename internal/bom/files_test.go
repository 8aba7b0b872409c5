package bom

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// Known answers, produced with coreutils and the BLAKE3 team's tool:
//
//	printf abc | sha256sum   ba7816bf…
//	printf abc | b3sum       6437b3ac…
//	printf '' | sha256sum    e3b0c442…
//	printf '' | b3sum        af1349b9…
const (
	sha256ABC   = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	blake3ABC   = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
	sha256Empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	blake3Empty = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
)

func TestHashFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"model.safetensors": "abc", "sub/empty": ""} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := HashFiles(dir, []string{"model.safetensors", "sub/empty"})
	if err != nil {
		t.Fatal(err)
	}
	want := []File{
		{Path: "model.safetensors", Size: 3, SHA256: sha256ABC, BLAKE3: blake3ABC},
		{Path: "sub/empty", Size: 0, SHA256: sha256Empty, BLAKE3: blake3Empty},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("HashFiles = %+v\nwant %+v", got, want)
	}
	one, err := HashFiles(filepath.Join(dir, "model.safetensors"), []string{"."})
	if err != nil || len(one) != 1 || one[0] != want[0] {
		t.Fatalf("one file: %+v, %v", one, err)
	}
	for _, bad := range []string{"../x", "/etc/passwd", "a/../../b"} {
		if _, err := HashFiles(dir, []string{bad}); !errors.Is(err, ErrInvalidLineage) {
			t.Errorf("HashFiles(%q): %v", bad, err)
		}
	}
	if _, err := HashFiles(dir, []string{"missing"}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// withFiles is fineTune with the subject's three files and a one-file
// ancestor.
func withFiles() Lineage {
	l := fineTune()
	l.Subject.Files = []File{
		{Path: "model.safetensors", Size: 3, SHA256: sha256ABC, BLAKE3: blake3ABC},
		{Path: "config.json", Size: 0, SHA256: sha256Empty, BLAKE3: blake3Empty},
		{Path: "tokenizer/vocab.txt", Size: 7, SHA256: strings.Repeat("1", 64), BLAKE3: strings.Repeat("2", 64)},
	}
	l.Ancestors[1].Files = []File{{Path: "small.gguf", Size: 3, SHA256: sha256ABC, BLAKE3: blake3ABC}}
	return l
}

// TestExportFileHashes is the regression test for hashes that were not
// file hashes: a BLAKE3 entry used to hold the artifact ID (Prova's manifest
// digest). Now every hash in the BOM is the digest of a file's bytes, the ID
// is the prova:artifact-id property, and a BOM without files has no
// component hashes.
func TestExportFileHashes(t *testing.T) {
	doc, bom := export(t, withFiles(), Options{})
	s := bom.Metadata.Component
	if s.Hashes != nil {
		t.Errorf("a model of several files has hashes of its own: %+v", *s.Hashes)
	}
	files := *s.Components
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		if f.Type != cdx.ComponentTypeFile || f.BOMRef != "prova:model:"+idSubject+"/file/"+f.Name || len(*f.Hashes) != 2 {
			t.Errorf("file component %+v", f)
		}
	}
	if want := []string{"config.json", "model.safetensors", "tokenizer/vocab.txt"}; !slices.Equal(names, want) {
		t.Fatalf("file components %q, want %q (sorted)", names, want)
	}
	if h := *files[1].Hashes; h[0] != (cdx.Hash{Algorithm: cdx.HashAlgoSHA256, Value: sha256ABC}) || h[1] != (cdx.Hash{Algorithm: cdx.HashAlgoBlake3, Value: blake3ABC}) {
		t.Errorf("model.safetensors hashes %+v", h)
	}
	hasAll(t, "model.safetensors", props(&files[1]), []string{"prova:size=3"})
	hasAll(t, "subject", props(s), []string{"prova:artifact-id=" + idSubject})

	// The one-file ancestor carries its file's hashes itself, in the
	// component list and in the subject's pedigree.
	var small *cdx.Component
	for i, c := range *bom.Components {
		if c.BOMRef == "prova:model:"+idA {
			small = &(*bom.Components)[i]
		}
	}
	ped := (*s.Pedigree.Ancestors)[0]
	for _, c := range []*cdx.Component{small, &ped} {
		if c == nil || c.Hashes == nil || len(*c.Hashes) != 2 || (*c.Hashes)[1].Value != blake3ABC || c.Components != nil {
			t.Fatalf("one-file model %+v", c)
		}
		hasAll(t, "small", props(c), []string{"prova:file=small.gguf", "prova:artifact-id=" + idA})
	}

	// No hash anywhere is an artifact ID.
	ids := []string{idSubject, idA, idB, idGone, idD1, idD2, idD3}
	for _, d := range [][]byte{doc, exportBytes(t, fineTune())} {
		for _, v := range hashValues(t, d) {
			for _, id := range ids {
				if strings.HasSuffix(id, ":"+v) {
					t.Errorf("hash %s is artifact ID %s, not a file hash", v, id)
				}
			}
		}
	}
	// From chain records alone, the only hash is the model card's, which
	// register-model takes from the card file's bytes.
	if got := hashValues(t, exportBytes(t, fineTune())); len(got) != 1 || got[0] != strings.TrimPrefix(digest("sha256", 10), "sha256:") {
		t.Errorf("hashes without files: %q, want only the card's", got)
	}
}

func TestExportRejectsBadFiles(t *testing.T) {
	for _, f := range []File{
		{Path: "../x", SHA256: sha256ABC, BLAKE3: blake3ABC},
		{Path: ".", SHA256: sha256ABC, BLAKE3: blake3ABC},
		{Path: "a", SHA256: "abc", BLAKE3: blake3ABC},
		{Path: "a", SHA256: sha256ABC, BLAKE3: strings.ToUpper(blake3ABC)},
		{Path: "a", SHA256: sha256ABC, BLAKE3: blake3ABC, Size: -1},
	} {
		l := fineTune()
		l.Subject.Files = []File{f}
		if err := Export(l, &strings.Builder{}); !errors.Is(err, ErrInvalidLineage) {
			t.Errorf("file %+v: %v", f, err)
		}
	}
	l := fineTune()
	l.Subject.Files = []File{{Path: "a", SHA256: sha256ABC, BLAKE3: blake3ABC}, {Path: "a", SHA256: sha256ABC, BLAKE3: blake3ABC}}
	if err := Export(l, &strings.Builder{}); !errors.Is(err, ErrInvalidLineage) {
		t.Errorf("duplicate file: %v", err)
	}
}

func exportBytes(t *testing.T, l Lineage) []byte {
	t.Helper()
	var b strings.Builder
	if err := Export(l, &b); err != nil {
		t.Fatal(err)
	}
	return []byte(b.String())
}

// hashValues collects the content of every hash object in a JSON document.
func hashValues(t *testing.T, doc []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if hs, ok := x["hashes"].([]any); ok {
				for _, h := range hs {
					out = append(out, h.(map[string]any)["content"].(string))
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	slices.Sort(out)
	return out
}
