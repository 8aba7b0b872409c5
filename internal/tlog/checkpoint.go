package tlog

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// MaxCheckpointSize bounds a signed checkpoint: a body of origin, size and
// root plus a few extension and signature lines is far smaller.
const MaxCheckpointSize = 16 << 10

// maxOriginLen bounds a log's origin line.
const maxOriginLen = 256

// Checkpoint is a log's commitment to its first Size entries.
type Checkpoint struct {
	Origin string
	Size   uint64
	Hash   []byte // RFC 6962 root of the first Size entries
}

// Marshal returns the checkpoint body (no extension lines, no signatures).
func (c Checkpoint) Marshal() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Hash))
}

// String returns a one-line description for logs and errors.
func (c Checkpoint) String() string {
	return fmt.Sprintf("%s@%d:%x", c.Origin, c.Size, c.Hash)
}

// ParseCheckpoint parses a checkpoint body. Extension lines after the root
// are allowed and ignored; everything else must be exactly as the format
// says (decimal size without leading zeros, canonical padded base64 of 32
// bytes, a newline after each line).
func ParseCheckpoint(body []byte) (Checkpoint, error) {
	if len(body) > MaxCheckpointSize {
		return Checkpoint{}, fmt.Errorf("%w: %d bytes, at most %d", ErrCheckpointMalformed, len(body), MaxCheckpointSize)
	}
	if !utf8.Valid(body) {
		return Checkpoint{}, fmt.Errorf("%w: not UTF-8", ErrCheckpointMalformed)
	}
	if !bytes.HasSuffix(body, []byte("\n")) {
		return Checkpoint{}, fmt.Errorf("%w: body must end with a newline", ErrCheckpointMalformed)
	}
	lines := strings.Split(string(body[:len(body)-1]), "\n")
	if len(lines) < 3 {
		return Checkpoint{}, fmt.Errorf("%w: want origin, size and root lines, got %d lines", ErrCheckpointMalformed, len(lines))
	}
	origin, sizeLine, rootLine := lines[0], lines[1], lines[2]
	if err := validOrigin(origin); err != nil {
		return Checkpoint{}, err
	}
	size, err := strconv.ParseUint(sizeLine, 10, 64)
	if err != nil || (len(sizeLine) > 1 && sizeLine[0] == '0') {
		return Checkpoint{}, fmt.Errorf("%w: size %q is not a decimal number", ErrCheckpointMalformed, sizeLine)
	}
	root, err := base64.StdEncoding.Strict().DecodeString(rootLine)
	if err != nil || len(root) != HashSize {
		return Checkpoint{}, fmt.Errorf("%w: root hash must be base64 of %d bytes", ErrCheckpointMalformed, HashSize)
	}
	for i, ext := range lines[3:] {
		if ext == "" {
			return Checkpoint{}, fmt.Errorf("%w: empty extension line %d", ErrCheckpointMalformed, i+1)
		}
	}
	return Checkpoint{Origin: origin, Size: size, Hash: root}, nil
}

func validOrigin(origin string) error {
	switch {
	case origin == "":
		return fmt.Errorf("%w: empty origin", ErrCheckpointMalformed)
	case len(origin) > maxOriginLen:
		return fmt.Errorf("%w: origin longer than %d bytes", ErrCheckpointMalformed, maxOriginLen)
	case strings.TrimSpace(origin) != origin || strings.ContainsAny(origin, "\t\r"):
		return fmt.Errorf("%w: origin %q has surrounding or control whitespace", ErrCheckpointMalformed, origin)
	}
	return nil
}

// Open verifies a signed checkpoint with the log's verifier key (a note
// verifier key "origin+hash+base64") and returns the checkpoint. It fails
// unless the key verifies a signature on the note and the checkpoint's
// origin equals the key's name.
func Open(signed []byte, verifierKey string) (Checkpoint, error) {
	if len(signed) > MaxCheckpointSize {
		return Checkpoint{}, fmt.Errorf("%w: %d bytes, at most %d", ErrCheckpointMalformed, len(signed), MaxCheckpointSize)
	}
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %w", ErrKeyInvalid, err)
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		if errors.As(err, &unverified) || errors.As(err, &invalid) {
			return Checkpoint{}, fmt.Errorf("%w %s", ErrCheckpointSignature, v.Name())
		}
		return Checkpoint{}, fmt.Errorf("%w: %w", ErrCheckpointMalformed, err)
	}
	cp, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, err
	}
	if cp.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("%w: origin %q is not the key's name %q", ErrCheckpointSignature, cp.Origin, v.Name())
	}
	return cp, nil
}

// Sign signs a checkpoint body with a note signer key
// ("PRIVATE+KEY+origin+hash+base64") and returns the signed note.
func Sign(cp Checkpoint, signerKey string) ([]byte, error) {
	s, err := note.NewSigner(signerKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyInvalid, err)
	}
	if s.Name() != cp.Origin {
		return nil, fmt.Errorf("%w: key %q cannot sign for origin %q", ErrKeyInvalid, s.Name(), cp.Origin)
	}
	return note.Sign(&note.Note{Text: string(cp.Marshal())}, s)
}

// GenerateKey returns a new ed25519 note key pair named after the log's
// origin: the signer key (secret) and the verifier key (public, registered
// on chain).
func GenerateKey(origin string) (signerKey, verifierKey string, err error) {
	if err := validOrigin(origin); err != nil {
		return "", "", err
	}
	if strings.ContainsAny(origin, "+ ") {
		return "", "", fmt.Errorf("%w: a key name cannot contain '+' or spaces: %q", ErrKeyInvalid, origin)
	}
	return note.GenerateKey(rand.Reader, origin)
}

// VerifierName returns the name (the log origin) of a verifier key.
func VerifierName(verifierKey string) (string, error) {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrKeyInvalid, err)
	}
	return v.Name(), nil
}

// VerifyAppend checks that next extends prev: same origin, no smaller size,
// and a valid consistency proof. A checkpoint of the same size must carry
// the same root.
func VerifyAppend(prev, next Checkpoint, proof [][]byte) error {
	if prev.Origin != next.Origin {
		return fmt.Errorf("%w: origins %q and %q differ", ErrConsistencyInvalid, prev.Origin, next.Origin)
	}
	if next.Size < prev.Size {
		return fmt.Errorf("%w: size %d is smaller than %d", ErrConsistencyInvalid, next.Size, prev.Size)
	}
	return VerifyConsistency(prev.Size, next.Size, proof, prev.Hash, next.Hash)
}
