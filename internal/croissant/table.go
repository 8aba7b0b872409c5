package croissant

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxTableSize caps a CSV or TSV file read for records: 1 GiB. mlcroissant
// reads a file whole with pandas, and so does Prova, to infer each
// column's type from all of its cells.
const MaxTableSize = 1 << 30

// table is a CSV or TSV file as pandas.read_csv reads it with its
// defaults, which is how mlcroissant reads one: column names from the
// header row (duplicates renamed "a.1", empty ones "Unnamed: i"), and each
// column's cells typed by one inference over the whole column.
type table struct {
	path   string
	header []string
	cols   [][]any // cols[c][row]: nil, int64, float64, bool or string
	rows   int
}

func (t *table) column(name string) int {
	for i, h := range t.header {
		if h == name {
			return i
		}
	}
	return -1
}

// readTable reads the file at path with separator sep.
func readTable(path string, sep byte) (*table, error) {
	b, err := readCapped(path, MaxTableSize, "table")
	if err != nil {
		if errors.Is(err, ErrInvalid) {
			return nil, fmt.Errorf("%w: %w", ErrRecords, err)
		}
		return nil, err
	}
	return parseTable(path, b, sep)
}

func parseTable(path string, b []byte, sep byte) (*table, error) {
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("%w: %s is not UTF-8 text", ErrRecords, path)
	}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	rows, err := tokenize(b, sep)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrRecords, path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: %s: no columns to parse (the file is empty)", ErrRecords, path)
	}
	t := &table{path: path, header: dedupNames(rows[0]), rows: len(rows) - 1}
	n := len(t.header)
	for i, r := range rows[1:] {
		if len(r) > n {
			// pandas would take the first column as the index when every
			// row has one extra field, and fail otherwise; neither is a
			// table Prova reads as the reference does.
			return nil, fmt.Errorf("%w: %s: expected %d fields in data row %d, saw %d", ErrRecords, path, n, i+1, len(r))
		}
	}
	t.cols = make([][]any, n)
	cells := make([]string, len(rows)-1)
	present := make([]bool, len(rows)-1)
	for c := range n {
		for i, r := range rows[1:] {
			present[i] = c < len(r)
			if present[i] {
				cells[i] = r[c]
			}
		}
		t.cols[c] = inferColumn(cells, present)
	}
	return t, nil
}

// tokenize splits CSV text as pandas' C tokenizer does: '"' quotes (a
// doubled quote inside is one), a quote elsewhere in a field is kept,
// "\n", "\r\n" and "\r" end a row outside quotes, and empty rows or rows
// of blanks only are skipped.
func tokenize(b []byte, sep byte) ([][]string, error) {
	var rows [][]string
	var row []string
	var field []byte
	i, line := 0, 1
	for i < len(b) {
		// Start of a row: skip blank and whitespace-only lines.
		j := i
		for j < len(b) && (b[j] == ' ' || b[j] == '\t') && b[j] != sep {
			j++
		}
		if j == len(b) {
			break
		}
		if b[j] == '\n' || b[j] == '\r' {
			i = eol(b, j)
			line++
			continue
		}
		row = nil
		startLine := line
		for {
			field = field[:0]
			quoted := i < len(b) && b[i] == '"'
			if quoted {
				i++
				for {
					if i >= len(b) {
						return nil, fmt.Errorf("end of file inside the quoted field starting on line %d", startLine)
					}
					c := b[i]
					if c == '"' {
						if i+1 < len(b) && b[i+1] == '"' {
							field = append(field, '"')
							i += 2
							continue
						}
						i++
						break
					}
					if c == '\n' {
						line++
					}
					field = append(field, c)
					i++
				}
			}
			// Unquoted part (or text after a closing quote, kept as pandas does).
			for i < len(b) && b[i] != sep && b[i] != '\n' && b[i] != '\r' {
				field = append(field, b[i])
				i++
			}
			row = append(row, string(field))
			if i < len(b) && b[i] == sep {
				i++
				continue
			}
			break
		}
		rows = append(rows, row)
		if i < len(b) {
			i = eol(b, i)
			line++
		}
	}
	return rows, nil
}

