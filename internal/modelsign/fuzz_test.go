package modelsign

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"reflect"
	"testing"
	"time"
)

// FuzzParseBundle checks the bundle reader on arbitrary input: it never
// panics, every error is ErrMalformedBundle or ErrUnsupportedBundle, and a
// bundle it accepts writes back (MarshalJSON) to JSON that parses to the
// same bundle and verifies with the same outcome under each kind of trust.
// Seeds are bundles generated here (key, certificate chain, Sigstore),
// never copies of third-party files.
func FuzzParseBundle(f *testing.F) {
	fx := newSigstoreFixture(f)
	_, payload := writeModel(f)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pub := &PublicKey{Key: &key.PublicKey, DER: der}
	env := signEnvelope(f, key, payload)
	now := time.Now()
	leaf := fx.interCA.issue(f, leafOpts{pub: &key.PublicKey, cn: "signer", notBefore: now.Add(-time.Hour), notAfter: now.Add(time.Hour), usage: x509.KeyUsageDigitalSignature})
	seeds := []*Bundle{
		{MediaType: MediaTypeV03, Envelope: env, PublicKeyHint: KeyHint(der)},
		{MediaType: MediaTypeV01, Envelope: env, PublicKey: der, KeyDetails: "PKIX_ECDSA_P256_SHA_256"},
		{MediaType: MediaTypeV02, Envelope: env, Certificates: []*x509.Certificate{leaf, fx.interCA.cert}},
		fx.bundle(f, payload, sigstoreOpts{}),
		fx.bundle(f, payload, sigstoreOpts{noProof: true}),
	}
	for _, b := range seeds {
		data, err := b.MarshalJSON()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.3","verificationMaterial":{"publicKey":{"rawBytes":"!"}}}`))
	trusts := []Trust{
		{Key: pub},
		{Roots: []*x509.Certificate{fx.rootCA.cert}, Now: now},
		{Sigstore: &SigstorePolicy{Root: fx.root, Identity: testIdentity, Issuer: testIssuer}},
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedBundle) && !errors.Is(err, ErrUnsupportedBundle) {
				t.Fatalf("error %v is neither ErrMalformedBundle nor ErrUnsupportedBundle", err)
			}
			return
		}
		out, err := b.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		b2, err := ParseBundle(out)
		if err != nil {
			t.Fatalf("accepted bundle does not parse back: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(comparable(b), comparable(b2)) {
			t.Fatalf("round trip changed the bundle:\n%+v\n%+v", comparable(b), comparable(b2))
		}
		for _, tr := range trusts {
			_, e1 := Verify(b, tr)
			_, e2 := Verify(b2, tr)
			if (e1 == nil) != (e2 == nil) || (e1 != nil && e1.Error() != e2.Error()) {
				t.Fatalf("verification differs after a round trip: %v / %v", e1, e2)
			}
		}
	})
}

// comparable is b with certificates as their DER.
func comparable(b *Bundle) any {
	c := *b
	raws := make([][]byte, len(c.Certificates))
	for i, cert := range c.Certificates {
		raws[i] = cert.Raw
	}
	c.Certificates = nil
	return struct {
		B     Bundle
		Certs [][]byte
	}{c, raws}
}
