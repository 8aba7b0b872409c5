// Package keeper holds x/infer's state: executable models (skeleton,
// tensor root, trace size, cost, and the file of small models), on-chain
// runs, provider bonds with their unbonding queue, claims (single, batched,
// and receipts carrying trace roots), input requests, and bisection
// disputes settled by re-executing one step with internal/onnxint
// (docs/INFERENCE.md §5).
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

	"github.com/prova-network/prova/x/infer/types"
)

// BankKeeper moves bonds in and out of escrow and burns slashed coins.
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, from sdk.AccAddress, module string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, module string, to sdk.AccAddress, amt sdk.Coins) error
	BurnCoins(ctx context.Context, module string, amt sdk.Coins) error
	GetAllBalances(ctx context.Context, addr sdk.AccAddress) sdk.Coins
}

// ModelOwner returns the owner of the x/registry model id, and false when
// no model is registered under id.
type ModelOwner func(ctx context.Context, id string) (owner string, found bool, err error)

// AnchoredRoot returns the root that receipt log logID anchored in
// x/receipts for a tree of size entries, and false when it anchored none.
type AnchoredRoot func(ctx context.Context, logID string, size uint64) (root []byte, found bool, err error)

// CheckpointAt returns the tree size of the last checkpoint that receipt
// log logID anchored in x/receipts at or below height h, and the height
// it was anchored at; false when the log anchored none by then.
type CheckpointAt func(ctx context.Context, logID string, h int64) (size uint64, anchored int64, found bool, err error)

// Keeper owns the infer store.
type Keeper struct {
	cdc          codec.BinaryCodec
	addrs        address.Codec
	bank         BankKeeper
	modelOwner   ModelOwner
	anchored     AnchoredRoot
	checkpointAt CheckpointAt
	moduleAddr   sdk.AccAddress
	authority    string

	Schema         collections.Schema
	Params         collections.Item[types.Params]
	Executables    collections.Map[string, types.Executable]
	Skeletons      collections.Map[string, []byte]
	Files          collections.Map[string, []byte]
	Runs           collections.Map[uint64, types.RunResult]
	RunSeq         collections.Sequence
	Bonds          collections.Map[string, types.Bond]
	ReceiptKeys    collections.Map[string, string]
	Unbondings     collections.Map[uint64, types.Unbonding]
	UnbondingSeq   collections.Sequence
	UnbondingQueue collections.KeySet[collections.Pair[int64, uint64]]
	ProviderUnbond collections.KeySet[collections.Pair[string, uint64]]
	Claims         collections.Map[uint64, types.Claim]
	ClaimSeq       collections.Sequence
	ClaimQueue     collections.KeySet[collections.Pair[int64, uint64]]
	Batches        collections.Map[uint64, types.Batch]
	BatchSeq       collections.Sequence
	BatchQueue     collections.KeySet[collections.Pair[int64, uint64]]
	BatchLeaves    collections.Map[collections.Pair[uint64, uint64], uint64]
	ReceiptClaims  collections.Map[[]byte, uint64]
	InputRequests  collections.Map[uint64, types.InputRequest]
	InputQueue     collections.KeySet[collections.Pair[int64, uint64]]
	Disputes       collections.Map[uint64, types.Dispute]
	DisputeSeq     collections.Sequence
	DisputeQueue   collections.KeySet[collections.Pair[int64, uint64]]

	// Indexes by account, kept by the handlers beside the records (and
	// rebuilt by InitGenesis, checked by CheckInvariants). They are plain
	// key sets rather than an IndexedMap's indexes because the open ones
	// hold only running disputes and open requests, which a multi index
	// cannot leave out.
	DefenderDisputes   collections.KeySet[collections.Pair[string, uint64]]
	ChallengerDisputes collections.KeySet[collections.Pair[string, uint64]]
	DefenderOpen       collections.KeySet[collections.Pair[string, uint64]]
	ChallengerOpen     collections.KeySet[collections.Pair[string, uint64]]
	ProviderClaims     collections.KeySet[collections.Pair[string, uint64]]
	ProviderOpenInputs collections.KeySet[collections.Pair[string, uint64]]
}

var (
	heightID  = collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)
	accountID = collections.PairKeyCodec(collections.StringKey, collections.Uint64Key)
)

