package croissant

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse: Parse either fails with one of the package's errors, or
// accepts a document with a non-empty name, license and file list, whose
// local paths all stay inside the metadata's directory; and it is
// deterministic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	for _, name := range []string{"titanic", "simple-join"} {
		if b, err := os.ReadFile(filepath.Join(realDir, name, "metadata.json")); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(strings.Replace(minimal, `"a.csv", "encodingFormat"`, `"../a.csv", "encodingFormat"`, 1)))
	f.Add([]byte(`{"@type":"Dataset","@context":{"@vocab":"http://schema.org/"},"name":"x","license":"MIT","distribution":{"@type":"http://mlcommons.org/croissant/FileSet","@id":"s","encodingFormat":"t","includes":"**/*.csv"}}`))
	base := filepath.FromSlash("/base/dir")
	f.Fuzz(func(t *testing.T, doc []byte) {
		d, err := Parse(doc)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsafePath) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if d.Name == "" || len(d.License) == 0 || len(d.Files)+len(d.FileSets) == 0 {
			t.Fatalf("accepted a dataset without name, license or files: %+v", d)
		}
		for _, l := range d.License {
			if l == "" {
				t.Fatalf("empty license in %+v", d.License)
			}
		}
		for _, fo := range d.Files {
			if fo.Remote {
				if fo.RemoteName == "" || strings.ContainsAny(fo.RemoteName, "/\\") || fo.RemoteName == ".." {
					t.Fatalf("remote file name %q", fo.RemoteName)
				}
				continue
			}
			p := filepath.Join(base, filepath.FromSlash(fo.Path))
			rel, err := filepath.Rel(base, p)
			if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(fo.Path) {
				t.Fatalf("path %q leaves the base directory", fo.Path)
			}
			if fo.SHA256 == "" && fo.MD5 == "" && len(fo.ContainedIn) == 0 {
				t.Fatalf("file %q has no checksum", fo.ID)
			}
		}
		for _, s := range d.FileSets {
			for _, g := range append(append([]string(nil), s.Includes...), s.Excludes...) {
				if strings.HasPrefix(g, "/") || strings.Contains("/"+g+"/", "/../") {
					t.Fatalf("glob %q leaves the base directory", g)
				}
			}
		}
		again, err := Parse(doc)
		if err != nil || !reflect.DeepEqual(d, again) {
			t.Fatalf("parse is not deterministic: %+v, %v", again, err)
		}
	})
}
