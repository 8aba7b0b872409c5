package records

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLocateCSVRowAsWritten is the regression test for proving a CSV row
// with its exact bytes: registration commits canonical (re-encoded) rows,
// and the lookup used to compare the raw row with them and fail with
// ErrRecordNotFound. Every form of the row that a person copies out of the
// file must find the record, and the bytes returned must be the committed
// record, whose leaf is in the tree.
func TestLocateCSVRowAsWritten(t *testing.T) {
	const (
		unix = "\"name\",\"note\"\n\"alice\",\"hi, there\"\nbob,plain\n\"carol\",\"two\nlines\"\n"
		dos  = "\ufeff\"name\",\"note\"\r\n\"alice\",\"hi, there\"\r\nbob,plain\r\n\"carol\",\"two\r\nlines\"\r\n"
		tsv  = "name\tnote\nalice\thi, there\nbob\tplain\n"
	)
	canonAlice := "name,note\nalice,\"hi, there\"\n"
	tests := []struct {
		name, file, content, query string
		want                       uint64
		record                     string
	}{
		{"quoted row without line end", "u.csv", unix, `"alice","hi, there"`, 0, canonAlice},
		{"quoted row with line end", "u.csv", unix, "\"alice\",\"hi, there\"\n", 0, canonAlice},
		{"row re-quoted differently", "u.csv", unix, "alice,\"hi, there\"", 0, canonAlice},
		{"unquoted row", "u.csv", unix, "bob,plain", 1, "name,note\nbob,plain\n"},
		{"row with quoted newline", "u.csv", unix, "\"carol\",\"two\nlines\"\n", 2, "name,note\ncarol,\"two\nlines\"\n"},
		{"header and row as written", "u.csv", unix, "\"name\",\"note\"\nbob,plain\n", 1, "name,note\nbob,plain\n"},
		{"canonical record", "u.csv", unix, "name,note\nbob,plain\n", 1, "name,note\nbob,plain\n"},
		{"crlf row with crlf", "d.csv", dos, "\"alice\",\"hi, there\"\r\n", 0, canonAlice},
		{"crlf row without line end", "d.csv", dos, "bob,plain", 1, "name,note\nbob,plain\n"},
		{"crlf quoted newline", "d.csv", dos, "\"carol\",\"two\r\nlines\"\r\n", 2, "name,note\ncarol,\"two\nlines\"\n"},
		{"tsv row as written", "t.tsv", tsv, "alice\thi, there\n", 0, canonAlice},
		{"tsv canonical record", "t.tsv", tsv, "name,note\nbob,plain\n", 1, "name,note\nbob,plain\n"},
		{"jsonl line with line end", "j.jsonl", "{\"a\":1}\r\n{\"a\":2}\r\n", "{\"a\":2}\r\n", 1, `{"a":2}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), tc.file, tc.content)
			i, rec, err := LocateRecord(p, []byte(tc.query), Options{})
			if err != nil || i != tc.want || string(rec) != tc.record {
				t.Fatalf("LocateRecord(%q) = %d, %q, %v; want %d, %q", tc.query, i, rec, err, tc.want, tc.record)
			}
			tr, err := Build(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			proof, err := NewInclusionProof(testDatasetID, tr, i, rec)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.Verify(tr.Root()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLocateCSVNotFound(t *testing.T) {
	p := writeFile(t, t.TempDir(), "u.csv", "name,note\nalice,\"hi, there\"\nbob,plain\n")
	for _, q := range []string{
		"alice,hi, there",             // unquoted comma: three fields
		"bob,plain,extra",             // more fields than the header
		"bob",                         // fewer
		"zed,plain",                   // values not in the file
		"other,head\nbob,plain\n",     // header that is not the file's
		"bob,plain\nbob,plain\n",      // two data rows
		"name,note\nbob,plain\nx,y\n", // three rows
		"bob,\"plain",                 // bad quoting
		"name,note\n",                 // the header alone is not a record
		"",
	} {
		_, _, err := LocateRecord(p, []byte(q), Options{})
		if !errors.Is(err, ErrRecordNotFound) {
			t.Errorf("LocateRecord(%q): %v, want ErrRecordNotFound", q, err)
		}
	}
	// An empty file has no header and no records.
	e := writeFile(t, t.TempDir(), "e.csv", "")
	if _, _, err := LocateRecord(e, []byte("a,b"), Options{}); !errors.Is(err, ErrRecordNotFound) {
		t.Fatalf("empty file: %v", err)
	}
}

// TestLocateRealCSVRows proves every data row of real CSV files, each given
// as the exact bytes of its line in the file, against the tree built from
// the file. titanic.csv quotes its header and text fields and has commas
// inside quotes; the files are mlcommons/croissant's (see
// shared/realdata/README.md).
func TestLocateRealCSVRows(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "realdata", "croissant")
	files := []string{
		filepath.Join(dir, "titanic", "data", "titanic.csv"),
		filepath.Join(dir, "titanic", "data", "genders.csv"),
		filepath.Join(dir, "simple-join", "data", "publications.csv"),
	}
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			t.Skip("realdata not present:", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			tr, err := Build(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			// None of these files has a newline inside a quoted field, so a
			// line is a row.
			lines := strings.SplitAfter(strings.TrimSuffix(string(raw), "\n"), "\n")[1:]
			if uint64(len(lines)) != tr.Size() {
				t.Fatalf("%d lines, %d records", len(lines), tr.Size())
			}
			// Every row of a small file; a spread of rows of titanic.csv
			// (1309 rows: each lookup rereads the file).
			step := max(1, len(lines)/40)
			for n := 0; n < len(lines); n += step {
				for _, q := range []string{lines[n], strings.TrimSuffix(lines[n], "\n")} {
					i, rec, err := LocateRecord(path, []byte(q), Options{})
					if err != nil {
						t.Fatalf("row %d %q: %v", n, q, err)
					}
					if i > uint64(n) { // an earlier identical row may come first
						t.Fatalf("row %d %q found at %d", n, q, i)
					}
					proof, err := NewInclusionProof(testDatasetID, tr, i, rec)
					if err != nil {
						t.Fatal(err)
					}
					if err := proof.Verify(tr.Root()); err != nil {
						t.Fatal(err)
					}
				}
			}
		})
	}
}

// FuzzCSVQuery checks that the canonical record of a row is found by the
// row's own encoding, whatever the values: re-encoding the query gives the
// record registration committed.
func FuzzCSVQuery(f *testing.F) {
	f.Add("a", "b", "x", "y", false)
	f.Add("name", "note", "hi, there", "two\nlines", true)
	f.Add("h", "\"q\"", " lead", "trail ", true)
	f.Fuzz(func(t *testing.T, h1, h2, v1, v2 string, crlf bool) {
		header, row := []string{h1, h2}, []string{v1, v2}
		rec, err := CSVRecord(header, row)
		if err != nil {
			return
		}
		var file bytes.Buffer
		w := newCSVWriter(&file, crlf)
		_ = w.Write(header)
		_ = w.Write(row)
		w.Flush()
		p := writeFile(t, t.TempDir(), "f.csv", file.String())
		tr, err := Build(p, Options{})
		if err != nil || tr.Size() != 1 {
			return // not a one-row table once read back (e.g. a blank row)
		}
		got, err := RecordAt(p, 0, Options{})
		if err != nil {
			t.Fatal(err)
		}
		line := file.String()[len(mustCSV(header, crlf)):]
		_, located, err := LocateRecord(p, []byte(line), Options{})
		if err != nil {
			t.Fatalf("row %q of %q: %v", line, file.String(), err)
		}
		if !bytes.Equal(located, got) {
			t.Fatalf("located %q, record is %q", located, got)
		}
		if bytes.Equal(got, rec) {
			if _, r2, err := LocateRecord(p, rec, Options{}); err != nil || !bytes.Equal(r2, rec) {
				t.Fatalf("canonical %q: %q, %v", rec, r2, err)
			}
		}
	})
}

func newCSVWriter(w *bytes.Buffer, crlf bool) *csv.Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = crlf
	return cw
}

// mustCSV is the encoding of one row.
func mustCSV(row []string, crlf bool) string {
	var b bytes.Buffer
	w := newCSVWriter(&b, crlf)
	_ = w.Write(row)
	w.Flush()
	return b.String()
}
