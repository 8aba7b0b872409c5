package modelsign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/prova-network/prova/internal/tlog"
)

// Rekor entry kind that model_signing (through sigstore-python) logs.
const (
	kindDSSE    = "dsse"
	versionDSSE = "0.0.1"
)

// dsseBody is the canonicalized body of a Rekor dsse v0.0.1 entry.
type dsseBody struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		EnvelopeHash *hashJSON `json:"envelopeHash"`
		PayloadHash  *hashJSON `json:"payloadHash"`
		Signatures   []struct {
			Signature string `json:"signature"`
			Verifier  string `json:"verifier"`
		} `json:"signatures"`
	} `json:"spec"`
}

type hashJSON struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"value"`
}

// VerifyBody checks that the entry logged this envelope, signed by the key
// of signer: a dsse v0.0.1 body whose envelope hash and payload hash are
// the SHA-256 of the envelope (in Rekor's canonical JSON) and of its
// payload, whose one signature is the envelope's, and whose verifier is
// signer. It needs no trust material: it ties the entry to the bundle.
func (e *TlogEntry) VerifyBody(env Envelope, signer *x509.Certificate) error {
	if e.Kind != kindDSSE || e.Version != versionDSSE {
		return fmt.Errorf("%w: entry kind %s %s, want %s %s", ErrUnsupportedBundle, e.Kind, e.Version, kindDSSE, versionDSSE)
	}
	var b dsseBody
	if err := json.Unmarshal(e.Body, &b); err != nil {
		return fmt.Errorf("%w: canonicalized body: %w", ErrTlog, err)
	}
	if b.Kind != e.Kind || b.APIVersion != e.Version {
		return fmt.Errorf("%w: body is %s %s but the entry says %s %s", ErrTlog, b.Kind, b.APIVersion, e.Kind, e.Version)
	}
	if err := checkHash("payload", b.Spec.PayloadHash, env.Payload); err != nil {
		return err
	}
	if err := checkHash("envelope", b.Spec.EnvelopeHash, canonicalEnvelope(env)); err != nil {
		return err
	}
	if len(b.Spec.Signatures) != 1 {
		return fmt.Errorf("%w: body has %d signatures, the envelope 1", ErrTlog, len(b.Spec.Signatures))
	}
	s := b.Spec.Signatures[0]
	if sig, err := base64.StdEncoding.DecodeString(s.Signature); err != nil || !bytes.Equal(sig, env.Signature) {
		return fmt.Errorf("%w: logged signature is not the envelope's", ErrTlog)
	}
	v, err := base64.StdEncoding.DecodeString(s.Verifier)
	if err != nil {
		return fmt.Errorf("%w: logged verifier is not base64", ErrTlog)
	}
	blk, _ := pem.Decode(v)
	switch {
	case blk == nil:
		return fmt.Errorf("%w: logged verifier is not PEM", ErrTlog)
	case blk.Type == "CERTIFICATE" && bytes.Equal(blk.Bytes, signer.Raw):
	case blk.Type == "PUBLIC KEY" && bytes.Equal(blk.Bytes, signer.RawSubjectPublicKeyInfo):
	default:
		return fmt.Errorf("%w: logged verifier (%s) is not the signing certificate", ErrTlog, blk.Type)
	}
	return nil
}

func checkHash(what string, h *hashJSON, data []byte) error {
	if h == nil || h.Algorithm != "sha256" {
		return fmt.Errorf("%w: body has no sha256 %s hash", ErrTlog, what)
	}
	sum := sha256.Sum256(data)
	if h.Value != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("%w: logged %s hash %s is not the bundle's %x", ErrTlog, what, h.Value, sum)
	}
	return nil
}

// canonicalEnvelope is the envelope as Rekor hashes it: compact JSON with
// sorted keys, standard base64, and keyid only when set.
func canonicalEnvelope(env Envelope) []byte {
	type sig struct {
		KeyID string `json:"keyid,omitempty"`
		Sig   string `json:"sig"`
	}
	v := struct {
		Payload     string `json:"payload"`
		PayloadType string `json:"payloadType"`
		Signatures  []sig  `json:"signatures"`
	}{
		base64.StdEncoding.EncodeToString(env.Payload), env.PayloadType,
		[]sig{{env.KeyID, base64.StdEncoding.EncodeToString(env.Signature)}},
	}
	return marshalCanonical(v)
}

// marshalCanonical encodes v (whose fields are declared in sorted order)
// as compact JSON without HTML escaping.
func marshalCanonical(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // only strings and integers
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// SETPayload returns what a Rekor signed entry timestamp signs: the
// canonical JSON of the body, integrated time, log ID (hex) and log index.
func (e *TlogEntry) SETPayload() []byte {
	return marshalCanonical(struct {
		Body           string `json:"body"`
		IntegratedTime int64  `json:"integratedTime"`
		LogID          string `json:"logID"`
		LogIndex       int64  `json:"logIndex"`
	}{base64.StdEncoding.EncodeToString(e.Body), e.IntegratedTime, hex.EncodeToString(e.LogID), e.LogIndex})
}

// verifySET checks the inclusion promise with the log's key.
func (e *TlogEntry) verifySET(l *TransparencyLog) error {
	if err := verifySignature(l.Key.Key, "", e.SETPayload(), e.SignedEntryTimestamp); err != nil {
		return fmt.Errorf("%w: signed entry timestamp of entry %d: %w", ErrTlog, e.LogIndex, err)
	}
	return nil
}

// VerifyProof checks the RFC 6962 inclusion proof of the entry's body up to
// the proof's root hash, and that the checkpoint (read, not yet
// authenticated) commits to that root and tree size. It needs no trust
// material; verifyCheckpoint then authenticates the checkpoint.
func (e *TlogEntry) VerifyProof() error {
	p := e.Proof
	if p == nil {
		return fmt.Errorf("%w: entry %d has no inclusion proof", ErrTlog, e.LogIndex)
	}
	if err := tlog.VerifyInclusion(tlog.LeafHash(e.Body), uint64(p.LogIndex), uint64(p.TreeSize), p.Hashes, p.RootHash); err != nil {
		return fmt.Errorf("%w: %w", ErrTlog, err)
	}
	if p.Checkpoint == "" {
		return fmt.Errorf("%w: entry %d inclusion proof has no checkpoint", ErrTlog, e.LogIndex)
	}
	text, _, err := splitNote(p.Checkpoint)
	if err != nil {
		return err
	}
	cp, err := tlog.ParseCheckpoint([]byte(text))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrTlog, err)
	}
	if cp.Size != uint64(p.TreeSize) || !bytes.Equal(cp.Hash, p.RootHash) {
		return fmt.Errorf("%w: checkpoint %s is not the proof's tree (size %d, root %x)", ErrTlog, cp, p.TreeSize, p.RootHash)
	}
	return nil
}

// splitNote splits a signed note into its text (ending in a newline) and
// signature lines.
func splitNote(note string) (string, []string, error) {
	i := strings.LastIndex(note, "\n\n")
	if i < 0 || !strings.HasSuffix(note, "\n") {
		return "", nil, fmt.Errorf("%w: checkpoint is not a signed note", ErrTlog)
	}
	return note[:i+1], strings.Split(strings.TrimSuffix(note[i+2:], "\n"), "\n"), nil
}

// verifyCheckpoint checks that the proof's checkpoint carries a signature
// by the log's key. Rekor signs with ECDSA and names the key by the first
// four bytes of its log ID; an Ed25519 log may also use the C2SP signed-note
// key hash.
func (e *TlogEntry) verifyCheckpoint(l *TransparencyLog) error {
	text, lines, err := splitNote(e.Proof.Checkpoint)
	if err != nil {
		return err
	}
	for _, line := range lines {
		rest, ok := strings.CutPrefix(line, "— ")
		name, b64, ok2 := strings.Cut(rest, " ")
		if !ok || !ok2 {
			return fmt.Errorf("%w: malformed checkpoint signature line %q", ErrTlog, line)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) < 5 {
			return fmt.Errorf("%w: malformed checkpoint signature for %q", ErrTlog, name)
		}
		hint, sig := raw[:4], raw[4:]
		if !bytes.Equal(hint, l.ID[:min(4, len(l.ID))]) && !bytes.Equal(hint, c2spHint(name, l.Key)) {
			continue // another witness's or log's signature
		}
		if verifySignature(l.Key.Key, "", []byte(text), sig) == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: checkpoint of entry %d has no valid signature by log %x", ErrTlog, e.LogIndex, l.ID)
}

// c2spHint is the C2SP signed-note key hash of an Ed25519 key; nil for
// other keys.
func c2spHint(name string, k *PublicKey) []byte {
	pub, ok := k.Key.(ed25519.PublicKey)
	if !ok {
		return nil
	}
	h := sha256.New()
	h.Write([]byte(name + "\n\x01"))
	h.Write(pub)
	return h.Sum(nil)[:4]
}
