// Package keeper holds x/eval's state: evaluation tasks with escrowed
// reward pools, commits and reveals by bonded validators, reputation, and the
// end-of-window tally that pays, refunds and slashes.
package keeper

import (
	"context"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/store"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/prova-network/prova/x/eval/types"
)

// BankKeeper moves pools in and out of escrow.
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, from sdk.AccAddress, module string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, module string, to sdk.AccAddress, amt sdk.Coins) error
	GetAllBalances(ctx context.Context, addr sdk.AccAddress) sdk.Coins
}

// StakingKeeper finds evaluators' validators and slashes them.
type StakingKeeper interface {
	GetValidator(ctx context.Context, addr sdk.ValAddress) (stakingtypes.Validator, error)
	Slash(ctx context.Context, consAddr sdk.ConsAddress, infractionHeight, power int64, slashFactor sdkmath.LegacyDec) (sdkmath.Int, error)
	PowerReduction(ctx context.Context) sdkmath.Int
}

// TargetExists reports whether a model or dataset is registered under id.
type TargetExists func(ctx context.Context, id string) (bool, error)

// Keeper owns the eval store.
type Keeper struct {
	cdc          codec.BinaryCodec
	bank         BankKeeper
	staking      StakingKeeper
	targetExists TargetExists
	moduleAddr   sdk.AccAddress
	authority    string

	Schema     collections.Schema
	Params     collections.Item[types.Params]
	NextTaskID collections.Sequence
	Tasks      collections.Map[uint64, types.Task]
	Commits    collections.Map[collections.Pair[uint64, string], types.Commit]
	Reveals    collections.Map[collections.Pair[uint64, string], types.Reveal]
	Due        collections.KeySet[collections.Pair[int64, uint64]]
	ByTarget   collections.KeySet[collections.Pair[string, uint64]]
	Reputation collections.Map[string, uint64]
	// Latest is each target's most recent succeeded task, kept under one
	// key so `provad verify` can prove it with a single query.
	Latest collections.Map[string, types.Task]
}

// NewKeeper returns the keeper; authority (the gov module account) is the
// only signer allowed to change the parameters.
func NewKeeper(cdc codec.BinaryCodec, ss store.KVStoreService, bank BankKeeper, staking StakingKeeper, targetExists TargetExists, moduleAddr sdk.AccAddress, authority string) Keeper {
	sb := collections.NewSchemaBuilder(ss)
	pair := collections.PairKeyCodec(collections.Uint64Key, collections.StringKey)
	k := Keeper{
		cdc: cdc, bank: bank, staking: staking, targetExists: targetExists, moduleAddr: moduleAddr, authority: authority,
		Params:     collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		NextTaskID: collections.NewSequence(sb, types.NextTaskIDKey, "next_task_id"),
		Tasks:      collections.NewMap(sb, types.TasksPrefix, "tasks", collections.Uint64Key, codec.CollValue[types.Task](cdc)),
		Commits:    collections.NewMap(sb, types.CommitsPrefix, "commits", pair, codec.CollValue[types.Commit](cdc)),
		Reveals:    collections.NewMap(sb, types.RevealsPrefix, "reveals", pair, codec.CollValue[types.Reveal](cdc)),
		Due:        collections.NewKeySet(sb, types.DuePrefix, "due", collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		ByTarget:   collections.NewKeySet(sb, types.ByTargetPrefix, "by_target", collections.PairKeyCodec(collections.StringKey, collections.Uint64Key)),
		Reputation: collections.NewMap(sb, types.ReputationPrefix, "reputation", collections.StringKey, collections.Uint64Value),
		Latest:     collections.NewMap(sb, types.LatestPrefix, "latest", collections.StringKey, codec.CollValue[types.Task](cdc)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// reputation returns an evaluator's reputation (new evaluators: 100%).
func (k Keeper) reputation(ctx context.Context, evaluator string) (uint64, error) {
	r, err := k.Reputation.Get(ctx, evaluator)
	if err != nil {
		if errorsIsNotFound(err) {
			return types.BasisPoints, nil
		}
		return 0, err
	}
	return r, nil
}

// bondedValidator returns the bonded validator operated by the account.
func (k Keeper) bondedValidator(ctx context.Context, evaluator string) (stakingtypes.Validator, error) {
	acc, err := sdk.AccAddressFromBech32(evaluator)
	if err != nil {
		return stakingtypes.Validator{}, err
	}
	v, err := k.staking.GetValidator(ctx, sdk.ValAddress(acc))
	if err != nil || !v.IsBonded() {
		return stakingtypes.Validator{}, types.ErrNotEvaluator.Wrapf("%s does not operate a bonded validator", evaluator)
	}
	return v, nil
}

// Authority returns the address allowed to update the parameters.
func (k Keeper) Authority() string { return k.authority }
