package types

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	errorsmod "cosmossdk.io/errors"
	"github.com/github/go-spdx/v2/spdxexp"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/fingerprint"
)

// Field limits. They bound state growth per record; a change is a
// state-machine change.
const (
	MaxNameLen    = 128
	MaxVersionLen = 64
	MaxLicenseLen = 256
	MaxURILen     = 512
	MaxFormatLen  = 32
	MaxSummaryLen = 256
	// TotalShareBps is what contributor shares must sum to.
	TotalShareBps = 10_000
	// RecordRootLen is the size of an RFC 6962 SHA-256 root.
	RecordRootLen = 32
)

// ValidateID checks that id is a digest ID in canonical form.
func ValidateID(field, id string) error {
	if _, err := fingerprint.ParseDigest(id); err != nil {
		return errorsmod.Wrapf(ErrInvalidDigest, "%s: %v", field, err)
	}
	return nil
}

// ValidateLicense checks an SPDX license expression (LicenseRef-… allowed).
func ValidateLicense(expr string) error {
	if expr == "" {
		return errorsmod.Wrap(ErrInvalidLicense, "license is required (an SPDX expression such as \"Apache-2.0\", or LicenseRef-<name>)")
	}
	if len(expr) > MaxLicenseLen {
		return errorsmod.Wrapf(ErrInvalidLicense, "license expression is %d bytes, limit %d", len(expr), MaxLicenseLen)
	}
	if ok, _ := spdxexp.ValidateLicenses([]string{expr}); !ok {
		return errorsmod.Wrapf(ErrInvalidLicense, "%q is not a valid SPDX license expression", expr)
	}
	return nil
}

func validateText(field, s string, max int, required bool) error {
	if s == "" {
		if required {
			return errorsmod.Wrapf(ErrInvalidField, "%s is required", field)
		}
		return nil
	}
	if len(s) > max {
		return errorsmod.Wrapf(ErrInvalidField, "%s is %d bytes, limit %d", field, len(s), max)
	}
	if !utf8.ValidString(s) {
		return errorsmod.Wrapf(ErrInvalidField, "%s is not valid UTF-8", field)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return errorsmod.Wrapf(ErrInvalidField, "%s contains a control character", field)
		}
	}
	return nil
}

func validateOptionalDigest(field, d string) error {
	if d == "" {
		return nil
	}
	return ValidateID(field, d)
}

func validateURIAndDigest(field, uri, digest string) error {
	if err := validateText(field+" uri", uri, MaxURILen, false); err != nil {
		return err
	}
	if err := validateOptionalDigest(field+" digest", digest); err != nil {
		return err
	}
	return nil
}

func validateAddress(field, addr string) error {
	if _, err := sdk.AccAddressFromBech32(addr); err != nil {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s %q: %v", field, addr, err)
	}
	return nil
}

// ValidateContributors checks addresses, duplicates and that shares sum to
// 10,000 basis points. An empty list is allowed (no credited contributors).
func ValidateContributors(cs []Contributor, max uint32) error {
	if len(cs) == 0 {
		return nil
	}
	if uint32(len(cs)) > max {
		return errorsmod.Wrapf(ErrTooManyLinks, "%d contributors, limit %d", len(cs), max)
	}
	var sum uint64
	seen := make(map[string]bool, len(cs))
	for i, c := range cs {
		if err := validateAddress(fmt.Sprintf("contributor %d", i), c.Address); err != nil {
			return err
		}
		if seen[c.Address] {
			return errorsmod.Wrapf(ErrInvalidShares, "contributor %s is listed twice", c.Address)
		}
		seen[c.Address] = true
		if c.ShareBps == 0 {
			return errorsmod.Wrapf(ErrInvalidShares, "contributor %s has a zero share", c.Address)
		}
		sum += uint64(c.ShareBps)
	}
	if sum != TotalShareBps {
		return errorsmod.Wrapf(ErrInvalidShares, "shares sum to %d basis points, must be exactly %d", sum, TotalShareBps)
	}
	return nil
}

// Validate checks a dataset's stated fields against p's limits.
func (d DatasetInfo) Validate(p Params) error {
	if err := ValidateID("dataset id", d.Id); err != nil {
		return err
	}
	if err := validateText("name", d.Name, MaxNameLen, true); err != nil {
		return err
	}
	if err := validateText("version", d.Version, MaxVersionLen, false); err != nil {
		return err
	}
	if err := ValidateLicense(d.License); err != nil {
		return err
	}
	if _, ok := Use_name[int32(d.Usage.Use)]; !ok {
		return errorsmod.Wrapf(ErrInvalidField, "unknown usage %d", d.Usage.Use)
	}
	if err := ValidateContributors(d.Contributors, p.MaxContributors); err != nil {
		return err
	}
	switch {
	case len(d.RecordRoot) == 0 && d.RecordCount != 0:
		return errorsmod.Wrap(ErrInvalidField, "record_count is set without a record_root")
	case len(d.RecordRoot) != 0 && len(d.RecordRoot) != RecordRootLen:
		return errorsmod.Wrapf(ErrInvalidField, "record_root must be %d bytes, got %d", RecordRootLen, len(d.RecordRoot))
	case len(d.RecordRoot) != 0 && d.RecordCount == 0:
		return errorsmod.Wrap(ErrInvalidField, "record_root needs a non-zero record_count")
	}
	return validateURIAndDigest("metadata", d.MetadataUri, d.MetadataDigest)
}

