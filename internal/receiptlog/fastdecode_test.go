package receiptlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// fastAgrees fails t if the fast path takes body but encoding/json reads it
// differently or refuses it, with maxEntries as the envelope cap. It
// reports whether the fast path took it.
func fastAgrees(t *testing.T, body []byte, maxEntries int) bool {
	t.Helper()
	fast, ok := decodeSubmitFast(body, maxEntries)
	if !ok {
		return false
	}
	if len(fast.Envelopes) > maxEntries || len(fast.PublicKeys) > maxRequestKeys {
		t.Fatalf("fast path took %d envelopes and %d keys over the caps", len(fast.Envelopes), len(fast.PublicKeys))
	}
	slow, err := decodeSubmitJSON(body, maxEntries)
	if err != nil {
		t.Fatalf("fast path took %q, encoding/json refuses it: %v", body, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q: fast path %+v, encoding/json %+v", body, fast, slow)
	}
	return true
}

func TestDecodeSubmitFast(t *testing.T) {
	pub, priv := testKey("p1")
	env := string(envelope(t, priv, testModel, 1).Canonical())
	b := string(batch(t, priv, testModel, 0, 3).Canonical())
	key := `"` + base64Std(pub) + `"`
	// What clients send takes the fast path.
	for _, req := range []SubmitRequest{
		{PublicKeys: []string{base64Std(pub)}, Batch: json.RawMessage(b)},
		{PublicKeys: []string{base64Std(pub)}, Envelopes: []json.RawMessage{json.RawMessage(env), json.RawMessage(env)}},
	} {
		body, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		if !fastAgrees(t, body, DefaultMaxEntries) {
			t.Fatalf("fast path refused %.80q", body)
		}
	}
	for _, s := range []string{
		` { "batch" : {"a":[1,-0.5e+3,true,false,null,"\u00e9\n",{}],"b":[]} , "public_keys" : [ ] } `,
		`{"envelopes":[],"public_keys":[` + key + `,"x"]}`,
		`{"batch":{"x":"` + "\xff" + `"}}`,
	} {
		if !fastAgrees(t, []byte(s), DefaultMaxEntries) {
			t.Errorf("fast path refused %q", s)
		}
	}
	// Over the caps it gives up, and encoding/json gives the error.
	over := `{"public_keys":[` + key + `],"envelopes":[` + env + `,` + env + `,` + env + `]}`
	if fastAgrees(t, []byte(over), 2) {
		t.Error("fast path took 3 envelopes with a cap of 2")
	}
	if _, err := decodeSubmitJSON([]byte(over), 2); !errors.Is(err, ErrTooLarge) {
		t.Errorf("encoding/json path: %v, want ErrTooLarge", err)
	}
	if !fastAgrees(t, []byte(over), 3) {
		t.Error("fast path refused 3 envelopes with a cap of 3")
	}
	// Anything unusual is left to encoding/json.
	for _, s := range []string{
		``, `{}`, `{"batch":null}`, `{"batch":[]}`, `{"batch":1}`, `{"Batch":{}}`, `{"batch":{},"batch":{}}`,
		`{"public_keys":["\u0041"]}`, `{"public_keys":[1]}`, `{"public_keys":null}`, `{"envelopes":[null]}`,
		`{"batch":{}} x`, `{"batch":{}}{}`, `{"batch":{"a":01}}`, `{"batch":{"a":1.}}`, `{"batch":{"a":-}}`,
		`{"batch":{"a":"` + "\x01" + `"}}`, `{"batch":{"a":"\x"}}`, `{"batch":{"a":tru}}`, `{"batch":{"a":1,}}`,
		`{"batch":{"a" 1}}`, `{"batch":{1:1}}`, `{"batch":` + strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40) + `}`,
		`{"batch":{},}`, `{"extra":1,"batch":{}}`, `{"public_keys":["é"]}`,
	} {
		if fastAgrees(t, []byte(s), DefaultMaxEntries) {
			t.Errorf("fast path took %q", s)
		}
	}
}

