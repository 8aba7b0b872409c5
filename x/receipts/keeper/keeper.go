// Package keeper holds x/receipts' state: registered transparency logs with
// escrowed bonds, their anchored checkpoints (latest, by height and by
// size), equivocation slashing, and the one-transaction-per-receipt
// inference records used as a baseline.
package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/receipts/types"
)

// BankKeeper moves bonds in and out of escrow and burns slashed coins.
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, from sdk.AccAddress, module string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, module string, to sdk.AccAddress, amt sdk.Coins) error
	BurnCoins(ctx context.Context, module string, amt sdk.Coins) error
	GetAllBalances(ctx context.Context, addr sdk.AccAddress) sdk.Coins
}

// ModelRegistered reports whether a model is registered under id.
type ModelRegistered func(ctx context.Context, id string) (bool, error)

// Keeper owns the receipts store.
type Keeper struct {
	cdc        codec.BinaryCodec
	addrs      address.Codec
	bank       BankKeeper
	registered ModelRegistered
	moduleAddr sdk.AccAddress
	authority  string

	Schema     collections.Schema
	Params     collections.Item[types.Params]
	Logs       collections.Map[string, types.Log]
	Latest     collections.Map[string, types.Checkpoint]
	History    collections.Map[collections.Pair[string, int64], types.Checkpoint]
	Roots      collections.Map[collections.Pair[string, uint64], []byte]
	Inferences collections.Map[[]byte, types.InferenceRecord]
}

// NewKeeper returns the keeper; addrs decodes account addresses (the auth
// keeper's codec); authority (the gov module account) is the only signer
// allowed to change the parameters unless the consensus params name
// another; moduleAddr is the module account that escrows bonds. Every
// collaborator is required: NewKeeper panics at wiring time on a nil one.
func NewKeeper(cdc codec.BinaryCodec, ss store.KVStoreService, addrs address.Codec, bank BankKeeper, registered ModelRegistered, moduleAddr sdk.AccAddress, authority string) Keeper {
	if addrs == nil || bank == nil || registered == nil {
		panic("receipts: NewKeeper needs an address codec, a bank keeper and a model lookup")
	}
	sb := collections.NewSchemaBuilder(ss)
	k := Keeper{
		cdc: cdc, addrs: addrs, bank: bank, registered: registered, moduleAddr: moduleAddr, authority: authority,
		Params:     collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Logs:       collections.NewMap(sb, types.LogsPrefix, "logs", collections.StringKey, codec.CollValue[types.Log](cdc)),
		Latest:     collections.NewMap(sb, types.LatestPrefix, "latest", collections.StringKey, codec.CollValue[types.Checkpoint](cdc)),
		History:    collections.NewMap(sb, types.HistoryPrefix, "history", collections.PairKeyCodec(collections.StringKey, collections.Int64Key), codec.CollValue[types.Checkpoint](cdc)),
		Roots:      collections.NewMap(sb, types.RootsPrefix, "roots", collections.PairKeyCodec(collections.StringKey, collections.Uint64Key), collections.BytesValue),
		Inferences: collections.NewMap(sb, types.InferencesPrefix, "inferences", collections.BytesKey, codec.CollValue[types.InferenceRecord](cdc)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// Authority returns the address allowed to update the parameters.
func (k Keeper) Authority() string { return k.authority }

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

// log returns the registered log id or ErrLogNotFound.
func (k Keeper) log(ctx context.Context, id string) (types.Log, error) {
	l, err := k.Logs.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return l, types.ErrLogNotFound.Wrapf("no log %q", id)
	}
	return l, err
}

// CheckpointAt returns the last checkpoint of log id anchored at or below
// height, and false when none was.
func (k Keeper) CheckpointAt(ctx context.Context, id string, height int64) (types.Checkpoint, bool, error) {
	rng := collections.NewPrefixedPairRange[string, int64](id).EndInclusive(height).Descending()
	it, err := k.History.Iterate(ctx, rng)
	if err != nil {
		return types.Checkpoint{}, false, err
	}
	defer it.Close()
	if !it.Valid() {
		return types.Checkpoint{}, false, nil
	}
	c, err := it.Value()
	return c, err == nil, err
}
