package app

import (
	"math"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/cosmos-db"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/log/v2"
	sdkmath "cosmossdk.io/math"

	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
)

func newTestApp(t *testing.T) *App {
	t.Helper()
	return New(log.NewNopLogger(), dbm.NewMemDB(), true, simtestutil.NewAppOptionsWithFlagHome(t.TempDir()))
}

// rawTx encodes a transaction with one message and the given auth info
// straight to protobuf bytes, so fields the tx builder would refuse to set
// can be mangled.
func rawTx(t *testing.T, msg sdk.Msg, authInfo *txtypes.AuthInfo) []byte {
	t.Helper()
	anyMsg, err := codectypes.NewAnyWithValue(msg)
	if err != nil {
		t.Fatal(err)
	}
	body, err := (&txtypes.TxBody{Messages: []*codectypes.Any{anyMsg}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ai, err := authInfo.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	bz, err := (&txtypes.TxRaw{BodyBytes: body, AuthInfoBytes: ai, Signatures: [][]byte{make([]byte, 64)}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return bz
}

// assertPlain fails unless log is free of Go internals: a stack trace, a
// source location, or the recovered panic value (the "panic" of ErrPanic's
// own description is allowed).
func assertPlain(t *testing.T, log string) {
	t.Helper()
	for _, internal := range []string{"goroutine", ".go:", "runtime.", "stack:", "recovered:"} {
		if strings.Contains(log, internal) {
			t.Fatalf("error sent to the client shows internals (%q):\n%s", internal, log)
		}
	}
}

// TestMangledFeeIsAPlainError: transactions whose fee the SDK would panic
// on (or misread) are refused by CheckTx with a registered error and no
// stack trace, before any SDK decorator reads the fee.
func TestMangledFeeIsAPlainError(t *testing.T) {
	a := newTestApp(t)
	from := sdk.AccAddress("sender-address-00000").String()
	send := &banktypes.MsgSend{FromAddress: from, ToAddress: sdk.AccAddress("receiver-address-000").String(), Amount: sdk.NewCoins(sdk.NewInt64Coin(BondDenom, 1))}
	fee := func(amount sdk.Coins, gas uint64, payer, granter string) *txtypes.AuthInfo {
		return &txtypes.AuthInfo{Fee: &txtypes.Fee{Amount: amount, GasLimit: gas, Payer: payer, Granter: granter}}
	}
	cases := []struct {
		name     string
		authInfo *txtypes.AuthInfo
		want     *errorsmod.Error
	}{
		{"no fee", &txtypes.AuthInfo{}, sdkerrors.ErrTxDecode},
		{"fee payer not an address", fee(sdk.NewCoins(sdk.NewInt64Coin(BondDenom, 10)), 200_000, "not-an-address", ""), sdkerrors.ErrInvalidAddress},
		{"fee granter not an address", fee(sdk.NewCoins(sdk.NewInt64Coin(BondDenom, 10)), 200_000, "", "prova1garbage"), sdkerrors.ErrInvalidAddress},
		{"negative fee", fee(sdk.Coins{{Denom: BondDenom, Amount: sdkmath.NewInt(-5)}}, 200_000, "", ""), sdkerrors.ErrInsufficientFee},
		{"invalid fee denom", fee(sdk.Coins{{Denom: "%bad!", Amount: sdkmath.NewInt(5)}}, 200_000, "", ""), sdkerrors.ErrInvalidCoins},
		{"gas limit overflows int64", fee(sdk.NewCoins(sdk.NewInt64Coin(BondDenom, 10)), math.MaxUint64, "", ""), sdkerrors.ErrInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := a.CheckTx(&abci.RequestCheckTx{Tx: rawTx(t, send, tc.authInfo), Type: abci.CheckTxType_New})
			if err != nil {
				t.Fatal(err)
			}
			if res.Codespace != tc.want.Codespace() || res.Code != tc.want.ABCICode() {
				t.Errorf("code %s/%d (%s), want %s/%d", res.Codespace, res.Code, res.Log, tc.want.Codespace(), tc.want.ABCICode())
			}
			assertPlain(t, res.Log)
		})
	}
}

// TestRecoveredPanicIsPlain: a panic that still escapes a transaction
// becomes ErrPanic with a fixed message; the value and stack go to the
// node's log only.
func TestRecoveredPanicIsPlain(t *testing.T) {
	err := plainPanicRecovery(log.NewNopLogger())(errorsmod.Wrap(sdkerrors.ErrLogic, "secret internal state"))
	if !errorsmod.IsOf(err, sdkerrors.ErrPanic) {
		t.Fatalf("recovered panic: %v, want ErrPanic", err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Fatalf("panic value reached the client: %s", err)
	}
	codespace, code, text := errorsmod.ABCIInfo(err, false)
	if codespace != sdkerrors.ErrPanic.Codespace() || code != sdkerrors.ErrPanic.ABCICode() {
		t.Fatalf("ABCI %s/%d", codespace, code)
	}
	assertPlain(t, text)
}
