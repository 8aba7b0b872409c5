package receiptlog

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// fastAgrees fails t if the fast path takes body but encoding/json reads it
// differently or refuses it. It reports whether the fast path took it.
func fastAgrees(t *testing.T, body []byte) bool {
	t.Helper()
	fast, ok := decodeSubmitFast(body)
	if !ok {
		return false
	}
	slow, err := decodeSubmitJSON(body)
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
		if !fastAgrees(t, body) {
			t.Fatalf("fast path refused %.80q", body)
		}
	}
	for _, s := range []string{
		` { "batch" : {"a":[1,-0.5e+3,true,false,null,"\u00e9\n",{}],"b":[]} , "public_keys" : [ ] } `,
		`{"envelopes":[],"public_keys":[` + key + `,"x"]}`,
		`{"batch":{"x":"` + "\xff" + `"}}`,
	} {
		if !fastAgrees(t, []byte(s)) {
			t.Errorf("fast path refused %q", s)
		}
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
		if fastAgrees(t, []byte(s)) {
			t.Errorf("fast path took %q", s)
		}
	}
}

func FuzzDecodeSubmitFast(f *testing.F) {
	pub, priv := testKey("p1")
	f.Add([]byte(`{"public_keys":["` + base64Std(pub) + `"],"batch":` + string(batch(f, priv, testModel, 0, 2).Canonical()) + `}`))
	f.Add([]byte(`{"public_keys":["` + base64Std(pub) + `"],"envelopes":[` + string(envelope(f, priv, testModel, 1).Canonical()) + `]}`))
	f.Add([]byte(`{"batch":{"a":[1,-0.5e+3,true,false,null,"\u00e9\n",{}],"b":[]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fastAgrees(t, body)
	})
}
