package types

import (
	"crypto/ed25519"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/tlog"
)

// Field limits.
const (
	// MaxLogIDLen bounds a log ID (the origin line of its checkpoints).
	MaxLogIDLen = 256
	// MaxVerifierKeyLen bounds a note verifier key: the name, a 4-byte key
	// hash and a 33-byte key in base64 fit well within it.
	MaxVerifierKeyLen = MaxLogIDLen + 128
	// MaxProofHashes is the longest possible consistency proof (a tree of
	// 2^64 leaves); params.max_proof_hashes may lower it.
	MaxProofHashes = 65
)

func validAddr(field, a string) error {
	if _, err := sdk.AccAddressFromBech32(a); err != nil {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s %q: %v", field, a, err)
	}
	return nil
}

func validLogID(id string) error {
	if id == "" || len(id) > MaxLogIDLen {
		return errorsmod.Wrapf(ErrInvalidLog, "log id must be 1 to %d bytes, got %d", MaxLogIDLen, len(id))
	}
	return nil
}

// ValidateLogKey checks that verifierKey is a note verifier key named
// origin, the ID its log is registered under.
func ValidateLogKey(origin, verifierKey string) error {
	if err := validLogID(origin); err != nil {
		return err
	}
	if len(verifierKey) > MaxVerifierKeyLen {
		return errorsmod.Wrapf(ErrInvalidLog, "verifier key longer than %d bytes", MaxVerifierKeyLen)
	}
	name, err := tlog.VerifierName(verifierKey)
	if err != nil {
		return errorsmod.Wrapf(ErrInvalidLog, "verifier key: %v", err)
	}
	if name != origin {
		return errorsmod.Wrapf(ErrInvalidLog, "verifier key is named %q, not the origin %q", name, origin)
	}
	return nil
}

func validNote(field string, b []byte, required bool) error {
	if len(b) == 0 && required {
		return errorsmod.Wrapf(ErrInvalidCheckpoint, "%s is required", field)
	}
	if len(b) > tlog.MaxCheckpointSize {
		return errorsmod.Wrapf(ErrInvalidCheckpoint, "%s is %d bytes, at most %d", field, len(b), tlog.MaxCheckpointSize)
	}
	return nil
}

// ValidateBasic checks the message without state.
func (m *MsgRegisterLog) ValidateBasic() error {
	if err := validAddr("operator", m.Operator); err != nil {
		return err
	}
	if err := ValidateLogKey(m.Origin, m.VerifierKey); err != nil {
		return err
	}
	if err := m.Bond.Validate(); err != nil || !m.Bond.IsPositive() {
		return errorsmod.Wrapf(ErrBondTooSmall, "bond %s must be a positive coin", m.Bond)
	}
	return nil
}

// ValidateBasic checks the message without state.
func (m *MsgAnchorCheckpoint) ValidateBasic() error {
	if err := validAddr("operator", m.Operator); err != nil {
		return err
	}
	if err := validLogID(m.LogId); err != nil {
		return err
	}
	if err := validNote("checkpoint", m.Checkpoint, true); err != nil {
		return err
	}
	if len(m.ConsistencyProof) > MaxProofHashes {
		return errorsmod.Wrapf(ErrProofTooLong, "%d hashes, at most %d", len(m.ConsistencyProof), MaxProofHashes)
	}
	for i, h := range m.ConsistencyProof {
		if len(h) != tlog.HashSize {
			return errorsmod.Wrapf(ErrNotAppend, "proof hash %d is %d bytes, want %d", i, len(h), tlog.HashSize)
		}
	}
	return nil
}

// ValidateBasic checks the message without state.
func (m *MsgReportEquivocation) ValidateBasic() error {
	if err := validAddr("reporter", m.Reporter); err != nil {
		return err
	}
	if err := validLogID(m.LogId); err != nil {
		return err
	}
	if err := validNote("checkpoint_a", m.CheckpointA, true); err != nil {
		return err
	}
	return validNote("checkpoint_b", m.CheckpointB, false)
}

// ValidateBasic checks the message without state; the envelope is decoded
// and its signature checked by the handler.
func (m *MsgRecordInference) ValidateBasic() error {
	if err := validAddr("provider", m.Provider); err != nil {
		return err
	}
	if len(m.Envelope) == 0 || len(m.Envelope) > receipt.MaxEnvelopeBytes {
		return errorsmod.Wrapf(ErrInvalidReceipt, "envelope must be 1 to %d bytes, got %d", receipt.MaxEnvelopeBytes, len(m.Envelope))
	}
	if len(m.ProviderKey) != ed25519.PublicKeySize {
		return errorsmod.Wrapf(ErrInvalidReceipt, "provider key must be %d bytes, got %d", ed25519.PublicKeySize, len(m.ProviderKey))
	}
	return nil
}

// ValidateBasic checks the message without state.
func (m *MsgUpdateParams) ValidateBasic() error {
	if err := validAddr("authority", m.Authority); err != nil {
		return err
	}
	if err := m.Params.Validate(); err != nil {
		return errorsmod.Wrap(ErrInvalidParams, err.Error())
	}
	return nil
}