// Validate checks a model's stated fields against p's limits. Whether the
// parents and datasets exist is checked against state, not here.
func (m ModelInfo) Validate(p Params) error {
	if err := ValidateID("model id", m.Id); err != nil {
		return err
	}
	if err := validateText("name", m.Name, MaxNameLen, true); err != nil {
		return err
	}
	if err := validateText("version", m.Version, MaxVersionLen, false); err != nil {
		return err
	}
	if err := validateText("format", m.Format, MaxFormatLen, false); err != nil {
		return err
	}
	if err := validateOptionalDigest("architecture fingerprint", m.ArchFingerprint); err != nil {
		return err
	}
	if err := validateText("architecture summary", m.ArchSummary, MaxSummaryLen, false); err != nil {
		return err
	}
	if err := ValidateLicense(m.License); err != nil {
		return err
	}
	if uint32(len(m.Parents)) > p.MaxParents {
		return errorsmod.Wrapf(ErrTooManyLinks, "%d parents, limit %d", len(m.Parents), p.MaxParents)
	}
	seen := make(map[string]bool, len(m.Parents)+len(m.Datasets))
	for _, pl := range m.Parents {
		if err := ValidateID("parent model id", pl.ModelId); err != nil {
			return err
		}
		if pl.ModelId == m.Id {
			return errorsmod.Wrap(ErrInvalidRelation, "a model cannot be its own parent")
		}
		if pl.Relation == ParentRelation_PARENT_RELATION_UNSPECIFIED || ParentRelation_name[int32(pl.Relation)] == "" {
			return errorsmod.Wrapf(ErrInvalidRelation, "parent %s: relation must be finetune, adapter, quantized, merge or distill", pl.ModelId)
		}
		if seen[pl.ModelId] {
			return errorsmod.Wrapf(ErrInvalidRelation, "parent %s is listed twice", pl.ModelId)
		}
		seen[pl.ModelId] = true
	}
	if uint32(len(m.Datasets)) > p.MaxDatasets {
		return errorsmod.Wrapf(ErrTooManyLinks, "%d datasets, limit %d", len(m.Datasets), p.MaxDatasets)
	}
	for _, dl := range m.Datasets {
		if err := ValidateID("dataset id", dl.DatasetId); err != nil {
			return err
		}
		if dl.Relation == DatasetRelation_DATASET_RELATION_UNSPECIFIED || DatasetRelation_name[int32(dl.Relation)] == "" {
			return errorsmod.Wrapf(ErrInvalidRelation, "dataset %s: relation must be trained_on, fine_tuned_on or evaluated_on", dl.DatasetId)
		}
		if seen[dl.DatasetId] {
			return errorsmod.Wrapf(ErrInvalidRelation, "dataset %s is listed twice", dl.DatasetId)
		}
		seen[dl.DatasetId] = true
	}
	if err := validateOptionalDigest("training run digest", m.TrainingRunDigest); err != nil {
		return err
	}
	if err := ValidateContributors(m.Contributors, p.MaxContributors); err != nil {
		return err
	}
	return validateURIAndDigest("card", m.CardUri, m.CardDigest)
}

// ParseParentRelation accepts the CLI and model-card spellings
// (finetune, fine-tune, adapter, quantized, merge, distill).
func ParseParentRelation(s string) (ParentRelation, error) {
	switch strings.ToLower(strings.ReplaceAll(s, "-", "")) {
	case "finetune", "finetuned":
		return ParentRelation_PARENT_RELATION_FINETUNE, nil
	case "adapter", "lora":
		return ParentRelation_PARENT_RELATION_ADAPTER, nil
	case "quantized", "quantization":
		return ParentRelation_PARENT_RELATION_QUANTIZED, nil
	case "merge", "merged":
		return ParentRelation_PARENT_RELATION_MERGE, nil
	case "distill", "distillation", "distilled":
		return ParentRelation_PARENT_RELATION_DISTILL, nil
	}
	return 0, errorsmod.Wrapf(ErrInvalidRelation, "unknown parent relation %q (want finetune, adapter, quantized, merge or distill)", s)
}

// ParseDatasetRelation accepts trained_on, fine_tuned_on and evaluated_on.
func ParseDatasetRelation(s string) (DatasetRelation, error) {
	switch strings.ToLower(strings.ReplaceAll(s, "-", "_")) {
	case "trained_on", "train":
		return DatasetRelation_DATASET_RELATION_TRAINED_ON, nil
	case "fine_tuned_on", "finetuned_on", "finetune":
		return DatasetRelation_DATASET_RELATION_FINE_TUNED_ON, nil
	case "evaluated_on", "eval", "test":
		return DatasetRelation_DATASET_RELATION_EVALUATED_ON, nil
	}
	return 0, errorsmod.Wrapf(ErrInvalidRelation, "unknown dataset relation %q (want trained_on, fine_tuned_on or evaluated_on)", s)
}

// Short returns the lower-case short name of a parent relation.
func (r ParentRelation) Short() string {
	return strings.ToLower(strings.TrimPrefix(r.String(), "PARENT_RELATION_"))
}

// Short returns the lower-case short name of a dataset relation.
func (r DatasetRelation) Short() string {
	return strings.ToLower(strings.TrimPrefix(r.String(), "DATASET_RELATION_"))
}