func FuzzDecodeSubmitFast(f *testing.F) {
	pub, priv := testKey("p1")
	f.Add([]byte(`{"public_keys":["` + base64Std(pub) + `"],"batch":` + string(batch(f, priv, testModel, 0, 2).Canonical()) + `}`))
	f.Add([]byte(`{"public_keys":["` + base64Std(pub) + `"],"envelopes":[` + string(envelope(f, priv, testModel, 1).Canonical()) + `]}`))
	f.Add([]byte(`{"batch":{"a":[1,-0.5e+3,true,false,null,"\u00e9\n",{}],"b":[]}}`))
	f.Add([]byte(`{"public_keys":[],"envelopes":[{},{},{}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fastAgrees(t, body, DefaultMaxEntries)
		fastAgrees(t, body, 2) // the cap within reach of the fuzzer
	})
}

// oracleDecodeSubmit is decodeSubmitJSON as it was before the caps: a
// Decoder with DisallowUnknownFields over the whole body.
func oracleDecodeSubmit(body []byte) (*SubmitRequest, error) {
	var req SubmitRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON object")
	}
	return &req, nil
}

// longestArrays is, by encoding/json's own tokens, the longest array given
// for public_keys and for envelopes (any spelling encoding/json matches),
// over every occurrence of the member.
func longestArrays(body []byte) (keys, envelopes int) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return 0, 0
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return keys, envelopes
		}
		name, _ := tok.(string)
		var raw []json.RawMessage
		if dec.Decode(&raw) != nil {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return keys, envelopes
			}
			continue
		}
		switch {
		case strings.EqualFold(name, "public_keys"):
			keys = max(keys, len(raw))
		case strings.EqualFold(name, "envelopes"):
			envelopes = max(envelopes, len(raw))
		}
	}
	return keys, envelopes
}

// The capped encoding/json path reads what the uncapped one read, refuses
// what it refused, and refuses more only where an array is over a cap.
func FuzzDecodeSubmitJSON(f *testing.F) {
	pub, priv := testKey("p1")
	key := `"` + base64Std(pub) + `"`
	env := string(envelope(f, priv, testModel, 1).Canonical())
	f.Add([]byte(`{"public_keys":[` + key + `],"envelopes":[` + env + `,` + env + `]}`))
	f.Add([]byte(`{"public_keys":[` + key + `],"envelopes":[{},{},{}],"Envelopes":[{}]}`))
	f.Add([]byte(`{"PUBLIC_KEYS":["\u0041"],"b\u0061tch":{"a":[1,{"]":"["}]}}`))
	f.Add([]byte(`{"envelopes":[[[[[[]]]]],{"x":"\"]"},1,"s",null],"extra":1}`))
	f.Add([]byte(`null`))
	const maxEntries = 3
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeSubmitJSON(body, maxEntries)
		want, werr := oracleDecodeSubmit(body)
		keys, envs := longestArrays(body)
		switch {
		case werr != nil:
			if err == nil {
				t.Fatalf("%q: accepted, encoding/json refuses it: %v", body, werr)
			}
			if !errors.Is(err, ErrBadRequest) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%q: error %v is neither bad request nor too large", body, err)
			}
		case err == nil:
			if keys > maxRequestKeys || envs > maxEntries {
				t.Fatalf("%q: accepted with %d keys and %d envelopes", body, keys, envs)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: read %+v, encoding/json %+v", body, got, want)
			}
		case errors.Is(err, ErrTooLarge):
			if envs <= maxEntries {
				t.Fatalf("%q: %v with at most %d envelopes", body, err, envs)
			}
		case errors.Is(err, errTooManyKeys):
			if keys <= maxRequestKeys {
				t.Fatalf("%q: %v with at most %d keys", body, err, keys)
			}
		default:
			t.Fatalf("%q: refused (%v), encoding/json reads it", body, err)
		}
	})
}
