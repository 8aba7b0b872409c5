package modelsign

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/prova-network/prova/internal/fingerprint"
)

// Verification methods, named as model_signing's verify subcommands.
const (
	MethodKey         = "key"
	MethodCertificate = "certificate"
	MethodSigstore    = "sigstore"
)

// Trust is what a verifier trusts. Set exactly one of Key, Roots or
// Sigstore.
type Trust struct {
	// Key is the signer's public key (model_signing "key").
	Key *PublicKey
	// Roots are the CA certificates a signing certificate must chain to
	// (model_signing "certificate"; every certificate given is a trust
	// anchor, as in model_signing's certificate store). Intermediates are
	// extra certificates to build the chain with, besides the bundle's.
	Roots         []*x509.Certificate
	Intermediates []*x509.Certificate
	// Sigstore checks a Fulcio certificate and its Rekor entry.
	Sigstore *SigstorePolicy
	// Now is when a certificate must be valid if the bundle proves no
	// signing time (the certificate method); zero means the current time.
	Now time.Time
}

// SigstorePolicy is a Sigstore trusted root and the identity the signer
// must have: Identity is the certificate's subject alternative name (an
// email address or URI), Issuer the OIDC issuer that vouched for it. Both
// are required and compared exactly.
type SigstorePolicy struct {
	Root     *TrustedRoot
	Identity string
	Issuer   string
}

// Result is what a verified bundle says.
type Result struct {
	Method string `json:"method"`
	// KeyFingerprint is "sha256:<hex>" of the signing key's DER.
	KeyFingerprint string `json:"key_fingerprint"`
	// Subject and Issuer are the signing certificate's distinguished names.
	Subject string `json:"certificate_subject,omitempty"`
	Issuer  string `json:"certificate_issuer,omitempty"`
	// Identity and OIDCIssuer come from a Fulcio certificate.
	Identity   string `json:"identity,omitempty"`
	OIDCIssuer string `json:"oidc_issuer,omitempty"`
	// SignedAt is the signing time a log entry proved; zero if none.
	SignedAt time.Time `json:"signed_at,omitzero"`
	// TlogIndex is the Rekor log index of the checked entry.
	TlogIndex int64 `json:"tlog_index,omitempty"`
	// Manifest is the signed statement as a manifest.
	Manifest *fingerprint.Manifest `json:"-"`
}

// Fulcio certificate extensions holding the OIDC issuer: .8 is a DER
// UTF8String, .1 (deprecated) the raw string.
var (
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
	oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
)

// Verify checks the bundle's signature with t and returns the signed
// statement. It does not look at the model; see VerifyModel.
func Verify(b *Bundle, t Trust) (*Result, error) {
	n := 0
	for _, set := range []bool{t.Key != nil, len(t.Roots) > 0, t.Sigstore != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		if n == 0 {
			return nil, fmt.Errorf("%w: %s", ErrNoTrust, b.Describe())
		}
		return nil, fmt.Errorf("%w: give one of a public key, CA certificates or a Sigstore policy", ErrNoTrust)
	}
	// The signature is checked first, with the key the bundle must have
	// been signed with, so a changed payload or signature is named as such
	// whatever else is wrong; the trust in that key is checked after.
	var (
		r       *Result
		pub     crypto.PublicKey
		details string
		err     error
	)
	if t.Key != nil {
		if r, err = checkKey(b, t.Key); err != nil {
			return nil, err
		}
		pub, details = t.Key.Key, b.KeyDetails
	} else if leaf := b.Leaf(); leaf != nil {
		pub = leaf.PublicKey
	}
	env := b.Envelope
	if pub != nil {
		if err := verifySignature(pub, details, PAE(env.PayloadType, env.Payload), env.Signature); err != nil {
			return nil, fmt.Errorf("dsse envelope: %w", err)
		}
	}
	switch {
	case t.Key != nil:
	case len(t.Roots) > 0:
		r, err = checkChain(b, t)
	default:
		r, err = checkSigstore(b, t.Sigstore)
	}
	if err != nil {
		return nil, err
	}
	m, err := parsePayload(env)
	if err != nil {
		return nil, err
	}
	r.Manifest = m
	return r, nil
}

// parsePayload reads the envelope's in-toto statement.
func parsePayload(env Envelope) (*fingerprint.Manifest, error) {
	if env.PayloadType != fingerprint.PayloadType {
		return nil, fmt.Errorf("%w: payload type %q, want %q", ErrPayload, env.PayloadType, fingerprint.PayloadType)
	}
	m, err := fingerprint.ParseStatement(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPayload, err)
	}
	return m, nil
}

