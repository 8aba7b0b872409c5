package receipt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// refEnvelope is the reference path from JSON to an Envelope: the
// reflection-based decoder and the re-encoding base64 check.
func refEnvelope(w *wireEnvelope) (*Envelope, error) {
	payload, err := decodeBase64Ref("payload", w.Payload)
	if err != nil {
		return nil, err
	}
	env := &Envelope{PayloadType: w.PayloadType, Payload: payload}
	for _, s := range w.Signatures {
		sig, err := decodeBase64Ref("sig", s.Sig)
		if err != nil {
			return nil, err
		}
		env.Signatures = append(env.Signatures, Signature{KeyID: s.KeyID, Sig: sig})
	}
	return env, nil
}

func rawToWire(r *rawEnvelope) wireEnvelope {
	w := wireEnvelope{Payload: string(r.payload), PayloadType: r.payloadType}
	if r.signatures != nil {
		w.Signatures = make([]wireSignature, len(r.signatures))
	}
	for i, s := range r.signatures {
		w.Signatures[i] = wireSignature{KeyID: s.keyID, Sig: string(s.sig)}
	}
	return w
}

func sameEnvelope(a, b *Envelope) bool {
	if a.PayloadType != b.PayloadType || !bytes.Equal(a.Payload, b.Payload) || len(a.Signatures) != len(b.Signatures) {
		return false
	}
	for i := range a.Signatures {
		if a.Signatures[i].KeyID != b.Signatures[i].KeyID || !bytes.Equal(a.Signatures[i].Sig, b.Signatures[i].Sig) {
			return false
		}
	}
	return true
}

// agree fails t unless the single-pass decoder and the reference decoder
// both reject b with ErrMalformed or both accept it with equal results, for
// every type decoded here. It reports whether any type accepted b.
func agree(t *testing.T, b []byte) bool {
	t.Helper()
	accepted := false
	check := func(what string, errNew, errRef error, same func() bool) {
		t.Helper()
		if (errNew == nil) != (errRef == nil) {
			t.Fatalf("%s of %q: single pass %v, reference %v", what, b, errNew, errRef)
		}
		if errNew != nil {
			if !errors.Is(errNew, ErrMalformed) {
				t.Fatalf("%s of %q: error without ErrMalformed: %v", what, b, errNew)
			}
			return
		}
		accepted = true
		if !same() {
			t.Fatalf("%s of %q: results differ", what, b)
		}
	}
	{
		var a, r Statement
		check("statement", decodeStrict(b, &a), decodeStrictRef(b, &r), func() bool { return reflect.DeepEqual(a, r) })
	}
	{
		var a, r RootStatement
		check("root statement", decodeStrict(b, &a), decodeStrictRef(b, &r), func() bool { return reflect.DeepEqual(a, r) })
	}
	{
		var a rawEnvelope
		var r wireEnvelope
		check("envelope", decodeStrict(b, &a), decodeStrictRef(b, &r), func() bool {
			if !reflect.DeepEqual(rawToWire(&a), r) {
				return false
			}
			// Then base64: both checks agree and give the same bytes.
			ea, errA := a.envelope()
			er, errR := refEnvelope(&r)
			if errR == nil {
				errR = er.checkShape()
				if errR == nil && (!validKeyID(er.Signatures[0].KeyID) || len(er.Signatures[0].Sig) != 64) {
					errR = ErrMalformed
				}
			}
			if (errA == nil) != (errR == nil) {
				t.Fatalf("envelope of %q: single pass %v, reference %v", b, errA, errR)
			}
			return errA != nil || sameEnvelope(ea, er)
		})
	}
	{
		var a rawBatch
		var r wireBatch
		check("batch", decodeStrict(b, &a), decodeStrictRef(b, &r), func() bool {
			if len(a.receipts) != len(r.Receipts) || (a.receipts == nil) != (r.Receipts == nil) {
				return false
			}
			for i := range a.receipts {
				if string(a.receipts[i]) != r.Receipts[i] {
					return false
				}
			}
			return reflect.DeepEqual(rawToWire(&a.root), r.Root)
		})
	}
	{
		var a rawMember
		var r wireMember
		check("member", decodeStrict(b, &a), decodeStrictRef(b, &r), func() bool {
			return string(a.statement) == r.Statement && a.index == r.Index &&
				reflect.DeepEqual(a.proof, r.Proof) && reflect.DeepEqual(rawToWire(&a.root), r.Root)
		})
	}
	return accepted
}

