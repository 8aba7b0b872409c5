package croissant

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// realDir is mlcommons/croissant's datasets/1.0 (shared/realdata/README.md).
var realDir = filepath.Join("..", "..", "..", "shared", "realdata", "croissant")

func readReal(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realDir, name, "metadata.json"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("realdata not present:", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRealMetadata reads Croissant's own example datasets and checks their
// files. The sha256 values are the metadata's, which sha256sum gives for
// the files in data/.
func TestRealMetadata(t *testing.T) {
	tests := []struct {
		name, dsName, license string
		files                 map[string]string // @id -> path under the dataset
		sha                   map[string]string
	}{
		{"titanic", "Titanic", "afl-3.0",
			map[string]string{"passengers.csv": "data/titanic.csv", "genders.csv": "data/genders.csv", "embarkation_ports.csv": "data/embarkation_ports.csv"},
			map[string]string{"passengers.csv": "c617db2c7470716250f6f001be51304c76bcc8815527ab8bae734bdca0735737"}},
		{"simple-join", "simple-join", "https://creativecommons.org/licenses/by/4.0/",
			map[string]string{"publications": "data/publications.csv"},
			map[string]string{"publications": "d1bd4b903d5de29e6d455f28a68aff7095d3393a19a7cdfdeea3b9ad799e1ce1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse(readReal(t, tc.name))
			if err != nil {
				t.Fatal(err)
			}
			if d.Name != tc.dsName || !slices.Equal(d.License, []string{tc.license}) || d.ConformsTo != ConformsTo {
				t.Fatalf("dataset %+v", d)
			}
			if len(d.Files) != len(tc.files) || len(d.FileSets) != 0 {
				t.Fatalf("files %+v sets %+v", d.Files, d.FileSets)
			}
			for _, f := range d.Files {
				if f.Path != tc.files[f.ID] || f.EncodingFormat != "text/csv" || f.Remote {
					t.Errorf("file %+v", f)
				}
			}
			base := filepath.Join(realDir, tc.name)
			local, err := Locate(d, base, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range local {
				if want, ok := tc.sha[l.FileID]; ok && l.SHA256 != want {
					t.Errorf("%s: sha256 %s, want %s", l.FileID, l.SHA256, want)
				}
				if rel, _ := filepath.Rel(base, l.Path); filepath.ToSlash(rel) != tc.files[l.FileID] {
					t.Errorf("%s at %s", l.FileID, l.Path)
				}
			}
		})
	}
}

// copyDataset copies a real dataset's metadata and data/ into a temporary
// directory, so that tests can change bytes.
func copyDataset(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join(realDir, name)
	if _, err := os.Stat(src); err != nil {
		t.Skip("realdata not present:", err)
	}
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestChecksumMismatch changes one byte of titanic.csv: the error names the
// file and both digests.
func TestChecksumMismatch(t *testing.T) {
	dir := copyDataset(t, "titanic")
	p := filepath.Join(dir, "data", "titanic.csv")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[100] ^= 1
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	doc, _ := os.ReadFile(filepath.Join(dir, "metadata.json"))
	d, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Locate(d, dir, "")
	var ce *ChecksumError
	if !errors.As(err, &ce) || !errors.Is(err, ErrChecksumMismatch) {
		t.Fatalf("error %v, want a checksum error", err)
	}
	const want = "c617db2c7470716250f6f001be51304c76bcc8815527ab8bae734bdca0735737"
	if ce.FileID != "passengers.csv" || ce.Path != p || ce.Algorithm != "sha256" || ce.Want != want || len(ce.Got) != 64 || ce.Got == want {
		t.Fatalf("checksum error %+v", ce)
	}
	for _, s := range []string{"passengers.csv", p, want, ce.Got} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q does not name %q", err, s)
		}
	}
}

// minimal is a valid one-file document; the cases below break it.
const minimal = `{
  "@context": {"@vocab": "https://schema.org/", "sc": "https://schema.org/", "cr": "http://mlcommons.org/croissant/", "md5": "cr:md5"},
  "@type": "sc:Dataset",
  "name": "tiny",
  "license": "MIT",
  "distribution": [
    {"@type": "cr:FileObject", "@id": "a.csv", "name": "a.csv", "contentUrl": "a.csv", "encodingFormat": "text/csv",
     "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}
  ]
}`

func edit(t *testing.T, fn func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(minimal), &m); err != nil {
		t.Fatal(err)
	}
	fn(m)
	b, _ := json.Marshal(m)
	return b
}

func file0(m map[string]any) map[string]any {
	return m["distribution"].([]any)[0].(map[string]any)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  []byte
		want error
		msg  string
	}{
		{"not json", []byte("{"), ErrInvalid, "not a JSON object"},
		{"no name", edit(t, func(m map[string]any) { delete(m, "name") }), ErrInvalid, "has no name"},
		{"no license", edit(t, func(m map[string]any) { delete(m, "license") }), ErrInvalid, "has no license"},
		{"no distribution", edit(t, func(m map[string]any) { delete(m, "distribution") }), ErrInvalid, "has no distribution"},
		{"empty distribution", edit(t, func(m map[string]any) { m["distribution"] = []any{} }), ErrInvalid, "has no distribution"},
		{"no checksum", edit(t, func(m map[string]any) { delete(file0(m), "sha256") }), ErrInvalid, `"a.csv"): cr:FileObject without a checksum (sha256 or md5)`},
		{"bad checksum", edit(t, func(m map[string]any) { file0(m)["sha256"] = "abc" }), ErrInvalid, "sha256 \"abc\" is not 64 hex digits"},
		{"wrong dataset type", edit(t, func(m map[string]any) { m["@type"] = "sc:CreativeWork" }), ErrInvalid, `@type is "sc:CreativeWork", want sc:Dataset`},
		{"no dataset type", edit(t, func(m map[string]any) { delete(m, "@type") }), ErrInvalid, "@type is missing"},
		{"wrong file type", edit(t, func(m map[string]any) { file0(m)["@type"] = "sc:MediaObject" }), ErrInvalid, "want cr:FileObject or cr:FileSet"},
		{"no contentUrl", edit(t, func(m map[string]any) { delete(file0(m), "contentUrl") }), ErrInvalid, "without contentUrl"},
		{"no encodingFormat", edit(t, func(m map[string]any) { delete(file0(m), "encodingFormat") }), ErrInvalid, "without encodingFormat"},
		{"escaping contentUrl", edit(t, func(m map[string]any) { file0(m)["contentUrl"] = "../../etc/passwd" }), ErrUnsafePath, `contentUrl "../../etc/passwd" is not a file inside`},
		{"escaping after a dir", edit(t, func(m map[string]any) { file0(m)["contentUrl"] = "data/../../x" }), ErrUnsafePath, "not a file inside"},
		{"absolute contentUrl", edit(t, func(m map[string]any) { file0(m)["contentUrl"] = "/etc/passwd" }), ErrUnsafePath, "absolute"},
		{"file URL", edit(t, func(m map[string]any) { file0(m)["contentUrl"] = "file:///etc/passwd" }), ErrUnsafePath, "only relative paths and http(s) URLs"},
		{"backslash", edit(t, func(m map[string]any) { file0(m)["contentUrl"] = `..\x` }), ErrUnsafePath, "backslash"},
		{"duplicate id", edit(t, func(m map[string]any) {
			m["distribution"] = append(m["distribution"].([]any), file0(m))
		}), ErrInvalid, "@id used twice"},
		{"escaping glob", edit(t, func(m map[string]any) {
			m["distribution"] = []any{map[string]any{"@type": "cr:FileSet", "@id": "s", "encodingFormat": "image/png", "includes": "../*.png"}}
		}), ErrUnsafePath, "climbs out"},
		{"file set without includes", edit(t, func(m map[string]any) {
			m["distribution"] = []any{map[string]any{"@type": "cr:FileSet", "@id": "s", "encodingFormat": "image/png"}}
		}), ErrInvalid, "without includes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.doc)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v, want %v with %q", err, tc.want, tc.msg)
			}
		})
	}
}

