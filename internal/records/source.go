package records

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// MaxRecordSize is the largest record, in bytes, that the package reads or
// accepts in a proof: 16 MiB. A longer JSONL line, CSV row (canonical form,
// header included) or directory path is ErrRecordTooLarge. The cap keeps
// memory bounded on hostile input and keeps proof documents decodable.
const MaxRecordSize = 16 << 20

// Format is a kind of record source.
type Format int

// Formats.
const (
	// FormatAuto infers the format: a directory is FormatDir; a file ending
	// in .jsonl or .ndjson is FormatJSONL; .csv and .tsv are FormatCSV (.tsv
	// with a tab separator).
	FormatAuto Format = iota
	// FormatJSONL is one record per non-blank line.
	FormatJSONL
	// FormatCSV is one record per data row after a header row.
	FormatCSV
	// FormatDir is one record per regular file in a directory tree.
	FormatDir
)

// String returns "auto", "jsonl", "csv" or "dir".
func (f Format) String() string {
	switch f {
	case FormatAuto:
		return "auto"
	case FormatJSONL:
		return "jsonl"
	case FormatCSV:
		return "csv"
	case FormatDir:
		return "dir"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat parses "auto", "jsonl", "csv" or "dir" (for CLI flags).
func ParseFormat(s string) (Format, error) {
	for _, f := range []Format{FormatAuto, FormatJSONL, FormatCSV, FormatDir} {
		if f.String() == s {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%w: format %q (want auto, jsonl, csv or dir)", ErrInvalidOptions, s)
}

// Options say how to read a record source. The zero Options infers the
// format from the path and uses the defaults.
type Options struct {
	// Format of the source; FormatAuto infers it from the path.
	Format Format
	// MaxRecordSize caps each record, in bytes; 0 means MaxRecordSize, and
	// larger values are an error.
	MaxRecordSize int
	// Comma is the CSV field separator of the input; 0 means ',' (or tab
	// for a .tsv file). Canonical record bytes always use ','.
	Comma rune
	// IncludeGitPaths keeps .git, .gitattributes, .github and .gitignore
	// entries of a directory, which are left out by default like the
	// artifact fingerprint leaves them out.
	IncludeGitPaths bool
}

// resolve checks the options against the source at path and fills in the
// defaults.
func (o Options) resolve(path string) (Options, error) {
	switch {
	case o.MaxRecordSize == 0:
		o.MaxRecordSize = MaxRecordSize
	case o.MaxRecordSize < 0 || o.MaxRecordSize > MaxRecordSize:
		return o, fmt.Errorf("%w: record size cap %d (want 1 to %d)", ErrInvalidOptions, o.MaxRecordSize, MaxRecordSize)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return o, err
	}
	ext := strings.ToLower(filepath.Ext(path))
	if o.Format == FormatAuto {
		switch {
		case fi.IsDir():
			o.Format = FormatDir
		case ext == ".jsonl" || ext == ".ndjson":
			o.Format = FormatJSONL
		case ext == ".csv" || ext == ".tsv":
			o.Format = FormatCSV
		default:
			return o, fmt.Errorf("%w: %s", ErrUnknownFormat, path)
		}
	}
	switch o.Format {
	case FormatDir:
		if !fi.IsDir() {
			return o, fmt.Errorf("%w: format dir but %s is not a directory", ErrInvalidOptions, path)
		}
	case FormatJSONL, FormatCSV:
		if !fi.Mode().IsRegular() {
			return o, fmt.Errorf("%w: format %s but %s is not a regular file", ErrInvalidOptions, o.Format, path)
		}
	default:
		return o, fmt.Errorf("%w: format %s", ErrInvalidOptions, o.Format)
	}
	if o.Format == FormatCSV {
		if o.Comma == 0 {
			o.Comma = ','
			if ext == ".tsv" {
				o.Comma = '\t'
			}
		}
		if o.Comma == '"' || o.Comma == '\r' || o.Comma == '\n' || o.Comma == utf8.RuneError || !utf8.ValidRune(o.Comma) {
			return o, fmt.Errorf("%w: csv separator %q", ErrInvalidOptions, o.Comma)
		}
	}
	return o, nil
}

// Each calls fn with every record of the source at path, in order, with its
// index. The record slice is only valid during the call. If fn returns an
// error, Each stops and returns it unchanged.
func Each(path string, opts Options, fn func(index uint64, record []byte) error) error {
	o, err := opts.resolve(path)
	if err != nil {
		return err
	}
	if o.Format == FormatDir {
		return eachDir(path, o, fn)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if o.Format == FormatJSONL {
		return eachJSONL(f, o.MaxRecordSize, fn)
	}
	return eachCSV(f, o.Comma, o.MaxRecordSize, fn)
}

// eachJSONL reads lines with a fixed buffer, growing a line only up to the
// cap, so a file with one enormous line fails fast instead of filling memory.
func eachJSONL(r io.Reader, maxSize int, fn func(uint64, []byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	var index uint64
	for lineNo := 1; ; lineNo++ {
		line = line[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			// +2 leaves room for the "\r\n" that is not part of the record.
			if len(line)+len(chunk) > maxSize+2 {
				return fmt.Errorf("%w: line %d is longer than %d bytes", ErrRecordTooLarge, lineNo, maxSize)
			}
			line = append(line, chunk...)
			if err != bufio.ErrBufferFull {
				break
			}
		}
		if err != nil && err != io.EOF {
			return err
		}
		rec := line
		if n := len(rec); n > 0 && rec[n-1] == '\n' {
			rec = rec[:n-1]
			if n := len(rec); n > 0 && rec[n-1] == '\r' {
				rec = rec[:n-1]
			}
		}
		if len(rec) > maxSize {
			return fmt.Errorf("%w: line %d is %d bytes, the cap is %d", ErrRecordTooLarge, lineNo, len(rec), maxSize)
		}
		if !isBlank(rec) {
			if ferr := fn(index, rec); ferr != nil {
				return ferr
			}
			index++
		}
		if err == io.EOF {
			return nil
		}
	}
}

// isBlank reports whether a line holds only JSON whitespace other than
// newline (which cannot occur in a line).
func isBlank(b []byte) bool {
	return len(bytes.Trim(b, " \t\r")) == 0
}

// utf8BOM is the byte order mark some spreadsheet programs put at the start
// of a CSV file; it is not part of the first column's name.
const utf8BOM = "\ufeff"

// skipBOM drops a leading utf8BOM. It is dropped from the stream, not from
// the first name, so that a quoted first name after it ("\ufeff\"id\",...)
// parses too.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(utf8BOM)); err == nil && string(b) == utf8BOM {
		_, _ = br.Discard(len(utf8BOM))
	}
	return br
}

// eachCSV reads rows with encoding/csv and hands out canonical records: the
// header and the row re-encoded by csv.Writer with ',' and "\n".
func eachCSV(r io.Reader, comma rune, maxSize int, fn func(uint64, []byte) error) error {
	// encoding/csv buffers a whole row however long; the guard stops it once
	// a row has consumed more than the cap plus the reader's read-ahead.
	g := &rowGuard{r: skipBOM(r), limit: int64(maxSize) + 64<<10}
	cr := csv.NewReader(g)
	cr.Comma = comma
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil // an empty file has no records
	}
	if err != nil {
		return csvError(err, "header")
	}
	header = append([]string(nil), header...)

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(header); err != nil {
		return fmt.Errorf("%w: header: %w", ErrMalformedInput, err)
	}
	w.Flush()
	headerLen := buf.Len()
	if headerLen > maxSize {
		return fmt.Errorf("%w: header is %d bytes, the cap is %d", ErrRecordTooLarge, headerLen, maxSize)
	}
	for index := uint64(0); ; index++ {
		g.start = cr.InputOffset()
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvError(err, fmt.Sprintf("row %d", index+1))
		}
		buf.Truncate(headerLen)
		if err := w.Write(row); err != nil {
			return fmt.Errorf("%w: row %d: %w", ErrMalformedInput, index+1, err)
		}
		w.Flush()
		if buf.Len() > maxSize {
			return fmt.Errorf("%w: row %d is %d bytes with its header, the cap is %d", ErrRecordTooLarge, index+1, buf.Len(), maxSize)
		}
		if err := fn(index, buf.Bytes()); err != nil {
			return err
		}
	}
}

func csvError(err error, what string) error {
	if errors.Is(err, ErrRecordTooLarge) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: %s: %w", ErrMalformedInput, what, err)
	}
	return err // an I/O error from the file
}

// rowGuard fails reads once more than limit bytes have been read past start,
// the input offset where the current CSV row began.
type rowGuard struct {
	r     io.Reader
	n     int64 // bytes handed to the csv reader so far
	start int64
	limit int64
}

func (g *rowGuard) Read(p []byte) (int, error) {
	if g.n-g.start > g.limit {
		return 0, fmt.Errorf("%w: a csv row at byte %d is longer than the cap", ErrRecordTooLarge, g.start)
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	return n, err
}

// CSVRecord returns the canonical record bytes of a CSV data row under its
// header: both re-encoded by encoding/csv with ',' and "\n". Use it to find
// or prove a row given its values rather than its raw line.
func CSVRecord(header, row []string) ([]byte, error) {
	if len(header) == 0 || len(row) != len(header) {
		return nil, fmt.Errorf("%w: row has %d fields, header has %d", ErrMalformedInput, len(row), len(header))
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(header) // only fails for an invalid separator; ',' is valid
	_ = w.Write(row)
	w.Flush()
	if buf.Len() > MaxRecordSize {
		return nil, fmt.Errorf("%w: row is %d bytes with its header, the cap is %d", ErrRecordTooLarge, buf.Len(), MaxRecordSize)
	}
	return buf.Bytes(), nil
}
