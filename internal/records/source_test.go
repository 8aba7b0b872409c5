package records

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func collect(t *testing.T, path string, opts Options) ([][]byte, error) {
	t.Helper()
	var out [][]byte
	err := Each(path, opts, func(i uint64, rec []byte) error {
		if i != uint64(len(out)) {
			t.Fatalf("index %d, want %d", i, len(out))
		}
		out = append(out, append([]byte{}, rec...))
		return nil
	})
	return out, err
}

func strs(b [][]byte) []string {
	out := make([]string, len(b))
	for i := range b {
		out[i] = string(b[i])
	}
	return out
}

func equalStrs(a, b []string) bool {
	return strings.Join(a, "\x01|") == strings.Join(b, "\x01|") && len(a) == len(b)
}

func TestJSONL(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string
	}{
		{"lf", "{\"a\":1}\n{\"b\":2}\n", []string{`{"a":1}`, `{"b":2}`}},
		{"crlf", "{\"a\":1}\r\n{\"b\":2}\r\n", []string{`{"a":1}`, `{"b":2}`}},
		{"no final newline", "{\"a\":1}\n{\"b\":2}", []string{`{"a":1}`, `{"b":2}`}},
		{"blank lines skipped", "\n{\"a\":1}\n\r\n  \t \n{\"b\":2}\n\n", []string{`{"a":1}`, `{"b":2}`}},
		{"inner cr and spaces kept", " {\"a\":\"x\ry\"} \n", []string{" {\"a\":\"x\ry\"} "}},
		{"lone cr at eof kept", "{}\r", []string{"{}\r"}},
		{"empty file", "", nil},
		{"only blanks", "\n\r\n \n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "d.jsonl", tc.content)
			got, err := collect(t, p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !equalStrs(strs(got), tc.want) {
				t.Fatalf("records %q, want %q", strs(got), tc.want)
			}
		})
	}
}

func TestJSONLCRLFSameRootAsLF(t *testing.T) {
	dir := t.TempDir()
	lf := writeFile(t, dir, "lf.jsonl", "{\"a\":1}\n{\"b\":2}\n")
	crlf := writeFile(t, dir, "crlf.ndjson", "{\"a\":1}\r\n{\"b\":2}\r\n")
	a, err := Build(lf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(crlf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Root(), b.Root()) {
		t.Fatal("CRLF and LF copies of one JSONL file have different roots")
	}
}

// The expected roots below were computed by a separate Python script
// (hashlib.sha256, RFC 6962 MTH) from the record bytes that the package doc
// defines for each format.
func TestBuildKnownRoots(t *testing.T) {
	dir := t.TempDir()
	jsonl := writeFile(t, dir, "x.jsonl", "{\"a\":1}\r\n\n{\"b\":2}\n   \n{\"c\":3}")
	csvp := writeFile(t, dir, "x.csv", "name,note\r\nalice,\"hi, there\"\r\n\"bob\",plain\r\n")
	ds := filepath.Join(dir, "ds")
	writeFile(t, ds, "a.txt", "hello\n")
	writeFile(t, ds, "a/b", "x")
	writeFile(t, ds, "z", "")
	tests := []struct {
		name, path, root string
		size             uint64
	}{
		{"jsonl", jsonl, "15a780c86283d42c8c13ad385bf96794f2b61becf22ceff08d0255e0551c878f", 3},
		{"csv", csvp, "0454a670baac680ba589015216daa6443a4a8238fbc51893bfa2cfcb3cfd9234", 2},
		{"dir", ds, "7b8a9076b94afcfa7966f99fcc32e762f4745ed2723b6c57dff779b46797eaff", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Build(tc.path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(tr.Root()); got != tc.root || tr.Size() != tc.size {
				t.Fatalf("root %s size %d, want %s size %d", got, tr.Size(), tc.root, tc.size)
			}
		})
	}
}

func TestCSV(t *testing.T) {
	want := []string{"name,note\nalice,\"hi, there\"\n", "name,note\nbob,plain\n", "name,note\ncarol,\"two\nlines\"\n"}
	tests := []struct {
		name, file, content string
		opts                Options
	}{
		{"plain", "t.csv", "name,note\nalice,\"hi, there\"\nbob,plain\ncarol,\"two\nlines\"\n", Options{}},
		{"crlf and extra quotes", "t.csv", "\"name\",\"note\"\r\n\"alice\",\"hi, there\"\r\n\"bob\",\"plain\"\r\n\"carol\",\"two\r\nlines\"\r\n", Options{}},
		{"utf-8 bom and blank lines", "t.csv", "\ufeffname,note\n\nalice,\"hi, there\"\nbob,plain\n\ncarol,\"two\nlines\"", Options{}},
		{"tsv by extension", "t.tsv", "name\tnote\nalice\thi, there\nbob\tplain\ncarol\t\"two\nlines\"\n", Options{}},
		{"semicolon option", "t.txt", "name;note\nalice;hi, there\nbob;plain\ncarol;\"two\nlines\"\n", Options{Format: FormatCSV, Comma: ';'}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), tc.file, tc.content)
			got, err := collect(t, p, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !equalStrs(strs(got), want) {
				t.Fatalf("records %q, want %q", strs(got), want)
			}
			rec, err := CSVRecord([]string{"name", "note"}, []string{"bob", "plain"})
			if err != nil {
				t.Fatal(err)
			}
			i, err := FindRecord(p, rec, tc.opts)
			if err != nil || i != 1 {
				t.Fatalf("FindRecord = %d, %v; want 1", i, err)
			}
		})
	}
}

