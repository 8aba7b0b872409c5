package types

import errorsmod "cosmossdk.io/errors"

// Registered errors: never renumber or reuse.
var (
	ErrInvalidAddress    = errorsmod.Register(ModuleName, 2, "invalid address")
	ErrInvalidLog        = errorsmod.Register(ModuleName, 3, "invalid log registration")
	ErrLogExists         = errorsmod.Register(ModuleName, 4, "log already registered")
	ErrLogNotFound       = errorsmod.Register(ModuleName, 5, "log not found")
	ErrBondTooSmall      = errorsmod.Register(ModuleName, 6, "bond too small")
	ErrNotOperator       = errorsmod.Register(ModuleName, 7, "signer is not the log's operator")
	ErrLogFrozen         = errorsmod.Register(ModuleName, 8, "log is frozen")
	ErrInvalidCheckpoint = errorsmod.Register(ModuleName, 9, "invalid signed checkpoint")
	ErrNotAppend         = errorsmod.Register(ModuleName, 10, "checkpoint does not extend the anchored one")
	ErrNotNewer          = errorsmod.Register(ModuleName, 11, "checkpoint is not newer than the anchored one")
	ErrProofTooLong      = errorsmod.Register(ModuleName, 12, "consistency proof too long")
	ErrNoEquivocation    = errorsmod.Register(ModuleName, 13, "checkpoints do not equivocate")
	ErrInvalidReceipt    = errorsmod.Register(ModuleName, 14, "invalid receipt")
	ErrUnknownModel      = errorsmod.Register(ModuleName, 15, "unknown model")
	ErrDuplicateReceipt  = errorsmod.Register(ModuleName, 16, "receipt already recorded")
	ErrInvalidAuthority  = errorsmod.Register(ModuleName, 17, "invalid authority")
	ErrInvalidParams     = errorsmod.Register(ModuleName, 18, "invalid parameters")
	ErrInvariant         = errorsmod.Register(ModuleName, 19, "invariant broken")
)
