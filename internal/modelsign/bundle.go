package modelsign

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"strconv"
)

// Bundle media types this package reads. model_signing writes v0.3; the
// older ones are Sigstore's earlier bundle versions, whose JSON is the same
// apart from where the certificate sits.
const (
	MediaTypeV01 = "application/vnd.dev.sigstore.bundle+json;version=0.1"
	MediaTypeV02 = "application/vnd.dev.sigstore.bundle+json;version=0.2"
	MediaTypeV03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// mediaTypeV03Alt is v0.3 in the older spelling, which the protobuf
	// specs also allow.
	mediaTypeV03Alt = "application/vnd.dev.sigstore.bundle+json;version=0.3"
)

// MaxBundleSize bounds the bundle JSON read. The payload is base64 of an
// in-toto statement, which fingerprint.ParseStatement accepts up to
// fingerprint.MaxManifestSize (64 MiB); base64 makes that 4/3 larger, and
// the rest of a bundle is a few kilobytes.
const MaxBundleSize = 96 << 20

// Limits on repeated fields: far above what any signer writes, low enough
// that a hostile bundle cannot make verification slow.
const (
	maxCertificates = 10
	maxTlogEntries  = 8
	maxTimestamps   = 8
)

// Bundle is a decoded Sigstore bundle with a DSSE envelope. Its fields are
// what the JSON says; nothing in it is verified until Verify.
type Bundle struct {
	MediaType string
	Envelope  Envelope
	// PublicKeyHint is verificationMaterial.publicKey.hint: model_signing
	// writes the hex SHA-256 of the signer's PEM public key (see KeyHint).
	PublicKeyHint string
	// PublicKey is the DER SubjectPublicKeyInfo that model_signing v1.0.0
	// embedded in verificationMaterial.publicKey.rawBytes (as PEM), and
	// KeyDetails its keyDetails. A key the bundle carries proves nothing
	// on its own; Verify only checks it against the key it is given.
	PublicKey  []byte
	KeyDetails string
	// Certificates is the signing certificate followed by the rest of the
	// chain the signer sent (x509CertificateChain), or the one certificate
	// of a v0.3 bundle.
	Certificates []*x509.Certificate
	// Tlog holds the transparency-log entries.
	Tlog []TlogEntry
	// Timestamps are the DER RFC 3161 signed timestamps.
	Timestamps [][]byte
}

// Envelope is a DSSE envelope with its one signature.
type Envelope struct {
	PayloadType string
	Payload     []byte
	Signature   []byte
	KeyID       string
}

// TlogEntry is a Rekor entry: the canonicalized body that was logged, with
// the log's signed promise (SET) and/or an inclusion proof.
type TlogEntry struct {
	LogIndex       int64
	LogID          []byte // SHA-256 of the log's DER public key
	Kind, Version  string
	IntegratedTime int64 // Unix seconds
	// SignedEntryTimestamp is the inclusion promise; nil if absent.
	SignedEntryTimestamp []byte
	// Proof is nil if absent.
	Proof *InclusionProof
	Body  []byte
}

// InclusionProof is an RFC 6962 inclusion proof with the signed checkpoint
// (a signed note) it leads to.
type InclusionProof struct {
	LogIndex   int64 // index in the log shard that the tree covers
	TreeSize   int64
	RootHash   []byte
	Hashes     [][]byte
	Checkpoint string
}

// Leaf returns the signing certificate, or nil for a key bundle.
func (b *Bundle) Leaf() *x509.Certificate {
	if len(b.Certificates) == 0 {
		return nil
	}
	return b.Certificates[0]
}

// ReadBundle reads and parses a bundle file, refusing one larger than
// MaxBundleSize before reading it all.
func ReadBundle(path string) (*Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxBundleSize+1))
	if err != nil {
		return nil, err
	}
	return ParseBundle(data)
}

