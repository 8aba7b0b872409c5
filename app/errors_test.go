package app

import (
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/client"
	sdk "github.com/cosmos/cosmos-sdk/types"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"

	registrytypes "github.com/prova-network/prova/x/registry/types"
)

// TestSimulateErrorHasNoSourcePath: the tx service formats a failed
// simulation with %v, which makes cosmossdk.io/errors append the file and
// line where the error was first wrapped, e.g.
// "[/build/x/registry/types/validate.go:49]". The CLI estimates gas by
// simulating, so every rejected message reached the user with a path of
// the build machine. The message must reach the client without it.
func TestSimulateErrorHasNoSourcePath(t *testing.T) {
	a := newTestApp(t)
	a.RegisterTxService(client.Context{})
	owner := sdk.AccAddress("dataset-owner-000000").String()
	msg := &registrytypes.MsgRegisterDataset{Owner: owner, Dataset: registrytypes.DatasetInfo{
		Id: "blake3:" + strings.Repeat("ab", 32), Name: "d", License: "NOT-A-LICENSE",
		RecordRoot: make([]byte, 32),
	}}
	if err := msg.ValidateBasic(); err == nil {
		t.Fatal("the message is valid; the test needs one that the chain rejects")
	}
	bz := rawTx(t, msg, &txtypes.AuthInfo{Fee: &txtypes.Fee{Amount: sdk.NewCoins(sdk.NewInt64Coin(BondDenom, 10)), GasLimit: 200_000}})
	req, err := (&txtypes.SimulateRequest{TxBytes: bz}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	handler := a.GRPCQueryRouter().Route("/cosmos.tx.v1beta1.Service/Simulate")
	if handler == nil {
		t.Fatal("tx service not registered")
	}
	_, err = handler(a.NewContext(true), &abci.RequestQuery{Data: req, Path: "/cosmos.tx.v1beta1.Service/Simulate"})
	if err == nil {
		t.Fatal("simulating an invalid message succeeded")
	}
	text := status.Convert(err).Message()
	if !strings.Contains(text, "invalid license expression") {
		t.Fatalf("simulation error %q lost the reason", text)
	}
	if strings.Contains(text, ".go:") || strings.Contains(text, "x/registry/types") {
		t.Fatalf("simulation error shows a source path: %q", text)
	}
}
