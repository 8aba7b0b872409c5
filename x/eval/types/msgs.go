package types

import (
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/fingerprint"
)

// Field limits.
const (
	MaxURILen    = 512
	MaxMetricLen = 64
	MaxSaltLen   = 64
	MinSaltLen   = 16
)

func validAddr(field, a string) error {
	if _, err := sdk.AccAddressFromBech32(a); err != nil {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s %q: %v", field, a, err)
	}
	return nil
}

// ValidateBasic checks the message without state.
func (m *MsgCreateEvalTask) ValidateBasic() error {
	if err := validAddr("creator", m.Creator); err != nil {
		return err
	}
	if _, err := fingerprint.ParseDigest(m.TargetId); err != nil {
		return errorsmod.Wrapf(ErrInvalidTask, "target: %v", err)
	}
	if m.BenchmarkDigest != "" {
		if _, err := fingerprint.ParseDigest(m.BenchmarkDigest); err != nil {
			return errorsmod.Wrapf(ErrInvalidTask, "benchmark digest: %v", err)
		}
	}
	switch {
	case len(m.BenchmarkUri) > MaxURILen || len(m.Metric) > MaxMetricLen:
		return errorsmod.Wrap(ErrInvalidTask, "benchmark URI or metric too long")
	case m.Metric == "":
		return errorsmod.Wrap(ErrInvalidTask, "metric is required (e.g. accuracy)")
	case m.ScoreMax == 0:
		return errorsmod.Wrap(ErrInvalidTask, "score_max must be positive (e.g. 10000 basis points)")
	case m.CommitBlocks <= 0 || m.RevealBlocks <= 0:
		return errorsmod.Wrap(ErrInvalidTask, "commit and reveal windows must be at least one block")
	case m.MinEvaluators == 0:
		return errorsmod.Wrap(ErrInvalidTask, "min_evaluators must be at least 1")
	case m.Tolerance > m.SlashDistance:
		return errorsmod.Wrap(ErrInvalidTask, "tolerance must not exceed slash_distance")
	case m.SlashDistance > m.ScoreMax:
		return errorsmod.Wrap(ErrInvalidTask, "slash_distance must not exceed score_max")
	}
	if err := m.Pool.Validate(); err != nil || !m.Pool.IsPositive() {
		return errorsmod.Wrapf(ErrPoolTooSmall, "pool %s must be a positive coin", m.Pool)
	}
	return nil
}

// ValidateBasic checks the message without state.
func (m *MsgCommitScore) ValidateBasic() error {
	if err := validAddr("evaluator", m.Evaluator); err != nil {
		return err
	}
	if len(m.Hash) != 32 {
		return errorsmod.Wrapf(ErrInvalidTask, "commit hash must be 32 bytes, got %d", len(m.Hash))
	}
	return nil
}

// ValidateBasic checks the message without state.
func (m *MsgRevealScore) ValidateBasic() error {
	if err := validAddr("evaluator", m.Evaluator); err != nil {
		return err
	}
	if len(m.Salt) < MinSaltLen || len(m.Salt) > MaxSaltLen {
		return errorsmod.Wrapf(ErrRevealMismatch, "salt must be %d to %d bytes", MinSaltLen, MaxSaltLen)
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
