package receipt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"unicode/utf8"
)

// maxJSONDepth bounds nesting; receipts nest four levels deep.
const maxJSONDepth = 8

// decodeStrict decodes b into v and rejects anything a different JSON parser
// could read differently: duplicate members, members whose name differs from
// the field's only in case (encoding/json would accept them), unknown
// members, explicit nulls, and trailing data. Signed bytes therefore mean the
// same to every verifier.
func decodeStrict(b []byte, v any) error {
	if !utf8.Valid(b) {
		return fmt.Errorf("%w: not valid UTF-8", ErrMalformed)
	}
	if err := checkTokens(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: data after the JSON value", ErrMalformed)
	}
	// Round trip: the input, read as generic JSON, must equal v written
	// back. This catches case-folded names and nulls or empty values that
	// decoding would drop.
	again, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var in, out any
	if err := unmarshalNumbers(b, &in); err != nil {
		return err
	}
	if err := unmarshalNumbers(again, &out); err != nil {
		return err
	}
	if !reflect.DeepEqual(in, out) {
		return fmt.Errorf("%w: unexpected members, names, nulls or number forms", ErrMalformed)
	}
	return nil
}

func unmarshalNumbers(b []byte, v *any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}

// checkTokens walks b once, rejecting duplicate member names and nesting
// deeper than maxJSONDepth.
func checkTokens(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		obj  bool
		seen map[string]struct{}
		key  bool // next token in an object is a member name
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].obj && stack[top].key {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:top]
				if top > 0 && stack[top-1].obj {
					stack[top-1].key = true
				}
				continue
			}
			name := tok.(string) // the decoder only yields strings here
			if _, dup := stack[top].seen[name]; dup {
				return fmt.Errorf("%w: duplicate member %q", ErrMalformed, name)
			}
			stack[top].seen[name] = struct{}{}
			stack[top].key = false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) == maxJSONDepth {
				return fmt.Errorf("%w: nested deeper than %d", ErrMalformed, maxJSONDepth)
			}
			stack = append(stack, frame{obj: tok == json.Delim('{'), seen: map[string]struct{}{}, key: true})
			continue
		case json.Delim(']'):
			stack = stack[:top]
		}
		// A value ended: the enclosing object expects a name next.
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].key = true
		}
	}
}

// decodeBase64 accepts only standard padded base64 with no line breaks and
// zero trailing bits, so every byte string has exactly one text form.
func decodeBase64(what, s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || base64.StdEncoding.EncodeToString(b) != s {
		return nil, fmt.Errorf("%w: %s is not canonical standard base64", ErrMalformed, what)
	}
	return b, nil
}
