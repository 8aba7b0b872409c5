package receipt

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/prova-network/prova/internal/fingerprint"
)

// Identifiers of the formats.
const (
	// StatementType is the in-toto Statement v1 "_type" (shared with the
	// model_signing statements of internal/fingerprint).
	StatementType = fingerprint.StatementType
	// PredicateType is the predicate type of a single inference receipt.
	PredicateType = "https://prova.network/receipt/v1"
	// PayloadType is the DSSE payload type of every envelope here.
	PayloadType = fingerprint.PayloadType
	// OutputSubject is the name of a receipt's only subject.
	OutputSubject = "output"
	// keyIDPrefix starts every key ID; see KeyID.
	keyIDPrefix = "ed25519:"
)

// Limits on a statement. They keep a receipt near 1 KiB so that a log can
// take tens of thousands per second.
const (
	MaxParameters     = 16  // entries in Predicate.Parameters
	MaxParamKeyLen    = 64  // bytes per parameter name
	MaxParamValueLen  = 256 // bytes per parameter value
	MaxIDLen          = 128 // bytes of a provider ID or request ID
	MaxStatementBytes = 8 << 10
)

// Statement is an in-toto Statement v1 carrying a receipt predicate.
type Statement struct {
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	Predicate     Predicate `json:"predicate"`
}

// Subject is an in-toto ResourceDescriptor: a name and a digest set mapping
// algorithm ("blake3", "sha256") to lower-case hex. It is the type the
// artifact manifests of internal/fingerprint use.
type Subject = fingerprint.Subject

// Predicate is what one inference did. Digests are digest IDs
// ("blake3:<hex>" or "sha256:<hex>"); Time is RFC 3339 in UTC ("Z").
type Predicate struct {
	Model        string   `json:"model"`
	Provider     Provider `json:"provider"`
	InputDigest  string   `json:"inputDigest"`
	OutputDigest string   `json:"outputDigest"`
	// At most one of ParametersDigest and Parameters is set; neither means
	// the provider's defaults.
	ParametersDigest string            `json:"parametersDigest,omitempty"`
	Parameters       map[string]string `json:"parameters,omitempty"`
	Tokens           Tokens            `json:"tokens"`
	RequestID        string            `json:"requestId"`
	Time             string            `json:"time"`
	// TraceRoot and TraceSize, when set (both or neither), make the receipt
	// a claim about a verifiable execution (docs/INFERENCE.md §3, §5): the
	// RFC 6962 root over the run's trace leaves as a digest ID
	// "sha256:<64 hex>" and the number of leaves. Receipts without them
	// encode exactly as before (both are omitted when empty).
	TraceRoot string `json:"traceRoot,omitempty"`
	TraceSize uint64 `json:"traceSize,omitempty"`
}

// Provider names the inference provider and the key it signs with.
type Provider struct {
	ID    string `json:"id"`
	KeyID string `json:"keyId"`
}

// Tokens counts the tokens read and written.
type Tokens struct {
	Input  uint64 `json:"input"`
	Output uint64 `json:"output"`
}

// KeyID names an ed25519 public key: "ed25519:" and the lower-case hex
// SHA-256 of the 32 key bytes. It is the DSSE keyid and Provider.KeyID.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return keyIDPrefix + hex.EncodeToString(sum[:])
}

func validKeyID(s string) bool {
	h, ok := strings.CutPrefix(s, keyIDPrefix)
	return ok && len(h) == 2*sha256.Size && isLowerHex(h)
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// FormatTime writes t as a receipt time: RFC 3339 in UTC, with fractional
// seconds only where t has them.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// NewStatement returns the statement for p, with the subject set from
// p.OutputDigest. It does not validate; Sign does.
func NewStatement(p Predicate) *Statement {
	st := &Statement{Type: StatementType, PredicateType: PredicateType, Predicate: p}
	if d, err := fingerprint.ParseDigest(p.OutputDigest); err == nil {
		st.Subject = []Subject{{Name: OutputSubject, Digest: map[string]string{string(d.Algorithm): d.Hex()}}}
	}
	return st
}

// Validate checks every rule a receipt statement must meet.
func (s *Statement) Validate() error {
	if s.Type != StatementType {
		return fmt.Errorf("%w: _type %q, want %q", ErrInvalidStatement, s.Type, StatementType)
	}
	if s.PredicateType != PredicateType {
		return fmt.Errorf("%w: predicateType %q, want %q", ErrInvalidStatement, s.PredicateType, PredicateType)
	}
	p := &s.Predicate
	for _, f := range []struct{ name, v string }{
		{"model", p.Model}, {"inputDigest", p.InputDigest}, {"outputDigest", p.OutputDigest},
	} {
		if err := checkDigestID(f.v); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrInvalidStatement, f.name, err)
		}
	}
	// A valid digest ID is "<algorithm>:<lower-case hex>", so the subject's
	// digest set must be {algorithm: hex} with the same two strings.
	alg, hexSum, _ := strings.Cut(p.OutputDigest, ":")
	if len(s.Subject) != 1 || s.Subject[0].Name != OutputSubject || len(s.Subject[0].Digest) != 1 ||
		s.Subject[0].Digest[alg] != hexSum {
		return fmt.Errorf("%w: subject must be exactly {%q: %s}", ErrInvalidStatement, OutputSubject, p.OutputDigest)
	}
	if err := checkID("provider.id", p.Provider.ID); err != nil {
		return err
	}
	if !validKeyID(p.Provider.KeyID) {
		return fmt.Errorf("%w: provider.keyId %q is not %s<64 hex>", ErrInvalidStatement, p.Provider.KeyID, keyIDPrefix)
	}
	if err := checkID("requestId", p.RequestID); err != nil {
		return err
	}
	if err := checkParameters(p); err != nil {
		return err
	}
	if err := checkTrace(p); err != nil {
		return err
	}
	return checkTime(p.Time)
}

