package receipt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"
)

// refMaxJSONDepth bounds nesting; receipts nest four levels deep.
const refMaxJSONDepth = 8

// decodeStrictRef is the reference strict decoder: the first implementation,
// kept to test the single-pass decoder against. It decodes b into v (a pointer to one of this package's structs)
// and rejects anything another JSON parser could read differently, or that
// encoding/json would quietly forgive: invalid UTF-8, duplicate members,
// member names that match a field only when case is ignored, unknown
// members, missing members (all but omitempty ones are required), null,
// empty strings in struct fields, and trailing data. Signed
// bytes therefore mean the same to every verifier.
func decodeStrictRef(b []byte, v any) error {
	if !utf8.Valid(b) {
		return fmt.Errorf("%w: not valid UTF-8", ErrMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := walkValue(dec, schemaOf(reflect.TypeOf(v).Elem()), 0, false); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: data after the JSON value", ErrMalformed)
	}
	// The walk has checked names and shapes; Unmarshal fills v and checks
	// scalar types and integer ranges.
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}

// schema is the JSON shape of a Go type: an object with exactly the named
// members (fields), an object with any member names (values, for maps), an
// array (elem), or, when nil, a scalar.
type schema struct {
	fields   map[string]*schema
	required []string // members without omitempty
	values   *schema
	isMap    bool
	elem     *schema
	array    bool
}

var schemas sync.Map // reflect.Type → *schema

func schemaOf(t reflect.Type) *schema {
	if s, ok := schemas.Load(t); ok {
		return s.(*schema)
	}
	var s *schema
	switch t.Kind() {
	case reflect.Struct:
		s = &schema{fields: map[string]*schema{}}
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			s.fields[name] = schemaOf(f.Type)
			if opts != "omitempty" {
				s.required = append(s.required, name)
			}
		}
	case reflect.Map:
		s = &schema{isMap: true, values: schemaOf(t.Elem())}
	case reflect.Slice:
		s = &schema{array: true, elem: schemaOf(t.Elem())}
	}
	schemas.Store(t, s)
	return s
}

// closeToken consumes the ']' or '}' that must follow a container's last
// value.
func closeToken(dec *json.Decoder) error {
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}

// walkValue consumes one JSON value from dec and checks it against s. inMap
// says the value is a map value, where an empty string is allowed.
func walkValue(dec *json.Decoder, s *schema, depth int, inMap bool) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if depth > refMaxJSONDepth {
		return fmt.Errorf("%w: nested deeper than %d", ErrMalformed, refMaxJSONDepth)
	}
	switch tok {
	case nil:
		return fmt.Errorf("%w: null is not allowed; omit the member", ErrMalformed)
	case json.Delim('['):
		if s == nil || !s.array {
			return fmt.Errorf("%w: unexpected array", ErrMalformed)
		}
		for dec.More() {
			if err := walkValue(dec, s.elem, depth+1, false); err != nil {
				return err
			}
		}
		return closeToken(dec)
	case json.Delim('{'):
		if s == nil || (s.fields == nil && !s.isMap) {
			return fmt.Errorf("%w: unexpected object", ErrMalformed)
		}
		seen := make(map[string]struct{}, 8)
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return fmt.Errorf("%w: %w", ErrMalformed, err)
			}
			name := k.(string) // member names are always strings
			if _, dup := seen[name]; dup {
				return fmt.Errorf("%w: duplicate member %q", ErrMalformed, name)
			}
			seen[name] = struct{}{}
			next := s.values
			if !s.isMap {
				var ok bool
				if next, ok = s.fields[name]; !ok {
					return fmt.Errorf("%w: unknown member %q", ErrMalformed, name)
				}
			}
			if err := walkValue(dec, next, depth+1, s.isMap); err != nil {
				return err
			}
		}
		for _, name := range s.required {
			if _, ok := seen[name]; !ok {
				return fmt.Errorf("%w: member %q is missing", ErrMalformed, name)
			}
		}
		return closeToken(dec)
	}
	if s != nil {
		return fmt.Errorf("%w: unexpected scalar", ErrMalformed)
	}
	if str, ok := tok.(string); ok && str == "" && !inMap {
		return fmt.Errorf("%w: empty string; omit the member", ErrMalformed)
	}
	return nil
}

// decodeBase64Ref is the reference canonical base64 check.
func decodeBase64Ref(what, s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || base64.StdEncoding.EncodeToString(b) != s {
		return nil, fmt.Errorf("%w: %s is not canonical standard base64", ErrMalformed, what)
	}
	return b, nil
}