func TestParseForms(t *testing.T) {
	// Croissant 1.1 style: the type under @vocab, a license node and list,
	// md5 only, a FileSet with a globstar, a file inside an archive
	// without checksum.
	doc := `{
	  "@context": [{"@vocab": "https://schema.org/", "cr": "http://mlcommons.org/croissant/", "md5": "cr:md5"}],
	  "@type": "Dataset", "name": {"@value": "images"},
	  "license": [{"@id": "https://creativecommons.org/licenses/by-sa/4.0/"}],
	  "conformsTo": "http://mlcommons.org/croissant/1.1",
	  "distribution": [
	    {"@type": "cr:FileObject", "@id": "archive", "contentUrl": "https://example.org/dl/images.zip", "encodingFormat": "application/zip", "md5": "900150983CD24FB0D6963F7D28E17F72"},
	    {"@type": "cr:FileObject", "@id": "inner", "contentUrl": "inner/readme.txt", "encodingFormat": "text/plain", "containedIn": {"@id": "archive"}},
	    {"@type": "cr:FileSet", "@id": "pngs", "encodingFormat": "image/png", "includes": ["img/**/*.png"], "excludes": "img/skip/*"}
	  ]
	}`
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "images" || d.License[0] != "https://creativecommons.org/licenses/by-sa/4.0/" || len(d.Files) != 2 || len(d.FileSets) != 1 {
		t.Fatalf("%+v", d)
	}
	if a := d.Files[0]; !a.Remote || a.RemoteName != "images.zip" || a.MD5 != "900150983cd24fb0d6963f7d28e17f72" {
		t.Fatalf("archive %+v", a)
	}
	if in := d.Files[1]; in.ContainedIn[0] != "archive" || in.Path != "inner/readme.txt" {
		t.Fatalf("inner %+v", in)
	}

	// Locate: the URL's file under --data-dir, the file set by its globs;
	// the file inside the archive is not looked for.
	dir, dl := t.TempDir(), t.TempDir()
	write := func(p, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dl, "images.zip"), "abc") // md5("abc") = 900150983cd24fb0d6963f7d28e17f72 (md5sum)
	write(filepath.Join(dir, "img", "a.png"), "1")
	write(filepath.Join(dir, "img", "deep", "b.png"), "2")
	write(filepath.Join(dir, "img", "skip", "c.png"), "3")
	write(filepath.Join(dir, "img", "d.jpg"), "4")
	local, err := Locate(d, dir, dl)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range local {
		got = append(got, l.FileID+" "+filepath.Base(l.Path))
	}
	if want := []string{"pngs a.png", "pngs b.png", "archive images.zip"}; !sameSet(got, want) {
		t.Fatalf("located %q, want %q", got, want)
	}
	// Without the download, the error says where it looked.
	_, err = Locate(d, dir, filepath.Join(dir, "nowhere"))
	if !errors.Is(err, ErrMissingFile) || !strings.Contains(err.Error(), "is a URL; looked for images.zip in ") || !strings.Contains(err.Error(), "--data-dir") {
		t.Fatalf("missing download: %v", err)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestLocateRefusesSymlinks(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/etc/hostname", filepath.Join(dir, "a.csv")); err != nil {
		t.Skip(err)
	}
	d, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Locate(d, dir, ""); !errors.Is(err, ErrUnsafePath) {
		t.Fatalf("symlink: %v", err)
	}
	if _, err := Locate(d, t.TempDir(), ""); !errors.Is(err, ErrMissingFile) || !strings.Contains(err.Error(), `file "a.csv"`) {
		t.Fatalf("missing: %v", err)
	}
}

func TestLicenseFromURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://creativecommons.org/licenses/by/4.0/":        "CC-BY-4.0",
		"http://creativecommons.org/licenses/by-nc-sa/3.0":    "CC-BY-NC-SA-3.0",
		"https://creativecommons.org/publicdomain/zero/1.0/":  "CC0-1.0",
		"https://spdx.org/licenses/Apache-2.0.html":           "Apache-2.0",
		"https://example.org/license":                         "",
		"afl-3.0":                                             "",
		"https://creativecommons.org/licenses/by/9.9/":        "",
		"https://creativecommons.org/licenses/sampling+/1.0/": "",
	} {
		got, ok := LicenseFromURL(in)
		if got != want || ok != (want != "") {
			t.Errorf("LicenseFromURL(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestDescribeAndAnnotate(t *testing.T) {
	f := Facts{
		ID: "blake3:" + strings.Repeat("ab", 32), Name: "Titanic", Version: "1.0.0", License: "AFL-3.0", Owner: "prova1owner",
		Contributors: []Contributor{{"prova1amy", 7500}, {"prova1zed", 2500}},
		RecordRoot:   []byte{0xde, 0xad}, RecordCount: 1309, ChainID: "prova-dev", Height: 12, AppHash: "00ff",
	}
	out, err := Describe(f)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	ctx := m["@context"].(map[string]any)
	if ctx["prova"] != Namespace || ctx["@vocab"] != "https://schema.org/" || m["@type"] != "sc:Dataset" || m["identifier"] != f.ID ||
		m["prova:recordRoot"] != "dead" || m["prova:recordCount"] != "1309" || m["prova:artifactId"] != f.ID || m["license"] != "AFL-3.0" {
		t.Fatalf("described %s", out)
	}
	if cr := m["creator"].([]any); len(cr) != 2 || cr[0].(map[string]any)["identifier"] != "prova1amy" || cr[0].(map[string]any)["prova:shareBps"] != "7500" {
		t.Fatalf("creators %v", cr)
	}

	src := readReal(t, "titanic")
	ann, err := Annotate(src, f)
	if err != nil {
		t.Fatal(err)
	}
	// Still Croissant that reads as before, now with Prova's facts.
	a, err := Parse(ann)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Parse(src)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("annotation changed the dataset:\n%+v\n%+v", a, b)
	}
	m = nil
	if err := json.Unmarshal(ann, &m); err != nil {
		t.Fatal(err)
	}
	if m["@context"].(map[string]any)["prova"] != Namespace || m["prova:recordRoot"] != "dead" || m["creator"] == nil || len(m["recordSet"].([]any)) != 3 {
		t.Fatalf("annotated %s", ann)
	}
	if _, err := Annotate([]byte(`{"name":"x"}`), f); !errors.Is(err, ErrInvalid) {
		t.Fatalf("annotating a non-croissant document: %v", err)
	}
}

// TestLocateRefusesLinkedDirectory: a relative contentUrl through a
// subdirectory that is a symbolic link to somewhere else is refused before
// the file is read, even though the path itself climbs nowhere.
func TestLocateRefusesLinkedDirectory(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "a.csv"), []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "d")); err != nil {
		t.Skip(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(minimal), &m); err != nil {
		t.Fatal(err)
	}
	m["distribution"].([]any)[0].(map[string]any)["contentUrl"] = "d/a.csv"
	doc, _ := json.Marshal(m)
	d, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Locate(d, dir, "")
	if !errors.Is(err, ErrUnsafePath) || !strings.Contains(err.Error(), "outside") || strings.Contains(err.Error(), "sha256") {
		t.Fatalf("err = %v, want ErrUnsafePath naming the escape (and no digest of the outside file)", err)
	}
}
