package records

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// maxQueryRows is the most CSV rows a query may hold: a data row, or the
// header followed by a data row.
const maxQueryRows = 2

// queryForms returns the record bytes a query may stand for in the source
// (opts already resolved), the query itself first. A record is what Each
// hands out, so JSONL and directory queries are matched as given, less a
// JSONL query's line terminator. A CSV record is canonical (see the package
// doc), but people copy rows out of the file: a query that is a row as it
// appears in the file (quoted or not, with or without its "\n" or "\r\n",
// in the file's separator) or the header and the row, is parsed and
// re-encoded with the file's header so it matches the record the tree
// committed. A query that does not parse as such a row is only matched
// as given.
func queryForms(path string, o Options, query []byte) (forms [][]byte, header []string, err error) {
	forms = [][]byte{query}
	switch o.Format {
	case FormatJSONL:
		if t := trimLineEnd(query); len(t) != len(query) {
			forms = append(forms, t)
		}
	case FormatCSV:
		header, err = csvHeader(path, o)
		if err != nil || header == nil {
			return forms, nil, err // no header: the file has no records
		}
		if c, ok := canonicalCSVQuery(query, header, o.Comma); ok && !bytes.Equal(c, query) {
			forms = append(forms, c)
		}
	}
	return forms, header, nil
}

// trimLineEnd drops one trailing "\n" or "\r\n".
func trimLineEnd(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// canonicalCSVQuery parses query as one CSV data row under header, or as a
// header row (equal to header) and a data row, and returns its canonical
// record. ok is false when the query is not such a row.
func canonicalCSVQuery(query []byte, header []string, comma rune) (canonical []byte, ok bool) {
	cr := csv.NewReader(bytes.NewReader(query))
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // the count is checked against the header below
	var rows [][]string
	for {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil || len(rows) == maxQueryRows {
			return nil, false
		}
		rows = append(rows, row)
	}
	if len(rows) == 2 {
		if !slices.Equal(rows[0], header) {
			return nil, false
		}
		rows = rows[1:]
	}
	if len(rows) != 1 || len(rows[0]) != len(header) {
		return nil, false
	}
	rec, err := CSVRecord(header, rows[0])
	if err != nil {
		return nil, false
	}
	return rec, true
}

// csvHeader reads the header row of the CSV file at path as eachCSV reads
// it (a leading UTF-8 byte order mark is not part of the first name). It
// returns nil for an empty file.
func csvHeader(path string, o Options) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(&rowGuard{r: skipBOM(f), limit: int64(o.MaxRecordSize) + 64<<10})
	cr.Comma = o.Comma
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, csvError(err, "header")
	}
	return header, nil
}

// notFound says which record was not found and, for CSV, the forms a
// record may be given in.
func notFound(o Options, query []byte, header []string) error {
	if o.Format == FormatCSV && header != nil {
		return fmt.Errorf("%w: %q: give a data row as written in the file (%d columns: %s), or the header and the row",
			ErrRecordNotFound, shorten(string(query), 80), len(header), shorten(strings.Join(header, string(o.Comma)), 200))
	}
	return fmt.Errorf("%w: %q", ErrRecordNotFound, shorten(string(query), 80))
}

// shorten cuts s to at most n bytes for an error message.
func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
