package modelsign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/tlog"
)

// Test fixtures: generated CAs, keys, logs and bundles laid out as
// model_signing and Sigstore lay them out, so that every check can be run
// end to end and every tamper has a bundle to apply to.

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var serial int64

func nextSerial() *big.Int { serial++; return big.NewInt(serial) }

// newCA makes a CA certificate, self-signed when parent is nil.
func newCA(t testing.TB, cn string, parent *testCA, notBefore, notAfter time.Time) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"prova test"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{c, key}
}

// leafOpts describe a signing certificate.
type leafOpts struct {
	pub                 crypto.PublicKey
	cn                  string
	email, issuer       string // Fulcio identity and OIDC issuer (extension .8)
	notBefore, notAfter time.Time
	usage               x509.KeyUsage
	extUsage            []x509.ExtKeyUsage
}

func (ca *testCA) issue(t testing.TB, o leafOpts) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: o.cn},
		NotBefore:    o.notBefore,
		NotAfter:     o.notAfter,
		KeyUsage:     o.usage,
		ExtKeyUsage:  o.extUsage,
	}
	if o.email != "" {
		tmpl.EmailAddresses = []string{o.email}
	}
	if o.issuer != "" {
		v, _ := asn1.MarshalWithParams(o.issuer, "utf8")
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidIssuerV2, Value: v}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, o.pub, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// writeModel writes a small model directory and returns it with its
// statement (SHA-256, files method, as model_signing signs by default).
func writeModel(t testing.TB) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"config.json": `{"a":1}`, "weights/w.bin": "0123456789", "tokenizer.json": "{}"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := fingerprint.Fingerprint(t.Context(), dir, fingerprint.Options{Algorithm: fingerprint.SHA256, IgnorePaths: []string{"model.sig"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := m.Statement()
	if err != nil {
		t.Fatal(err)
	}
	return dir, st
}

// signEnvelope signs payload as a DSSE in-toto envelope.
func signEnvelope(t testing.TB, key crypto.Signer, payload []byte) Envelope {
	t.Helper()
	env := Envelope{PayloadType: fingerprint.PayloadType, Payload: payload}
	env.Signature = signBytes(t, key, PAE(env.PayloadType, payload))
	return env
}

// signBytes signs msg the way verifySignature checks it: ECDSA over the
// curve's hash, Ed25519 over msg, RSA PKCS #1 v1.5 over SHA-256.
func signBytes(t testing.TB, key crypto.Signer, msg []byte) []byte {
	t.Helper()
	var (
		d    []byte
		opts crypto.SignerOpts = crypto.Hash(0)
	)
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		h, _, err := curveHash(k.Curve)
		if err != nil {
			t.Fatal(err)
		}
		d = digest(h, msg)
		opts = crypto.SHA256 // only its presence matters to ecdsa
	case interface{ Size() int }:
		_ = k
		d, opts = digest(sha256.New, msg), crypto.SHA256
	default:
		d = msg // ed25519
	}
	sig, err := key.Sign(rand.Reader, d, opts)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// sigstoreFixture is a private Sigstore: a Fulcio-like CA chain, a
// Rekor-like log key, and the trusted root that lists them.
type sigstoreFixture struct {
	rootCA, interCA *testCA
	logKey          *ecdsa.PrivateKey
	logID           []byte
	root            *TrustedRoot
	rootJSON        []byte
}

const (
	testIdentity = "alice@example.com"
	testIssuer   = "https://accounts.example.com"
)

func newSigstoreFixture(t testing.TB) *sigstoreFixture {
	t.Helper()
	now := time.Now()
	f := &sigstoreFixture{}
	f.rootCA = newCA(t, "sigstore-test", nil, now.Add(-24*time.Hour), now.Add(24*time.Hour))
	f.interCA = newCA(t, "sigstore-test-intermediate", f.rootCA, now.Add(-24*time.Hour), now.Add(24*time.Hour))
	var err error
	if f.logKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	logDER, _ := x509.MarshalPKIXPublicKey(&f.logKey.PublicKey)
	id := sha256.Sum256(logDER)
	f.logID = id[:]

	enc := base64.StdEncoding.EncodeToString
	var j trustedRootJSON
	j.MediaType = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
	var l tlogJSON
	l.BaseURL, l.HashAlgorithm = "https://log.example.com", "SHA2_256"
	l.PublicKey.RawBytes, l.PublicKey.KeyDetails = enc(logDER), "PKIX_ECDSA_P256_SHA_256"
	l.PublicKey.ValidFor.Start = now.Add(-24 * time.Hour).UTC()
	l.LogID.KeyID = enc(f.logID)
	j.Tlogs = []tlogJSON{l}
	var ca caJSON
	ca.URI = "https://fulcio.example.com"
	ca.CertChain.Certificates = []certJSON{{enc(f.interCA.cert.Raw)}, {enc(f.rootCA.cert.Raw)}}
	ca.ValidFor.Start = now.Add(-24 * time.Hour).UTC()
	j.CertificateAuthorities = []caJSON{ca}
	if f.rootJSON, err = json.MarshalIndent(j, "", "  "); err != nil {
		t.Fatal(err)
	}
	if f.root, err = ParseTrustedRoot(f.rootJSON); err != nil {
		t.Fatal(err)
	}
	return f
}

// sigstoreOpts vary a generated Sigstore bundle.
type sigstoreOpts struct {
	at                  time.Time // integrated time; zero: now
	notBefore, notAfter time.Time // leaf validity; zero: at-1m .. at+9m
	issuingCA           *testCA   // zero: the fixture's intermediate
	noProof, noSET      bool
}

// bundle signs payload as a Sigstore bundle: a fresh key with a
// certificate for testIdentity, an entry at index 3 of a five-entry log
// with inclusion proof, signed checkpoint and signed entry timestamp.
func (f *sigstoreFixture) bundle(t testing.TB, payload []byte, o sigstoreOpts) *Bundle {
	t.Helper()
	if o.at.IsZero() {
		o.at = time.Now().Add(-time.Minute).Truncate(time.Second)
	}
	if o.notBefore.IsZero() {
		o.notBefore, o.notAfter = o.at.Add(-time.Minute), o.at.Add(9*time.Minute)
	}
	if o.issuingCA == nil {
		o.issuingCA = f.interCA
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := o.issuingCA.issue(t, leafOpts{
		pub: &key.PublicKey, email: testIdentity, issuer: testIssuer,
		notBefore: o.notBefore, notAfter: o.notAfter,
		usage: x509.KeyUsageDigitalSignature, extUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	})
	env := signEnvelope(t, key, payload)

	e := TlogEntry{LogIndex: 1003, LogID: f.logID, Kind: kindDSSE, Version: versionDSSE, IntegratedTime: o.at.Unix()}
	e.Body = dsseBodyFor(env, leaf)
	leaves := [][]byte{[]byte("a"), []byte("b"), []byte("c"), e.Body, []byte("e")}
	if !o.noProof {
		root := merkleRoot(leaves)
		e.Proof = &InclusionProof{LogIndex: 3, TreeSize: int64(len(leaves)), RootHash: root, Hashes: merklePath(3, leaves)}
		e.Proof.Checkpoint = f.checkpoint(t, "log.example.com - 42", uint64(len(leaves)), root)
	}
	if !o.noSET {
		e.SignedEntryTimestamp = signBytes(t, f.logKey, e.SETPayload())
	}
	return &Bundle{MediaType: MediaTypeV03, Envelope: env, Certificates: []*x509.Certificate{leaf}, Tlog: []TlogEntry{e}}
}

// checkpoint signs a checkpoint as Rekor does: ECDSA over the note text,
// the key named by the first four bytes of the log ID.
func (f *sigstoreFixture) checkpoint(t testing.TB, origin string, size uint64, root []byte) string {
	text := string(tlog.Checkpoint{Origin: origin, Size: size, Hash: root}.Marshal())
	sig := signBytes(t, f.logKey, []byte(text))
	return text + "\n— log.example.com " + base64.StdEncoding.EncodeToString(append(f.logID[:4:4], sig...)) + "\n"
}

// dsseBodyFor is the body Rekor logs for a dsse v0.0.1 entry.
func dsseBodyFor(env Envelope, leaf *x509.Certificate) []byte {
	ph := sha256.Sum256(env.Payload)
	eh := sha256.Sum256(canonicalEnvelope(env))
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})
	return []byte(fmt.Sprintf(`{"apiVersion":"0.0.1","kind":"dsse","spec":{"envelopeHash":{"algorithm":"sha256","value":"%s"},"payloadHash":{"algorithm":"sha256","value":"%s"},"signatures":[{"signature":"%s","verifier":"%s"}]}}`,
		hex.EncodeToString(eh[:]), hex.EncodeToString(ph[:]),
		base64.StdEncoding.EncodeToString(env.Signature), base64.StdEncoding.EncodeToString(certPEM)))
}

// merkleRoot and merklePath are RFC 6962 section 2.1's MTH and PATH,
// written from the definitions; tlog.VerifyInclusion (transparency-dev's
// implementation) accepting their output is the cross-check.
func merkleRoot(leaves [][]byte) []byte {
	if len(leaves) == 1 {
		return tlog.LeafHash(leaves[0])
	}
	k := split(len(leaves))
	return tlog.NodeHash(merkleRoot(leaves[:k]), merkleRoot(leaves[k:]))
}

func merklePath(m int, leaves [][]byte) [][]byte {
	if len(leaves) == 1 {
		return nil
	}
	k := split(len(leaves))
	if m < k {
		return append(merklePath(m, leaves[:k]), merkleRoot(leaves[k:]))
	}
	return append(merklePath(m-k, leaves[k:]), merkleRoot(leaves[:k]))
}

// split is the largest power of two smaller than n.
func split(n int) int {
	k := 1
	for k*2 < n {
		k *= 2
	}
	return k
}

func TestMerkleFixture(t *testing.T) {
	// RFC 6962's empty-free trees of 1 to 9 leaves: every leaf's path
	// verifies with the independent implementation, and no other index
	// does.
	var leaves [][]byte
	for n := 1; n <= 9; n++ {
		leaves = append(leaves, []byte{byte(n)})
		root := merkleRoot(leaves)
		for m := range leaves {
			path := merklePath(m, leaves)
			if err := tlog.VerifyInclusion(tlog.LeafHash(leaves[m]), uint64(m), uint64(n), path, root); err != nil {
				t.Fatalf("n=%d m=%d: %v", n, m, err)
			}
			if n > 1 {
				if err := tlog.VerifyInclusion(tlog.LeafHash(leaves[m]), uint64((m+1)%n), uint64(n), path, root); err == nil {
					t.Fatalf("n=%d m=%d: path verifies at another index", n, m)
				}
			}
		}
	}
}
