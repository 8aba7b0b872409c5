package modelsign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// PAE is DSSE v1's pre-authentication encoding of a payload, the bytes that
// are signed: "DSSEv1 <len(type)> <type> <len(payload)> <payload>" with
// lengths in decimal.
func PAE(payloadType string, payload []byte) []byte {
	out := fmt.Appendf(nil, "DSSEv1 %d %s %d ", len(payloadType), payloadType, len(payload))
	return append(out, payload...)
}

// minRSABits is the smallest RSA modulus accepted, as in Sigstore's key
// details (2048, 3072, 4096).
const minRSABits = 2048

// verifySignature checks sig over msg with pub. details is a Sigstore
// PublicKeyDetails name when the bundle gives one ("" otherwise): it picks
// the RSA padding and must agree with an ECDSA key's curve. Without it an
// ECDSA key hashes with the digest that matches its curve (SHA-256 for
// P-256, SHA-384 for P-384, SHA-512 for P-521), as model_signing and
// Sigstore do, and an RSA signature may be PKCS #1 v1.5 or PSS with SHA-256.
func verifySignature(pub crypto.PublicKey, details string, msg, sig []byte) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		h, name, err := curveHash(k.Curve)
		if err != nil {
			return err
		}
		if details != "" && !strings.HasPrefix(details, "PKIX_ECDSA_"+name+"_SHA_") {
			return fmt.Errorf("%w: key details %s do not fit an ECDSA %s key", ErrUnsupportedBundle, details, name)
		}
		if !ecdsa.VerifyASN1(k, digest(h, msg), sig) {
			return fmt.Errorf("%w: ECDSA %s", ErrSignature, name)
		}
		return nil
	case ed25519.PublicKey:
		if details != "" && details != "PKIX_ED25519" {
			return fmt.Errorf("%w: key details %s do not fit an Ed25519 key", ErrUnsupportedBundle, details)
		}
		if !ed25519.Verify(k, msg, sig) {
			return fmt.Errorf("%w: Ed25519", ErrSignature)
		}
		return nil
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return fmt.Errorf("%w: %d-bit RSA key, at least %d bits", ErrUnsupportedBundle, k.N.BitLen(), minRSABits)
		}
		d := digest(sha256.New, msg)
		pkcs1 := rsa.VerifyPKCS1v15(k, crypto.SHA256, d, sig)
		pss := rsa.VerifyPSS(k, crypto.SHA256, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		var err error
		switch {
		case details == "":
			if pkcs1 != nil && pss != nil {
				err = errors.Join(pkcs1, pss)
			}
		case strings.HasPrefix(details, "PKIX_RSA_PKCS1V15_") && strings.HasSuffix(details, "_SHA256"):
			err = pkcs1
		case strings.HasPrefix(details, "PKIX_RSA_PSS_") && strings.HasSuffix(details, "_SHA256"):
			err = pss
		default:
			return fmt.Errorf("%w: key details %s do not fit an RSA key", ErrUnsupportedBundle, details)
		}
		if err != nil {
			return fmt.Errorf("%w: RSA %d", ErrSignature, k.N.BitLen())
		}
		return nil
	}
	return fmt.Errorf("%w: public key type %T", ErrUnsupportedBundle, pub)
}

// curveHash returns the hash Sigstore pairs with an ECDSA curve.
func curveHash(c elliptic.Curve) (func() hash.Hash, string, error) {
	switch c {
	case elliptic.P256():
		return sha256.New, "P256", nil
	case elliptic.P384():
		return sha512.New384, "P384", nil
	case elliptic.P521():
		return sha512.New, "P521", nil
	}
	return nil, "", fmt.Errorf("%w: ECDSA curve %s (want P-256, P-384 or P-521)", ErrUnsupportedBundle, c.Params().Name)
}

func digest(h func() hash.Hash, msg []byte) []byte {
	d := h()
	d.Write(msg)
	return d.Sum(nil)
}
