package croissant

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
)

// RecordSet is one cr:RecordSet: the fields of its records, and where
// their values come from.
type RecordSet struct {
	ID     string // @id, or name where a 0.8-style document has no @id
	Name   string
	Fields []Field
	// Data are the literal records of a record set written inline (cr:data),
	// each an ordered object; nil when the records come from files.
	Data []Record
}

// Field is one cr:Field of a record set.
type Field struct {
	// ID is the field's @id (or its name in a 0.8-style document): the key
	// of its value in a record, as mlcroissant yields records.
	ID   string
	Name string
	// DataTypes are the dataType values, expanded to IRIs, in order.
	DataTypes []string
	Source    Source
	// References is the @id of the field (of another record set) this
	// field's values are keys of: a join.
	References string
	Repeated   bool
	// SubFields is set when the field has nested cr:subField entries,
	// which Prova does not read.
	SubFields bool
}

// Source says where a field's values come from: one of a FileObject, a
// FileSet or another record set's field, with what to extract and how to
// transform it.
type Source struct {
	FileObject   string // @id of a cr:FileObject
	FileSet      string // @id of a cr:FileSet
	Field        string // @id of a field of another record set
	Column       string // extract.column
	FileProperty string // extract.fileProperty
	JSONPath     string // extract.jsonPath
	Transforms   []Transform
}

// Transform is one cr:transform: Kind is the property that names it
// ("regex", "separator", "replace", "jsonPath", "format", ...) and Arg its
// value.
type Transform struct {
	Kind, Arg string
}

// Document is Croissant metadata whose distribution files were found and
// checked, so that its record sets can be read.
type Document struct {
	Dataset    *Dataset
	RecordSets []RecordSet
	// Files are the checked local files (Locate).
	Files []LocalFile
	local map[string]string // FileObject @id -> local path
}

// Open reads the Croissant metadata file at path, finds its distribution
// files (relative to the file's directory; dataDir as for Locate) and
// checks each against its checksum.
func Open(path, dataDir string) (*Document, error) {
	doc, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return NewDocument(doc, filepath.Dir(path), dataDir)
}

// NewDocument is Open for a document already read, whose files are under
// baseDir.
func NewDocument(doc []byte, baseDir, dataDir string) (*Document, error) {
	root, ctx, err := decodeRoot(doc)
	if err != nil {
		return nil, err
	}
	ds, err := parseDataset(root, ctx)
	if err != nil {
		return nil, err
	}
	sets, err := parseRecordSets(doc, root, ctx)
	if err != nil {
		return nil, err
	}
	files, err := Locate(ds, baseDir, dataDir)
	if err != nil {
		return nil, err
	}
	d := &Document{Dataset: ds, RecordSets: sets, Files: files, local: map[string]string{}}
	for _, f := range files {
		d.local[f.FileID] = f.Path
	}
	return d, nil
}

// RecordSet finds a record set by @id or name.
func (d *Document) RecordSet(name string) (*RecordSet, error) {
	for i := range d.RecordSets {
		if d.RecordSets[i].ID == name {
			return &d.RecordSets[i], nil
		}
	}
	for i := range d.RecordSets {
		if d.RecordSets[i].Name == name {
			return &d.RecordSets[i], nil
		}
	}
	return nil, fmt.Errorf("%w: %q (the metadata has %s)", ErrNoRecordSet, name, d.recordSetList())
}

func (d *Document) recordSetList() string {
	if len(d.RecordSets) == 0 {
		return "none"
	}
	names := make([]string, len(d.RecordSets))
	for i, rs := range d.RecordSets {
		names[i] = fmt.Sprintf("%q", rs.ID)
	}
	return strings.Join(names, ", ")
}

// fieldByID finds a field of any record set by @id.
func (d *Document) fieldByID(id string) (*RecordSet, *Field) {
	for i := range d.RecordSets {
		rs := &d.RecordSets[i]
		for j := range rs.Fields {
			if rs.Fields[j].ID == id {
				return rs, &rs.Fields[j]
			}
		}
	}
	return nil, nil
}

func parseRecordSets(doc []byte, root map[string]any, ctx ldContext) ([]RecordSet, error) {
	nodes := list(root["recordSet"])
	// Inline data keep their key order (it is the order of a record's
	// values), which a map loses: read them again in order.
	var ordered []any
	if len(nodes) > 0 {
		v, err := decodeOrdered(doc)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if r, ok := v.(Record); ok {
			if rs, ok := r.Get("recordSet"); ok {
				ordered = list(rs)
			}
		}
	}
	var out []RecordSet
	seen, fieldSeen := map[string]bool{}, map[string]bool{}
	for i, n := range nodes {
		node, ok := n.(map[string]any)
		what := fmt.Sprintf("recordSet[%d]", i)
		if !ok {
			return nil, fmt.Errorf("%w: %s is not an object", ErrInvalid, what)
		}
		rs := RecordSet{ID: cmp.Or(text(node["@id"]), text(node["name"])), Name: text(node["name"])}
		if rs.ID == "" {
			return nil, fmt.Errorf("%w: %s has neither @id nor name", ErrInvalid, what)
		}
		what = fmt.Sprintf("record set %q", rs.ID)
		if seen[rs.ID] {
			return nil, fmt.Errorf("%w: %s: @id used twice", ErrInvalid, what)
		}
		seen[rs.ID] = true
		if !ctx.isType(node["@type"], crNS+"RecordSet") {
			return nil, fmt.Errorf("%w: %s: @type is %s, want cr:RecordSet", ErrInvalid, what, showType(node["@type"]))
		}
		for j, fn := range list(node["field"]) {
			f, err := parseField(fn, ctx, fmt.Sprintf("%s: field[%d]", what, j))
			if err != nil {
				return nil, err
			}
			if fieldSeen[f.ID] {
				return nil, fmt.Errorf("%w: %s: field %q: @id used twice", ErrInvalid, what, f.ID)
			}
			fieldSeen[f.ID] = true
			rs.Fields = append(rs.Fields, f)
		}
		if len(rs.Fields) == 0 {
			return nil, fmt.Errorf("%w: %s has no fields", ErrInvalid, what)
		}
		if node["data"] != nil {
			var data any
			if i < len(ordered) {
				if r, ok := ordered[i].(Record); ok {
					data, _ = r.Get("data")
				}
			}
			rows, err := dataRows(data, what)
			if err != nil {
				return nil, err
			}
			rs.Data = rows
		}
		out = append(out, rs)
	}
	return out, nil
}

