package croissant

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// checkTransform refuses the transforms Prova does not apply.
func checkTransform(t Transform, f *Field) error {
	switch t.Kind {
	case "regex":
		if _, err := compileRegex(t.Arg); err != nil {
			return fmt.Errorf("%w: field %q: regex %q: %w", ErrUnsupported, f.ID, t.Arg, err)
		}
		return nil
	case "separator":
		if t.Arg == "" {
			return fmt.Errorf("%w: field %q: empty separator", ErrInvalid, f.ID)
		}
		return nil
	case "replace":
		return fmt.Errorf("%w: field %q: transform replace (%q): mlcroissant leaves the value unchanged, so Prova cannot read it as the reference does", ErrUnsupported, f.ID, t.Arg)
	}
	return fmt.Errorf("%w: field %q: transform %s (%q); Prova applies regex and separator", ErrUnsupported, f.ID, t.Kind, t.Arg)
}

var regexCache sync.Map // expression -> *regexp.Regexp

// compileRegex compiles a Croissant regex for Python's re.match: anchored
// at the start only. Go's RE2 syntax refuses what it lacks (look-around,
// back-references) rather than matching differently.
func compileRegex(expr string) (*regexp.Regexp, error) {
	if re, ok := regexCache.Load(expr); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(`^(?:` + expr + `)`)
	if err != nil {
		return nil, err
	}
	regexCache.Store(expr, re)
	return re, nil
}

// transform applies f's transforms to v as mlcroissant does; a missing
// value stays missing.
func transform(v any, f *Field) (any, error) {
	for _, t := range f.Source.Transforms {
		if l, ok := v.([]any); ok {
			out := make([]any, len(l))
			for i, e := range l {
				var err error
				if out[i], err = transformOne(e, t, f); err != nil {
					return nil, err
				}
			}
			v = out
			continue
		}
		var err error
		if v, err = transformOne(v, t, f); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func transformOne(v any, t Transform, f *Field) (any, error) {
	if isNA(v) {
		return v, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("%w: field %q: transform %s of %s, which is not text (the column holds %T values)", ErrRecords, f.ID, t.Kind, showCell(v), pyTypeName(v))
	}
	switch t.Kind {
	case "regex":
		re, err := compileRegex(t.Arg)
		if err != nil {
			return nil, err
		}
		m := re.FindStringSubmatchIndex(s)
		if m == nil {
			return v, nil // mlcroissant logs a warning and keeps the value
		}
		for g := 1; 2*g < len(m); g++ {
			if m[2*g] >= 0 {
				return s[m[2*g]:m[2*g+1]], nil
			}
		}
		return v, nil
	case "separator":
		parts := strings.Split(s, t.Arg)
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: field %q: transform %s", ErrUnsupported, f.ID, t.Kind)
}

func pyTypeName(v any) string {
	switch v.(type) {
	case int64:
		return "int"
	case float64:
		return "float"
	case bool:
		return "bool"
	case string:
		return "str"
	}
	return fmt.Sprintf("%T", v)
}

func isNA(v any) bool {
	f, ok := v.(float64)
	return v == nil || ok && math.IsNaN(f)
}

// dataType is the first of f's data types that mlcroissant converts to (a
// source field's when f has none).
func (d *Document) dataType(f *Field, seen []string) (string, error) {
	for _, t := range f.DataTypes {
		t = strings.Replace(t, "http://schema.org/", schemaOrg, 1)
		switch t {
		case typeText, typeURL, typeInteger, typeFloat, typeBoolean:
			return t, nil
		}
		if slices.Contains(otherTypes, t) {
			return "", fmt.Errorf("%w: field %q has data type %s; Prova yields sc:Text, sc:URL, sc:Integer, sc:Float and sc:Boolean values", ErrUnsupported, f.ID, t)
		}
	}
	if f.Source.Field != "" && !slices.Contains(seen, f.ID) {
		if _, sf := d.fieldByID(f.Source.Field); sf != nil {
			return d.dataType(sf, append(seen, f.ID))
		}
	}
	return "", fmt.Errorf("%w: field %q has no data type Prova reads (got %s)", ErrUnsupported, f.ID, quoteList(f.DataTypes))
}

// cast converts v to f's data type with Python's conversions, as
// mlcroissant does.
func (d *Document) cast(v any, f *Field) (any, error) {
	if isNA(v) {
		return nil, nil
	}
	if l, ok := v.([]any); ok {
		out := make([]any, len(l))
		for i, e := range l {
			var err error
			if out[i], err = d.cast(e, f); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	t, err := d.dataType(f, nil)
	if err != nil {
		return nil, err
	}
	bad := func(what string) error {
		return fmt.Errorf("%w: field %q (%s): %s %s is not %s, as mlcroissant's conversion also fails on it", ErrRecords, f.ID, t[strings.LastIndexByte(t, '/')+1:], pyTypeName(v), showCell(v), what)
	}
	switch t {
	case typeText, typeURL:
		if s, ok := pyStr(v); ok {
			return s, nil
		}
		return nil, bad("text")
	case typeInteger:
		switch x := v.(type) {
		case bool:
			return int64(map[bool]int{false: 0, true: 1}[x]), nil
		case int64:
			return x, nil
		case float64:
			if math.IsInf(x, 0) || math.Abs(x) >= 1<<63 {
				return nil, bad("an integer in range")
			}
			return int64(x), nil // int() truncates
		case string:
			if n, ok := pyParseInt(x); ok {
				return n, nil
			}
		}
		return nil, bad("an integer")
	case typeFloat:
		var f float64
		switch x := v.(type) {
		case bool:
			f = map[bool]float64{false: 0, true: 1}[x]
		case int64:
			f = float64(x)
		case float64:
			f = x
		case string:
			var ok bool
			if f, ok = pyParseFloat(x); !ok {
				return nil, bad("a float")
			}
		default:
			return nil, bad("a float")
		}
		if math.IsNaN(f) {
			return nil, nil
		}
		if math.IsInf(f, 0) {
			return nil, bad("a finite float (JSON has no infinity)")
		}
		return f, nil
	case typeBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case float64:
			return x != 0, nil
		case string:
			return x != "", nil // Python's bool() of text
		}
		return nil, bad("a boolean")
	}
	return nil, fmt.Errorf("%w: field %q: data type %s", ErrUnsupported, f.ID, t)
}
