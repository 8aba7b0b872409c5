package receiptlog

import (
	"encoding/base64"
	"encoding/json"
	"testing"
)

func base64Std(p []byte) string { return base64.StdEncoding.EncodeToString(p) }

func FuzzDecodeSubmitRequest(f *testing.F) {
	pub, priv := testKey("p1")
	env := envelope(f, priv, testModel, 1)
	b := batch(f, priv, testModel, 0, 2)
	f.Add([]byte(`{"public_keys":["` + base64Std(pub) + `"],"envelopes":[` + string(env.Canonical()) + `]}`))
	f.Add([]byte(`{"public_keys":["` + base64Std(pub) + `"],"batch":` + string(b.Canonical()) + `}`))
	f.Add([]byte(`{"public_keys":[],"batch":null}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, pubs, err := DecodeSubmitRequest(body, DefaultMaxEntries)
		if err != nil {
			if req != nil || pubs != nil {
				t.Fatal("error with a result")
			}
			return
		}
		if len(pubs) != len(req.PublicKeys) || len(pubs) == 0 {
			t.Fatal("keys not all decoded")
		}
		for _, p := range pubs {
			if len(p) != 32 {
				t.Fatal("bad key length accepted")
			}
		}
		if len(req.Envelopes) > DefaultMaxEntries {
			t.Fatal("more envelopes than the cap accepted")
		}
		if (len(req.Envelopes) > 0) == (len(req.Batch) > 0 && string(req.Batch) != "null") {
			t.Fatal("accepted neither or both of envelopes and batch")
		}
	})
}

func FuzzDecodeBundle(f *testing.F) {
	pub, priv := testKey("p1")
	env := envelope(f, priv, testModel, 1)
	good := Bundle{LogID: "prova.local/receipts", Index: 3, Entry: env.Canonical(), ProviderKey: pub,
		Checkpoint: "prova.local/receipts\n4\nAAAA\n", InclusionProof: [][]byte{make([]byte, 32)}}
	raw, _ := json.Marshal(good)
	f.Add(raw)
	f.Add([]byte(`{"log_id":"x"}`))
	f.Add([]byte(`{"log_id":"x","index":1,"entry":"","provider_key":"","checkpoint":"","inclusion_proof":[]} x`))
	f.Fuzz(func(t *testing.T, in []byte) {
		b, err := DecodeBundle(in)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes and decodes to the same bundle, and
		// verifying it never panics.
		again, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		b2, err := DecodeBundle(again)
		if err != nil {
			t.Fatalf("re-encoded bundle does not decode: %v", err)
		}
		if b2.Index != b.Index || string(b2.Entry) != string(b.Entry) || b2.Checkpoint != b.Checkpoint {
			t.Fatal("round trip changed the bundle")
		}
		_, _ = VerifyBundle(*b, "prova.local/receipts+00000000+AQ==")
	})
}
