package types

import errorsmod "cosmossdk.io/errors"

// Registered errors. Codes are stable once released: never renumber or reuse.
var (
	ErrInvalidDigest     = errorsmod.Register(ModuleName, 2, "invalid digest")
	ErrInvalidLicense    = errorsmod.Register(ModuleName, 3, "invalid license expression")
	ErrInvalidShares     = errorsmod.Register(ModuleName, 4, "invalid contributor shares")
	ErrAlreadyRegistered = errorsmod.Register(ModuleName, 5, "digest already registered")
	ErrUnknownParent     = errorsmod.Register(ModuleName, 6, "unknown parent model")
	ErrUnknownDataset    = errorsmod.Register(ModuleName, 7, "unknown dataset")
	ErrNotOwner          = errorsmod.Register(ModuleName, 8, "signer is not the owner")
	ErrNotFound          = errorsmod.Register(ModuleName, 9, "not registered")
	ErrTooManyLinks      = errorsmod.Register(ModuleName, 10, "too many entries")
	ErrInvalidField      = errorsmod.Register(ModuleName, 11, "invalid field")
	ErrInvalidAuthority  = errorsmod.Register(ModuleName, 12, "invalid authority")
	ErrInvalidRelation   = errorsmod.Register(ModuleName, 13, "invalid relation")
	ErrInvalidAddress    = errorsmod.Register(ModuleName, 14, "invalid address")
)