// ParseBundle decodes bundle JSON. It checks the shape (media type, a DSSE
// envelope with one signature, verification material, well-formed base64,
// certificates and proofs) but verifies nothing.
func ParseBundle(data []byte) (*Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("%w: over %d bytes", ErrMalformedBundle, MaxBundleSize)
	}
	var j bundleJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedBundle, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the bundle", ErrMalformedBundle)
	}
	b := &Bundle{MediaType: j.MediaType}
	switch j.MediaType {
	case MediaTypeV01, MediaTypeV02, MediaTypeV03, mediaTypeV03Alt:
	case "":
		return nil, fmt.Errorf("%w: no mediaType", ErrMalformedBundle)
	default:
		return nil, fmt.Errorf("%w: media type %q (want a Sigstore bundle v0.1 to v0.3)", ErrUnsupportedBundle, j.MediaType)
	}
	if err := b.decodeEnvelope(&j); err != nil {
		return nil, err
	}
	if j.VerificationMaterial == nil {
		return nil, fmt.Errorf("%w: no verificationMaterial", ErrMalformedBundle)
	}
	if err := b.decodeMaterial(j.VerificationMaterial); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *Bundle) decodeEnvelope(j *bundleJSON) error {
	e := j.DSSEEnvelope
	if e == nil {
		if j.MessageSignature != nil {
			return fmt.Errorf("%w: a messageSignature bundle signs a blob; model signatures are DSSE envelopes", ErrUnsupportedBundle)
		}
		return fmt.Errorf("%w: no dsseEnvelope", ErrMalformedBundle)
	}
	if e.PayloadType == "" {
		return fmt.Errorf("%w: dsseEnvelope has no payloadType", ErrMalformedBundle)
	}
	payload, err := decodeBase64("dsseEnvelope.payload", e.Payload)
	if err != nil {
		return err
	}
	if len(payload) == 0 {
		return fmt.Errorf("%w: dsseEnvelope has no payload", ErrMalformedBundle)
	}
	switch len(e.Signatures) {
	case 0:
		return fmt.Errorf("%w: dsseEnvelope has no signature", ErrMalformedBundle)
	case 1:
	default:
		// Sigstore bundles carry exactly one; with several, which one the
		// trusted key must have made would be a policy choice.
		return fmt.Errorf("%w: dsseEnvelope has %d signatures, want 1", ErrUnsupportedBundle, len(e.Signatures))
	}
	sig, err := decodeBase64("dsseEnvelope.signatures[0].sig", e.Signatures[0].Sig)
	if err != nil {
		return err
	}
	if len(sig) == 0 {
		return fmt.Errorf("%w: dsseEnvelope signature is empty", ErrMalformedBundle)
	}
	b.Envelope = Envelope{PayloadType: e.PayloadType, Payload: payload, Signature: sig, KeyID: e.Signatures[0].KeyID}
	return nil
}

func (b *Bundle) decodeMaterial(m *materialJSON) error {
	n := 0
	if m.PublicKey != nil {
		n++
		b.PublicKeyHint = m.PublicKey.Hint
		b.KeyDetails = m.PublicKey.KeyDetails
		if m.PublicKey.RawBytes != "" {
			raw, err := decodeBase64("verificationMaterial.publicKey.rawBytes", m.PublicKey.RawBytes)
			if err != nil {
				return err
			}
			der, err := publicKeyDER(raw)
			if err != nil {
				return fmt.Errorf("%w: verificationMaterial.publicKey.rawBytes: %w", ErrMalformedBundle, err)
			}
			b.PublicKey = der
		}
		if b.PublicKeyHint == "" && b.PublicKey == nil {
			return fmt.Errorf("%w: verificationMaterial.publicKey has neither hint nor rawBytes", ErrMalformedBundle)
		}
	}
	var certs []certJSON
	if m.X509CertificateChain != nil {
		n++
		certs = m.X509CertificateChain.Certificates
		if len(certs) == 0 {
			return fmt.Errorf("%w: verificationMaterial.x509CertificateChain has no certificates", ErrMalformedBundle)
		}
	}
	if m.Certificate != nil {
		n++
		certs = []certJSON{*m.Certificate}
	}
	switch n {
	case 0:
		return fmt.Errorf("%w: verificationMaterial has no publicKey, certificate or x509CertificateChain", ErrMalformedBundle)
	case 1:
	default:
		return fmt.Errorf("%w: verificationMaterial has more than one of publicKey, certificate and x509CertificateChain", ErrMalformedBundle)
	}
	if len(certs) > maxCertificates {
		return fmt.Errorf("%w: %d certificates, at most %d", ErrMalformedBundle, len(certs), maxCertificates)
	}
	for i, c := range certs {
		field := fmt.Sprintf("certificate %d", i)
		der, err := decodeBase64(field, c.RawBytes)
		if err != nil {
			return err
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrMalformedBundle, field, err)
		}
		b.Certificates = append(b.Certificates, cert)
	}
	if len(m.TlogEntries) > maxTlogEntries {
		return fmt.Errorf("%w: %d tlog entries, at most %d", ErrMalformedBundle, len(m.TlogEntries), maxTlogEntries)
	}
	for i := range m.TlogEntries {
		e, err := decodeTlogEntry(i, &m.TlogEntries[i])
		if err != nil {
			return err
		}
		b.Tlog = append(b.Tlog, e)
	}
	if t := m.TimestampVerificationData; t != nil {
		if len(t.RFC3161Timestamps) > maxTimestamps {
			return fmt.Errorf("%w: %d timestamps, at most %d", ErrMalformedBundle, len(t.RFC3161Timestamps), maxTimestamps)
		}
		for i, ts := range t.RFC3161Timestamps {
			der, err := decodeBase64(fmt.Sprintf("rfc3161Timestamps[%d]", i), ts.SignedTimestamp)
			if err != nil {
				return err
			}
			b.Timestamps = append(b.Timestamps, der)
		}
	}
	return nil
}

