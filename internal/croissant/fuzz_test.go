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

// FuzzRecords reads the record sets of a fuzzed document over a fuzzed CSV
// file (SHA in the document stands for the file's sha256): every record set
// either fails with one of the package's errors or yields records whose
// keys are fields of the record set, each once, in field order for a
// record set read from a file; and reading is deterministic.
func FuzzRecords(f *testing.F) {
	sets := "[" + rs("r", col("r/a", "a", "sc:Integer"), col("r/b", "b", "sc:Text", `"transform": {"regex": "(x+)"}`), col("r/c", "a", "sc:Boolean")) + "]"
	join := `[{"@type": "cr:RecordSet", "@id": "u", "field": [{"@type": "cr:Field", "@id": "u/k", "dataType": "sc:Integer"}, {"@type": "cr:Field", "@id": "u/v", "dataType": "sc:Float"}],
	  "data": [{"u/k": 1, "u/v": 2}, {"u/v": 0.5}]}, ` + rs("p", col("p/a", "a", "sc:Text", `"references": {"field": {"@id": "u/k"}}`), `{"@type": "cr:Field", "@id": "p/v", "source": {"field": {"@id": "u/v"}}}`) + "]"
	f.Add(sets, []byte("a,b\n1,xx\n,\"y\r\nz\"\n"))
	f.Add(join, []byte("\ufeffa\r\n1\r\n2\r\n\r\n"))
	f.Add(sets, []byte("a,a,b\n?,\"\"\"\",x\n"))
	f.Fuzz(func(t *testing.T, sets string, csv []byte) {
		if len(csv) > 1<<16 {
			return
		}
		d, err := testDoc(t, string(csv), "text/csv", sets)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsafePath) {
				t.Fatalf("open: error wraps no sentinel: %v", err)
			}
			return
		}
		for _, set := range d.RecordSets {
			recs, err := d.ReadRecords(t.Context(), set.ID, RecordOptions{Limit: 100})
			if err != nil {
				if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrRecords) {
					t.Fatalf("%s: error wraps no sentinel: %v", set.ID, err)
				}
				continue
			}
			var fields []string
			for _, fl := range set.Fields {
				fields = append(fields, fl.ID)
			}
			for _, r := range recs {
				keys := r.Fields()
				if set.Data == nil && !slices.Equal(keys, fields) {
					t.Fatalf("%s: record keys %q, fields %q", set.ID, keys, fields)
				}
				seen := map[string]bool{}
				for _, k := range keys {
					if seen[k] || !slices.Contains(fields, k) && !slices.ContainsFunc(set.Fields, func(fl Field) bool { return fl.Name == k }) {
						t.Fatalf("%s: key %q repeated or not a field (%q)", set.ID, k, fields)
					}
					seen[k] = true
				}
				line, err := r.MarshalJSON()
				if err != nil || !json.Valid(line) {
					t.Fatalf("%s: record %v encodes as %s, %v", set.ID, r, line, err)
				}
			}
			again, err := d.ReadRecords(t.Context(), set.ID, RecordOptions{Limit: 100})
			if err != nil || !reflect.DeepEqual(recs, again) {
				t.Fatalf("%s: not deterministic: %v", set.ID, err)
			}
		}
	})
}
