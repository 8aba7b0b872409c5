package devnet

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/prova-network/prova/app"
)

// Client sends transactions to a local node with keys from a test keyring.
// It is what the demo, the e2e tests and the load generator use.
type Client struct {
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
	return &Client{Ctx: ctx, RPC: rpc}, nil
}

// Address returns the address of a key in the keyring.
func (c *Client) Address(name string) (sdk.AccAddress, error) {
	rec, err := c.Ctx.Keyring.Key(name)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", name, err)
	}
	return rec.GetAddress()
}

// SignedTx is a transaction ready to broadcast.
type SignedTx struct {
	Bytes []byte
	Hash  string
}

// SendMsgs signs msgs from the named key, broadcasts them and waits for
// the block; it returns the tx hash and height.
func (c *Client) SendMsgs(ctx context.Context, from string, msgs ...sdk.Msg) (string, int64, error) {
	fromAddr, err := c.Address(from)
	if err != nil {
		return "", 0, err
	}
	accNum, seq, err := c.Account(fromAddr)
	if err != nil {
		return "", 0, fmt.Errorf("look up account %s: %w", fromAddr, err)
	}
	stx, err := c.Sign(from, msgs, accNum, seq)
	if err != nil {
		return "", 0, err
	}
	if err := c.Broadcast(ctx, stx); err != nil {
		return stx.Hash, 0, err
	}
	h, err := c.WaitTx(ctx, stx.Hash, 30*time.Second)
	return stx.Hash, h, err
}

// Sign signs msgs from the named key with an explicit account number and
// sequence.
func (c *Client) Sign(from string, msgs []sdk.Msg, accNum, seq uint64) (SignedTx, error) {
	b := c.Ctx.TxConfig.NewTxBuilder()
	if err := b.SetMsgs(msgs...); err != nil {
		return SignedTx{}, err
	}
	b.SetGasLimit(2_000_000)
	f := tx.Factory{}.WithChainID(c.Ctx.ChainID).WithKeybase(c.Ctx.Keyring).
		WithTxConfig(c.Ctx.TxConfig).WithAccountNumber(accNum).WithSequence(seq)
	if err := tx.Sign(context.Background(), f, from, b, true); err != nil {
		return SignedTx{}, err
	}
	bz, err := c.Ctx.TxConfig.TxEncoder()(b.GetTx())
	if err != nil {
		return SignedTx{}, err
	}
	return SignedTx{Bytes: bz, Hash: fmt.Sprintf("%X", sdkTxHash(bz))}, nil
}

// SignSend builds and signs a bank send from the named key with an explicit
// account number and sequence, so a caller can sign many in a row offline.
func (c *Client) SignSend(from string, to sdk.AccAddress, amount sdk.Coins, accNum, seq uint64) (SignedTx, error) {
	fromAddr, err := c.Address(from)
	if err != nil {
		return SignedTx{}, err
	}
	return c.Sign(from, []sdk.Msg{banktypes.NewMsgSend(fromAddr, to, amount)}, accNum, seq)
}

// Account returns the account number and next sequence of addr.
func (c *Client) Account(addr sdk.AccAddress) (accNum, seq uint64, err error) {
	return c.Ctx.AccountRetriever.GetAccountNumberSequence(c.Ctx, addr)
}

// Broadcast submits tx to the mempool (CheckTx) and returns an error if it
// was rejected there.
func (c *Client) Broadcast(ctx context.Context, tx SignedTx) error {
	res, err := c.RPC.BroadcastTxSync(ctx, tx.Bytes)
	if err != nil {
		return err
	}
	if res.Code != 0 {
		return fmt.Errorf("rejected by the node (code %d, codespace %s): %s", res.Code, res.Codespace, res.Log)
	}
	return nil
}

// WaitTx waits until the transaction with hash is in a block and returns
// its height, or an error if it failed in the block.
func (c *Client) WaitTx(ctx context.Context, hash string, timeout time.Duration) (int64, error) {
	hb, err := hex.DecodeString(hash)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		res, err := c.RPC.Tx(ctx, hb, false)
		if err == nil {
			if res.TxResult.Code != 0 {
				return res.Height, fmt.Errorf("transaction %s failed in block %d (code %d): %s", hash, res.Height, res.TxResult.Code, res.TxResult.Log)
			}
			return res.Height, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("transaction %s not committed within %s", hash, timeout)
		case <-time.After(150 * time.Millisecond):
		}
	}
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

// NewClientFromContext returns a client that signs with ctx's keyring and
// talks to the node at rpcURL. ctx must carry the codec, the interface
// registry, the tx config and the chain ID.
func NewClientFromContext(ctx client.Context, rpcURL string) (*Client, error) {
	rpc, err := rpchttp.New(rpcURL, "/websocket")
	if err != nil {
		return nil, err
	}
	ctx = ctx.WithAccountRetriever(authtypes.AccountRetriever{}).WithClient(rpc).
		WithNodeURI(rpcURL).WithBroadcastMode("sync")
	return &Client{Ctx: ctx, RPC: rpc}, nil
}
