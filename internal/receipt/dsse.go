package receipt

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Size caps on encoded envelopes.
const (
	// MaxEnvelopeBytes caps an encoded envelope: a MaxStatementBytes payload
	// in base64 plus the signature and framing.
	MaxEnvelopeBytes = 16 << 10
)

// Envelope is a DSSE envelope. Payload and signatures are raw bytes here;
// the JSON form carries them in standard base64.
type Envelope struct {
	PayloadType string
	Payload     []byte
	Signatures  []Signature
}

// Signature is one DSSE signature with the key ID of its signer.
type Signature struct {
	KeyID string
	Sig   []byte
}

type wireEnvelope struct {
	Payload     string          `json:"payload"`
	PayloadType string          `json:"payloadType"`
	Signatures  []wireSignature `json:"signatures"`
}

type wireSignature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// PAE is the DSSE v1 pre-authentication encoding that is signed:
// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths as ASCII
// decimal with no leading zeros.
func PAE(payloadType string, payload []byte) []byte {
	b := make([]byte, 0, 32+len(payloadType)+len(payload))
	b = append(b, "DSSEv1 "...)
	b = strconv.AppendInt(b, int64(len(payloadType)), 10)
	b = append(b, ' ')
	b = append(b, payloadType...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(payload)), 10)
	b = append(b, ' ')
	return append(b, payload...)
}

// verifyOptions is used for single and batch verification alike: cofactored
// ed25519 that rejects small-order public keys and non-canonical encodings.
var verifyOptions = &voi.Options{Verify: voi.VerifyOptionsDefault}

// Sign validates st, checks that it names priv's key, and returns it signed
// in a DSSE envelope.
func Sign(st *Statement, priv ed25519.PrivateKey) (*Envelope, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: private key is %d bytes", ErrWrongKey, len(priv))
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	pub := priv.Public().(ed25519.PublicKey)
	if st.Predicate.Provider.KeyID != KeyID(pub) {
		return nil, fmt.Errorf("%w: statement names key %s, signing with %s", ErrWrongKey, st.Predicate.Provider.KeyID, KeyID(pub))
	}
	payload, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidStatement, err)
	}
	if len(payload) > MaxStatementBytes {
		return nil, fmt.Errorf("%w: statement is %d bytes, at most %d", ErrTooLarge, len(payload), MaxStatementBytes)
	}
	return signPayload(payload, priv), nil
}

func signPayload(payload []byte, priv ed25519.PrivateKey) *Envelope {
	pub := priv.Public().(ed25519.PublicKey)
	return &Envelope{
		PayloadType: PayloadType,
		Payload:     payload,
		Signatures:  []Signature{{KeyID: KeyID(pub), Sig: ed25519.Sign(priv, PAE(PayloadType, payload))}},
	}
}

// Verify checks env's signature against pub, then decodes and validates the
// statement and checks that it names pub as the provider's key.
func Verify(env *Envelope, pub ed25519.PublicKey) (*Statement, error) {
	if err := env.checkSignature(pub); err != nil {
		return nil, err
	}
	return env.statement(pub)
}

// checkShape checks what must hold before a signature is worth checking.
func (env *Envelope) checkShape() error {
	if env.PayloadType != PayloadType {
		return fmt.Errorf("%w: %q, want %q", ErrPayloadType, env.PayloadType, PayloadType)
	}
	if len(env.Signatures) != 1 {
		return fmt.Errorf("%w: %d signatures, want exactly 1", ErrMalformed, len(env.Signatures))
	}
	if len(env.Payload) > MaxStatementBytes {
		return fmt.Errorf("%w: payload is %d bytes, at most %d", ErrTooLarge, len(env.Payload), MaxStatementBytes)
	}
	return nil
}

// checkKey matches the signature's key ID and the key's length.
func (env *Envelope) checkKey(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: public key is %d bytes", ErrWrongKey, len(pub))
	}
	if id := KeyID(pub); env.Signatures[0].KeyID != id {
		return fmt.Errorf("%w: signed by %q, verifying with %s", ErrWrongKey, env.Signatures[0].KeyID, id)
	}
	return nil
}

func (env *Envelope) checkSignature(pub ed25519.PublicKey) error {
	if err := env.checkShape(); err != nil {
		return err
	}
	if err := env.checkKey(pub); err != nil {
		return err
	}
	sig := env.Signatures[0].Sig
	if len(sig) != ed25519.SignatureSize || !voi.VerifyWithOptions(voi.PublicKey(pub), PAE(env.PayloadType, env.Payload), sig, verifyOptions) {
		return ErrSignature
	}
	return nil
}

