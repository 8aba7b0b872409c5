package modelsign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// roundTrip writes b as JSON and parses it back, as a verifier reading
// model.sig would.
func roundTrip(t testing.TB, b *Bundle) *Bundle {
	t.Helper()
	data, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	out, err := ParseBundle(data)
	if err != nil {
		t.Fatalf("ParseBundle: %v\n%s", err, data)
	}
	return out
}

func TestSigstoreEndToEnd(t *testing.T) {
	f := newSigstoreFixture(t)
	dir, payload := writeModel(t)
	b := roundTrip(t, f.bundle(t, payload, sigstoreOpts{}))
	sig := filepath.Join(dir, "model.sig")
	data, _ := b.MarshalJSON()
	if err := os.WriteFile(sig, data, 0o644); err != nil {
		t.Fatal(err)
	}
	pol := &SigstorePolicy{Root: f.root, Identity: testIdentity, Issuer: testIssuer}
	r, err := VerifyModel(t.Context(), dir, sig, b, Trust{Sigstore: pol}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != MethodSigstore || r.Identity != testIdentity || r.OIDCIssuer != testIssuer || r.TlogIndex != 1003 ||
		r.SignedAt.Unix() != b.Tlog[0].IntegratedTime || r.Files != 3 || r.Issuer != f.interCA.cert.Subject.String() {
		t.Fatalf("result %+v", r)
	}
	// The same bundle with only a signed entry timestamp verifies too.
	if _, err := Verify(roundTrip(t, f.bundle(t, payload, sigstoreOpts{noProof: true})), Trust{Sigstore: pol}); err != nil {
		t.Fatalf("SET only: %v", err)
	}

	t.Run("model changed", func(t *testing.T) {
		d := copyDir(t, dir)
		if err := os.WriteFile(filepath.Join(d, "weights", "w.bin"), []byte("0123456780"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(d, "tokenizer.json")); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "extra.txt"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := VerifyModel(t.Context(), d, filepath.Join(d, "model.sig"), b, Trust{Sigstore: pol}, 0)
		if !errors.Is(err, ErrModelMismatch) || r == nil || len(r.Mismatches) != 3 {
			t.Fatalf("err = %v, result %+v", err, r)
		}
		for _, want := range []string{"weights/w.bin: digest", "tokenizer.json: missing", "extra.txt: unexpected"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not say %q: %v", want, err)
			}
		}
	})

	other := newCA(t, "other-fulcio", nil, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	otherLog := newSigstoreFixture(t)
	now := time.Now().Add(-time.Minute).Truncate(time.Second)
	tests := []struct {
		name   string
		bundle func() *Bundle
		policy func(p SigstorePolicy) SigstorePolicy
		want   error
		says   string
	}{
		{name: "changed payload byte", want: ErrSignature, bundle: func() *Bundle {
			c := f.bundle(t, payload, sigstoreOpts{})
			c.Envelope.Payload = bytes.Replace(c.Envelope.Payload, []byte("config.json"), []byte("config.jsoN"), 1)
			return c
		}},
		{name: "changed signature", want: ErrSignature, bundle: func() *Bundle {
			c := f.bundle(t, payload, sigstoreOpts{})
			c.Envelope.Signature[10] ^= 0x40
			return c
		}},
		{name: "certificate from another CA", want: ErrCertificate, says: "unknown authority", bundle: func() *Bundle {
			return f.bundle(t, payload, sigstoreOpts{issuingCA: other})
		}},
		{name: "certificate expired before logging", want: ErrCertificate, says: "expired", bundle: func() *Bundle {
			return f.bundle(t, payload, sigstoreOpts{at: now, notBefore: now.Add(-20 * time.Minute), notAfter: now.Add(-10 * time.Minute)})
		}},
		{name: "identity mismatch", want: ErrIdentity, says: "bob@example.com", policy: func(p SigstorePolicy) SigstorePolicy {
			p.Identity = "bob@example.com"
			return p
		}},
		{name: "issuer mismatch", want: ErrIdentity, says: "issuer", policy: func(p SigstorePolicy) SigstorePolicy {
			p.Issuer = "https://token.actions.githubusercontent.com"
			return p
		}},
		{name: "wrong inclusion proof", want: ErrTlog, says: "inclusion proof", bundle: func() *Bundle {
			c := f.bundle(t, payload, sigstoreOpts{})
			c.Tlog[0].Proof.Hashes[1][5] ^= 1
			return c
		}},
		{name: "proof for another index", want: ErrTlog, says: "inclusion proof", bundle: func() *Bundle {
			c := f.bundle(t, payload, sigstoreOpts{})
			c.Tlog[0].Proof.LogIndex = 2
			return c
		}},
		{name: "checkpoint by another key", want: ErrTlog, says: "checkpoint", bundle: func() *Bundle {
			c := f.bundle(t, payload, sigstoreOpts{})
			p := c.Tlog[0].Proof
			forged := otherLog.checkpoint(t, "log.example.com - 42", uint64(p.TreeSize), p.RootHash)
			text, _, _ := splitNote(forged)
			p.Checkpoint = text + "\n— log.example.com " + forgedLine(t, forged, f.logID) + "\n"
			return c
		}},
		{name: "changed integrated time", want: ErrTlog, says: "signed entry timestamp", bundle: func() *Bundle {
			c := f.bundle(t, payload, sigstoreOpts{})
			c.Tlog[0].IntegratedTime -= 60
			return c
		}},
		{name: "no signed entry timestamp", want: ErrTlog, says: "unproven", bundle: func() *Bundle {
			return f.bundle(t, payload, sigstoreOpts{noSET: true})
		}},
		{name: "entry from an unknown log", want: ErrTlog, says: "does not list", bundle: func() *Bundle {
			return otherLog.bundle(t, payload, sigstoreOpts{issuingCA: f.interCA})
		}},
		{name: "entry for another envelope", want: ErrTlog, says: "payload hash", bundle: func() *Bundle {
			c := f.bundle(t, payload, sigstoreOpts{})
			d := f.bundle(t, []byte(`{"other":1}`), sigstoreOpts{})
			c.Tlog = d.Tlog
			return c
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := b
			if tc.bundle != nil {
				c = roundTrip(t, tc.bundle())
			}
			p := *pol
			if tc.policy != nil {
				p = tc.policy(p)
			}
			_, err := Verify(c, Trust{Sigstore: &p})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v, want %v saying %q", err, tc.want, tc.says)
			}
		})
	}

	t.Run("no trusted root", func(t *testing.T) {
		_, err := Verify(b, Trust{})
		if !errors.Is(err, ErrNoTrust) || !strings.Contains(err.Error(), "trusted root") || !strings.Contains(err.Error(), testIdentity) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no identity", func(t *testing.T) {
		_, err := Verify(b, Trust{Sigstore: &SigstorePolicy{Root: f.root}})
		if !errors.Is(err, ErrNoTrust) || !strings.Contains(err.Error(), "identity") {
			t.Fatalf("err = %v", err)
		}
	})
}

// forgedLine returns a checkpoint signature line of forged (signed by
// another key) relabelled with the hint of logID.
func forgedLine(t *testing.T, forged string, logID []byte) string {
	t.Helper()
	_, lines, err := splitNote(forged)
	if err != nil {
		t.Fatal(err)
	}
	_, b64, _ := strings.Cut(strings.TrimPrefix(lines[0], "— "), " ")
	raw, _ := decodeBase64("line", b64)
	copy(raw, logID[:4])
	return base64.StdEncoding.EncodeToString(raw)
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestKeyAlgorithms signs a key bundle with every key type the verifier
// accepts, and checks each with the right key, another key and a changed
// signature.
func TestKeyAlgorithms(t *testing.T) {
	dir, payload := writeModel(t)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		key     crypto.Signer
		details string
		pss     bool
	}{
		{"P-256", p256, "PKIX_ECDSA_P256_SHA_256", false},
		{"P-384", p384, "", false},
		{"P-521", p521, "PKIX_ECDSA_P521_SHA_512", false},
		{"Ed25519", ed, "PKIX_ED25519", false},
		{"RSA PKCS1v15", rsaKey, "PKIX_RSA_PKCS1V15_2048_SHA256", false},
		{"RSA PSS", rsaKey, "PKIX_RSA_PSS_2048_SHA256", true},
		{"RSA PSS without details", rsaKey, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			der, _ := x509.MarshalPKIXPublicKey(tc.key.Public())
			pub := &PublicKey{Key: tc.key.Public(), DER: der}
			env := signEnvelope(t, tc.key, payload)
			if tc.pss {
				d := digest(sha256.New, PAE(env.PayloadType, payload))
				env.Signature, _ = rsa.SignPSS(rand.Reader, rsaKey, crypto.SHA256, d, nil)
			}
			b := roundTrip(t, &Bundle{MediaType: MediaTypeV03, Envelope: env, PublicKeyHint: KeyHint(der), KeyDetails: tc.details})
			r, err := VerifyModel(t.Context(), dir, "", b, Trust{Key: pub}, 0)
			if err != nil || r.KeyFingerprint != pub.Fingerprint() || r.Files != 3 {
				t.Fatalf("err = %v, result %+v", err, r)
			}
			b.Envelope.Signature[len(b.Envelope.Signature)/2] ^= 1
			if _, err := Verify(b, Trust{Key: pub}); !errors.Is(err, ErrSignature) {
				t.Fatalf("changed signature: err = %v", err)
			}
			other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			oder, _ := x509.MarshalPKIXPublicKey(&other.PublicKey)
			if _, err := Verify(b, Trust{Key: &PublicKey{Key: &other.PublicKey, DER: oder}}); !errors.Is(err, ErrKeyMismatch) {
				t.Fatalf("other key: err = %v", err)
			}
		})
	}
	t.Run("details for another curve", func(t *testing.T) {
		der, _ := x509.MarshalPKIXPublicKey(&p256.PublicKey)
		b := &Bundle{MediaType: MediaTypeV03, Envelope: signEnvelope(t, p256, payload), KeyDetails: "PKIX_ECDSA_P384_SHA_384"}
		if _, err := Verify(b, Trust{Key: &PublicKey{Key: &p256.PublicKey, DER: der}}); !errors.Is(err, ErrUnsupportedBundle) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestCertificateChain covers the certificate method with generated CAs:
// an intermediate from the bundle or from the verifier, key usage, and the
// time the chain is checked at.
func TestCertificateChain(t *testing.T) {
	_, payload := writeModel(t)
	now := time.Now()
	root := newCA(t, "root", nil, now.Add(-time.Hour), now.Add(time.Hour))
	inter := newCA(t, "inter", root, now.Add(-time.Hour), now.Add(time.Hour))
	key, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	mk := func(usage x509.KeyUsage, eku []x509.ExtKeyUsage, nb, na time.Time) *x509.Certificate {
		return inter.issue(t, leafOpts{pub: &key.PublicKey, cn: "signer", notBefore: nb, notAfter: na, usage: usage, extUsage: eku})
	}
	good := mk(x509.KeyUsageDigitalSignature, nil, now.Add(-time.Minute), now.Add(time.Hour))
	env := signEnvelope(t, key, payload)
	bundle := func(certs ...*x509.Certificate) *Bundle {
		return roundTrip(t, &Bundle{MediaType: MediaTypeV03, Envelope: env, Certificates: certs})
	}
	roots := []*x509.Certificate{root.cert}
	tests := []struct {
		name  string
		b     *Bundle
		trust Trust
		want  error
	}{
		{"chain in bundle", bundle(good, inter.cert), Trust{Roots: roots}, nil},
		{"intermediate from the verifier", bundle(good), Trust{Roots: roots, Intermediates: []*x509.Certificate{inter.cert}}, nil},
		{"intermediate as anchor", bundle(good), Trust{Roots: []*x509.Certificate{inter.cert}}, nil},
		{"code signing only", bundle(mk(0, []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, now.Add(-time.Minute), now.Add(time.Hour)), inter.cert), Trust{Roots: roots}, nil},
		{"no intermediate", bundle(good), Trust{Roots: roots}, ErrCertificate},
		{"may not sign", bundle(mk(x509.KeyUsageKeyEncipherment, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, now.Add(-time.Minute), now.Add(time.Hour)), inter.cert), Trust{Roots: roots}, ErrCertificate},
		{"TLS server certificate", bundle(mk(x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, now.Add(-time.Minute), now.Add(time.Hour)), inter.cert), Trust{Roots: roots}, ErrCertificate},
		{"digital signature, no extended usage", bundle(mk(x509.KeyUsageDigitalSignature, nil, now.Add(-time.Minute), now.Add(time.Hour)), inter.cert), Trust{Roots: roots}, nil},
		{"expired", bundle(mk(x509.KeyUsageDigitalSignature, nil, now.Add(-time.Hour), now.Add(-time.Minute)), inter.cert), Trust{Roots: roots}, ErrCertificate},
		{"not yet valid", bundle(good, inter.cert), Trust{Roots: roots, Now: now.Add(-30 * time.Minute)}, ErrCertificate},
		{"key bundle", roundTrip(t, &Bundle{MediaType: MediaTypeV03, Envelope: env, PublicKeyHint: "00"}), Trust{Roots: roots}, ErrNoTrust},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Verify(tc.b, tc.trust)
			if !errors.Is(err, tc.want) || (err != nil) != (tc.want != nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && (r.Subject != "CN=signer" || r.Method != MethodCertificate) {
				t.Fatalf("result %+v", r)
			}
		})
	}
}

func TestParseBundleErrors(t *testing.T) {
	valid := `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"ab"}},"dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AAAA"}]}}`
	if _, err := ParseBundle([]byte(valid)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, json string
		want       error
		says       string
	}{
		{"not json", `{"mediaType":`, ErrMalformedBundle, "unexpected EOF"},
		{"trailing data", valid + `{}`, ErrMalformedBundle, "after the bundle"},
		{"no media type", strings.Replace(valid, `"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",`, "", 1), ErrMalformedBundle, "no mediaType"},
		{"unknown media type", strings.Replace(valid, "v0.3+json", "v9+json", 1), ErrUnsupportedBundle, "v9"},
		{"no envelope", strings.Replace(valid, `"dsseEnvelope"`, `"x"`, 1), ErrMalformedBundle, "no dsseEnvelope"},
		{"message signature", strings.Replace(valid, `"dsseEnvelope"`, `"messageSignature"`, 1), ErrUnsupportedBundle, "messageSignature"},
		{"bad payload base64", strings.Replace(valid, `"e30="`, `"e30=!"`, 1), ErrMalformedBundle, "dsseEnvelope.payload is not base64"},
		{"bad sig base64", strings.Replace(valid, `"AAAA"`, `"A"`, 1), ErrMalformedBundle, "sig is not base64"},
		{"no signature", strings.Replace(valid, `[{"sig":"AAAA"}]`, `[]`, 1), ErrMalformedBundle, "no signature"},
		{"two signatures", strings.Replace(valid, `[{"sig":"AAAA"}]`, `[{"sig":"AAAA"},{"sig":"AAAA"}]`, 1), ErrUnsupportedBundle, "2 signatures"},
		{"no payload type", strings.Replace(valid, `"application/vnd.in-toto+json"`, `""`, 1), ErrMalformedBundle, "payloadType"},
		{"no material", strings.Replace(valid, `"verificationMaterial"`, `"x"`, 1), ErrMalformedBundle, "no verificationMaterial"},
		{"empty key material", strings.Replace(valid, `{"hint":"ab"}`, `{}`, 1), ErrMalformedBundle, "neither hint nor rawBytes"},
		{"bad certificate", strings.Replace(valid, `"publicKey":{"hint":"ab"}`, `"certificate":{"rawBytes":"AAAA"}`, 1), ErrMalformedBundle, "certificate 0"},
		{"bad tlog entry", strings.Replace(valid, `{"hint":"ab"}`, `{"hint":"ab"},"tlogEntries":[{"logIndex":"1"}]`, 1), ErrMalformedBundle, "kindVersion"},
		{"bad int64", strings.Replace(valid, `{"hint":"ab"}`, `{"hint":"ab"},"tlogEntries":[{"logIndex":"x"}]`, 1), ErrMalformedBundle, "int64"},
		{"too large", valid + strings.Repeat(" ", MaxBundleSize), ErrMalformedBundle, "over"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseBundle([]byte(tc.json))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v, want %v saying %q", err, tc.want, tc.says)
			}
		})
	}
}
