package types

import errorsmod "cosmossdk.io/errors"

// Registered errors. Codes are stable once released: never renumber or reuse.
var (
	ErrInvalidDigest       = errorsmod.Register(ModuleName, 2, "invalid content digest")
	ErrInvalidMediaType    = errorsmod.Register(ModuleName, 3, "invalid media type")
	ErrInvalidOrigin       = errorsmod.Register(ModuleName, 4, "invalid digital source type")
	ErrAlreadyRegistered   = errorsmod.Register(ModuleName, 5, "content already registered")
	ErrUnknownModel        = errorsmod.Register(ModuleName, 6, "unknown model")
	ErrModelFlagged        = errorsmod.Register(ModuleName, 7, "model flagged by governance")
	ErrInvalidSoftBinding  = errorsmod.Register(ModuleName, 8, "invalid soft binding")
	ErrInvalidAttestation  = errorsmod.Register(ModuleName, 9, "invalid creator attestation")
	ErrInvalidReceipt      = errorsmod.Register(ModuleName, 10, "invalid receipt reference")
	ErrInvalidAddress      = errorsmod.Register(ModuleName, 11, "invalid address")
	ErrNotFound            = errorsmod.Register(ModuleName, 12, "content not registered")
	ErrInvalidModelID      = errorsmod.Register(ModuleName, 13, "invalid model ID")
	ErrInvalidManifestHash = errorsmod.Register(ModuleName, 14, "invalid C2PA manifest digest")
	ErrInvalidAuthority    = errorsmod.Register(ModuleName, 15, "invalid authority")
	ErrInvalidParams       = errorsmod.Register(ModuleName, 16, "invalid parameters")
	ErrUnknownLog          = errorsmod.Register(ModuleName, 17, "unknown receipt log")
)
