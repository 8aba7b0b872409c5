package receiptlog

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// maxRequestKeys caps the public keys in one request.
const maxRequestKeys = 64

// Error details of the decoders; both decoders return them, so that they
// agree (FuzzDecodeSubmitFast).
var (
	errTooManyKeys = fmt.Errorf("%w: give 1 to %d public keys", ErrBadRequest, maxRequestKeys)
	errNotJSON     = fmt.Errorf("%w: body is not a json object of public_keys and envelopes or batch", ErrBadRequest)
)

// tooManyEntries is the error for more than maxEntries envelopes.
func tooManyEntries(maxEntries int) error {
	return fmt.Errorf("%w: more than %d receipts in one request", ErrTooLarge, maxEntries)
}

// DecodeSubmitRequest strictly decodes a request body: unknown members,
// trailing data, bad base64, more than 64 keys and more than maxEntries
// envelopes are errors. Both caps are checked while the body is read, so
// a body over them costs no more memory than one within them. It does
// not decode the receipts themselves. The request may share memory with
// body.
func DecodeSubmitRequest(body []byte, maxEntries int) (*SubmitRequest, []ed25519.PublicKey, error) {
	req, ok := decodeSubmitFast(body, maxEntries)
	if !ok {
		var err error
		if req, err = decodeSubmitJSON(body, maxEntries); err != nil {
			return nil, nil, err
		}
	}
	hasBatch := len(req.Batch) > 0 && !bytes.Equal(req.Batch, []byte("null"))
	if (len(req.Envelopes) > 0) == hasBatch {
		return nil, nil, fmt.Errorf("%w: give either envelopes or a batch", ErrBadRequest)
	}
	if len(req.PublicKeys) == 0 || len(req.PublicKeys) > maxRequestKeys {
		return nil, nil, errTooManyKeys
	}
	pubs := make([]ed25519.PublicKey, len(req.PublicKeys))
	for i, k := range req.PublicKeys {
		b, err := base64.StdEncoding.Strict().DecodeString(k)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return nil, nil, fmt.Errorf("%w: public key %d is not base64 of %d bytes", ErrBadRequest, i, ed25519.PublicKeySize)
		}
		pubs[i] = b
	}
	return req, pubs, nil
}

// decodeSubmitJSON decodes body as encoding/json's Decoder with
// DisallowUnknownFields would, and refuses trailing data, but first walks
// the top level of the body without allocating: an unknown member, or a
// public_keys or envelopes array longer than its cap, is refused there,
// before encoding/json allocates a slice element per array element (16
// MiB of "{}," is 5.6 million of them). json.Unmarshal, unlike a Decoder,
// does not copy the body.
func decodeSubmitJSON(body []byte, maxEntries int) (*SubmitRequest, error) {
	if err := scanTopLevel(body, maxEntries); err != nil {
		return nil, err
	}
	var req SubmitRequest
	if err := json.Unmarshal(body, &req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			// te.Field is the JSON path of the member, never a Go name.
			return nil, fmt.Errorf("%w: %s has the wrong type", ErrBadRequest, te.Field)
		}
		return nil, errNotJSON
	}
	return &req, nil
}

// Members of a request, as scanTopLevel tells them apart.
const (
	memberUnknown = iota
	memberKeys
	memberEnvelopes
	memberBatch
)

// memberOf matches a member name as encoding/json matches it to a field:
// exactly, or else equal under Unicode case folding.
func memberOf(name []byte) int {
	for _, m := range []struct {
		name string
		id   int
	}{{"public_keys", memberKeys}, {"envelopes", memberEnvelopes}, {"batch", memberBatch}} {
		if bytes.EqualFold(name, []byte(m.name)) {
			return m.id
		}
	}
	return memberUnknown
}

// scanTopLevel walks the members of the object body without building
// anything. It returns an error for an unknown member name and for a
// public_keys or envelopes array longer than its cap, as soon as it
// reaches it; on anything that is not JSON it stops with nil and leaves
// the verdict to json.Unmarshal. It must not stop early on valid JSON, or
// a later array would go uncounted: skip handles every value and
// FuzzDecodeSubmitJSON checks the whole against encoding/json.
func scanTopLevel(body []byte, maxEntries int) error {
	r := fastReader{b: body}
	if !r.byte('{') || r.byte('}') {
		return nil
	}
	for {
		r.ws()
		start := r.i
		if !r.str() {
			return nil
		}
		name := body[start+1 : r.i-1]
		if bytes.IndexByte(name, '\\') >= 0 || !utf8.Valid(name) {
			// encoding/json unquotes names (and replaces bad UTF-8)
			// before matching them.
			var s string
			if json.Unmarshal(body[start:r.i], &s) != nil {
				return nil
			}
			name = []byte(s)
		}
		member := memberOf(name)
		if member == memberUnknown {
			return fmt.Errorf("%w: unknown member %.40q", ErrBadRequest, name)
		}
		if !r.byte(':') {
			return nil
		}
		if member == memberBatch || !r.byte('[') {
			if !r.skip() {
				return nil
			}
		} else {
			limit, tooMany := maxEntries, tooManyEntries(maxEntries)
			if member == memberKeys {
				limit, tooMany = maxRequestKeys, errTooManyKeys
			}
			for n := 1; !r.byte(']'); n++ {
				if n > 1 && !r.byte(',') {
					return nil
				}
				if n > limit {
					return tooMany
				}
				if !r.skip() {
					return nil
				}
			}
		}
		if r.byte('}') {
			return nil
		}
		if !r.byte(',') {
			return nil
		}
	}
}

// skip moves past one value without checking it, beyond matching
// brackets and strings: scanTopLevel only counts, and json.Unmarshal
// checks. It nests without recursion, so any depth is fine.
func (r *fastReader) skip() bool {
	r.ws()
	depth := 0
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case '"':
			if !r.str() {
				return false
			}
			if depth == 0 {
				return true
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return true // the end of the enclosing value
			}
			if depth--; depth == 0 {
				r.i++
				return true
			}
		case ',':
			if depth == 0 {
				return true
			}
		}
		r.i++
	}
	return depth == 0
}
