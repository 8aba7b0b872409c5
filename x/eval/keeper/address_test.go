package keeper_test

import (
	"context"
	"testing"

	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/codec"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/eval/keeper"
	"github.com/prova-network/prova/x/eval/types"
)

// TestAddressesDecodedWithTheCodec: CreateEvalTask decodes the creator with
// the keeper's address codec and returns its error; it used to drop the
// error of sdk.AccAddressFromBech32 and escrow from an empty address.
func TestAddressesDecodedWithTheCodec(t *testing.T) {
	f := newFixture(t)
	key := storetypes.NewKVStoreKey(types.StoreKey)
	ctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("t")).Ctx
	exists := func(context.Context, string) (bool, error) { return true, nil }
	k := keeper.NewKeeper(codec.NewProtoCodec(codectypes.NewInterfaceRegistry()), runtime.NewKVStoreService(key),
		addresscodec.NewBech32Codec("other"), f.bank, f.staking, exists, sdk.AccAddress("eval-module"), gov)
	if err := k.InitGenesis(ctx, types.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	before := f.bank.bal[creator()]
	_, err := keeper.NewMsgServer(k).CreateEvalTask(ctx, &types.MsgCreateEvalTask{
		Creator: creator(), TargetId: target, Metric: "accuracy", ScoreMax: 10_000,
		Pool: sdk.NewInt64Coin("uprova", 10_000_000), CommitBlocks: 10, RevealBlocks: 10, MinEvaluators: 3,
	})
	if !errorsmod.IsOf(err, types.ErrInvalidAddress) {
		t.Fatalf("CreateEvalTask with an address the codec refuses: %v", err)
	}
	if !f.bank.bal[creator()].Equal(before) {
		t.Fatal("the pool moved")
	}
}
