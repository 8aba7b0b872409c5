package croissant

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestRealRecords reads every record set of Croissant's own examples and
// compares the records with output/<record set>.jsonl, which mlcroissant
// wrote (shared/realdata/README.md): same records in the same order, equal
// as decoded JSON and byte for byte as lines.
func TestRealRecords(t *testing.T) {
	for _, name := range []string{"titanic", "simple-join"} {
		t.Run(name, func(t *testing.T) {
			readReal(t, name) // skips without the real data
			d, err := Open(filepath.Join(realDir, name, "metadata.json"), "")
			if err != nil {
				t.Fatal(err)
			}
			if len(d.RecordSets) == 0 {
				t.Fatal("no record sets")
			}
			for _, rs := range d.RecordSets {
				t.Run(rs.ID, func(t *testing.T) {
					want := readLines(t, filepath.Join(realDir, name, "output", rs.ID+".jsonl"))
					got, err := d.ReadRecords(t.Context(), rs.ID, RecordOptions{})
					if err != nil {
						t.Fatal(err)
					}
					if len(got) != len(want) {
						t.Fatalf("%d records, mlcroissant yields %d", len(got), len(want))
					}
					for i, r := range got {
						line, err := r.MarshalJSON()
						if err != nil {
							t.Fatal(err)
						}
						var a, b any
						if err := json.Unmarshal(line, &a); err != nil {
							t.Fatalf("record %d: %v", i, err)
						}
						if err := json.Unmarshal(want[i], &b); err != nil {
							t.Fatal(err)
						}
						if !reflect.DeepEqual(a, b) {
							t.Fatalf("record %d:\n got %s\nwant %s", i, line, want[i])
						}
						if !bytes.Equal(line, want[i]) {
							t.Fatalf("record %d encodes differently:\n got %s\nwant %s", i, line, want[i])
						}
					}
				})
			}
		})
	}
}

func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	s := bufio.NewScanner(f)
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		out = append(out, bytes.Clone(s.Bytes()))
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// testDoc writes file.csv (or .tsv) with content and a document whose
// record sets are the JSON list recordSets, and opens it.
func testDoc(t *testing.T, content, format, recordSets string) (*Document, error) {
	t.Helper()
	dir := t.TempDir()
	name := "file.csv"
	if format == "text/tab-separated-values" {
		name = "file.tsv"
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(content))
	doc := `{"@context": {"@vocab": "https://schema.org/", "sc": "https://schema.org/", "cr": "http://mlcommons.org/croissant/",
	  "field": "cr:field", "source": "cr:source", "fileObject": "cr:fileObject", "extract": "cr:extract", "column": "cr:column",
	  "references": "cr:references", "recordSet": "cr:recordSet", "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
	  "data": {"@id": "cr:data", "@type": "@json"}, "transform": "cr:transform", "regex": "cr:regex"},
	  "@type": "sc:Dataset", "name": "t", "license": "MIT",
	  "distribution": [{"@type": "cr:FileObject", "@id": "f", "contentUrl": "` + name + `", "encodingFormat": "` + format + `", "sha256": "` + hex.EncodeToString(sum[:]) + `"}],
	  "recordSet": ` + recordSets + `}`
	return NewDocument([]byte(doc), dir, "")
}

// col is a field reading column c of file "f" as data type typ, with
// optional extra properties.
func col(id, c, typ string, extra ...string) string {
	s := `{"@type": "cr:Field", "@id": "` + id + `", "dataType": "` + typ + `", "source": {"fileObject": {"@id": "f"}, "extract": {"column": "` + c + `"}`
	for _, e := range extra {
		if strings.HasPrefix(e, `"transform"`) {
			s += ", " + e
		}
	}
	s += "}"
	for _, e := range extra {
		if !strings.HasPrefix(e, `"transform"`) {
			s += ", " + e
		}
	}
	return s + "}"
}

func rs(id string, fields ...string) string {
	return `{"@type": "cr:RecordSet", "@id": "` + id + `", "field": [` + strings.Join(fields, ", ") + `]}`
}

func lines(t *testing.T, d *Document, set string) (string, error) {
	t.Helper()
	recs, err := d.ReadRecords(t.Context(), set, RecordOptions{})
	if err != nil {
		return "", err
	}
	var b []byte
	for _, r := range recs {
		if b, err = r.AppendLine(b); err != nil {
			t.Fatal(err)
		}
	}
	return string(b), nil
}