func decodeTlogEntry(i int, j *tlogEntryJSON) (TlogEntry, error) {
	name := fmt.Sprintf("tlogEntries[%d]", i)
	e := TlogEntry{
		LogIndex:       int64(j.LogIndex),
		IntegratedTime: int64(j.IntegratedTime),
	}
	if j.KindVersion == nil || j.KindVersion.Kind == "" || j.KindVersion.Version == "" {
		return e, fmt.Errorf("%w: %s has no kindVersion", ErrMalformedBundle, name)
	}
	e.Kind, e.Version = j.KindVersion.Kind, j.KindVersion.Version
	if j.LogID == nil {
		return e, fmt.Errorf("%w: %s has no logId", ErrMalformedBundle, name)
	}
	var err error
	if e.LogID, err = decodeBase64(name+".logId.keyId", j.LogID.KeyID); err != nil {
		return e, err
	}
	if e.Body, err = decodeBase64(name+".canonicalizedBody", j.CanonicalizedBody); err != nil {
		return e, err
	}
	if len(e.LogID) == 0 || len(e.Body) == 0 {
		return e, fmt.Errorf("%w: %s needs logId and canonicalizedBody", ErrMalformedBundle, name)
	}
	if e.LogIndex < 0 || e.IntegratedTime < 0 {
		return e, fmt.Errorf("%w: %s has a negative logIndex or integratedTime", ErrMalformedBundle, name)
	}
	if p := j.InclusionPromise; p != nil {
		if e.SignedEntryTimestamp, err = decodeBase64(name+".inclusionPromise.signedEntryTimestamp", p.SignedEntryTimestamp); err != nil {
			return e, err
		}
	}
	if p := j.InclusionProof; p != nil {
		proof := &InclusionProof{LogIndex: int64(p.LogIndex), TreeSize: int64(p.TreeSize)}
		if proof.RootHash, err = decodeBase64(name+".inclusionProof.rootHash", p.RootHash); err != nil {
			return e, err
		}
		if len(p.Hashes) > 64 {
			return e, fmt.Errorf("%w: %s inclusion proof has %d hashes, at most 64", ErrMalformedBundle, name, len(p.Hashes))
		}
		for k, h := range p.Hashes {
			hb, err := decodeBase64(fmt.Sprintf("%s.inclusionProof.hashes[%d]", name, k), h)
			if err != nil {
				return e, err
			}
			proof.Hashes = append(proof.Hashes, hb)
		}
		if p.Checkpoint != nil {
			proof.Checkpoint = p.Checkpoint.Envelope
		}
		if proof.LogIndex < 0 || proof.TreeSize <= proof.LogIndex {
			return e, fmt.Errorf("%w: %s inclusion proof index %d is not inside tree size %d", ErrMalformedBundle, name, proof.LogIndex, proof.TreeSize)
		}
		e.Proof = proof
	}
	if e.SignedEntryTimestamp == nil && e.Proof == nil {
		return e, fmt.Errorf("%w: %s has neither an inclusion promise nor an inclusion proof", ErrMalformedBundle, name)
	}
	return e, nil
}

