package modelsign

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

// TrustFiles names trust material on disk, as a command line gives it.
type TrustFiles struct {
	// Key is a PEM public key (or a certificate whose key is trusted).
	Key string
	// CertChain are PEM files of CA certificates; every certificate in
	// them is a trust anchor.
	CertChain []string
	// TrustedRoot is a Sigstore trusted_root.json (or client trust
	// config); Identity and Issuer are then required.
	TrustedRoot      string
	Identity, Issuer string
}

// Load reads the files into a Trust. Giving no kind of trust is not an
// error here: Verify then says what the bundle needs.
func (f TrustFiles) Load() (Trust, error) {
	var t Trust
	n := 0
	for _, set := range []bool{f.Key != "", len(f.CertChain) > 0, f.TrustedRoot != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return t, fmt.Errorf("%w: give one of a public key, CA certificates or a Sigstore trusted root", ErrNoTrust)
	}
	if (f.Identity != "" || f.Issuer != "") && f.TrustedRoot == "" {
		return t, fmt.Errorf("%w: an expected identity or issuer is only checked against a Sigstore trusted root", ErrNoTrust)
	}
	switch {
	case f.Key != "":
		data, err := os.ReadFile(f.Key)
		if err != nil {
			return t, err
		}
		if t.Key, err = ParsePublicKeyPEM(data); err != nil {
			return t, fmt.Errorf("%s: %w", f.Key, err)
		}
	case len(f.CertChain) > 0:
		for _, path := range f.CertChain {
			certs, err := readCertificates(path)
			if err != nil {
				return t, err
			}
			t.Roots = append(t.Roots, certs...)
		}
	case f.TrustedRoot != "":
		root, err := ReadTrustedRoot(f.TrustedRoot)
		if err != nil {
			return t, fmt.Errorf("%s: %w", f.TrustedRoot, err)
		}
		t.Sigstore = &SigstorePolicy{Root: root, Identity: f.Identity, Issuer: f.Issuer}
	}
	return t, nil
}

// readCertificates reads every CERTIFICATE block of a PEM file.
func readCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		if blk, data = pem.Decode(data); blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrNoTrust, path, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s holds no PEM certificate", ErrNoTrust, path)
	}
	return out, nil
}

// Signer describes who signed, in one line: the Sigstore identity, the
// certificate subject, or the key fingerprint.
func (r *Result) Signer() string {
	switch r.Method {
	case MethodSigstore:
		return fmt.Sprintf("%s (OIDC issuer %s)", r.Identity, r.OIDCIssuer)
	case MethodCertificate:
		return fmt.Sprintf("%q (issued by %q)", r.Subject, r.Issuer)
	}
	return "key " + r.KeyFingerprint
}