func parseField(v any, ctx ldContext, what string) (Field, error) {
	node, ok := v.(map[string]any)
	if !ok {
		return Field{}, fmt.Errorf("%w: %s is not an object", ErrInvalid, what)
	}
	f := Field{ID: cmp.Or(text(node["@id"]), text(node["name"])), Name: text(node["name"])}
	if f.ID == "" {
		return f, fmt.Errorf("%w: %s has neither @id nor name", ErrInvalid, what)
	}
	if !ctx.isType(node["@type"], crNS+"Field") {
		return f, fmt.Errorf("%w: %s (%q): @type is %s, want cr:Field", ErrInvalid, what, f.ID, showType(node["@type"]))
	}
	for _, t := range list(node["dataType"]) {
		s := text(t)
		if m, ok := t.(map[string]any); ok {
			s = text(m["@id"])
		}
		if s != "" {
			f.DataTypes = append(f.DataTypes, ctx.expand(s))
		}
	}
	if r, ok := node["references"].(map[string]any); ok {
		f.References = firstRef(r["field"], r)
	}
	f.Repeated = node["repeated"] == true
	f.SubFields = node["subField"] != nil
	if src, ok := node["source"].(map[string]any); ok {
		f.Source = Source{
			FileObject: firstRef(src["fileObject"], src["distribution"]),
			FileSet:    firstRef(src["fileSet"]),
			Field:      firstRef(src["field"]),
		}
		if ex, ok := src["extract"].(map[string]any); ok {
			f.Source.Column = text(ex["column"])
			f.Source.FileProperty = text(ex["fileProperty"])
			f.Source.JSONPath = text(ex["jsonPath"])
		}
		for k, tv := range list(src["transform"]) {
			tm, ok := tv.(map[string]any)
			if !ok || len(tm) != 1 {
				return f, fmt.Errorf("%w: %s (%q): transform[%d] must be an object with one property, got %s", ErrInvalid, what, f.ID, k, showValue(tv))
			}
			for kind, arg := range tm { // one entry
				f.Source.Transforms = append(f.Source.Transforms, Transform{Kind: kind, Arg: text(arg)})
			}
		}
	}
	return f, nil
}

// firstRef is the first reference found among vs ({"@id": ...} or a
// string).
func firstRef(vs ...any) string {
	for _, v := range vs {
		if m, ok := v.(map[string]any); ok {
			if s := text(m["@id"]); s != "" {
				return s
			}
			continue
		}
		if s := text(v); s != "" {
			return s
		}
	}
	return ""
}

// dataRows reads cr:data: a list of objects, or a string holding one
// (JSON-LD @json values are sometimes written as strings).
func dataRows(v any, what string) ([]Record, error) {
	if s, ok := v.(string); ok {
		var err error
		if v, err = decodeOrdered([]byte(s)); err != nil {
			return nil, fmt.Errorf("%w: %s: data: %w", ErrInvalid, what, err)
		}
	}
	var rows []Record
	for i, e := range list(v) {
		r, ok := e.(Record)
		if !ok {
			return nil, fmt.Errorf("%w: %s: data[%d] is not an object", ErrInvalid, what, i)
		}
		rows = append(rows, r)
	}
	if rows == nil {
		rows = []Record{}
	}
	return rows, nil
}

// decodeOrdered decodes JSON keeping object key order: an object is a
// Record (a later duplicate key replaces the value in place, as Python's
// json module does), numbers are json.Number.
func decodeOrdered(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := orderedValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}

func orderedValue(dec *json.Decoder, depth int) (any, error) {
	if depth > 64 {
		return nil, fmt.Errorf("JSON nested deeper than 64 levels")
	}
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch d := t.(type) {
	case json.Delim:
		switch d {
		case '{':
			r := Record{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := orderedValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				r = r.set(k, v)
			}
			_, err := dec.Token()
			return r, err
		case '[':
			l := []any{}
			for dec.More() {
				v, err := orderedValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			_, err := dec.Token()
			return l, err
		}
		return nil, fmt.Errorf("unexpected %v", d)
	}
	return t, nil
}