// decodeBase64 decodes a protobuf JSON bytes field: standard or URL-safe
// base64, padded or not, as protobuf's JSON mapping allows.
func decodeBase64(field, s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.Strict().DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: %s is not base64", ErrMalformedBundle, field)
}

// publicKeyDER returns the DER SubjectPublicKeyInfo in raw, which is DER
// already or, as model_signing v1.0.0 wrote it, a PEM "PUBLIC KEY" block.
func publicKeyDER(raw []byte) ([]byte, error) {
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("-----BEGIN")) {
		blk, _ := pem.Decode(raw)
		if blk == nil || blk.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("not a PEM PUBLIC KEY block")
		}
		raw = blk.Bytes
	}
	if _, err := x509.ParsePKIXPublicKey(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// The JSON layout of a bundle (protobuf JSON of dev.sigstore.bundle.v1).
type bundleJSON struct {
	MediaType            string          `json:"mediaType"`
	VerificationMaterial *materialJSON   `json:"verificationMaterial"`
	DSSEEnvelope         *envelopeJSON   `json:"dsseEnvelope,omitempty"`
	MessageSignature     json.RawMessage `json:"messageSignature,omitempty"`
}

type materialJSON struct {
	PublicKey                 *publicKeyJSON  `json:"publicKey,omitempty"`
	X509CertificateChain      *certChainJSON  `json:"x509CertificateChain,omitempty"`
	Certificate               *certJSON       `json:"certificate,omitempty"`
	TlogEntries               []tlogEntryJSON `json:"tlogEntries"`
	TimestampVerificationData *timestampsJSON `json:"timestampVerificationData,omitempty"`
}

type publicKeyJSON struct {
	Hint       string `json:"hint,omitempty"`
	RawBytes   string `json:"rawBytes,omitempty"`
	KeyDetails string `json:"keyDetails,omitempty"`
}

type certChainJSON struct {
	Certificates []certJSON `json:"certificates"`
}

type certJSON struct {
	RawBytes string `json:"rawBytes"`
}

type timestampsJSON struct {
	RFC3161Timestamps []timestampJSON `json:"rfc3161Timestamps"`
}

type timestampJSON struct {
	SignedTimestamp string `json:"signedTimestamp"`
}

type envelopeJSON struct {
	Payload     string          `json:"payload"`
	PayloadType string          `json:"payloadType"`
	Signatures  []signatureJSON `json:"signatures"`
}

type signatureJSON struct {
	Sig   string `json:"sig"`
	KeyID string `json:"keyid,omitempty"`
}

type tlogEntryJSON struct {
	LogIndex          jsonInt64           `json:"logIndex"`
	LogID             *logIDJSON          `json:"logId"`
	KindVersion       *kindVersionJSON    `json:"kindVersion"`
	IntegratedTime    jsonInt64           `json:"integratedTime"`
	InclusionPromise  *promiseJSON        `json:"inclusionPromise,omitempty"`
	InclusionProof    *inclusionProofJSON `json:"inclusionProof,omitempty"`
	CanonicalizedBody string              `json:"canonicalizedBody"`
}

type logIDJSON struct {
	KeyID string `json:"keyId"`
}

type kindVersionJSON struct {
	Kind    string `json:"kind"`
	Version string `json:"version"`
}

type promiseJSON struct {
	SignedEntryTimestamp string `json:"signedEntryTimestamp"`
}

type inclusionProofJSON struct {
	LogIndex   jsonInt64       `json:"logIndex"`
	RootHash   string          `json:"rootHash"`
	TreeSize   jsonInt64       `json:"treeSize"`
	Hashes     []string        `json:"hashes"`
	Checkpoint *checkpointJSON `json:"checkpoint,omitempty"`
}

type checkpointJSON struct {
	Envelope string `json:"envelope"`
}

// jsonInt64 is a protobuf JSON int64: a decimal string, or a number.
type jsonInt64 int64

func (v *jsonInt64) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("int64 field %s: %w", b, err)
	}
	*v = jsonInt64(n)
	return nil
}

func (v jsonInt64) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(strconv.FormatInt(int64(v), 10))), nil
}