func TestStrictDecoderMatchesReference(t *testing.T) {
	_, priv := testKey("provider")
	env := signed(t, priv, 1)
	b := signedBatch(t, priv, 3)
	ms, err := b.Members()
	if err != nil {
		t.Fatal(err)
	}
	payload := string(env.Payload)
	accept := []string{
		payload, string(b.Root.Payload), string(env.Canonical()), string(b.Canonical()), string(ms[2].Canonical()),
		" \t\r\n" + payload + " \n",
		// Escapes decode as encoding/json decodes them.
		strings.Replace(payload, `"_type"`, `"\u005ftype"`, 1),
		strings.Replace(payload, `"req-1"`, `"req-\u00e9\ud83d\ude00\ud800\udc00\ud800x\udc00\\\/\"\b\f\n\r\t"`, 1),
		strings.Replace(payload, `"input":12`, `"input":18446744073709551615`, 1),
		strings.Replace(payload, `"input":12`, `"input":0`, 1),
		strings.Replace(payload, `"temperature":"0"`, `"temperature":"", "":"x"`, 1),
		strings.Replace(payload, `,"parameters":{"max_tokens":"256","temperature":"0"}`, `,"parameters":{}`, 1),
		strings.Replace(payload, `,"parameters":{"max_tokens":"256","temperature":"0"}`, ``, 1),
		strings.Replace(payload, `"subject":[{"name":"output","digest":{`, `"subject":[{"name":"\u006Futput","digest":{"sha256":"00",`, 1),
		`{"receipts":["` + base64.StdEncoding.EncodeToString([]byte("x")) + `"],"root":` + string(env.Canonical()) + `}`,
		`{"payload":"\u0065\u0033\u0030=","payloadType":"a","signatures":[]}`,
	}
	for _, s := range accept {
		if !agree(t, []byte(s)) {
			t.Errorf("nothing accepted %q", s)
		}
	}
	reject := []string{
		"", " ", "{", "}", "null", "[]", `{}`, "\xff",
		payload + "x", payload + payload, payload + ",",
		strings.Replace(payload, `"_type"`, `"_Type"`, 1),
		strings.Replace(payload, `"_type"`, `"_type":"a","_type"`, 1),
		strings.Replace(payload, `"_type"`, `"\u005ftype":"a","_type"`, 1),
		strings.Replace(payload, `"_type"`, `"extra":1,"_type"`, 1),
		strings.Replace(payload, `"req-1"`, `""`, 1),
		strings.Replace(payload, `"req-1"`, `null`, 1),
		strings.Replace(payload, `"req-1"`, `1`, 1),
		strings.Replace(payload, `"req-1"`, `true`, 1),
		strings.Replace(payload, `"req-1"`, `"a`+"\x01"+`"`, 1),
		strings.Replace(payload, `"req-1"`, `"\x"`, 1),
		strings.Replace(payload, `"req-1"`, `"\u12"`, 1),
		strings.Replace(payload, `"input":12`, `"input":18446744073709551616`, 1),
		strings.Replace(payload, `"input":12`, `"input":-1`, 1),
		strings.Replace(payload, `"input":12`, `"input":-0`, 1),
		strings.Replace(payload, `"input":12`, `"input":012`, 1),
		strings.Replace(payload, `"input":12`, `"input":12.0`, 1),
		strings.Replace(payload, `"input":12`, `"input":1e1`, 1),
		strings.Replace(payload, `"input":12`, `"input":"12"`, 1),
		strings.Replace(payload, `"input":12`, `"input":12 3`, 1),
		strings.Replace(payload, `"temperature":"0"`, `"temperature":"0","temperature":"1"`, 1),
		strings.Replace(payload, `"temperature":"0"`, `"temperature":0`, 1),
		strings.Replace(payload, `"temperature":"0"`, `"temperature":null`, 1),
		strings.Replace(payload, `"temperature":"0"`, `"temperature":"0",`, 1),
		strings.Replace(payload, `,"tokens"`, `,"parametersDigest":"","tokens"`, 1),
		strings.Replace(payload, `,"requestId":"req-1"`, ``, 1),
		strings.Replace(payload, `"subject":[{`, `"subject":[{},{`, 1),
		strings.Replace(payload, `}]`, `},]`, 1),
		strings.Replace(payload, `,`, `,,`, 1),
		strings.Replace(payload, `,`, ` , `, 1)[:len(payload)-1],
		strings.Replace(payload, `"subject":[{"name":"output","digest":{`, `"subject":[{"digest":{"sha256":"00",`, 1),
		`{"receipts":[""],"root":` + string(env.Canonical()) + `}`,
		`{"receipts":[],"root":` + string(env.Canonical()) + `,"receipts":[]}`,
	}
	for _, s := range reject {
		if agree(t, []byte(s)) {
			t.Errorf("accepted %q", s)
		}
	}
}