func TestCSVErrors(t *testing.T) {
	tests := []struct {
		name, content string
		want          error
	}{
		{"wrong field count", "a,b\n1,2\n3\n", ErrMalformedInput},
		{"bare quote", "a,b\n1,x\"y\n", ErrMalformedInput},
		{"unterminated quote", "a,b\n1,\"open\n", ErrMalformedInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "e.csv", tc.content)
			if _, err := Build(p, Options{}); !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := CSVRecord([]string{"a"}, []string{"1", "2"}); !errors.Is(err, ErrMalformedInput) {
		t.Fatalf("CSVRecord field mismatch: %v", err)
	}
	// Header only, and an empty file, have no records.
	for _, c := range []string{"", "a,b\n"} {
		p := writeFile(t, t.TempDir(), "h.csv", c)
		tr, err := Build(p, Options{})
		if err != nil || tr.Size() != 0 {
			t.Fatalf("%q: size %v, err %v", c, tr, err)
		}
	}
}

func TestRecordSizeCap(t *testing.T) {
	dir := t.TempDir()
	const limit = 100
	ok := strings.Repeat("x", limit)
	big := strings.Repeat("y", limit+1)
	tests := []struct {
		name, file, content string
		want                error
	}{
		{"jsonl at cap", "a.jsonl", ok + "\r\n" + ok + "\n", nil},
		{"jsonl over cap", "b.jsonl", ok + "\n" + big + "\n", ErrRecordTooLarge},
		{"jsonl over cap no newline", "c.jsonl", big, ErrRecordTooLarge},
		{"jsonl huge line", "d.jsonl", "{}\n" + strings.Repeat("z", 1<<20), ErrRecordTooLarge},
		// "h\n" + value + "\n" is len(value)+3 bytes in canonical form.
		{"csv at cap", "e.csv", "h\n" + ok[3:] + "\n", nil},
		{"csv over cap", "f.csv", "h\n" + ok[2:] + "\n", ErrRecordTooLarge},
		{"csv huge row", "g.csv", "h\n\"" + strings.Repeat("q\n", 1<<20) + "\"\n", ErrRecordTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.file, tc.content)
			_, err := Build(p, Options{MaxRecordSize: limit})
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			// A huge row must be stopped while it is read (bounded memory),
			// not after encoding/csv has buffered all of it.
			if tc.name == "csv huge row" && !strings.Contains(err.Error(), "longer than the cap") {
				t.Fatalf("huge row was read whole: %v", err)
			}
		})
	}
	// The default cap is MaxRecordSize.
	p := writeFile(t, dir, "huge.jsonl", strings.Repeat("w", MaxRecordSize+1))
	if _, err := Build(p, Options{}); !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("line over MaxRecordSize: %v", err)
	}
	p = writeFile(t, dir, "max.jsonl", strings.Repeat("w", MaxRecordSize)+"\n")
	if tr, err := Build(p, Options{}); err != nil || tr.Size() != 1 {
		t.Fatalf("line of exactly MaxRecordSize: %v", err)
	}
	for _, n := range []int{-1, MaxRecordSize + 1} {
		if _, err := Build(p, Options{MaxRecordSize: n}); !errors.Is(err, ErrInvalidOptions) {
			t.Fatalf("MaxRecordSize %d: %v", n, err)
		}
	}
}