// statement decodes the (already authenticated) payload.
func (env *Envelope) statement(pub ed25519.PublicKey) (*Statement, error) {
	st, err := ParseStatement(env.Payload)
	if err != nil {
		return nil, err
	}
	if st.Predicate.Provider.KeyID != KeyID(pub) {
		return nil, fmt.Errorf("%w: statement names key %s, signed by %s", ErrWrongKey, st.Predicate.Provider.KeyID, KeyID(pub))
	}
	return st, nil
}

// ParseStatement strictly decodes and validates a statement payload. It does
// not check any signature.
func ParseStatement(payload []byte) (*Statement, error) {
	if len(payload) > MaxStatementBytes {
		return nil, fmt.Errorf("%w: statement is %d bytes, at most %d", ErrTooLarge, len(payload), MaxStatementBytes)
	}
	var st Statement
	if err := decodeStrict(payload, &st); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	return &st, nil
}

// DecodeEnvelope strictly decodes an envelope of one signed receipt: at most
// MaxEnvelopeBytes, payload type PayloadType, exactly one signature with a
// well-formed key ID and 64 bytes. It checks no signature and does not parse
// the payload; Verify and VerifyMany do.
func DecodeEnvelope(b []byte) (*Envelope, error) {
	if len(b) > MaxEnvelopeBytes {
		return nil, fmt.Errorf("%w: envelope is %d bytes, at most %d", ErrTooLarge, len(b), MaxEnvelopeBytes)
	}
	var w rawEnvelope
	if err := decodeStrict(b, &w); err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	return w.envelope()
}

var (
	namePayload   = named("payload")
	nameSig       = named("sig")
	nameStatement = named("statement")
)

func (w *rawEnvelope) envelope() (*Envelope, error) {
	payload, err := decodeBase64(namePayload, w.payload)
	if err != nil {
		return nil, err
	}
	env := &Envelope{PayloadType: w.payloadType, Payload: payload, Signatures: make([]Signature, 0, len(w.signatures))}
	for _, s := range w.signatures {
		sig, err := decodeBase64(nameSig, s.sig)
		if err != nil {
			return nil, err
		}
		env.Signatures = append(env.Signatures, Signature{KeyID: s.keyID, Sig: sig})
	}
	if err := env.checkShape(); err != nil {
		return nil, err
	}
	if s := env.Signatures[0]; !validKeyID(s.KeyID) || len(s.Sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: signature needs a %s key ID and %d bytes", ErrMalformed, keyIDPrefix, ed25519.SignatureSize)
	}
	return env, nil
}

func (env *Envelope) wire() wireEnvelope {
	w := wireEnvelope{PayloadType: env.PayloadType, Payload: base64.StdEncoding.EncodeToString(env.Payload)}
	w.Signatures = make([]wireSignature, len(env.Signatures))
	for i, s := range env.Signatures {
		w.Signatures[i] = wireSignature{KeyID: s.KeyID, Sig: base64.StdEncoding.EncodeToString(s.Sig)}
	}
	return w
}

// Canonical returns the envelope's canonical JSON (see the package comment):
// the bytes a transparency log stores.
func (env *Envelope) Canonical() []byte {
	if b, ok := env.appendCanonical(nil); ok {
		return b
	}
	return env.canonicalJSON()
}

// appendCanonical writes the canonical JSON directly, byte for byte what
// canonicalJSON writes, when the payload type and key IDs are plain
// strings (printable ASCII without '"' or '\\', which encoding/json writes
// as they are); ok is false otherwise.
func (env *Envelope) appendCanonical(dst []byte) (_ []byte, ok bool) {
	n := 64 + len(env.PayloadType) + base64.StdEncoding.EncodedLen(len(env.Payload))
	if !plainJSON(env.PayloadType) {
		return nil, false
	}
	for _, s := range env.Signatures {
		if !plainJSON(s.KeyID) {
			return nil, false
		}
		n += 32 + len(s.KeyID) + base64.StdEncoding.EncodedLen(len(s.Sig))
	}
	if dst == nil {
		dst = make([]byte, 0, n)
	}
	dst = append(dst, `{"payload":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, env.Payload)
	dst = append(dst, `","payloadType":"`...)
	dst = append(dst, env.PayloadType...)
	dst = append(dst, `","signatures":[`...)
	for i, s := range env.Signatures {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"keyid":"`...)
		dst = append(dst, s.KeyID...)
		dst = append(dst, `","sig":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, s.Sig)
		dst = append(dst, `"}`...)
	}
	return append(dst, "]}"...), true
}

// plainJSON reports whether encoding/json writes s between quotes as it is.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// canonicalJSON is Canonical through encoding/json, for any strings.
func (env *Envelope) canonicalJSON() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(env.wire()) // strings and slices only: cannot fail
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
}

// MarshalJSON writes the canonical form.
func (env *Envelope) MarshalJSON() ([]byte, error) { return env.Canonical(), nil }
