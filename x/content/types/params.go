package types

import "fmt"

// Default parameter values, and the largest values governance may set
// (ValidateBasic checks against the latter, the handler against the former).
const (
	DefaultMaxSoftBindings   = 4
	DefaultMaxMediaTypeLen   = 127
	DefaultMaxAttestationLen = 1024

	CapSoftBindings   = 16
	CapMediaTypeLen   = 255
	CapAttestationLen = 8192
)

// DefaultParams returns the module's default parameters.
func DefaultParams() Params {
	return Params{
		MaxSoftBindings:   DefaultMaxSoftBindings,
		MaxMediaTypeLen:   DefaultMaxMediaTypeLen,
		MaxAttestationLen: DefaultMaxAttestationLen,
	}
}

// capParams are the widest limits: what a message must meet before any
// state is read.
func capParams() Params {
	return Params{MaxSoftBindings: CapSoftBindings, MaxMediaTypeLen: CapMediaTypeLen, MaxAttestationLen: CapAttestationLen}
}

// Validate checks that every limit is set and within its cap.
func (p Params) Validate() error {
	switch {
	case p.MaxSoftBindings == 0 || p.MaxSoftBindings > CapSoftBindings:
		return fmt.Errorf("max_soft_bindings must be in 1..%d, got %d", CapSoftBindings, p.MaxSoftBindings)
	case p.MaxMediaTypeLen < 3 || p.MaxMediaTypeLen > CapMediaTypeLen:
		return fmt.Errorf("max_media_type_len must be in 3..%d, got %d", CapMediaTypeLen, p.MaxMediaTypeLen)
	case p.MaxAttestationLen == 0 || p.MaxAttestationLen > CapAttestationLen:
		return fmt.Errorf("max_attestation_len must be in 1..%d, got %d", CapAttestationLen, p.MaxAttestationLen)
	}
	return nil
}