// MinTraceSize is the smallest trace: the input and output leaves.
const MinTraceSize = 2

// checkTrace accepts no trace fields, or a SHA-256 digest ID as traceRoot
// (trace trees hash with SHA-256) and a traceSize of at least MinTraceSize.
func checkTrace(p *Predicate) error {
	if p.TraceRoot == "" && p.TraceSize == 0 {
		return nil
	}
	if p.TraceRoot == "" || p.TraceSize == 0 {
		return fmt.Errorf("%w: traceRoot and traceSize go together", ErrInvalidStatement)
	}
	if !strings.HasPrefix(p.TraceRoot, string(fingerprint.SHA256)+":") {
		return fmt.Errorf("%w: traceRoot %q must be sha256:<64 hex>", ErrInvalidStatement, p.TraceRoot)
	}
	if err := checkDigestID(p.TraceRoot); err != nil {
		return fmt.Errorf("%w: traceRoot: %w", ErrInvalidStatement, err)
	}
	if p.TraceSize < MinTraceSize {
		return fmt.Errorf("%w: traceSize %d is below %d (input and output leaves)", ErrInvalidStatement, p.TraceSize, MinTraceSize)
	}
	return nil
}

// checkDigestID accepts exactly what fingerprint.ParseDigest accepts,
// without decoding: "blake3:" or "sha256:" and 64 lower-case hex digits.
// Anything else gets ParseDigest's error.
func checkDigestID(v string) error {
	const n = len("sha256:") + 2*fingerprint.DigestSize
	if len(v) == n && (v[:7] == string(fingerprint.BLAKE3)+":" || v[:7] == string(fingerprint.SHA256)+":") && isLowerHex(v[7:]) {
		return nil
	}
	_, err := fingerprint.ParseDigest(v)
	if err == nil {
		// Unreachable while the two agree; a test checks that they do.
		return nil
	}
	return err
}

func checkID(name, v string) error {
	if v == "" || len(v) > MaxIDLen {
		return fmt.Errorf("%w: %s must be 1 to %d bytes, got %d", ErrInvalidStatement, name, MaxIDLen, len(v))
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return fmt.Errorf("%w: %s has byte %#x at %d; printable ASCII only", ErrInvalidStatement, name, v[i], i)
		}
	}
	return nil
}

func checkParameters(p *Predicate) error {
	if p.ParametersDigest != "" {
		if p.Parameters != nil {
			return fmt.Errorf("%w: set parametersDigest or parameters, not both", ErrInvalidStatement)
		}
		if err := checkDigestID(p.ParametersDigest); err != nil {
			return fmt.Errorf("%w: parametersDigest: %w", ErrInvalidStatement, err)
		}
		return nil
	}
	if p.Parameters != nil && len(p.Parameters) == 0 {
		return fmt.Errorf("%w: parameters is empty; omit it", ErrInvalidStatement)
	}
	if len(p.Parameters) > MaxParameters {
		return fmt.Errorf("%w: %d parameters, at most %d", ErrInvalidStatement, len(p.Parameters), MaxParameters)
	}
	for k, v := range p.Parameters { // order does not matter: any failure rejects
		if k == "" || len(k) > MaxParamKeyLen || len(v) > MaxParamValueLen {
			return fmt.Errorf("%w: parameter names are 1 to %d bytes and values at most %d", ErrInvalidStatement, MaxParamKeyLen, MaxParamValueLen)
		}
	}
	return nil
}

func checkTime(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("%w: time %q is not RFC 3339", ErrInvalidStatement, v)
	}
	// One spelling per instant: UTC with "Z" and no trailing fractional
	// zeros, which is what FormatTime writes.
	if FormatTime(t) != v {
		return fmt.Errorf("%w: time %q must be UTC as %q", ErrInvalidStatement, v, FormatTime(t))
	}
	return nil
}
