// Package keeper holds x/eval's state: evaluation tasks with escrowed
// reward pools, commits and reveals by bonded validators, reputation, and the
// end-of-window tally that pays, refunds and slashes.
package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"cosmossdk.io/collections/indexes"
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"
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

// TaskIndexes are the secondary indexes of Tasks, kept in step with it by
// collections. ByTarget lists every task under its target as the key
// (target, task id) with an empty value: the layout of the hand-kept key
// set it replaces.
//
// Due ((reveal end, task id) for open tasks only) stays a hand-kept key
// set: an index entry exists for every value of an IndexedMap, so a Due
// index would keep finished tasks and change what is stored under
// DuePrefix.
type TaskIndexes struct {
	ByTarget *indexes.Multi[string, uint64, types.Task]
}

// IndexesList implements collections.Indexes.
func (i TaskIndexes) IndexesList() []collections.Index[uint64, types.Task] {
	return []collections.Index[uint64, types.Task]{i.ByTarget}
}

// Keeper owns the eval store.
type Keeper struct {
	cdc          codec.BinaryCodec
	addrs        address.Codec
	bank         BankKeeper
	staking      StakingKeeper
	targetExists TargetExists
	moduleAddr   sdk.AccAddress
	authority    string

	Schema     collections.Schema
	Params     collections.Item[types.Params]
	NextTaskID collections.Sequence
	Tasks      *collections.IndexedMap[uint64, types.Task, TaskIndexes]
	Commits    collections.Map[collections.Pair[uint64, string], types.Commit]
	Reveals    collections.Map[collections.Pair[uint64, string], types.Reveal]
	Due        collections.KeySet[collections.Pair[int64, uint64]]
	// ByTarget is Tasks' target index, named here for readers.
	ByTarget   *indexes.Multi[string, uint64, types.Task]
	Reputation collections.Map[string, uint64]
	// Latest is each target's most recent succeeded task, kept under one
	// key so `provad verify` can prove it with a single query.
	Latest collections.Map[string, types.Task]
}

// NewKeeper returns the keeper; addrs decodes account addresses (the auth
// keeper's codec); authority (the gov module account) is the only signer
// allowed to change the parameters unless the consensus params name
// another. Every collaborator is required: NewKeeper panics at wiring time
// on a nil one.
func NewKeeper(cdc codec.BinaryCodec, ss store.KVStoreService, addrs address.Codec, bank BankKeeper, staking StakingKeeper, targetExists TargetExists, moduleAddr sdk.AccAddress, authority string) Keeper {
	if addrs == nil || bank == nil || staking == nil || targetExists == nil {
		panic("eval: NewKeeper needs an address codec, bank and staking keepers and a target lookup")
	}
	sb := collections.NewSchemaBuilder(ss)
	pair := collections.PairKeyCodec(collections.Uint64Key, collections.StringKey)
	idx := TaskIndexes{
		ByTarget: indexes.NewMulti(sb, types.ByTargetPrefix, "by_target", collections.StringKey, collections.Uint64Key,
			func(_ uint64, t types.Task) (string, error) { return t.TargetId, nil }),
	}
	k := Keeper{
		cdc: cdc, addrs: addrs, bank: bank, staking: staking, targetExists: targetExists, moduleAddr: moduleAddr, authority: authority,
		Params:     collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		NextTaskID: collections.NewSequence(sb, types.NextTaskIDKey, "next_task_id"),
		Tasks:      collections.NewIndexedMap(sb, types.TasksPrefix, "tasks", collections.Uint64Key, codec.CollValue[types.Task](cdc), idx),
		Commits:    collections.NewMap(sb, types.CommitsPrefix, "commits", pair, codec.CollValue[types.Commit](cdc)),
		Reveals:    collections.NewMap(sb, types.RevealsPrefix, "reveals", pair, codec.CollValue[types.Reveal](cdc)),
		Due:        collections.NewKeySet(sb, types.DuePrefix, "due", collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		ByTarget:   idx.ByTarget,
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

// checkAuthority accepts the effective governance authority: the one set
// in the consensus params if any, else the keeper's (sdk.ValidateAuthority).
// The error keeps the module's registered code.
func (k Keeper) checkAuthority(ctx context.Context, authority string) error {
	if err := sdk.ValidateAuthority(sdk.UnwrapSDKContext(ctx), k.authority, authority); err != nil {
		return errorsmod.Wrap(types.ErrInvalidAuthority, err.Error())
	}
	return nil
}

// account decodes an account address with the keeper's address codec.
func (k Keeper) account(field, addr string) (sdk.AccAddress, error) {
	bz, err := k.addrs.StringToBytes(addr)
	if err != nil {
		return nil, types.ErrInvalidAddress.Wrapf("%s %q: %s", field, addr, err.Error())
	}
	return bz, nil
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
	acc, err := k.account("evaluator", evaluator)
	if err != nil {
		return stakingtypes.Validator{}, err
	}
	v, err := k.staking.GetValidator(ctx, sdk.ValAddress(acc))
	if err != nil && !errors.Is(err, stakingtypes.ErrNoValidatorFound) {
		return stakingtypes.Validator{}, err
	}
	if err != nil || !v.IsBonded() {
		return stakingtypes.Validator{}, types.ErrNotEvaluator.Wrapf("%s does not operate a bonded validator", evaluator)
	}
	return v, nil
}

// Authority returns the address allowed to update the parameters.
func (k Keeper) Authority() string { return k.authority }
