package types

import errorsmod "cosmossdk.io/errors"

// Registered errors: never renumber or reuse.
var (
	ErrInvalidTask      = errorsmod.Register(ModuleName, 2, "invalid evaluation task")
	ErrUnknownTarget    = errorsmod.Register(ModuleName, 3, "unknown evaluation target")
	ErrPoolTooSmall     = errorsmod.Register(ModuleName, 4, "reward pool too small")
	ErrTaskNotFound     = errorsmod.Register(ModuleName, 5, "task not found")
	ErrCommitClosed     = errorsmod.Register(ModuleName, 6, "commit window closed")
	ErrRevealClosed     = errorsmod.Register(ModuleName, 7, "reveal window not open")
	ErrAlreadyDone      = errorsmod.Register(ModuleName, 8, "already committed or revealed")
	ErrNotEvaluator     = errorsmod.Register(ModuleName, 9, "not a bonded validator")
	ErrNoCommit         = errorsmod.Register(ModuleName, 10, "no commit to reveal")
	ErrRevealMismatch   = errorsmod.Register(ModuleName, 11, "reveal does not match the commit")
	ErrInvalidScore     = errorsmod.Register(ModuleName, 12, "invalid score")
	ErrInvalidAddress   = errorsmod.Register(ModuleName, 13, "invalid address")
	ErrInvalidAuthority = errorsmod.Register(ModuleName, 14, "invalid authority")
	ErrInvalidParams    = errorsmod.Register(ModuleName, 15, "invalid parameters")
	ErrInvariant        = errorsmod.Register(ModuleName, 16, "invariant broken")
)
