package croissant

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
)

// IRIs of the data types whose values Prova yields.
const (
	typeText    = schemaOrg + "Text"
	typeURL     = schemaOrg + "URL"
	typeInteger = schemaOrg + "Integer"
	typeFloat   = schemaOrg + "Float"
	typeBoolean = schemaOrg + "Boolean"
)

// otherTypes are data types mlcroissant reads into values Prova does not
// yield (dates, media, fixed-size numbers); a field typed with one is
// refused rather than read differently.
var otherTypes = []string{
	schemaOrg + "Date", schemaOrg + "DateTime", schemaOrg + "Time", schemaOrg + "ImageObject",
	schemaOrg + "AudioObject", schemaOrg + "VideoObject", crNS + "BoundingBox",
	crNS + "Float16", crNS + "Float32", crNS + "Float64", crNS + "Int8", crNS + "Int16", crNS + "Int32",
	crNS + "Int64", crNS + "UInt8", crNS + "UInt16", crNS + "UInt32", crNS + "UInt64",
}

// RecordOptions say how to read records. The zero value reads them all.
type RecordOptions struct {
	// Limit stops after this many records; 0 means no limit.
	Limit int
}

// Records yields the records of the record set named recordSet (its @id
// or name) as mlcroissant, Croissant's reference loader, yields them
// (Dataset.records), in order. It stops at the first error, which it
// yields with a nil record.
//
// What is read:
//   - Inline data (cr:data): each object as written, keys in their order;
//     as pandas builds a table from them, a number column with a missing
//     value or a non-integer becomes floats.
//   - Fields extracting a column of a CSV or TSV FileObject: the file is
//     read as pandas.read_csv does with its defaults, so an empty cell (or
//     NA, N/A, null, NaN, None, ...) is missing and each column is typed by
//     inference over all its cells (a column of integers is integers, "007"
//     included).
//   - Fields whose source is a field of another record set, through a
//     join: a field of this record set that references that record set's
//     key. As mlcroissant, the first such field (in field order) joins the
//     file's rows to the other record set's records (a left join: a row
//     whose key matches nothing gets missing values, one matching several
//     records is repeated), and its transforms are applied to the key
//     column before the join.
//   - Transforms regex (the first group that matched; the value unchanged
//     when nothing matches) and separator (a list).
//
// Each value is then converted to the field's data type as mlcroissant
// converts it (Python's conversions): sc:Text and sc:URL to text (an
// integer cell "29", a float cell 29.0 "29.0", a boolean "True"),
// sc:Integer with int() (a float is truncated; text that is not an
// integer, such as "?", is an error, as it is for mlcroissant), sc:Float
// with float() (NaN is a missing value), sc:Boolean with bool() (any
// non-empty text is true). A missing value stays missing (nil, JSON null;
// mlcroissant yields None, which its test tooling writes as "None").
//
// Anything else (file sets, JSON or Parquet files, file properties, other
// transforms and data types, nested fields) is refused with an error
// naming it, never read approximately.
func (d *Document) Records(ctx context.Context, recordSet string, opts RecordOptions) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		rs, err := d.RecordSet(recordSet)
		if err != nil {
			yield(nil, err)
			return
		}
		n := 0
		err = d.eachRecord(ctx, rs, nil, func(r Record) bool {
			n++
			return yield(r, nil) && (opts.Limit <= 0 || n < opts.Limit)
		})
		if err != nil {
			yield(nil, fmt.Errorf("record set %q: %w", rs.ID, err))
		}
	}
}

