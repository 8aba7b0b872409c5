package receipt

import (
	"bytes"
	"strings"
	"testing"
)

// TestTraceFields: a receipt may carry a trace root and size (x/infer
// takes it as a claim); both survive signing, strict decoding and
// verification, and a receipt without them encodes as before (neither
// member is written).
func TestTraceFields(t *testing.T) {
	pub, priv := testKey("provider")
	plain := signed(t, priv, 1)
	if bytes.Contains(plain.Payload, []byte("trace")) {
		t.Fatalf("a receipt without a trace names one: %s", plain.Payload)
	}
	st := testStatement(pub, 1)
	st.Predicate.TraceRoot = digestID("sha256", "trace")
	st.Predicate.TraceSize = 42
	env, err := Sign(st, priv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(env.Payload, []byte(`"traceRoot":"`+st.Predicate.TraceRoot+`","traceSize":42}`)) {
		t.Fatalf("payload %s", env.Payload)
	}
	dec, err := DecodeEnvelope(env.Canonical())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(dec, pub)
	if err != nil {
		t.Fatal(err)
	}
	if got.Predicate.TraceRoot != st.Predicate.TraceRoot || got.Predicate.TraceSize != 42 {
		t.Fatalf("trace fields changed: %+v", got.Predicate)
	}
	// The strict decoder and the reference decoder agree on the new members.
	payload := string(env.Payload)
	for _, s := range []string{payload, strings.Replace(payload, `"traceSize":42`, `"traceSize":0`, 1)} {
		if !agree(t, []byte(s)) {
			t.Errorf("rejected %s", s)
		}
	}
	for _, s := range []string{
		strings.Replace(payload, `"traceSize":42`, `"traceSize":-1`, 1),
		strings.Replace(payload, `"traceSize":42`, `"traceSize":"42"`, 1),
		strings.Replace(payload, `"traceRoot":"`+st.Predicate.TraceRoot+`"`, `"traceRoot":""`, 1),
		strings.Replace(payload, `"traceSize":42`, `"traceSize":42,"traceSize":42`, 1),
	} {
		if agree(t, []byte(s)) {
			t.Errorf("accepted %s", s)
		}
	}
}

func TestTraceFieldsValidate(t *testing.T) {
	pub, _ := testKey("provider")
	for name, c := range map[string]struct {
		root string
		size uint64
		ok   bool
	}{
		"none":             {"", 0, true},
		"both":             {digestID("sha256", "t"), 2, true},
		"root only":        {digestID("sha256", "t"), 0, false},
		"size only":        {"", 5, false},
		"blake3 root":      {digestID("blake3", "t"), 5, false},
		"upper-case hex":   {strings.ToUpper(digestID("sha256", "t")), 5, false},
		"short root":       {digestID("sha256", "t")[:70], 5, false},
		"size below input": {digestID("sha256", "t"), 1, false},
	} {
		st := testStatement(pub, 1)
		st.Predicate.TraceRoot, st.Predicate.TraceSize = c.root, c.size
		if err := st.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: Validate = %v", name, err)
		}
	}
}