// Describe says in one line what kind of signature the bundle carries and
// what it takes to verify it, for errors and for people.
func (b *Bundle) Describe() string {
	leaf := b.Leaf()
	switch {
	case leaf != nil && len(b.Tlog) > 0:
		id, iss := fulcioIdentity(leaf)
		return fmt.Sprintf("a Sigstore bundle (certificate for %q from issuer %q, Rekor entry %d): verify it with a Sigstore trusted root and the expected identity and issuer", firstOr(id, "?"), iss, b.Tlog[0].LogIndex)
	case leaf != nil:
		return fmt.Sprintf("a certificate bundle (signed by %q, issued by %q): verify it with the CA certificates you trust", leaf.Subject.String(), leaf.Issuer.String())
	case b.PublicKeyHint != "":
		return fmt.Sprintf("a public key bundle (key hint %s): verify it with the signer's public key", b.PublicKeyHint)
	}
	return fmt.Sprintf("a public key bundle (key %s): verify it with the signer's public key", KeyFingerprint(b.PublicKey))
}

func firstOr(s []string, def string) string {
	if len(s) == 0 {
		return def
	}
	return s[0]
}

// checkKey checks that the bundle names (if it names any) the key given.
func checkKey(b *Bundle, k *PublicKey) (*Result, error) {
	if b.PublicKeyHint != "" && b.PublicKeyHint != KeyHint(k.DER) {
		return nil, fmt.Errorf("%w: the bundle's key hint %s is not the hint %s of the key given (%s)", ErrKeyMismatch, b.PublicKeyHint, KeyHint(k.DER), k.Fingerprint())
	}
	if b.PublicKey != nil && !bytes.Equal(b.PublicKey, k.DER) {
		return nil, fmt.Errorf("%w: the bundle embeds key %s, the key given is %s", ErrKeyMismatch, KeyFingerprint(b.PublicKey), k.Fingerprint())
	}
	if leaf := b.Leaf(); leaf != nil && !bytes.Equal(leaf.RawSubjectPublicKeyInfo, k.DER) {
		return nil, fmt.Errorf("%w: the bundle's certificate holds key %s, the key given is %s", ErrKeyMismatch, KeyFingerprint(leaf.RawSubjectPublicKeyInfo), k.Fingerprint())
	}
	return &Result{Method: MethodKey, KeyFingerprint: k.Fingerprint()}, nil
}

// checkChain verifies the signing certificate up to one of t.Roots, as
// model_signing's certificate verifier does: any chain through the bundle's
// other certificates and t.Intermediates, and a leaf whose key usage allows
// digital signatures or whose extended key usage allows code signing.
//
// model_signing checks the chain at the leaf's notBefore, so that an expired
// certificate still verifies. A bundle of this kind proves no signing time,
// so this checks at t.Now (default: now) instead: a certificate that has
// expired, or was revoked by letting it expire, no longer vouches for new
// signatures.
func checkChain(b *Bundle, t Trust) (*Result, error) {
	leaf := b.Leaf()
	if leaf == nil {
		return nil, fmt.Errorf("%w: the bundle has no certificate; %s", ErrNoTrust, b.Describe())
	}
	now := t.Now
	if now.IsZero() {
		now = time.Now()
	}
	opts := x509.VerifyOptions{
		Roots:         x509.NewCertPool(),
		Intermediates: x509.NewCertPool(),
		CurrentTime:   now,
		// The leaf's usage is checked below, as model_signing does; CA
		// certificates need not list code signing.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	for _, c := range t.Roots {
		opts.Roots.AddCert(c)
	}
	for _, c := range slices.Concat(b.Certificates[1:], t.Intermediates) {
		opts.Intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(opts); err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrCertificate, leaf.Subject.String(), err)
	}
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageCodeSigning) {
		return nil, fmt.Errorf("%w: %q may not sign (no digitalSignature key usage or codeSigning extended key usage)", ErrCertificate, leaf.Subject.String())
	}
	// Stricter than model_signing: a leaf that lists extended key usages
	// must list code signing (or any), so that, say, a TLS server
	// certificate from the same corporate CA does not sign models.
	if len(leaf.ExtKeyUsage) > 0 && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageCodeSigning) && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageAny) {
		return nil, fmt.Errorf("%w: %q is not for code signing (its extended key usage lists other purposes)", ErrCertificate, leaf.Subject.String())
	}
	return &Result{
		Method:         MethodCertificate,
		KeyFingerprint: KeyFingerprint(leaf.RawSubjectPublicKeyInfo),
		Subject:        leaf.Subject.String(),
		Issuer:         leaf.Issuer.String(),
	}, nil
}