// TestDecodeBase64MatchesReference checks the length-based canonical check
// against re-encoding.
func TestDecodeBase64MatchesReference(t *testing.T) {
	for _, s := range []string{"", "QQ==", "QR==", "QQ=", "QQ", "QUJD", "QUJD\n", "QU\r\nJD", "QUJDRA==", "QUJDRA=", "QUJDRA===", "QQ==QQ==", "Q Q==", "////", "-_-_", "QUJDRA==\n"} {
		a, errA := decodeBase64(named("x"), []byte(s))
		r, errR := decodeBase64Ref("x", s)
		if (errA == nil) != (errR == nil) || !bytes.Equal(a, r) {
			t.Fatalf("%q: %x %v, reference %x %v", s, a, errA, r, errR)
		}
	}
}

// FuzzStrictDecoder checks that the single-pass decoder accepts and rejects
// what the reference decoder does, with the same values, for every type.
func FuzzStrictDecoder(f *testing.F) {
	_, priv := testKey("provider")
	env := signed(f, priv, 1)
	b := signedBatch(f, priv, 3)
	ms, err := b.Members()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][]byte{env.Payload, b.Root.Payload, env.Canonical(), b.Canonical(), ms[1].Canonical(),
		[]byte(`{"a":"\ud800\udc00\u00e9\/","b":[1,-0,1e5,true,false,null,{}]}`),
		[]byte(`{"payload":"QQ==","payloadType":"x","signatures":[{"keyid":"k","sig":"QR=="}]}`),
		[]byte(`{"statement":"QQ==","index":0,"proof":[],"root":{"payload":"QQ==","payloadType":"x","signatures":[]}}`),
	} {
		f.Add(s)
	}
	for _, s := range mutations(env.Canonical()) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		agree(t, b)
		a, errA := decodeBase64(named("x"), b)
		r, errR := decodeBase64Ref("x", string(b))
		if (errA == nil) != (errR == nil) || !bytes.Equal(a, r) {
			t.Fatalf("base64 %q: %x %v, reference %x %v", b, a, errA, r, errR)
		}
	})
}

// canonicalAgrees fails t unless Canonical's direct writer, where it
// applies, writes what encoding/json writes.
func canonicalAgrees(t *testing.T, env *Envelope) {
	t.Helper()
	want := env.canonicalJSON()
	got, ok := env.appendCanonical(nil)
	if ok && !bytes.Equal(got, want) {
		t.Fatalf("direct %s\nencoding/json %s", got, want)
	}
	if !bytes.Equal(env.Canonical(), want) {
		t.Fatal("Canonical differs from encoding/json")
	}
}

func TestEnvelopeCanonicalMatchesEncodingJSON(t *testing.T) {
	_, priv := testKey("provider")
	env := signed(t, priv, 1)
	if _, ok := env.appendCanonical(nil); !ok {
		t.Fatal("a signed envelope does not take the direct writer")
	}
	canonicalAgrees(t, env)
	for _, odd := range []string{"", "a\"b", `a\b`, "a\nb", "<&>", "é", "\u2028", "\xff", "~ !"} {
		e := *env
		e.PayloadType = odd
		canonicalAgrees(t, &e)
		e = *env
		e.Signatures = []Signature{{KeyID: odd, Sig: []byte{1, 2}}, {KeyID: "k"}}
		canonicalAgrees(t, &e)
		e.Signatures = nil
		canonicalAgrees(t, &e)
	}
}

// FuzzEnvelopeCanonical: Canonical writes, for any envelope, exactly what
// encoding/json writes (the reference), and those bytes decode with
// encoding/json back to the envelope's fields wherever its strings are
// valid UTF-8 (encoding/json replaces invalid bytes).
func FuzzEnvelopeCanonical(f *testing.F) {
	f.Add([]byte("payload"), PayloadType, "ed25519:ab", []byte("sig"), uint8(1))
	f.Add([]byte{}, "a\"<", "\x00", []byte{}, uint8(3))
	f.Add([]byte{0xff}, "\xff\u2028", "k\\", []byte{0}, uint8(2))
	f.Fuzz(func(t *testing.T, payload []byte, typ, keyID string, sig []byte, n uint8) {
		env := &Envelope{PayloadType: typ, Payload: payload}
		for i := range int(n % 4) {
			env.Signatures = append(env.Signatures, Signature{KeyID: keyID[:len(keyID)*i/3], Sig: sig})
		}
		canonicalAgrees(t, env)
		var w wireEnvelope
		if err := json.Unmarshal(env.Canonical(), &w); err != nil {
			t.Fatalf("canonical form does not decode: %v", err)
		}
		want := env.wire()
		if !utf8.ValidString(typ) {
			w.PayloadType = want.PayloadType
		}
		if !utf8.ValidString(keyID) {
			for i := range w.Signatures {
				w.Signatures[i].KeyID = want.Signatures[i].KeyID
			}
		}
		if !reflect.DeepEqual(w, want) {
			t.Fatalf("canonical form decodes to %+v, want %+v", w, want)
		}
	})
}
