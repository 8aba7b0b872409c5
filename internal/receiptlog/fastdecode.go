package receiptlog

import (
	"encoding/json"
)

// maxFastDepth bounds the nesting the fast path validates; deeper bodies
// take the encoding/json path.
const maxFastDepth = 32

// decodeSubmitFast reads the body a client normally sends in one pass:
// an object with the members public_keys (strings without escapes),
// envelopes (JSON objects) and batch (a JSON object), each spelled exactly
// so and given at most once, and nothing after it. ok is false for
// anything else, and then DecodeSubmitRequest uses encoding/json; on
// what it accepts the fast path gives the same request encoding/json
// would (FuzzDecodeSubmitFast checks this). It gives up as soon as there
// are more than maxRequestKeys keys or maxEntries envelopes, so that it
// never builds more than the caps allow; decodeSubmitJSON then finds the
// same excess, again without building it, and gives the error. The raw
// messages share memory with body.
func decodeSubmitFast(body []byte, maxEntries int) (req *SubmitRequest, ok bool) {
	r := fastReader{b: body}
	if !r.byte('{') {
		return nil, false
	}
	req = &SubmitRequest{}
	var seen [3]bool
	for first := true; ; first = false {
		if r.byte('}') {
			if first {
				return nil, false // {}: left to encoding/json
			}
			break
		}
		if !first && !r.byte(',') {
			return nil, false
		}
		name, ok := r.plainString()
		if !ok || !r.byte(':') {
			return nil, false
		}
		switch string(name) {
		case "public_keys":
			if seen[0] || !r.byte('[') {
				return nil, false
			}
			seen[0] = true
			req.PublicKeys = []string{}
			for i := 0; !r.byte(']'); i++ {
				if i > 0 && !r.byte(',') || i == maxRequestKeys {
					return nil, false
				}
				s, ok := r.plainString()
				if !ok {
					return nil, false
				}
				req.PublicKeys = append(req.PublicKeys, string(s))
			}
		case "envelopes":
			if seen[1] || !r.byte('[') {
				return nil, false
			}
			seen[1] = true
			req.Envelopes = []json.RawMessage{}
			for i := 0; !r.byte(']'); i++ {
				if i > 0 && !r.byte(',') || i == maxEntries {
					return nil, false
				}
				v, ok := r.rawObject()
				if !ok {
					return nil, false
				}
				req.Envelopes = append(req.Envelopes, v)
			}
		case "batch":
			if seen[2] {
				return nil, false
			}
			seen[2] = true
			v, ok := r.rawObject()
			if !ok {
				return nil, false
			}
			req.Batch = v
		default:
			return nil, false
		}
	}
	if r.ws(); r.i != len(r.b) {
		return nil, false
	}
	return req, true
}

// fastReader validates JSON; every method reports false, without
// consuming anything useful, on input it does not take.
type fastReader struct {
	b []byte
	i int
}

func (r *fastReader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// byte skips whitespace and consumes c if it is next.
func (r *fastReader) byte(c byte) bool {
	r.ws()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// plainString reads a string of printable ASCII with no escapes and
// returns its contents.
func (r *fastReader) plainString() ([]byte, bool) {
	if !r.byte('"') {
		return nil, false
	}
	for j := r.i; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '"':
			s := r.b[r.i:j]
			r.i = j + 1
			return s, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
	}
	return nil, false
}

// rawObject reads a valid JSON object and returns its bytes.
func (r *fastReader) rawObject() (json.RawMessage, bool) {
	r.ws()
	start := r.i
	if r.i >= len(r.b) || r.b[r.i] != '{' || !r.value(0) {
		return nil, false
	}
	return json.RawMessage(r.b[start:r.i:r.i]), true
}

// value validates one JSON value (RFC 8259) at r.i.
func (r *fastReader) value(depth int) bool {
	if depth > maxFastDepth {
		return false
	}
	r.ws()
	if r.i >= len(r.b) {
		return false
	}
	switch c := r.b[r.i]; {
	case c == '{':
		r.i++
		if r.byte('}') {
			return true
		}
		for {
			if !r.str() || !r.byte(':') || !r.value(depth+1) {
				return false
			}
			if r.byte('}') {
				return true
			}
			if !r.byte(',') {
				return false
			}
		}
	case c == '[':
		r.i++
		if r.byte(']') {
			return true
		}
		for {
			if !r.value(depth + 1) {
				return false
			}
			if r.byte(']') {
				return true
			}
			if !r.byte(',') {
				return false
			}
		}
	case c == '"':
		return r.str()
	case c == '-' || ('0' <= c && c <= '9'):
		return r.number()
	}
	for _, lit := range []string{"true", "false", "null"} {
		if len(r.b)-r.i >= len(lit) && string(r.b[r.i:r.i+len(lit)]) == lit {
			r.i += len(lit)
			return true
		}
	}
	return false
}

// str validates a string with any escapes.
func (r *fastReader) str() bool {
	if !r.byte('"') {
		return false
	}
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if r.i+1 >= len(r.b) {
				return false
			}
			switch r.b[r.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				r.i += 2
			case 'u':
				if r.i+6 > len(r.b) {
					return false
				}
				for _, h := range r.b[r.i+2 : r.i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false
					}
				}
				r.i += 6
			default:
				return false
			}
		default:
			r.i++
		}
	}
	return false
}

// number validates -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (r *fastReader) number() bool {
	b := r.b
	i := r.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	r.i = i
	return true
}
