package fingerprint

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// Algorithm names a resource hash function. Its string form is the prefix of a
// digest ID ("blake3:…") and the OMS "hash_type"/"algorithm" value.
type Algorithm string

// Supported algorithms.
const (
	// BLAKE3 is the default: several times faster than SHA-256 on CPUs
	// without SHA extensions, and SIMD-parallel inside one stream.
	BLAKE3 Algorithm = "blake3"
	// SHA256 is for compatibility: the SHA-256 of a whole file is its Hugging
	// Face LFS oid, and OMS (model_signing) defaults to it.
	SHA256 Algorithm = "sha256"
)

// DigestSize is the length in bytes of every supported digest.
const DigestSize = 32

// Valid reports whether a names a supported algorithm.
func (a Algorithm) Valid() bool { return a == BLAKE3 || a == SHA256 }

// String returns the algorithm name.
func (a Algorithm) String() string { return string(a) }

// ParseAlgorithm validates an algorithm name ("blake3" or "sha256").
func ParseAlgorithm(s string) (Algorithm, error) {
	a := Algorithm(s)
	if !a.Valid() {
		return "", fmt.Errorf("%w: %q (want %q or %q)", ErrUnknownAlgorithm, s, BLAKE3, SHA256)
	}
	return a, nil
}

// newHash returns a fresh streaming hash for a. The caller has validated a.
func (a Algorithm) newHash() hash.Hash {
	if a == SHA256 {
		return sha256.New()
	}
	return newB3()
}

// Sum hashes data in one call.
func (a Algorithm) Sum(data []byte) (Digest, error) {
	if !a.Valid() {
		return Digest{}, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, string(a))
	}
	d := Digest{Algorithm: a}
	switch a {
	case SHA256:
		d.Sum = sha256.Sum256(data)
	default:
		d.Sum = b3Sum256(data)
	}
	return d, nil
}

// Digest is a hash value tagged with its algorithm. It is comparable with ==.
// The zero Digest is "no digest".
type Digest struct {
	Algorithm Algorithm
	Sum       [DigestSize]byte
}

// IsZero reports whether d is the zero Digest.
func (d Digest) IsZero() bool { return d == Digest{} }

// Hex returns the lower-case hex of the digest bytes, without the prefix.
func (d Digest) Hex() string { return hex.EncodeToString(d.Sum[:]) }

// String returns the canonical ID form "<algorithm>:<lower-case hex>".
func (d Digest) String() string {
	if d.IsZero() {
		return ""
	}
	return string(d.Algorithm) + ":" + d.Hex()
}

// MarshalText encodes d as its ID so that it appears in JSON as a string.
func (d Digest) MarshalText() ([]byte, error) {
	if !d.Algorithm.Valid() {
		return nil, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, string(d.Algorithm))
	}
	return []byte(d.String()), nil
}

// UnmarshalText parses an ID written by MarshalText.
func (d *Digest) UnmarshalText(b []byte) error {
	p, err := ParseDigest(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// maxDigestIDLen bounds the input to ParseDigest so that error messages never
// quote megabytes of attacker input.
const maxDigestIDLen = len("sha256:") + 2*DigestSize

// ParseDigest parses an ID of the form "blake3:<hex>" or "sha256:<hex>".
// It accepts only the canonical form: a known lower-case algorithm name,
// one colon, and exactly 64 lower-case hex digits. Anything else returns an
// error wrapping ErrInvalidDigest (or ErrUnknownAlgorithm), so that one
// digest has exactly one ID.
func ParseDigest(s string) (Digest, error) {
	if len(s) > maxDigestIDLen+8 {
		return Digest{}, fmt.Errorf("%w: %d bytes is too long for a digest ID", ErrInvalidDigest, len(s))
	}
	alg, hexPart, ok := strings.Cut(s, ":")
	if !ok {
		return Digest{}, fmt.Errorf("%w: %q has no algorithm prefix (want <algorithm>:<hex>)", ErrInvalidDigest, s)
	}
	a := Algorithm(alg)
	if !a.Valid() {
		return Digest{}, fmt.Errorf("%w: %w: %q", ErrInvalidDigest, ErrUnknownAlgorithm, alg)
	}
	if len(hexPart) != 2*DigestSize {
		return Digest{}, fmt.Errorf("%w: %s digest needs %d hex digits, got %d", ErrInvalidDigest, alg, 2*DigestSize, len(hexPart))
	}
	d := Digest{Algorithm: a}
	for i := 0; i < len(hexPart); i++ {
		c := hexPart[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return Digest{}, fmt.Errorf("%w: character %q at offset %d is not lower-case hex", ErrInvalidDigest, c, len(alg)+1+i)
		}
	}
	if _, err := hex.Decode(d.Sum[:], []byte(hexPart)); err != nil {
		// Unreachable after the loop above; kept so a future change cannot
		// silently accept bad input.
		return Digest{}, fmt.Errorf("%w: %w", ErrInvalidDigest, err)
	}
	return d, nil
}

// MustParseDigest is ParseDigest for constants in tests and tables; it panics
// on error.
func MustParseDigest(s string) Digest {
	d, err := ParseDigest(s)
	if err != nil {
		panic(err)
	}
	return d
}
