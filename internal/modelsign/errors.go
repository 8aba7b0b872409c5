package modelsign

import "errors"

// Sentinel errors. Every error returned by this package wraps one of these
// (or a fingerprint or file-system error), so callers can branch with
// errors.Is and print a hint once, at their boundary.
var (
	// ErrMalformedBundle: the bundle is not a well-formed Sigstore bundle
	// (bad JSON, a missing field, bad base64, too large).
	ErrMalformedBundle = errors.New("malformed sigstore bundle")
	// ErrUnsupportedBundle: a well-formed bundle this package cannot verify
	// (unknown media type, a message signature instead of a DSSE envelope,
	// several signatures, an unknown key type or payload type).
	ErrUnsupportedBundle = errors.New("unsupported sigstore bundle")
	// ErrNoTrust: no trust material was given, or none that fits the
	// bundle (a Sigstore bundle without a trusted root, a key bundle
	// without a key).
	ErrNoTrust = errors.New("no trust material for this bundle")
	// ErrKeyMismatch: the bundle names a public key (hint or embedded key)
	// other than the one supplied.
	ErrKeyMismatch = errors.New("bundle was signed by another key")
	// ErrSignature: the DSSE signature does not verify with the trusted key
	// or certificate.
	ErrSignature = errors.New("signature does not verify")
	// ErrCertificate: the signing certificate does not chain to a trusted
	// CA, is not valid at the signing time, or may not sign code.
	ErrCertificate = errors.New("certificate is not trusted")
	// ErrIdentity: the Fulcio certificate's identity (SAN) or OIDC issuer is
	// not the expected one.
	ErrIdentity = errors.New("signer identity does not match")
	// ErrTlog: the transparency-log entry does not prove the signature was
	// logged (bad inclusion proof, checkpoint or signed entry timestamp, a
	// body that does not match the envelope, an unknown log).
	ErrTlog = errors.New("transparency log entry does not verify")
	// ErrPayload: the signed payload is not a model_signing v1.0 in-toto
	// statement.
	ErrPayload = errors.New("signed payload is not a model signature statement")
	// ErrModelMismatch: the model's files differ from the signed ones.
	ErrModelMismatch = errors.New("model does not match its signature")
)