func TestDir(t *testing.T) {
	ds := t.TempDir()
	writeFile(t, ds, "a/b", "x")
	writeFile(t, ds, "a.txt", "hello\n")
	writeFile(t, ds, "b/c/d.bin", "deep")
	writeFile(t, ds, ".git/config", "ignored")
	writeFile(t, ds, "sub/.gitignore", "ignored")
	got, err := collect(t, ds, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Whole-path byte order: '.' (0x2e) sorts before '/' (0x2f).
	wantPaths := []string{"a.txt", "a/b", "b/c/d.bin"}
	if len(got) != len(wantPaths) {
		t.Fatalf("records %q", strs(got))
	}
	for i, rec := range got {
		rel, digest, ok := SplitFileRecord(rec)
		if !ok || rel != wantPaths[i] {
			t.Fatalf("record %d = %q, want path %s", i, rec, wantPaths[i])
		}
		content, _ := os.ReadFile(filepath.Join(ds, rel))
		if sum := sha256.Sum256(content); !bytes.Equal(digest, sum[:]) {
			t.Fatalf("record %d digest %x, want %x", i, digest, sum)
		}
		fr, err := FileRecord(ds, rel)
		if err != nil || !bytes.Equal(fr, rec) {
			t.Fatalf("FileRecord(%s) = %q, %v", rel, fr, err)
		}
		idx, err := FindRecord(ds, rec, Options{})
		if err != nil || idx != uint64(i) {
			t.Fatalf("FindRecord(%s) = %d, %v", rel, idx, err)
		}
		at, err := RecordAt(ds, uint64(i), Options{})
		if err != nil || !bytes.Equal(at, rec) {
			t.Fatalf("RecordAt(%d) = %q, %v", i, at, err)
		}
	}
	all, err := collect(t, ds, Options{IncludeGitPaths: true})
	if err != nil || len(all) != 5 {
		t.Fatalf("with git paths: %d records, %v", len(all), err)
	}

	// A record whose file changed is not found; nor is a missing path.
	stale, _ := FileRecord(ds, "a/b")
	writeFile(t, ds, "a/b", "changed")
	if _, err := FindRecord(ds, stale, Options{}); !errors.Is(err, ErrRecordNotFound) {
		t.Fatalf("stale record: %v", err)
	}
	if _, err := FindRecord(ds, appendDirRecord(nil, "nope", [32]byte{}), Options{}); !errors.Is(err, ErrRecordNotFound) {
		t.Fatalf("missing path: %v", err)
	}
	if _, err := FindRecord(ds, []byte("not a dir record"), Options{}); !errors.Is(err, ErrRecordNotFound) {
		t.Fatalf("malformed record: %v", err)
	}
	if _, err := RecordAt(ds, 3, Options{}); !errors.Is(err, ErrIndexOutOfRange) {
		t.Fatalf("RecordAt past end: %v", err)
	}
	for _, bad := range []string{"../x", "/abs", "a//b", ".", ""} {
		if _, err := FileRecord(ds, bad); !errors.Is(err, ErrInvalidOptions) {
			t.Fatalf("FileRecord(%q): %v", bad, err)
		}
	}

	// Symbolic links are refused rather than followed or silently dropped.
	if err := os.Symlink(filepath.Join(ds, "a.txt"), filepath.Join(ds, "link")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if _, err := Build(ds, Options{}); !errors.Is(err, ErrUnsupportedFile) {
		t.Fatalf("symlink: %v", err)
	}
	if _, err := FileRecord(ds, "link"); !errors.Is(err, ErrUnsupportedFile) {
		t.Fatalf("FileRecord(symlink): %v", err)
	}
}

func TestFindAndRecordAt(t *testing.T) {
	p := writeFile(t, t.TempDir(), "d.jsonl", "a\nb\n\nb\nc\n")
	for i, rec := range []string{"a", "b", "c"} {
		want := []uint64{0, 1, 3}[i]
		got, err := FindRecord(p, []byte(rec), Options{})
		if err != nil || got != want {
			t.Fatalf("FindRecord(%q) = %d, %v; want %d (first match)", rec, got, err, want)
		}
	}
	if _, err := FindRecord(p, []byte("d"), Options{}); !errors.Is(err, ErrRecordNotFound) {
		t.Fatalf("absent record: %v", err)
	}
	if rec, err := RecordAt(p, 2, Options{}); err != nil || string(rec) != "b" {
		t.Fatalf("RecordAt(2) = %q, %v", rec, err)
	}
	if _, err := RecordAt(p, 4, Options{}); !errors.Is(err, ErrIndexOutOfRange) {
		t.Fatalf("RecordAt(4): %v", err)
	}
}

func TestFormatResolution(t *testing.T) {
	dir := t.TempDir()
	txt := writeFile(t, dir, "data.txt", "x\n")
	js := writeFile(t, dir, "data.JSONL", "x\n")
	tests := []struct {
		name string
		path string
		opts Options
		want error
	}{
		{"unknown extension", txt, Options{}, ErrUnknownFormat},
		{"explicit format", txt, Options{Format: FormatJSONL}, nil},
		{"upper-case extension", js, Options{}, nil},
		{"dir format on a file", txt, Options{Format: FormatDir}, ErrInvalidOptions},
		{"jsonl format on a dir", dir, Options{Format: FormatJSONL}, ErrInvalidOptions},
		{"bad separator", txt, Options{Format: FormatCSV, Comma: '"'}, ErrInvalidOptions},
		{"bad format value", txt, Options{Format: Format(9)}, ErrInvalidOptions},
		{"missing path", filepath.Join(dir, "nope.jsonl"), Options{}, os.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(tc.path, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	for _, s := range []string{"auto", "jsonl", "csv", "dir"} {
		f, err := ParseFormat(s)
		if err != nil || f.String() != s {
			t.Fatalf("ParseFormat(%q) = %v, %v", s, f, err)
		}
	}
	if _, err := ParseFormat("xml"); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("ParseFormat(xml): %v", err)
	}
}

func TestEachStopsOnCallbackError(t *testing.T) {
	p := writeFile(t, t.TempDir(), "d.jsonl", "a\nb\nc\n")
	stop := errors.New("enough")
	calls := 0
	err := Each(p, Options{}, func(uint64, []byte) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Fatalf("Each returned %v after %d calls", err, calls)
	}
}