// ReadRecords collects Records into a slice.
func (d *Document) ReadRecords(ctx context.Context, recordSet string, opts RecordOptions) ([]Record, error) {
	var out []Record
	for r, err := range d.Records(ctx, recordSet, opts) {
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// plan is how the records of a file-backed record set are made.
type plan struct {
	file     string // FileObject @id all file-sourced fields read
	join     *Field // the field whose value joins the file's rows to right
	right    *RecordSet
	rightKey string // the referenced field's @id
}

// eachRecord calls fn with each record of rs until fn returns false;
// stack holds the record sets being read, to find reference cycles.
func (d *Document) eachRecord(ctx context.Context, rs *RecordSet, stack []string, fn func(Record) bool) error {
	if slices.Contains(stack, rs.ID) {
		return fmt.Errorf("%w: record sets join each other in a cycle: %s -> %s", ErrInvalid, strings.Join(stack, " -> "), rs.ID)
	}
	stack = append(stack, rs.ID)
	if rs.Data != nil {
		return eachDataRecord(rs, fn)
	}
	p, err := d.plan(rs, stack)
	if err != nil {
		return err
	}
	if p.file == "" {
		return fmt.Errorf("%w: no field reads a file (a record set needs a field with source.fileObject and extract.column, or inline data)", ErrUnsupported)
	}
	t, err := d.table(p.file)
	if err != nil {
		return err
	}
	cols := map[string]int{}
	for i := range rs.Fields {
		f := &rs.Fields[i]
		if f.Source.FileObject == "" {
			continue
		}
		c := t.column(f.Source.Column)
		if c < 0 {
			return fmt.Errorf("%w: field %q: column %q is not in %s (file %q; its columns are %s)",
				ErrRecords, f.ID, f.Source.Column, t.path, p.file, quoteList(t.header))
		}
		cols[f.Source.Column] = c
	}
	// The join's key column is transformed before the join, in the table
	// every field then reads (as mlcroissant transforms its DataFrame).
	keyCol := -1
	var rightRecs []Record
	var index map[string][]Record // right records by key
	if p.join != nil {
		keyCol = cols[p.join.Source.Column]
		col := slices.Clone(t.cols[keyCol])
		for i, v := range col {
			if col[i], err = transform(v, p.join); err != nil {
				return err
			}
		}
		t.cols[keyCol] = col
		err := d.eachRecord(ctx, p.right, stack, func(r Record) bool {
			rightRecs = append(rightRecs, r)
			return true
		})
		if err != nil {
			return err
		}
		if err := joinTypes(col, rightRecs, p); err != nil {
			return err
		}
		index = map[string][]Record{}
		for _, r := range rightRecs {
			v, _ := r.Get(p.rightKey)
			k := keyString(v)
			index[k] = append(index[k], r)
		}
	}
	for row := range t.rows {
		if row%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		matches := []Record{nil}
		if found := index[joinKey(keyCol, t, row)]; len(found) > 0 {
			matches = found
		}
		for _, right := range matches {
			rec := make(Record, 0, len(rs.Fields))
			for i := range rs.Fields {
				f := &rs.Fields[i]
				var v any
				if f.Source.FileObject != "" {
					v = t.cols[cols[f.Source.Column]][row]
				} else if right != nil {
					v, _ = right.Get(f.Source.Field)
				}
				if v, err = transform(v, f); err != nil {
					return err
				}
				if v, err = d.cast(v, f); err != nil {
					return err
				}
				rec = append(rec, Entry{f.ID, v})
			}
			if !fn(rec) {
				return nil
			}
		}
	}
	return nil
}

// plan checks every field of a file-backed record set and finds its file
// and join.
func (d *Document) plan(rs *RecordSet, stack []string) (plan, error) {
	var p plan
	for i := range rs.Fields {
		f := &rs.Fields[i]
		s := f.Source
		switch {
		case f.SubFields:
			return p, fmt.Errorf("%w: field %q has sub-fields", ErrUnsupported, f.ID)
		case s.FileSet != "":
			return p, fmt.Errorf("%w: field %q reads file set %q; Prova reads records from FileObjects", ErrUnsupported, f.ID, s.FileSet)
		case s.FileObject != "":
			if s.Column == "" {
				what := either(s.FileProperty != "", "fileProperty "+strconv.Quote(s.FileProperty), either(s.JSONPath != "", "jsonPath "+strconv.Quote(s.JSONPath), "nothing"))
				return p, fmt.Errorf("%w: field %q extracts %s from file %q; Prova reads CSV and TSV columns (extract.column)", ErrUnsupported, f.ID, what, s.FileObject)
			}
			if p.file != "" && p.file != s.FileObject {
				return p, fmt.Errorf("%w: fields read two files, %q and %q, without a join between them", ErrUnsupported, p.file, s.FileObject)
			}
			p.file = s.FileObject
		case s.Field != "":
		default:
			return p, fmt.Errorf("%w: field %q has no source", ErrUnsupported, f.ID)
		}
		for _, tr := range s.Transforms {
			if err := checkTransform(tr, f); err != nil {
				return p, err
			}
		}
		if f.Repeated && !hasSeparator(f) {
			return p, fmt.Errorf("%w: field %q is repeated without a separator transform", ErrUnsupported, f.ID)
		}
		if _, err := d.dataType(f, nil); err != nil {
			return p, err
		}
		if f.References == "" || p.join != nil {
			continue
		}
		// The first field with a source and a reference is the join.
		rrs, rf := d.fieldByID(f.References)
		if rf == nil {
			return p, fmt.Errorf("%w: field %q references %q, which is no field of a record set", ErrInvalid, f.ID, f.References)
		}
		if rrs.ID == rs.ID || slices.Contains(stack, rrs.ID) {
			return p, fmt.Errorf("%w: record sets join each other in a cycle: %s -> %s", ErrInvalid, strings.Join(stack, " -> "), rrs.ID)
		}
		if s.FileObject == "" {
			return p, fmt.Errorf("%w: field %q joins on a value from another record set; Prova joins a file's column to a record set", ErrUnsupported, f.ID)
		}
		p.join, p.right, p.rightKey = f, rrs, rf.ID
	}
	for i := range rs.Fields {
		f := &rs.Fields[i]
		if f.Source.Field == "" {
			continue
		}
		srs, sf := d.fieldByID(f.Source.Field)
		switch {
		case sf == nil:
			return p, fmt.Errorf("%w: field %q: source field %q is no field of a record set", ErrInvalid, f.ID, f.Source.Field)
		case p.right == nil || srs.ID != p.right.ID:
			return p, fmt.Errorf("%w: field %q takes values from record set %q, but no field of %q with a file source references a key of %q (the join)",
				ErrUnsupported, f.ID, srs.ID, rs.ID, srs.ID)
		}
	}
	return p, nil
}

func either(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

func hasSeparator(f *Field) bool {
	for _, t := range f.Source.Transforms {
		if t.Kind == "separator" {
			return true
		}
	}
	return false
}

// joinTypes refuses a join of text keys with number keys, which pandas'
// merge refuses too.
func joinTypes(left []any, right []Record, p plan) error {
	kind := func(v any) string {
		switch v.(type) {
		case string:
			return "text"
		case nil:
			return ""
		}
		return "number"
	}
	var l, r string
	for _, v := range left {
		if l = kind(v); l != "" {
			break
		}
	}
	for _, rec := range right {
		v, _ := rec.Get(p.rightKey)
		if r = kind(v); r != "" {
			break
		}
	}
	if l != "" && r != "" && l != r {
		return fmt.Errorf("%w: field %q joins %s keys (column %q) with %s keys (field %q)", ErrRecords, p.join.ID, l, p.join.Source.Column, r, p.rightKey)
	}
	return nil
}

// keyString gives keys that pandas' merge finds equal the same string:
// numbers by value, and missing matches missing.
func keyString(v any) string {
	if isNA(v) {
		return "na"
	}
	if f, ok := number(v); ok {
		return "n" + strconv.FormatFloat(f, 'g', -1, 64)
	}
	if s, ok := v.(string); ok {
		return "s" + s
	}
	return fmt.Sprintf("o%v", v)
}

func joinKey(col int, t *table, row int) string {
	if col < 0 {
		return ""
	}
	return keyString(t.cols[col][row])
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// table reads the CSV or TSV FileObject id.
func (d *Document) table(id string) (*table, error) {
	var fo *FileObject
	for i := range d.Dataset.Files {
		if d.Dataset.Files[i].ID == id {
			fo = &d.Dataset.Files[i]
		}
	}
	if fo == nil {
		return nil, fmt.Errorf("%w: file %q is not a FileObject of the distribution", ErrInvalid, id)
	}
	var sep byte
	switch strings.ToLower(strings.TrimSpace(strings.Split(fo.EncodingFormat, ";")[0])) {
	case "text/csv":
		sep = ','
	case "text/tab-separated-values":
		sep = '\t'
	default:
		return nil, fmt.Errorf("%w: file %q is %s; Prova reads records from text/csv and text/tab-separated-values files", ErrUnsupported, id, fo.EncodingFormat)
	}
	path, ok := d.local[id]
	if !ok {
		return nil, fmt.Errorf("%w: file %q is inside %s; Prova reads records from files on disk by themselves", ErrUnsupported, id, strings.Join(fo.ContainedIn, ", "))
	}
	if strings.HasSuffix(path, ".gz") {
		return nil, fmt.Errorf("%w: file %q (%s) is compressed", ErrUnsupported, id, path)
	}
	return readTable(path, sep)
}

// eachDataRecord yields inline data as mlcroissant does: it builds a
// pandas DataFrame from the objects (columns in order of first
// appearance; a key an object lacks is missing) and yields each row.
func eachDataRecord(rs *RecordSet, fn func(Record) bool) error {
	var cols []string
	for _, r := range rs.Data {
		for _, e := range r {
			if !slices.Contains(cols, e.Field) {
				if !slices.ContainsFunc(rs.Fields, func(f Field) bool { return f.ID == e.Field || f.Name == e.Field }) {
					return fmt.Errorf("%w: data key %q is not a field of the record set", ErrInvalid, e.Field)
				}
				cols = append(cols, e.Field)
			}
		}
	}
	values := make([][]any, len(cols))
	for c, k := range cols {
		col := make([]any, len(rs.Data))
		for i, r := range rs.Data {
			v, _ := r.Get(k)
			var err error
			if col[i], err = dataValue(v); err != nil {
				return fmt.Errorf("%w: data[%d] %q: %w", ErrRecords, i, k, err)
			}
		}
		values[c] = floatColumn(col)
	}
	for i := range rs.Data {
		rec := make(Record, len(cols))
		for c, k := range cols {
			rec[c] = Entry{k, values[c][i]}
		}
		if !fn(rec) {
			return nil
		}
	}
	return nil
}

// dataValue converts a decoded JSON value: numbers to int64 or float64.
func dataValue(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		s := x.String()
		if !strings.ContainsAny(s, ".eE") {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("integer %s out of range", s)
			}
			return n, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("number %s out of range", s)
		}
		return f, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = dataValue(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case Record:
		out := make(Record, len(x))
		for i, e := range x {
			v, err := dataValue(e.Value)
			if err != nil {
				return nil, err
			}
			out[i] = Entry{e.Field, v}
		}
		return out, nil
	}
	return v, nil
}

// floatColumn makes a column of numbers with a missing value or a
// non-integer all floats, as pandas types such a column float64.
func floatColumn(col []any) []any {
	anyFloat, anyMissing := false, false
	for _, v := range col {
		switch v.(type) {
		case int64:
		case float64:
			anyFloat = true
		case nil:
			anyMissing = true
		default:
			return col
		}
	}
	if !anyFloat && !anyMissing {
		return col
	}
	for i, v := range col {
		if n, ok := v.(int64); ok {
			col[i] = float64(n)
		}
	}
	return col
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, e := range s {
		q[i] = strconv.Quote(e)
	}
	return strings.Join(q, ", ")
}