// eol returns the index after the line end at b[i] ("\n", "\r\n" or "\r").
func eol(b []byte, i int) int {
	if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
		return i + 2
	}
	return i + 1
}

// dedupNames names columns as pandas does: "Unnamed: i" for an empty name,
// and "a.1", "a.2", ... for repeats of "a".
func dedupNames(names []string) []string {
	out := make([]string, len(names))
	counts := map[string]int{}
	for i, col := range names {
		if col == "" {
			col = "Unnamed: " + strconv.Itoa(i)
		}
		cur := counts[col]
		for cur > 0 {
			counts[col] = cur + 1
			col = fmt.Sprintf("%s.%d", col, cur)
			cur = counts[col]
		}
		out[i] = col
		counts[col] = cur + 1
	}
	return out
}

// naValues are the cells pandas reads as missing by default.
var naValues = map[string]bool{
	"": true, "#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true, "-1.#QNAN": true, "-NaN": true, "-nan": true,
	"1.#IND": true, "1.#QNAN": true, "<NA>": true, "N/A": true, "NA": true, "NULL": true, "NaN": true, "None": true,
	"n/a": true, "nan": true, "null": true,
}

var (
	pdIntRe   = regexp.MustCompile(`^[+-]?[0-9]+$`)
	pdFloatRe = regexp.MustCompile(`^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)
)

func trimASCII(s string) string { return strings.Trim(s, " \t\n\r\v\f") }

// inferColumn types a column's cells as pandas does: int64 when every cell
// is an integer (none missing), else float64 when every present cell is a
// number (missing ones NaN), else bool when every present cell is
// True/TRUE/true/False/FALSE/false, else text. Missing cells are nil.
func inferColumn(cells []string, present []bool) []any {
	out := make([]any, len(cells))
	na := make([]bool, len(cells))
	anyNA := false
	for i, s := range cells {
		na[i] = !present[i] || naValues[s]
		anyNA = anyNA || na[i]
	}
	if !anyNA {
		ok := true
		for i, s := range cells {
			t := trimASCII(s)
			if !pdIntRe.MatchString(t) {
				ok = false
				break
			}
			n, err := strconv.ParseInt(t, 10, 64)
			if err != nil { // beyond int64: pandas tries uint64, Prova reads it as a float
				ok = false
				break
			}
			out[i] = n
		}
		if ok {
			return out
		}
	}
	ok := true
	for i, s := range cells {
		if na[i] {
			out[i] = nil
			continue
		}
		f, good := pdFloat(s)
		if !good {
			ok = false
			break
		}
		out[i] = f
	}
	if ok {
		return out
	}
	ok = true
	for i, s := range cells {
		switch {
		case na[i]:
			out[i] = nil
		case s == "True" || s == "TRUE" || s == "true":
			out[i] = true
		case s == "False" || s == "FALSE" || s == "false":
			out[i] = false
		default:
			ok = false
		}
		if !ok {
			break
		}
	}
	if ok {
		return out
	}
	for i, s := range cells {
		if na[i] {
			out[i] = nil
		} else {
			out[i] = s
		}
	}
	return out
}

// pdFloat parses a cell as pandas' float parser: a decimal number with
// optional exponent and surrounding ASCII blanks, or inf/Infinity with an
// optional sign in any case.
func pdFloat(s string) (float64, bool) {
	switch strings.ToLower(s) {
	case "inf", "+inf", "infinity", "+infinity":
		return math.Inf(1), true
	case "-inf", "-infinity":
		return math.Inf(-1), true
	}
	t := trimASCII(s)
	if !pdFloatRe.MatchString(t) {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !isRange(err) {
		return 0, false
	}
	return f, true
}
