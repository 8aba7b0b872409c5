package devnet

import (
	"context"
	"fmt"
	"os"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/prova-network/prova/app"
	"github.com/prova-network/prova/internal/txclient"
)

// Client sends transactions to a local node with keys from a test keyring:
// a txclient.Client plus the shortcuts the demo, the e2e tests and the load
// generator use.
type Client struct {
	*txclient.Client
	Ctx client.Context
	RPC *rpchttp.HTTP
}

// NewClient returns a client for the node at rpcURL signing with the test
// keyring in keyringDir.
func NewClient(chainID, rpcURL, keyringDir string) (*Client, error) {
	a := app.New(log.NewNopLogger(), dbm.NewMemDB(), false, simtestutil.NewAppOptionsWithFlagHome(os.TempDir()))
	kr, err := keyring.New(sdk.KeyringServiceName(), keyring.BackendTest, keyringDir, nil, a.AppCodec())
	if err != nil {
		return nil, err
	}
	rpc, err := rpchttp.New(rpcURL, "/websocket")
	if err != nil {
		return nil, err
	}
	ctx := client.Context{}.
		WithCodec(a.AppCodec()).
		WithInterfaceRegistry(a.InterfaceRegistry()).
		WithTxConfig(a.TxConfig()).
		WithLegacyAmino(a.LegacyAmino()).
		WithAccountRetriever(authtypes.AccountRetriever{}).
		WithChainID(chainID).
		WithKeyring(kr).
		WithClient(rpc).
		WithNodeURI(rpcURL).
		WithBroadcastMode("sync")
	tc, err := txclient.New(ctx)
	if err != nil {
		return nil, err
	}
	return &Client{Client: tc, Ctx: ctx, RPC: rpc}, nil
}

// SendMsgs signs msgs from the named key, broadcasts them and waits for
// the block; it returns the tx hash and height.
func (c *Client) SendMsgs(ctx context.Context, from string, msgs ...sdk.Msg) (string, int64, error) {
	res, err := c.Client.Send(ctx, from, msgs...)
	if res == nil {
		return "", 0, err
	}
	return res.Hash, res.Height, err
}

// Send signs, broadcasts and waits for a bank send; it returns the tx hash
// and the height it was committed at.
func (c *Client) Send(ctx context.Context, from string, to sdk.AccAddress, amount sdk.Coins) (string, int64, error) {
	fromAddr, err := c.Address(from)
	if err != nil {
		return "", 0, err
	}
	return c.SendMsgs(ctx, from, banktypes.NewMsgSend(fromAddr, to, amount))
}

// SignSend builds and signs a bank send from the named key with an explicit
// account number and sequence, so a caller can sign many in a row offline.
func (c *Client) SignSend(from string, to sdk.AccAddress, amount sdk.Coins, accNum, seq uint64) (txclient.Signed, error) {
	fromAddr, err := c.Address(from)
	if err != nil {
		return txclient.Signed{}, err
	}
	return c.Sign(context.Background(), from, []sdk.Msg{banktypes.NewMsgSend(fromAddr, to, amount)}, accNum, seq)
}

// WaitTx waits until the transaction with hash is in a block and returns
// its height, or an error if it failed in the block.
func (c *Client) WaitTx(ctx context.Context, hash string, timeout time.Duration) (int64, error) {
	res, err := txclient.Wait(ctx, c.RPC, hash, timeout)
	if res == nil {
		if err == nil {
			err = fmt.Errorf("transaction %s: no result", hash)
		}
		return 0, err
	}
	return res.Height, err
}