// checkSigstore verifies every Rekor entry (body, signed entry timestamp,
// inclusion proof and checkpoint) and then the Fulcio certificate at the
// logged time, and the identity policy.
func checkSigstore(b *Bundle, p *SigstorePolicy) (*Result, error) {
	leaf := b.Leaf()
	switch {
	case p.Root == nil:
		return nil, fmt.Errorf("%w: no Sigstore trusted root", ErrNoTrust)
	case p.Identity == "" || p.Issuer == "":
		return nil, fmt.Errorf("%w: Sigstore verification needs the expected identity and OIDC issuer", ErrNoTrust)
	case leaf == nil:
		return nil, fmt.Errorf("%w: the bundle has no certificate; %s", ErrNoTrust, b.Describe())
	case len(b.Tlog) == 0:
		return nil, fmt.Errorf("%w: the bundle has no transparency log entry, so when the short-lived certificate was used is unknown", ErrTlog)
	}
	var signedAt time.Time
	for i := range b.Tlog {
		e := &b.Tlog[i]
		at, err := verifyEntry(e, b, p.Root)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			signedAt = at
		}
	}
	if err := verifyFulcio(leaf, b.Certificates[1:], p.Root, signedAt); err != nil {
		return nil, err
	}
	ids, issuer := fulcioIdentity(leaf)
	if !slices.Contains(ids, p.Identity) {
		return nil, fmt.Errorf("%w: certificate identity %q, want %q", ErrIdentity, ids, p.Identity)
	}
	if issuer != p.Issuer {
		return nil, fmt.Errorf("%w: certificate OIDC issuer %q, want %q", ErrIdentity, issuer, p.Issuer)
	}
	return &Result{
		Method:         MethodSigstore,
		KeyFingerprint: KeyFingerprint(leaf.RawSubjectPublicKeyInfo),
		Subject:        leaf.Subject.String(),
		Issuer:         leaf.Issuer.String(),
		Identity:       p.Identity,
		OIDCIssuer:     issuer,
		SignedAt:       signedAt,
		TlogIndex:      b.Tlog[0].LogIndex,
	}, nil
}

// verifyEntry checks one entry and returns its integrated time, which the
// signed entry timestamp authenticates. An entry with only an inclusion
// proof proves the signature was logged but not when, and a short-lived
// certificate is only worth something with a time; this package does not
// read RFC 3161 timestamps, so such an entry is refused.
func verifyEntry(e *TlogEntry, b *Bundle, root *TrustedRoot) (time.Time, error) {
	l := root.log(e.LogID)
	if l == nil {
		return time.Time{}, fmt.Errorf("%w: entry %d is from log %x, which the trusted root does not list", ErrTlog, e.LogIndex, e.LogID)
	}
	at := time.Unix(e.IntegratedTime, 0).UTC()
	if !validAt(at, l.Start, l.End) {
		return time.Time{}, fmt.Errorf("%w: entry %d integrated at %s, outside the log key's validity", ErrTlog, e.LogIndex, at)
	}
	if err := e.VerifyBody(b.Envelope, b.Leaf()); err != nil {
		return time.Time{}, err
	}
	if e.SignedEntryTimestamp == nil {
		return time.Time{}, fmt.Errorf("%w: entry %d has no signed entry timestamp, so its time is unproven", ErrTlog, e.LogIndex)
	}
	if err := e.verifySET(l); err != nil {
		return time.Time{}, err
	}
	if e.Proof != nil {
		if err := e.VerifyProof(); err != nil {
			return time.Time{}, err
		}
		if err := e.verifyCheckpoint(l); err != nil {
			return time.Time{}, err
		}
	}
	return at, nil
}

// verifyFulcio verifies the leaf to a Fulcio CA of the trusted root that
// was valid at the signing time, with the leaf valid then too, for code
// signing.
func verifyFulcio(leaf *x509.Certificate, extra []*x509.Certificate, root *TrustedRoot, at time.Time) error {
	var errs []error
	for _, ca := range root.CertificateAuthorities {
		if !validAt(at, ca.Start, ca.End) {
			continue
		}
		opts := x509.VerifyOptions{
			Roots:         x509.NewCertPool(),
			Intermediates: x509.NewCertPool(),
			CurrentTime:   at,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		}
		opts.Roots.AddCert(ca.Chain[len(ca.Chain)-1])
		for _, c := range slices.Concat(ca.Chain[:len(ca.Chain)-1], extra) {
			opts.Intermediates.AddCert(c)
		}
		_, err := leaf.Verify(opts)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return fmt.Errorf("%w: no certificate authority of the trusted root was valid at %s", ErrCertificate, at)
	}
	return fmt.Errorf("%w: Fulcio certificate at %s: %w", ErrCertificate, at, errors.Join(errs...))
}

// fulcioIdentity returns a Fulcio certificate's identities (email and URI
// subject alternative names) and its OIDC issuer.
func fulcioIdentity(c *x509.Certificate) ([]string, string) {
	ids := slices.Clone(c.EmailAddresses)
	for _, u := range c.URIs {
		ids = append(ids, u.String())
	}
	issuer := ""
	for _, ext := range c.Extensions {
		switch {
		case ext.Id.Equal(oidIssuerV2):
			var s string
			if _, err := asn1.UnmarshalWithParams(ext.Value, &s, "utf8"); err == nil {
				return ids, s
			}
		case ext.Id.Equal(oidIssuerV1):
			issuer = string(ext.Value)
		}
	}
	return ids, issuer
}
