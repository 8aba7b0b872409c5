package croissant

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Record is one record of a record set: field @id and value, in the record
// set's field order (for inline data, the order the keys are written in).
//
// A value is nil (a missing value: an empty CSV cell, a missing key), bool,
// int64, float64 (finite), string, []any (a list, from a separator
// transform or inline data) or Record (a nested object of inline data).
type Record []Entry

// Entry is one field's value in a Record.
type Entry struct {
	Field string
	Value any
}

// Get returns the value of field.
func (r Record) Get(field string) (any, bool) {
	for _, e := range r {
		if e.Field == field {
			return e.Value, true
		}
	}
	return nil, false
}

// Fields lists the record's field @ids in order.
func (r Record) Fields() []string {
	out := make([]string, len(r))
	for i, e := range r {
		out[i] = e.Field
	}
	return out
}

// set replaces the value of k in place, or appends it.
func (r Record) set(k string, v any) Record {
	for i := range r {
		if r[i].Field == k {
			r[i].Value = v
			return r
		}
	}
	return append(r, Entry{k, v})
}

// MarshalJSON writes the record as one line the way mlcroissant's own
// tooling writes records to output/*.jsonl (Python's json.dumps): keys in
// order, ", " and ": " separators, non-ASCII characters as \u escapes,
// floats as Python writes them (1.0, 1e-05, 1e+16). A missing value is
// null.
func (r Record) MarshalJSON() ([]byte, error) {
	return appendJSON(nil, r)
}

// AppendLine appends the record's JSON (MarshalJSON) and "\n".
func (r Record) AppendLine(b []byte) ([]byte, error) {
	b, err := appendJSON(b, r)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%w: %v has no JSON form", ErrRecords, x)
		}
		return append(b, pyFloat(x)...), nil
	case string:
		return appendPyString(b, x), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case Record:
		b = append(b, '{')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendPyString(b, e.Field)
			b = append(b, ": "...)
			var err error
			if b, err = appendJSON(b, e.Value); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("%w: value of type %T has no JSON form", ErrRecords, v)
}

// appendPyString writes s as json.dumps does with ensure_ascii: only
// printable ASCII stays, the rest is escaped (\n style where JSON has one,
// else \uXXXX in lower-case hex, with surrogate pairs above U+FFFF).
func appendPyString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	u := func(b []byte, r rune) []byte {
		return append(b, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
	}
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\b':
			b = append(b, `\b`...)
		case r == '\f':
			b = append(b, `\f`...)
		case r >= 0x20 && r < 0x7f:
			b = append(b, byte(r))
		case r > 0xffff:
			r -= 0x10000
			b = u(b, 0xd800|(r>>10)&0x3ff)
			b = u(b, 0xdc00|r&0x3ff)
		default:
			b = u(b, r)
		}
	}
	return append(b, '"')
}

// pyFloat formats f as Python's repr(float): the shortest digits that read
// back as f, positional from 1e-4 up to 1e16 (with ".0" when whole), else
// in exponent form ("1e-05", "1.5e+16").
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e // Go's shortest 'e' form is Python's: two exponent digits at least
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}

// Python's int() and float() of a string, which mlcroissant applies to a
// text value of an sc:Integer or sc:Float field.
var (
	pyIntRe   = regexp.MustCompile(`^[+-]?[0-9](?:_?[0-9])*$`)
	pyDigits  = `[0-9](?:_?[0-9])*`
	pyFloatRe = regexp.MustCompile(`^[+-]?(?:` + pyDigits + `(?:\.(?:` + pyDigits + `)?)?|\.` + pyDigits + `)(?:[eE][+-]?` + pyDigits + `)?$`)
)

func pyParseInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if !pyIntRe.MatchString(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	return n, err == nil
}

// pyParseFloat returns ok=false for text float() refuses; f may be NaN or
// infinite, as float("nan") and float("1e999") are.
func pyParseFloat(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	t := strings.ToLower(strings.TrimLeft(s, "+-"))
	if len(s)-len(t) <= 1 {
		switch t {
		case "nan":
			return math.NaN(), true
		case "inf", "infinity":
			if strings.HasPrefix(s, "-") {
				return math.Inf(-1), true
			}
			return math.Inf(1), true
		}
	}
	if !pyFloatRe.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil && !isRange(err) {
		return 0, false
	}
	return f, true
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// pyStr is Python's str() of a value mlcroissant turns into text (bytes):
// True/False, decimal integers, repr of floats.
func pyStr(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		if x {
			return "True", true
		}
		return "False", true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return pyFloat(x), true
	}
	return "", false
}

// showCell quotes a value for an error message, cut to a readable length.
func showCell(v any) string {
	s, ok := pyStr(v)
	if !ok {
		return fmt.Sprintf("%v", v)
	}
	if len(s) > 60 {
		cut := 60
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return strconv.Quote(s)
}