// TestRecordValues: how each kind of cell is typed. The expected lines
// follow pandas.read_csv's inference and Python's conversions, as
// mlcroissant applies them (see Records).
func TestRecordValues(t *testing.T) {
	tests := []struct {
		name, csv, format, sets, set, want string
	}{
		{"integers, floats, booleans and text", "i,f,b,s\n1,1.5,True,x\n007,2,false,\n",
			"text/csv", "[" + rs("r", col("r/i", "i", "sc:Integer"), col("r/it", "i", "sc:Text"), col("r/f", "f", "sc:Float"), col("r/ft", "f", "sc:Text"),
				col("r/b", "b", "sc:Boolean"), col("r/bt", "b", "sc:Text"), col("r/s", "s", "sc:Text"), col("r/sb", "s", "sc:Boolean")) + "]", "r",
			`{"r/i": 1, "r/it": "1", "r/f": 1.5, "r/ft": "1.5", "r/b": true, "r/bt": "True", "r/s": "x", "r/sb": true}` + "\n" +
				`{"r/i": 7, "r/it": "7", "r/f": 2.0, "r/ft": "2.0", "r/b": false, "r/bt": "False", "r/s": null, "r/sb": null}` + "\n"},
		// A missing cell makes an integer column floats: as text "3.0",
		// as an integer 3 again; NA spellings are missing ("None" since
		// pandas 2.0, pandas-dev/pandas#52493; the other cases of this
		// table were checked with pandas 1.5.3's read_csv and Python's
		// conversions).
		{"missing cells", "n,t\n3,NA\n,n/a\n-4,None\n", "text/csv",
			"[" + rs("r", col("r/n", "n", "sc:Integer"), col("r/nt", "n", "sc:Text"), col("r/t", "t", "sc:Text")) + "]", "r",
			`{"r/n": 3, "r/nt": "3.0", "r/t": null}` + "\n" + `{"r/n": null, "r/nt": null, "r/t": null}` + "\n" + `{"r/n": -4, "r/nt": "-4.0", "r/t": null}` + "\n"},
		// int() truncates a float; text "False" is true for bool().
		{"python conversions", "f,s\n2.7,False\n-2.7,x\n", "text/csv",
			"[" + rs("r", col("r/f", "f", "sc:Integer"), col("r/s", "s", "sc:Boolean")) + "]", "r",
			`{"r/f": 2, "r/s": true}` + "\n" + `{"r/f": -2, "r/s": true}` + "\n"},
		{"text integer column", "n,s\n1,a\n?,b\n", "text/csv",
			"[" + rs("r", col("r/n", "n", "sc:Text")) + "]", "r", `{"r/n": "1"}` + "\n" + `{"r/n": "?"}` + "\n"},
		// Odd CSV: a BOM, CRLF, a quoted newline and quote, blank lines,
		// a short row, repeated and empty header names.
		{"odd csv", "\ufeffa,a,\r\n\"x\r\ny\",\"say \"\"hi\"\"\",1\r\n\r\n   \r\nz\r\n", "text/csv",
			"[" + rs("r", col("r/a", "a", "sc:Text"), col("r/a1", "a.1", "sc:Text"), col("r/u", "Unnamed: 2", "sc:Integer")) + "]", "r",
			`{"r/a": "x\r\ny", "r/a1": "say \"hi\"", "r/u": 1}` + "\n" + `{"r/a": "z", "r/a1": null, "r/u": null}` + "\n"},
		{"tsv", "a\tb\n1\t\"q\"\n", "text/tab-separated-values",
			"[" + rs("r", col("r/b", "b", "sc:Text"), col("r/a", "a", "sc:Float")) + "]", "r", `{"r/b": "q", "r/a": 1.0}` + "\n"},
		{"regex and separator", "e,tags\njohn.smith@gmail.com,a|b\nnobody,\n", "text/csv",
			"[" + rs("r", col("r/user", "e", "sc:Text", `"transform": {"regex": "^([^@]+)@.*$"}`), col("r/tags", "tags", "sc:Text", `"transform": [{"separator": "|"}]`)) + "]", "r",
			`{"r/user": "john.smith", "r/tags": ["a", "b"]}` + "\n" + `{"r/user": "nobody", "r/tags": null}` + "\n"},
		// Inline data: as written, keys in order; a number column with a
		// missing value becomes floats (pandas).
		{"inline data", "x\n1\n", "text/csv",
			`[{"@type": "cr:RecordSet", "@id": "d", "field": [{"@type": "cr:Field", "@id": "d/b", "dataType": "sc:Text"}, {"@type": "cr:Field", "@id": "d/a", "dataType": "sc:Integer"}],
			  "data": [{"d/b": "é", "d/a": 1}, {"d/b": "x"}]}]`, "d",
			`{"d/b": "\u00e9", "d/a": 1.0}` + "\n" + `{"d/b": "x", "d/a": null}` + "\n"},
		// A left join: a key with no match gives missing values, a key
		// matching two records repeats the row.
		{"join", "title,by\nA,j@x\nB,nobody\nC,two@x\n", "text/csv",
			`[{"@type": "cr:RecordSet", "@id": "u", "key": {"@id": "u/email"}, "field": [{"@type": "cr:Field", "@id": "u/email", "dataType": "sc:Text"}, {"@type": "cr:Field", "@id": "u/name", "dataType": "sc:Text"}],
			  "data": [{"u/email": "j@x", "u/name": "J"}, {"u/email": "two@x", "u/name": "T1"}, {"u/email": "two@x", "u/name": "T2"}]},
			 ` + rs("p", col("p/title", "title", "sc:Text"), col("p/by", "by", "sc:Text", `"references": {"field": {"@id": "u/email"}}`),
				`{"@type": "cr:Field", "@id": "p/name", "source": {"field": {"@id": "u/name"}}}`) + "]", "p",
			`{"p/title": "A", "p/by": "j@x", "p/name": "J"}` + "\n" + `{"p/title": "B", "p/by": "nobody", "p/name": null}` + "\n" +
				`{"p/title": "C", "p/by": "two@x", "p/name": "T1"}` + "\n" + `{"p/title": "C", "p/by": "two@x", "p/name": "T2"}` + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := testDoc(t, tc.csv, tc.format, tc.sets)
			if err != nil {
				t.Fatal(err)
			}
			got, err := lines(t, d, tc.set)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestRecordErrors(t *testing.T) {
	emails := "e,n\na@x,1\n"
	tests := []struct {
		name, csv, sets, set string
		want                 error
		msg                  []string
	}{
		{"missing column", emails, "[" + rs("r", col("r/x", "nosuch", "sc:Text")) + "]", "r", ErrRecords,
			[]string{`field "r/x": column "nosuch" is not in `, `file.csv (file "f"; its columns are "e", "n")`}},
		// mlcroissant's int("?") fails too.
		{"text in an integer field", "n\n1\n?\n", "[" + rs("r", col("r/n", "n", "sc:Integer")) + "]", "r", ErrRecords,
			[]string{`field "r/n" (Integer): str "?" is not an integer`}},
		{"unknown transform", emails, "[" + rs("r", col("r/e", "e", "sc:Text", `"transform": {"upcase": true}`)) + "]", "r", ErrUnsupported,
			[]string{`field "r/e": transform upcase`}},
		{"replace", emails, "[" + rs("r", col("r/e", "e", "sc:Text", `"transform": {"replace": "a/b"}`)) + "]", "r", ErrUnsupported,
			[]string{`transform replace ("a/b"): mlcroissant leaves the value unchanged`}},
		{"regex on a number", emails, "[" + rs("r", col("r/n", "n", "sc:Text", `"transform": {"regex": "(.)"}`)) + "]", "r", ErrRecords,
			[]string{`transform regex of "1", which is not text`}},
		{"date", emails, "[" + rs("r", col("r/e", "e", "sc:Date")) + "]", "r", ErrUnsupported, []string{`data type https://schema.org/Date`}},
		{"no data type", emails, "[" + rs("r", col("r/e", "e", "sc:name")) + "]", "r", ErrUnsupported, []string{`no data type Prova reads`}},
		{"no such record set", emails, "[" + rs("r", col("r/e", "e", "sc:Text")) + "]", "x", ErrNoRecordSet, []string{`"x" (the metadata has "r")`}},
		{"cycle", emails, "[" + rs("a", col("a/e", "e", "sc:Text", `"references": {"field": {"@id": "b/e"}}`)) + ", " +
			rs("b", col("b/e", "e", "sc:Text", `"references": {"field": {"@id": "a/e"}}`)) + "]", "a", ErrInvalid,
			[]string{`record sets join each other in a cycle: a -> b -> a`}},
		{"source field without join", emails, "[" + rs("a", col("a/e", "e", "sc:Text")) + ", " +
			rs("b", col("b/e", "e", "sc:Text"), `{"@type": "cr:Field", "@id": "b/x", "source": {"field": {"@id": "a/e"}}}`) + "]", "b", ErrUnsupported,
			[]string{`field "b/x" takes values from record set "a", but no field of "b"`}},
		{"text joined with numbers", emails, "[" + rs("a", col("a/n", "n", "sc:Integer")) + ", " +
			rs("b", col("b/e", "e", "sc:Text", `"references": {"field": {"@id": "a/n"}}`)) + "]", "b", ErrRecords,
			[]string{`field "b/e" joins text keys (column "e") with number keys (field "a/n")`}},
		{"extra field in a row", "a\n1,2\n", "[" + rs("r", col("r/a", "a", "sc:Text")) + "]", "r", ErrRecords, []string{`expected 1 fields in data row 1, saw 2`}},
		{"unterminated quote", "a\n\"1\n", "[" + rs("r", col("r/a", "a", "sc:Text")) + "]", "r", ErrRecords, []string{`end of file inside the quoted field starting on line 2`}},
		{"not utf-8", "a\n\xff\n", "[" + rs("r", col("r/a", "a", "sc:Text")) + "]", "r", ErrRecords, []string{`is not UTF-8 text`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := testDoc(t, tc.csv, "text/csv", tc.sets)
			if err != nil {
				t.Fatal(err)
			}
			_, err = lines(t, d, tc.set)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not say %q", err, m)
				}
			}
		})
	}
}

// TestRecordsBig reads a CSV of many rows with quoted newlines in every
// other row, and stops early with Limit.
func TestRecordsBig(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,text\r\n")
	const n = 50000
	for i := range n {
		if i%2 == 0 {
			b.WriteString(`"` + strings.Repeat("x", i%7) + "\"\"\n\",")
		} else {
			b.WriteString("plain,")
		}
		b.WriteString("t\r\n")
	}
	d, err := testDoc(t, b.String(), "text/csv", "["+rs("r", col("r/id", "id", "sc:Text"), col("r/t", "text", "sc:Text"))+"]")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := d.ReadRecords(t.Context(), "r", RecordOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Fatalf("%d records", len(recs))
	}
	if v, _ := recs[4].Get("r/id"); v != "xxxx\"\n" {
		t.Fatalf("record 4 %q", v)
	}
	few, err := d.ReadRecords(t.Context(), "r", RecordOptions{Limit: 3})
	if err != nil || len(few) != 3 {
		t.Fatalf("limit: %d records, %v", len(few), err)
	}
}

// TestPythonForms: floats and strings as CPython writes them; the expected
// values were printed by python3 (repr and json.dumps).
func TestPythonForms(t *testing.T) {
	for f, want := range map[float64]string{
		29.0: "29.0", 0.9167: "0.9167", 1e-05: "1e-05", 0.0001: "0.0001", 1e16: "1e+16", 1.5e16: "1.5e+16",
		123456789012345.6: "123456789012345.6", 1e22: "1e+22", 2.5e-7: "2.5e-07", 211.3375: "211.3375",
	} {
		if got := pyFloat(f); got != want {
			t.Errorf("pyFloat(%v) = %s, want %s", f, got, want)
		}
	}
	r := Record{{"a", "é\u2028\n\"\\\x7f\x01😀"}, {"b", []any{int64(1), 2.0, nil, true}}}
	got, err := r.MarshalJSON()
	if want := `{"a": "\u00e9\u2028\n\"\\\u007f\u0001\ud83d\ude00", "b": [1, 2.0, null, true]}`; err != nil || string(got) != want {
		t.Fatalf("got %s (%v), want %s", got, err, want)
	}
	if n, ok := pyParseInt(" 1_000 "); !ok || n != 1000 {
		t.Errorf("int(' 1_000 ') = %d %v", n, ok)
	}
	if f, ok := pyParseFloat(" 1_0.5e1 "); !ok || f != 105 {
		t.Errorf("float(' 1_0.5e1 ') = %v %v", f, ok)
	}
	for _, bad := range []string{"?", "1__0", "_1", "0x10", "1.5"} {
		if _, ok := pyParseInt(bad); ok {
			t.Errorf("int(%q) accepted", bad)
		}
	}
}
