package types

import (
	"strings"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

var (
	_ sdk.Msg = (*MsgRegisterDataset)(nil)
	_ sdk.Msg = (*MsgRegisterModel)(nil)
	_ sdk.Msg = (*MsgUpdateMetadata)(nil)
	_ sdk.Msg = (*MsgTransferOwnership)(nil)
	_ sdk.Msg = (*MsgUpdateParams)(nil)
)

// ValidateBasic checks the message without state, against default limits;
// the keeper checks again against the current parameters.
func (m *MsgRegisterDataset) ValidateBasic() error {
	if err := validateAddress("owner", m.Owner); err != nil {
		return err
	}
	return m.Dataset.Validate(maxParams())
}

// ValidateBasic checks the message without state.
func (m *MsgRegisterModel) ValidateBasic() error {
	if err := validateAddress("owner", m.Owner); err != nil {
		return err
	}
	return m.Model.Validate(maxParams())
}

// ValidateBasic checks the message without state.
func (m *MsgUpdateMetadata) ValidateBasic() error {
	if err := validateAddress("owner", m.Owner); err != nil {
		return err
	}
	if err := ValidateID("id", m.Id); err != nil {
		return err
	}
	if m.Name == "" && m.Version == "" && m.Uri == "" && m.Digest == "" {
		return errorsmod.Wrap(ErrInvalidField, "nothing to update: set at least one of name, version, uri, digest")
	}
	if err := validateText("name", m.Name, MaxNameLen, false); err != nil {
		return err
	}
	if err := validateText("version", m.Version, MaxVersionLen, false); err != nil {
		return err
	}
	return validateURIAndDigest("metadata", m.Uri, m.Digest)
}

// ValidateBasic checks the message without state.
func (m *MsgTransferOwnership) ValidateBasic() error {
	if err := validateAddress("owner", m.Owner); err != nil {
		return err
	}
	if err := validateAddress("new owner", m.NewOwner); err != nil {
		return err
	}
	if m.Owner == m.NewOwner {
		return errorsmod.Wrap(ErrInvalidField, "new owner is the current owner")
	}
	return ValidateID("id", m.Id)
}

// ValidateBasic checks the message without state.
func (m *MsgUpdateParams) ValidateBasic() error {
	if err := validateAddress("authority", m.Authority); err != nil {
		return err
	}
	if err := m.Params.Validate(); err != nil {
		return errorsmod.Wrap(ErrInvalidField, err.Error())
	}
	return nil
}

// maxParams are the widest limits Params.Validate allows, so that stateless
// checks never reject what some valid parameter set would accept.
func maxParams() Params {
	return Params{MaxParents: 1024, MaxDatasets: 4096, MaxContributors: 10_000, MaxQueryDepth: 256}
}

// MaxReasonLen bounds a status change's reason.
const MaxReasonLen = 512

var _ sdk.Msg = (*MsgSetModelStatus)(nil)

// ValidateBasic checks the message without state.
func (m *MsgSetModelStatus) ValidateBasic() error {
	if err := validateAddress("authority", m.Authority); err != nil {
		return err
	}
	if err := ValidateID("model id", m.ModelId); err != nil {
		return err
	}
	if _, ok := ModelStatus_name[int32(m.Status)]; !ok {
		return errorsmod.Wrapf(ErrInvalidField, "unknown status %d", m.Status)
	}
	if m.Status == ModelStatus_MODEL_STATUS_FLAGGED && m.Reason == "" {
		return errorsmod.Wrap(ErrInvalidField, "flagging a model needs a reason")
	}
	return validateText("reason", m.Reason, MaxReasonLen, false)
}

// Short returns the lower-case short name of a model status.
func (s ModelStatus) Short() string {
	if s == ModelStatus_MODEL_STATUS_UNSPECIFIED {
		return "none"
	}
	return strings.ToLower(strings.TrimPrefix(s.String(), "MODEL_STATUS_"))
}
