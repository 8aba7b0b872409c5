package types

import (
	"strings"
	"unicode/utf8"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/phash"
)

// Field limits that are not parameters.
const (
	MaxAlgorithmLen = 128
	MaxBindingLen   = 256
	MaxLogIDLen     = 128
)

var _ sdk.Msg = &MsgRegisterContent{}

func validAddr(field, a string) error {
	if _, err := sdk.AccAddressFromBech32(a); err != nil {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s %q: %v", field, a, err)
	}
	return nil
}

// ValidateBasic checks the message without state, against the widest
// limits governance may set; the handler checks the current ones.
func (m *MsgRegisterContent) ValidateBasic() error {
	if err := validAddr("creator", m.Creator); err != nil {
		return err
	}
	return m.Info.Validate(capParams())
}

// ValidateBasic checks the authority's address and the parameters.
func (m *MsgUpdateParams) ValidateBasic() error {
	if err := validAddr("authority", m.Authority); err != nil {
		return err
	}
	if err := m.Params.Validate(); err != nil {
		return errorsmod.Wrap(ErrInvalidParams, err.Error())
	}
	return nil
}

// ID returns the content ID the info will be registered under.
func (c ContentInfo) ID() string { return IDFromSHA256(c.Sha256) }

// Class returns the class of the info's digital source type (0 if unknown).
func (c ContentInfo) Class() Class { cl, _ := OriginClass(c.DigitalSourceType); return cl }

// PerceptualHash returns the internal/phash soft binding, if there is one
// and it parses.
func (c ContentInfo) PerceptualHash() (phash.Hash64, bool) {
	for _, b := range c.SoftBindings {
		if b.Algorithm == phash.Algorithm {
			h, err := phash.ParseHash(b.Value)
			return h, err == nil
		}
	}
	return 0, false
}

// Validate checks the info against p. What it requires depends on the
// origin: a well-formed model ID for AI-generated content (the handler
// checks that it is registered and not flagged), an attestation and no
// model for content made without a trained model.
func (c ContentInfo) Validate(p Params) error {
	if err := validHex32("sha256", c.Sha256); err != nil {
		return err
	}
	if err := validHex32("blake3", c.Blake3); err != nil {
		return err
	}
	if err := validMediaType(c.MediaType, p.MaxMediaTypeLen); err != nil {
		return err
	}
	class, ok := OriginClass(c.DigitalSourceType)
	if !ok {
		return errorsmod.Wrapf(ErrInvalidOrigin, "%q is not an accepted IPTC digital source type (e.g. %s, %s, digitalCapture)",
			c.DigitalSourceType, TrainedAlgorithmicMedia, CompositeWithTrainedAlgorithmicMedia)
	}
	if c.ModelId != "" {
		if _, err := fingerprint.ParseDigest(c.ModelId); err != nil {
			return errorsmod.Wrapf(ErrInvalidModelID, "%v", err)
		}
	}
	switch class {
	case ClassAIGenerated:
		if c.ModelId == "" {
			return errorsmod.Wrapf(ErrUnknownModel, "%s content must name the registered model that generated it", c.DigitalSourceType)
		}
	case ClassHumanMade, ClassAlgorithmic:
		if c.ModelId != "" || c.Receipt != nil {
			return errorsmod.Wrapf(ErrInvalidOrigin, "%s content is made without a trained model; it cannot name a model or a receipt", c.DigitalSourceType)
		}
		if c.Attestation == "" {
			return errorsmod.Wrapf(ErrInvalidAttestation, "%s content needs the creator's attestation of how it was made", c.DigitalSourceType)
		}
	}
	if c.Receipt != nil {
		if c.ModelId == "" {
			return errorsmod.Wrap(ErrInvalidReceipt, "a receipt reference needs a model ID")
		}
		if !printable(c.Receipt.LogId, MaxLogIDLen) {
			return errorsmod.Wrapf(ErrInvalidReceipt, "log ID must be 1..%d printable ASCII characters without spaces", MaxLogIDLen)
		}
	}
	if len(c.Attestation) > int(p.MaxAttestationLen) || !utf8.ValidString(c.Attestation) || strings.ContainsRune(c.Attestation, 0) {
		return errorsmod.Wrapf(ErrInvalidAttestation, "attestation must be valid UTF-8 without NUL, at most %d bytes", p.MaxAttestationLen)
	}
	if c.C2PaManifestDigest != "" {
		if _, err := fingerprint.ParseDigest(c.C2PaManifestDigest); err != nil {
			return errorsmod.Wrapf(ErrInvalidManifestHash, "%v", err)
		}
	}
	return validSoftBindings(c.SoftBindings, c.MediaType, p.MaxSoftBindings)
}

func validSoftBindings(bs []SoftBinding, mediaType string, max uint32) error {
	if len(bs) > int(max) {
		return errorsmod.Wrapf(ErrInvalidSoftBinding, "%d soft bindings, at most %d", len(bs), max)
	}
	for i, b := range bs {
		if !printable(b.Algorithm, MaxAlgorithmLen) || !printable(b.Value, MaxBindingLen) {
			return errorsmod.Wrapf(ErrInvalidSoftBinding, "binding %d: algorithm (1..%d) and value (1..%d) must be printable ASCII without spaces",
				i, MaxAlgorithmLen, MaxBindingLen)
		}
		for _, prev := range bs[:i] {
			if prev.Algorithm == b.Algorithm {
				return errorsmod.Wrapf(ErrInvalidSoftBinding, "algorithm %s appears twice", b.Algorithm)
			}
		}
		if b.Algorithm != phash.Algorithm {
			continue
		}
		if !strings.HasPrefix(mediaType, "image/") {
			return errorsmod.Wrapf(ErrInvalidSoftBinding, "a perceptual image hash on %s content", mediaType)
		}
		h, err := phash.ParseHash(b.Value)
		if err != nil || h.String() != b.Value {
			return errorsmod.Wrapf(ErrInvalidSoftBinding, "perceptual hash %q must be 16 lower-case hex digits", b.Value)
		}
	}
	return nil
}

// validHex32 accepts exactly 64 lower-case hex digits.
func validHex32(field, s string) error {
	if len(s) != 64 {
		return errorsmod.Wrapf(ErrInvalidDigest, "%s must be 64 lower-case hex digits, got %d characters", field, len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return errorsmod.Wrapf(ErrInvalidDigest, "%s: character %q at offset %d is not lower-case hex", field, c, i)
		}
	}
	return nil
}

// validMediaType accepts "type/subtype" in lower case without parameters
// (RFC 6838 restricted-name characters).
func validMediaType(s string, max uint32) error {
	if len(s) == 0 || len(s) > int(max) {
		return errorsmod.Wrapf(ErrInvalidMediaType, "media type must be 1..%d characters", max)
	}
	typ, sub, ok := strings.Cut(s, "/")
	if !ok || !restrictedName(typ) || !restrictedName(sub) {
		return errorsmod.Wrapf(ErrInvalidMediaType, "%q is not a lower-case type/subtype without parameters (e.g. image/png)", s)
	}
	return nil
}

func restrictedName(s string) bool {
	if s == "" || len(s) > 127 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		if !alnum && (i == 0 || !strings.ContainsRune("!#$&-^_.+", rune(c))) {
			return false
		}
	}
	return true
}

// printable reports whether s is 1..max visible ASCII characters.
func printable(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
