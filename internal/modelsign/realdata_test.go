package modelsign

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// realDir is sigstore/model-transparency's scripts/tests folder in the
// workspace's shared real data (see its README.md): bundles written by
// model_signing itself over the files beside them. Tests skip without it.
var realDir = filepath.Join("..", "..", "..", "shared", "realdata", "model-transparency")

func real(t *testing.T, parts ...string) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(realDir, "keys")); err != nil {
		t.Skip("no shared real data at", realDir)
	}
	return filepath.Join(append([]string{realDir}, parts...)...)
}

func readBundle(t *testing.T, path string) *Bundle {
	t.Helper()
	b, err := ReadBundle(path)
	if err != nil {
		t.Fatalf("ReadBundle(%s): %v", path, err)
	}
	return b
}

func readKey(t *testing.T, path string) *PublicKey {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParsePublicKeyPEM(data)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func readCerts(t *testing.T, path string) []*x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		if blk, data = pem.Decode(data); blk == nil {
			return out
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
}

// The subject digests below are the ones in each bundle's statement
// (model_signing computed them); ParseStatement checks them against the
// resources and MatchModel against the files.
const (
	digestOneFile  = "afa48c8674afe334b8a7dea34f7b46ab256e9255edf8da2132792341b667a45b"
	digestTwoFiles = "61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226"
	digestV11Key   = "92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4"
)

func TestRealKeyBundles(t *testing.T) {
	// model_signing's test scripts verify both key bundles with this key;
	// it is also the key v1.0.0 embedded, and the v1.1.0 hint is the
	// SHA-256 of its PEM (checked with openssl pkey -pubin | sha256sum).
	signer := readKey(t, real(t, "keys", "certificate", "signing-key-pub.pem"))
	v100 := readBundle(t, real(t, "v1.0.0-elliptic-key", "model.sig"))
	embedded, err := x509.ParsePKIXPublicKey(v100.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if v100.KeyDetails != "PKIX_ECDSA_P384_SHA_384" || !bytes.Equal(v100.PublicKey, signer.DER) {
		t.Fatalf("v1.0.0 embeds key %s (%s), want %s", KeyFingerprint(v100.PublicKey), v100.KeyDetails, signer.Fingerprint())
	}
	v110 := readBundle(t, real(t, "v1.1.0-elliptic-key", "model.sig"))
	if v110.PublicKeyHint != KeyHint(signer.DER) {
		t.Fatalf("v1.1.0 hint %s, KeyHint %s", v110.PublicKeyHint, KeyHint(signer.DER))
	}

	tests := []struct {
		name, model, sig string
		key              *PublicKey
		digest           string
		files            int
	}{
		// The v1.0.0 model is the file signme-1, named "." in the statement.
		{"v1.0.0 embedded key", "v1.0.0-elliptic-key/signme-1", "v1.0.0-elliptic-key/model.sig", &PublicKey{Key: embedded, DER: v100.PublicKey}, digestOneFile, 1},
		{"v1.0.0 key file", "v1.0.0-elliptic-key/signme-1", "v1.0.0-elliptic-key/model.sig", signer, digestOneFile, 1},
		{"v1.1.0 key file", "v1.1.0-elliptic-key", "v1.1.0-elliptic-key/model.sig", signer, digestV11Key, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := readBundle(t, real(t, tc.sig))
			r, err := VerifyModel(t.Context(), real(t, tc.model), real(t, tc.sig), b, Trust{Key: tc.key}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if r.Method != MethodKey || r.KeyFingerprint != signer.Fingerprint() || r.Manifest.Digest.Hex() != tc.digest || r.Files != tc.files {
				t.Fatalf("got %+v, digest %s", r, r.Manifest.Digest)
			}
		})
	}

	other, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&other.PublicKey)
	wrong := &PublicKey{Key: &other.PublicKey, DER: der}
	t.Run("wrong key, hint named", func(t *testing.T) {
		_, err := Verify(v110, Trust{Key: wrong})
		if !errors.Is(err, ErrKeyMismatch) || !strings.Contains(err.Error(), v110.PublicKeyHint) {
			t.Fatalf("err = %v, want ErrKeyMismatch naming hint %s", err, v110.PublicKeyHint)
		}
	})
	t.Run("wrong key, embedded key named", func(t *testing.T) {
		_, err := Verify(v100, Trust{Key: wrong})
		if !errors.Is(err, ErrKeyMismatch) || !strings.Contains(err.Error(), signer.Fingerprint()) {
			t.Fatalf("err = %v, want ErrKeyMismatch naming %s", err, signer.Fingerprint())
		}
	})
	t.Run("wrong key without hint", func(t *testing.T) {
		b := *v110
		b.PublicKeyHint = ""
		b.PublicKey = der // a bundle claiming the wrong key verifies nothing
		if _, err := Verify(&b, Trust{Key: wrong}); !errors.Is(err, ErrSignature) {
			t.Fatalf("err = %v, want ErrSignature", err)
		}
	})
	t.Run("changed payload byte", func(t *testing.T) {
		b := *v100
		b.Envelope.Payload = bytes.Replace(b.Envelope.Payload, []byte("signme-1"), []byte("signme-X"), 1)
		if _, err := Verify(&b, Trust{Key: signer}); !errors.Is(err, ErrSignature) {
			t.Fatalf("err = %v, want ErrSignature", err)
		}
	})
	t.Run("changed signature", func(t *testing.T) {
		b := *v110
		b.Envelope.Signature = bytes.Clone(b.Envelope.Signature)
		b.Envelope.Signature[len(b.Envelope.Signature)-3] ^= 1
		if _, err := Verify(&b, Trust{Key: signer}); !errors.Is(err, ErrSignature) {
			t.Fatalf("err = %v, want ErrSignature", err)
		}
	})
	t.Run("no key", func(t *testing.T) {
		_, err := Verify(v110, Trust{})
		if !errors.Is(err, ErrNoTrust) || !strings.Contains(err.Error(), "public key bundle") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestRealCertificateBundles(t *testing.T) {
	roots := readCerts(t, real(t, "keys", "certificate", "ca-cert.pem"))
	for _, v := range []string{"v1.0.0-certificate", "v1.1.0-certificate"} {
		t.Run(v, func(t *testing.T) {
			sig := real(t, v, "model.sig")
			b := readBundle(t, sig)
			if len(b.Certificates) != 2 {
				t.Fatalf("%d certificates, want the signing and intermediate ones", len(b.Certificates))
			}
			r, err := VerifyModel(t.Context(), real(t, v), sig, b, Trust{Roots: roots}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if r.Method != MethodCertificate || r.Subject != "CN=intermediate-ca" || r.Manifest.Digest.Hex() != digestTwoFiles || r.Files != 2 {
				t.Fatalf("got %+v", r)
			}
			// The signing certificate's key is signing-key-pub.pem.
			if want := readKey(t, real(t, "keys", "certificate", "signing-key-pub.pem")); r.KeyFingerprint != want.Fingerprint() {
				t.Fatalf("key %s, want %s", r.KeyFingerprint, want.Fingerprint())
			}

			other := newCA(t, "other-root", nil, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
			if _, err := Verify(b, Trust{Roots: []*x509.Certificate{other.cert}}); !errors.Is(err, ErrCertificate) || !strings.Contains(err.Error(), "unknown authority") {
				t.Fatalf("another CA: err = %v, want ErrCertificate, unknown authority", err)
			}
			// certtool made these certificates valid for 3650 days.
			late := b.Leaf().NotAfter.Add(time.Hour)
			if _, err := Verify(b, Trust{Roots: roots, Now: late}); !errors.Is(err, ErrCertificate) || !strings.Contains(err.Error(), "expired") {
				t.Fatalf("after notAfter: err = %v, want ErrCertificate, expired", err)
			}
			if _, err := Verify(b, Trust{}); !errors.Is(err, ErrNoTrust) || !strings.Contains(err.Error(), "CA certificates") {
				t.Fatalf("no trust: err = %v", err)
			}
		})
	}
}

// TestRealSigstoreBundle checks what needs no trusted root in the bundle
// model_signing made with public-good Sigstore (no trusted root file is in
// the workspace, and none is fetched): the Rekor body describes this
// envelope and certificate, the inclusion proof leads to the checkpoint's
// root, the Fulcio certificate's key signed the envelope, its identity is
// read, the statement matches the files; and without a root the bundle is
// refused with an error that says what is needed.
func TestRealSigstoreBundle(t *testing.T) {
	sig := real(t, "v1.1.0-sigstore", "model.sig")
	b := readBundle(t, sig)
	if len(b.Tlog) != 1 || len(b.Certificates) != 1 || len(b.Timestamps) != 1 {
		t.Fatalf("%d entries, %d certificates, %d timestamps", len(b.Tlog), len(b.Certificates), len(b.Timestamps))
	}
	e := &b.Tlog[0]
	leaf := b.Leaf()
	if e.LogIndex != 598151086 || e.IntegratedTime != 1760062340 || e.Proof.TreeSize != 476246825 {
		t.Fatalf("entry %+v", e)
	}
	if err := e.VerifyBody(b.Envelope, leaf); err != nil {
		t.Fatal(err)
	}
	if err := e.VerifyProof(); err != nil {
		t.Fatal(err)
	}
	if err := verifySignature(leaf.PublicKey, "", PAE(b.Envelope.PayloadType, b.Envelope.Payload), b.Envelope.Signature); err != nil {
		t.Fatal(err)
	}
	ids, issuer := fulcioIdentity(leaf)
	if len(ids) != 1 || ids[0] != "stefanb@us.ibm.com" || issuer != "https://sigstore.verify.ibm.com/oauth2" {
		t.Fatalf("identity %q issuer %q", ids, issuer)
	}
	// The integrated time lies in the ten minutes the certificate was
	// valid for.
	if at := time.Unix(e.IntegratedTime, 0); at.Before(leaf.NotBefore) || at.After(leaf.NotAfter) {
		t.Fatalf("integrated %s outside %s..%s", at, leaf.NotBefore, leaf.NotAfter)
	}

	r := &Result{}
	var err error
	if r.Manifest, err = parsePayload(b.Envelope); err != nil {
		t.Fatal(err)
	}
	mr, err := MatchModel(t.Context(), r, real(t, "v1.1.0-sigstore"), sig, 0)
	if err != nil || mr.Files != 2 || r.Manifest.Digest.Hex() != digestTwoFiles {
		t.Fatalf("MatchModel: %v, %+v", err, mr)
	}

	_, err = Verify(b, Trust{})
	if !errors.Is(err, ErrNoTrust) || !strings.Contains(err.Error(), "Sigstore trusted root") || !strings.Contains(err.Error(), "stefanb@us.ibm.com") {
		t.Fatalf("no root: err = %v", err)
	}
	if _, err := Verify(b, Trust{Sigstore: &SigstorePolicy{Identity: "stefanb@us.ibm.com", Issuer: issuer}}); !errors.Is(err, ErrNoTrust) {
		t.Fatalf("policy without root: err = %v", err)
	}
	// A root that does not list public-good Rekor.
	own := newSigstoreFixture(t)
	if _, err := Verify(b, Trust{Sigstore: &SigstorePolicy{Root: own.root, Identity: "stefanb@us.ibm.com", Issuer: issuer}}); !errors.Is(err, ErrTlog) || !strings.Contains(err.Error(), "does not list") {
		t.Fatalf("other root: err = %v", err)
	}

	t.Run("tampered proof", func(t *testing.T) {
		e := *e
		p := *e.Proof
		p.Hashes = append([][]byte{}, p.Hashes...)
		p.Hashes[3] = bytes.Clone(p.Hashes[3])
		p.Hashes[3][0] ^= 1
		e.Proof = &p
		if err := e.VerifyProof(); !errors.Is(err, ErrTlog) || !strings.Contains(err.Error(), "inclusion proof") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("tampered payload", func(t *testing.T) {
		env := b.Envelope
		env.Payload = bytes.Replace(env.Payload, []byte("signme-2"), []byte("signme-3"), 1)
		if err := e.VerifyBody(env, leaf); !errors.Is(err, ErrTlog) || !strings.Contains(err.Error(), "payload hash") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("other certificate", func(t *testing.T) {
		ca := newCA(t, "x", nil, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		if err := e.VerifyBody(b.Envelope, ca.cert); !errors.Is(err, ErrTlog) || !strings.Contains(err.Error(), "verifier") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestRealSigstoreBundleWithRoot verifies the public-good Sigstore bundle
// end to end when PROVA_SIGSTORE_TRUSTED_ROOT names a trusted root (or
// client trust config) holding public-good Sigstore's keys. None is in the
// repository or the workspace's real data, so it is skipped otherwise.
// With one, the Fulcio chain, the Rekor SET and checkpoint and the identity
// all check, another identity is refused, and a changed payload is refused.
func TestRealSigstoreBundleWithRoot(t *testing.T) {
	path := os.Getenv("PROVA_SIGSTORE_TRUSTED_ROOT")
	if path == "" {
		t.Skip("set PROVA_SIGSTORE_TRUSTED_ROOT to a public-good Sigstore trusted_root.json to run")
	}
	root, err := ReadTrustedRoot(path)
	if err != nil {
		t.Fatal(err)
	}
	sig := real(t, "v1.1.0-sigstore", "model.sig")
	b := readBundle(t, sig)
	policy := func(id string) Trust {
		return Trust{Sigstore: &SigstorePolicy{Root: root, Identity: id, Issuer: "https://sigstore.verify.ibm.com/oauth2"}}
	}
	mr, err := VerifyModel(t.Context(), real(t, "v1.1.0-sigstore"), sig, b, policy("stefanb@us.ibm.com"), 0)
	if err != nil || mr.Method != MethodSigstore || mr.Files != 2 || mr.Manifest.Digest.Hex() != digestTwoFiles {
		t.Fatalf("VerifyModel: %v, %+v", err, mr)
	}
	if _, err := Verify(b, policy("someone@example.com")); !errors.Is(err, ErrIdentity) {
		t.Fatalf("other identity: err = %v", err)
	}
	tampered := *b
	tampered.Envelope.Payload = append([]byte{}, b.Envelope.Payload...)
	tampered.Envelope.Payload[len(b.Envelope.Payload)/2] ^= 1
	if _, err := Verify(&tampered, policy("stefanb@us.ibm.com")); err == nil {
		t.Fatal("a changed payload verified")
	}
}
