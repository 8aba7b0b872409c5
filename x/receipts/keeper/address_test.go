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

	"github.com/prova-network/prova/x/receipts/keeper"
	"github.com/prova-network/prova/x/receipts/types"
)

// TestAddressesDecodedWithTheCodec: the handlers decode addresses with the
// keeper's address codec and return its error; they used to drop the
// error of sdk.AccAddressFromBech32 and go on with an empty address.
func TestAddressesDecodedWithTheCodec(t *testing.T) {
	key := storetypes.NewKVStoreKey(types.StoreKey)
	ctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("t")).Ctx
	bank := &fakeBank{bal: map[string]sdk.Coins{addr("alice"): sdk.NewCoins(sdk.NewInt64Coin(denom, 100_000_000))}}
	registered := func(context.Context, string) (bool, error) { return true, nil }
	// A codec for another chain's prefix: the global config still accepts
	// the address in ValidateBasic, the keeper's codec does not.
	k := keeper.NewKeeper(codec.NewProtoCodec(codectypes.NewInterfaceRegistry()), runtime.NewKVStoreService(key),
		addresscodec.NewBech32Codec("other"), bank, registered, moduleAddr, addr(authority))
	gs := types.DefaultGenesis()
	gs.Params.MinBond = sdk.NewInt64Coin(denom, 10_000_000)
	if err := k.InitGenesis(ctx, gs); err != nil {
		t.Fatal(err)
	}
	lk := newLogKeys(t, "prova.local/receipts/address")
	_, err := keeper.NewMsgServer(k).RegisterLog(ctx, &types.MsgRegisterLog{Operator: addr("alice"), Origin: lk.origin, VerifierKey: lk.verifier, Bond: sdk.NewInt64Coin(denom, 10_000_000)})
	if !errorsmod.IsOf(err, types.ErrInvalidAddress) {
		t.Fatalf("RegisterLog with an address the codec refuses: %v", err)
	}
	if has, _ := k.Logs.Has(ctx, lk.origin); has {
		t.Fatal("the log was registered")
	}
	if !bank.bal[addr("alice")].Equal(sdk.NewCoins(sdk.NewInt64Coin(denom, 100_000_000))) {
		t.Fatal("the bond moved")
	}
}