// NewKeeper returns the keeper. addrs decodes account addresses (the auth
// keeper's codec); modelOwner looks models up in x/registry, anchored finds
// roots anchored in x/receipts and checkpointAt the checkpoints anchored by
// a height; moduleAddr is the module account that escrows bonds; authority
// (the gov module account) may change the parameters unless the consensus
// params name another. Every collaborator is required: NewKeeper panics at
// wiring time on a nil one.
func NewKeeper(cdc codec.BinaryCodec, ss store.KVStoreService, addrs address.Codec, bank BankKeeper,
	modelOwner ModelOwner, anchored AnchoredRoot, checkpointAt CheckpointAt, moduleAddr sdk.AccAddress, authority string,
) Keeper {
	if addrs == nil || bank == nil || modelOwner == nil || anchored == nil || checkpointAt == nil {
		panic("infer: NewKeeper needs an address codec, a bank keeper, a model lookup and the anchored-root and checkpoint lookups")
	}
	sb := collections.NewSchemaBuilder(ss)
	k := Keeper{
		cdc: cdc, addrs: addrs, bank: bank, modelOwner: modelOwner, anchored: anchored, checkpointAt: checkpointAt,
		moduleAddr: moduleAddr, authority: authority,
		Params:         collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Executables:    collections.NewMap(sb, types.ExecutablesPrefix, "executables", collections.StringKey, codec.CollValue[types.Executable](cdc)),
		Skeletons:      collections.NewMap(sb, types.SkeletonsPrefix, "skeletons", collections.StringKey, collections.BytesValue),
		Files:          collections.NewMap(sb, types.FilesPrefix, "files", collections.StringKey, collections.BytesValue),
		Runs:           collections.NewMap(sb, types.RunsPrefix, "runs", collections.Uint64Key, codec.CollValue[types.RunResult](cdc)),
		RunSeq:         collections.NewSequence(sb, types.RunSeqKey, "run_seq"),
		Bonds:          collections.NewMap(sb, types.BondsPrefix, "bonds", collections.StringKey, codec.CollValue[types.Bond](cdc)),
		ReceiptKeys:    collections.NewMap(sb, types.ReceiptKeysPrefix, "receipt_keys", collections.StringKey, collections.StringValue),
		Unbondings:     collections.NewMap(sb, types.UnbondingsPrefix, "unbondings", collections.Uint64Key, codec.CollValue[types.Unbonding](cdc)),
		UnbondingSeq:   collections.NewSequence(sb, types.UnbondingSeqKey, "unbonding_seq"),
		UnbondingQueue: collections.NewKeySet(sb, types.UnbondingQueuePfx, "unbonding_queue", heightID),
		ProviderUnbond: collections.NewKeySet(sb, types.ProviderUnbondsPfx, "provider_unbondings", collections.PairKeyCodec(collections.StringKey, collections.Uint64Key)),
		Claims:         collections.NewMap(sb, types.ClaimsPrefix, "claims", collections.Uint64Key, codec.CollValue[types.Claim](cdc)),
		ClaimSeq:       collections.NewSequence(sb, types.ClaimSeqKey, "claim_seq"),
		ClaimQueue:     collections.NewKeySet(sb, types.ClaimQueuePrefix, "claim_queue", heightID),
		Batches:        collections.NewMap(sb, types.BatchesPrefix, "batches", collections.Uint64Key, codec.CollValue[types.Batch](cdc)),
		BatchSeq:       collections.NewSequence(sb, types.BatchSeqKey, "batch_seq"),
		BatchQueue:     collections.NewKeySet(sb, types.BatchQueuePrefix, "batch_queue", heightID),
		BatchLeaves:    collections.NewMap(sb, types.BatchLeavesPrefix, "batch_leaves", collections.PairKeyCodec(collections.Uint64Key, collections.Uint64Key), collections.Uint64Value),
		ReceiptClaims:  collections.NewMap(sb, types.ReceiptClaimsPfx, "receipt_claims", collections.BytesKey, collections.Uint64Value),
		InputRequests:  collections.NewMap(sb, types.InputRequestsPfx, "input_requests", collections.Uint64Key, codec.CollValue[types.InputRequest](cdc)),
		InputQueue:     collections.NewKeySet(sb, types.InputQueuePrefix, "input_queue", heightID),
		Disputes:       collections.NewMap(sb, types.DisputesPrefix, "disputes", collections.Uint64Key, codec.CollValue[types.Dispute](cdc)),
		DisputeSeq:     collections.NewSequence(sb, types.DisputeSeqKey, "dispute_seq"),
		DisputeQueue:   collections.NewKeySet(sb, types.DisputeQueuePrefix, "dispute_queue", heightID),

		DefenderDisputes:   collections.NewKeySet(sb, types.DefenderDisputesPfx, "defender_disputes", accountID),
		ChallengerDisputes: collections.NewKeySet(sb, types.ChallengerDisputesPfx, "challenger_disputes", accountID),
		DefenderOpen:       collections.NewKeySet(sb, types.DefenderOpenDisputesPfx, "defender_open_disputes", accountID),
		ChallengerOpen:     collections.NewKeySet(sb, types.ChallengerOpenDisputesPfx, "challenger_open_disputes", accountID),
		ProviderClaims:     collections.NewKeySet(sb, types.ProviderClaimsPfx, "provider_claims", accountID),
		ProviderOpenInputs: collections.NewKeySet(sb, types.ProviderOpenInputsPfx, "provider_open_inputs", accountID),
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

// nextID returns the next ID of seq: 1, 2, … (the sequence holds the last
// ID given out).
func nextID(ctx context.Context, seq collections.Sequence) (uint64, error) {
	n, err := seq.Next(ctx)
	return n + 1, err
}

// get reads key from m, turning a missing entry into notFound.
func get[K, V any](ctx context.Context, m collections.Map[K, V], key K, notFound error) (V, error) {
	v, err := m.Get(ctx, key)
	if errors.Is(err, collections.ErrNotFound) {
		return v, notFound
	}
	return v, err
}

func height(ctx context.Context) int64 { return sdk.UnwrapSDKContext(ctx).BlockHeight() }
