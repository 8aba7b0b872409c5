package modelsign

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
)

// PublicKey is a verifier's public key with its DER SubjectPublicKeyInfo.
type PublicKey struct {
	Key crypto.PublicKey
	DER []byte
}

// ParsePublicKeyPEM reads the first "PUBLIC KEY" PEM block in data, or the
// key of the first "CERTIFICATE" block.
func ParsePublicKeyPEM(data []byte) (*PublicKey, error) {
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			return nil, fmt.Errorf("%w: no PEM PUBLIC KEY or CERTIFICATE block", ErrNoTrust)
		}
		switch blk.Type {
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: public key: %w", ErrNoTrust, err)
			}
			return &PublicKey{Key: k, DER: blk.Bytes}, nil
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: certificate: %w", ErrNoTrust, err)
			}
			return &PublicKey{Key: c.PublicKey, DER: c.RawSubjectPublicKeyInfo}, nil
		}
	}
}

// Fingerprint is "sha256:" and the hex SHA-256 of the DER public key, the
// usual key ID (it equals a Rekor log ID for a log's key).
func (k *PublicKey) Fingerprint() string {
	return KeyFingerprint(k.DER)
}

// KeyFingerprint is "sha256:<hex>" of a DER SubjectPublicKeyInfo.
func KeyFingerprint(der []byte) string {
	s := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(s[:])
}

// KeyHint returns model_signing's public key hint: the hex SHA-256 of the
// key's PEM encoding (a "PUBLIC KEY" block with 64-character lines, as
// Python's cryptography writes it).
func KeyHint(der []byte) string {
	s := sha256.Sum256(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	return hex.EncodeToString(s[:])
}
