package receipt

import (
	"fmt"
	"math"
	"math/bits"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeStrict decodes b into v, a pointer to one of the types this package
// decodes (*Statement, *RootStatement, and *rawEnvelope, *rawBatch,
// *rawMember, which hold base64 members as slices of b), and rejects anything another JSON parser could read
// differently, or that encoding/json would quietly forgive: invalid UTF-8,
// duplicate members, member names that match a field only when case is
// ignored, unknown members, missing members (all but omitempty ones are
// required), null, empty strings in struct fields and arrays (map values
// may be empty), values of the wrong type, integers that are negative,
// fractional, in exponent form or beyond uint64, and trailing data. Signed
// bytes therefore mean the same to every verifier.
//
// It reads b once, by hand, for the fixed shapes of these types; what it
// accepts and the values it produces are those of encoding/json's
// Unmarshal into the same types, restricted by the rules above (the tests
// check this against a reflection-based reference decoder).
func decodeStrict(b []byte, v any) error {
	if !utf8.Valid(b) {
		return malformed("not valid UTF-8")
	}
	// One copy of the input: string members are substrings of it.
	r := &jsonReader{b: b, s: string(b)}
	var err error
	switch v := v.(type) {
	case *Statement:
		err = r.statement(v)
	case *RootStatement:
		err = r.rootStatement(v)
	case *rawEnvelope:
		err = r.envelope(v)
	case *rawBatch:
		err = r.batch(v)
	case *rawMember:
		err = r.member(v)
	default:
		panic(fmt.Sprintf("receipt: decodeStrict of %T", v))
	}
	if err != nil {
		return err
	}
	if r.ws(); r.i != len(b) {
		return malformed("data after the JSON value")
	}
	return nil
}

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// jsonReader reads JSON from b; s holds the same bytes as a string.
type jsonReader struct {
	b []byte
	s string
	i int
}

func (r *jsonReader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte, 0 at the end.
func (r *jsonReader) peek() byte {
	r.ws()
	if r.i < len(r.b) {
		return r.b[r.i]
	}
	return 0
}

// unexpected describes what is at r.i when want was due there.
func (r *jsonReader) unexpected(want string) error {
	if r.i >= len(r.b) {
		return malformed("unexpected end of JSON input, want %s", want)
	}
	if r.s[r.i:min(r.i+4, len(r.s))] == "null" {
		return malformed("null is not allowed; omit the member")
	}
	return malformed("unexpected %q at offset %d, want %s", r.b[r.i], r.i, want)
}

func (r *jsonReader) open(c byte, want string) error {
	if r.peek() != c {
		return r.unexpected(want)
	}
	r.i++
	return nil
}

// object reads an object whose member names are names (at most 32):
// for each member it calls field with the name's index to read the value.
// Unknown and repeated names are errors, and so is a missing name whose
// bit is set in required.
func (r *jsonReader) object(names []string, required uint32, field func(k int) error) error {
	if err := r.open('{', "an object"); err != nil {
		return err
	}
	var seen uint32
	for first := true; ; first = false {
		name, more, err := r.memberName(first, '}')
		if err != nil {
			return err
		}
		if !more {
			break
		}
		k := -1
		for j, n := range names {
			if string(name) == n {
				k = j
				break
			}
		}
		if k < 0 {
			return malformed("unknown member %q", name)
		}
		if seen&(1<<k) != 0 {
			return malformed("duplicate member %q", name)
		}
		seen |= 1 << k
		if err := field(k); err != nil {
			return err
		}
	}
	if missing := required &^ seen; missing != 0 {
		return malformed("member %q is missing", names[bits.TrailingZeros32(missing)])
	}
	return nil
}

// memberName reads the ',' (unless first) and the name and ':' of the next
// member; more is false once the closing '}' is read.
func (r *jsonReader) memberName(first bool, closing byte) (name []byte, more bool, err error) {
	c := r.peek()
	if c == closing {
		r.i++
		return nil, false, nil
	}
	if !first {
		if c != ',' {
			return nil, false, r.unexpected("',' or '}'")
		}
		r.i++
		c = r.peek()
	}
	if c != '"' {
		return nil, false, r.unexpected("a member name")
	}
	if name, _, err = r.stringBytes(); err != nil {
		return nil, false, err
	}
	if r.peek() != ':' {
		return nil, false, r.unexpected("':'")
	}
	r.i++
	return name, true, nil
}

// array reads an array, calling elem to read each element.
func (r *jsonReader) array(elem func() error) error {
	if err := r.open('[', "an array"); err != nil {
		return err
	}
	for first := true; ; first = false {
		c := r.peek()
		if c == ']' {
			r.i++
			return nil
		}
		if !first {
			if c != ',' {
				return r.unexpected("',' or ']'")
			}
			r.i++
		}
		if err := elem(); err != nil {
			return err
		}
	}
}

// stringBytes reads the string at r.i (its opening quote) and returns its
// value, and whether that value is r.s[start:end] (no escapes).
func (r *jsonReader) stringBytes() (v []byte, plain bool, err error) {
	start := r.i + 1
	for i := start; i < len(r.b); i++ {
		switch c := r.b[i]; {
		case c == '"':
			r.i = i + 1
			return r.b[start:i], true, nil
		case c == '\\':
			v, err := r.unescape(start, i)
			return v, false, err
		case c < 0x20:
			return nil, false, malformed("control character %#x in a string", c)
		}
	}
	return nil, false, malformed("unterminated string")
}

// unescape reads the rest of a string that has an escape at esc, as
// encoding/json does: \u escapes of lone or mismatched surrogates become
// U+FFFD.
func (r *jsonReader) unescape(start, esc int) ([]byte, error) {
	out := make([]byte, esc-start, esc-start+16)
	copy(out, r.b[start:esc])
	i := esc
	for i < len(r.b) {
		c := r.b[i]
		switch {
		case c == '"':
			r.i = i + 1
			return out, nil
		case c < 0x20:
			return nil, malformed("control character %#x in a string", c)
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(r.b) {
			break
		}
		switch e := r.b[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			rr := hex4(r.b[i+2:])
			if rr < 0 {
				return nil, malformed("bad \\u escape in a string")
			}
			i += 6
			if utf16.IsSurrogate(rr) {
				if rr2 := hexEscape(r.b[i:]); rr2 >= 0 {
					if d := utf16.DecodeRune(rr, rr2); d != unicode.ReplacementChar {
						out = utf8.AppendRune(out, d)
						i += 6
						continue
					}
				}
				rr = unicode.ReplacementChar
			}
			out = utf8.AppendRune(out, rr)
			continue
		default:
			return nil, malformed("bad escape \\%c in a string", e)
		}
		i += 2
	}
	return nil, malformed("unterminated string")
}

// hexEscape returns the code unit of a \uXXXX escape at the start of b, or -1.
func hexEscape(b []byte) rune {
	if len(b) < 2 || b[0] != '\\' || b[1] != 'u' {
		return -1
	}
	return hex4(b[2:])
}

// hex4 parses four hex digits at the start of b, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var v rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		v = v<<4 | rune(c)
	}
	return v
}

// str reads a string value; an empty one is an error unless allowEmpty.
func (r *jsonReader) str(allowEmpty bool) (string, error) {
	if r.peek() != '"' {
		return "", r.unexpected("a string")
	}
	start := r.i + 1
	v, plain, err := r.stringBytes()
	if err != nil {
		return "", err
	}
	if len(v) == 0 && !allowEmpty {
		return "", malformed("empty string; omit the member")
	}
	if plain {
		return r.s[start : start+len(v)], nil
	}
	return string(v), nil
}

// text reads a non-empty string value as bytes: a slice of the input when
// it has no escapes.
func (r *jsonReader) text() ([]byte, error) {
	if r.peek() != '"' {
		return nil, r.unexpected("a string")
	}
	v, _, err := r.stringBytes()
	if err == nil && len(v) == 0 {
		return nil, malformed("empty string; omit the member")
	}
	return v, err
}

// uint reads an unsigned integer: digits only, no leading zero, at most
// math.MaxUint64.
func (r *jsonReader) uint() (uint64, error) {
	c := r.peek()
	if c < '0' || c > '9' {
		return 0, r.unexpected("an unsigned integer")
	}
	var v uint64
	start := r.i
	for r.i < len(r.b) && '0' <= r.b[r.i] && r.b[r.i] <= '9' {
		d := uint64(r.b[r.i] - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, malformed("integer out of range")
		}
		v = v*10 + d
		r.i++
	}
	if r.b[start] == '0' && r.i-start > 1 {
		return 0, malformed("integer with a leading zero")
	}
	if r.i < len(r.b) {
		if c := r.b[r.i]; c == '.' || c == 'e' || c == 'E' {
			return 0, malformed("not an unsigned integer")
		}
	}
	return v, nil
}

// stringMap reads an object of string values (empty values allowed).
func (r *jsonReader) stringMap() (map[string]string, error) {
	if err := r.open('{', "an object"); err != nil {
		return nil, err
	}
	m := make(map[string]string, 2)
	for first := true; ; first = false {
		name, more, err := r.memberName(first, '}')
		if err != nil {
			return nil, err
		}
		if !more {
			return m, nil
		}
		k := string(name)
		if _, dup := m[k]; dup {
			return nil, malformed("duplicate member %q", k)
		}
		if m[k], err = r.str(true); err != nil {
			return nil, err
		}
	}
}

// stringArray reads an array of non-empty strings.
func (r *jsonReader) stringArray(capHint int) ([]string, error) {
	out := make([]string, 0, capHint)
	err := r.array(func() error {
		s, err := r.str(false)
		out = append(out, s)
		return err
	})
	return out, err
}

// textArray reads an array of non-empty strings as bytes.
func (r *jsonReader) textArray(capHint int) ([][]byte, error) {
	out := make([][]byte, 0, capHint)
	err := r.array(func() error {
		s, err := r.text()
		out = append(out, s)
		return err
	})
	return out, err
}
