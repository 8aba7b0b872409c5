// Package txclient builds, signs, broadcasts and waits for Prova
// transactions. It is the one way the CLI, the node's services (the receipt
// log's anchorer), the evaluator daemon, the demo and the dev-network tools
// send transactions, so they share one notion of "committed": a
// transaction is done when the block that includes it says so, found by its
// hash, never after a fixed sleep.
//
// A Client is built from an SDK client.Context that carries the codec, the
// tx config, the keyring, the chain ID and a CometBFT RPC client (see
// [New]). [Client.Send] is the whole round trip; [Client.Sign],
// [Client.Broadcast] and [Wait] are its parts, for callers that sign many
// transactions offline (load generators) or only wait (the CLI, after the
// SDK's own broadcast).
package txclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/tx"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
)

// Defaults.
const (
	// DefaultGasLimit is the gas limit of a transaction when the caller
	// neither sets one nor asks for simulation. Every Prova message fits it
	// with a wide margin (a lineage registration uses ~150k).
	DefaultGasLimit = 2_000_000
	// DefaultTimeout bounds the wait for a transaction's block.
	DefaultTimeout = time.Minute
	// DefaultPoll is the first interval between inclusion checks; it backs
	// off to maxPoll. Blocks on a dev chain come every ~1 s.
	DefaultPoll = 100 * time.Millisecond
	maxPoll     = 250 * time.Millisecond
)

// Errors. Callers test them with errors.Is; the message carries the node's
// code, codespace and log.
var (
	// ErrRejected: CheckTx refused the transaction (signature, fee,
	// sequence, ValidateBasic); it is not in the mempool.
	ErrRejected = errors.New("transaction rejected by the node")
	// ErrFailed: the transaction is in a block but its messages failed.
	ErrFailed = errors.New("transaction failed in its block")
	// ErrNotIncluded: no block included it before the timeout.
	ErrNotIncluded = errors.New("transaction not included in a block in time")
	// ErrConfig: the client context lacks something the client needs.
	ErrConfig = errors.New("transaction client misconfigured")
)

// Result is what a transaction did.
type Result struct {
	// Hash is the transaction hash, upper-case hex as CometBFT prints it.
	Hash      string
	Height    int64
	Code      uint32
	Codespace string
	Log       string
	GasWanted int64
	GasUsed   int64
	Events    []abci.Event
}

// Attr returns the value of the first attribute key of the first event of
// type typ, and whether it was found.
func (r *Result) Attr(typ, key string) (string, bool) {
	for _, ev := range r.Events {
		if ev.Type != typ {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == key {
				return a.Value, true
			}
		}
	}
	return "", false
}

// Signed is a transaction ready to broadcast.
type Signed struct {
	Bytes []byte
	Hash  string
}

// TxGetter is the part of the CometBFT RPC client that Wait needs.
type TxGetter interface {
	Tx(ctx context.Context, hash []byte, prove bool) (*coretypes.ResultTx, error)
}

// Client signs with keys of a keyring and talks to one node.
type Client struct {
	cctx    client.Context
	txf     tx.Factory
	timeout time.Duration
	poll    time.Duration
}

// Option changes a Client.
type Option func(*Client)

// WithFactory takes gas, fees, gas prices, memo, sign mode and simulation
// from txf (as built from the CLI's flags by tx.NewFactoryCLI). Its account
// number and sequence are ignored: Send looks them up.
func WithFactory(txf tx.Factory) Option {
	return func(c *Client) {
		c.txf = txf.WithChainID(c.cctx.ChainID).WithKeybase(c.cctx.Keyring).WithTxConfig(c.cctx.TxConfig).
			WithAccountRetriever(authtypes.AccountRetriever{})
		if c.txf.Gas() == 0 && !c.txf.SimulateAndExecute() {
			c.txf = c.txf.WithGas(DefaultGasLimit)
		}
	}
}

// New returns a client for cctx, which must carry a tx config, a keyring,
// a chain ID and an RPC client (client.Context.WithClient).
func New(cctx client.Context, opts ...Option) (*Client, error) {
	switch {
	case cctx.TxConfig == nil:
		return nil, fmt.Errorf("%w: no tx config", ErrConfig)
	case cctx.Keyring == nil:
		return nil, fmt.Errorf("%w: no keyring", ErrConfig)
	case cctx.ChainID == "":
		return nil, fmt.Errorf("%w: no chain id", ErrConfig)
	case cctx.Client == nil:
		return nil, fmt.Errorf("%w: no node rpc client", ErrConfig)
	}
	if cctx.AccountRetriever == nil {
		cctx = cctx.WithAccountRetriever(authtypes.AccountRetriever{})
	}
	c := &Client{cctx: cctx, timeout: DefaultTimeout, poll: DefaultPoll}
	WithFactory(tx.Factory{}.WithGas(DefaultGasLimit))(c)
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Context returns the client context the client was built with.
func (c *Client) Context() client.Context { return c.cctx }

// Address returns the address of a key in the keyring.
func (c *Client) Address(name string) (sdk.AccAddress, error) {
	rec, err := c.cctx.Keyring.Key(name)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", name, err)
	}
	return rec.GetAddress()
}

// Account returns the account number and next sequence of addr.
func (c *Client) Account(addr sdk.AccAddress) (accNum, seq uint64, err error) {
	return c.cctx.AccountRetriever.GetAccountNumberSequence(c.cctx, addr)
}

// Send signs msgs with the named key, broadcasts them and waits for the
// block that includes them. A transaction that CheckTx refuses for a stale
// sequence (another sender used the key in between) is signed again once
// with a fresh account query. Errors wrap ErrRejected, ErrFailed or
// ErrNotIncluded; on ErrFailed the Result is returned too.
func (c *Client) Send(ctx context.Context, from string, msgs ...sdk.Msg) (*Result, error) {
	addr, err := c.Address(from)
	if err != nil {
		return nil, err
	}
	var (
		hash    string
		retried bool
	)
	for {
		accNum, seq, err := c.Account(addr)
		if err != nil {
			return nil, fmt.Errorf("look up account %s: %w", addr, err)
		}
		stx, err := c.Sign(ctx, from, msgs, accNum, seq)
		if err != nil {
			return nil, err
		}
		err = c.Broadcast(ctx, stx)
		if err == nil {
			hash = stx.Hash
			break
		}
		if retried || !isSequenceMismatch(err) {
			return nil, err
		}
		retried = true
	}
	return Wait(ctx, c.cctx.Client, hash, c.timeout)
}

// Sign signs msgs with the named key at an explicit account number and
// sequence, so a caller can sign many transactions in a row offline.
func (c *Client) Sign(ctx context.Context, from string, msgs []sdk.Msg, accNum, seq uint64) (Signed, error) {
	txf := c.txf.WithAccountNumber(accNum).WithSequence(seq).WithFromName(from)
	if txf.SimulateAndExecute() {
		_, gas, err := tx.CalculateGas(c.cctx, txf, msgs...)
		if err != nil {
			return Signed{}, fmt.Errorf("simulate: %w", err)
		}
		txf = txf.WithGas(gas)
	}
	b, err := txf.BuildUnsignedTx(msgs...)
	if err != nil {
		return Signed{}, err
	}
	if err := tx.Sign(ctx, txf, from, b, true); err != nil {
		return Signed{}, fmt.Errorf("sign with %q: %w", from, err)
	}
	bz, err := c.cctx.TxConfig.TxEncoder()(b.GetTx())
	if err != nil {
		return Signed{}, err
	}
	return Signed{Bytes: bz, Hash: Hash(bz)}, nil
}

// Broadcast submits stx to the node's mempool (CheckTx) and returns an
// error wrapping ErrRejected if it was refused there.
func (c *Client) Broadcast(ctx context.Context, stx Signed) error {
	res, err := c.cctx.Client.BroadcastTxSync(ctx, stx.Bytes)
	if err != nil {
		return fmt.Errorf("broadcast: %w", err)
	}
	if res.Code != 0 {
		return &rejection{code: res.Code, codespace: res.Codespace, log: res.Log}
	}
	return nil
}

// rejection is a CheckTx refusal; it is ErrRejected for errors.Is.
type rejection struct {
	code      uint32
	codespace string
	log       string
}

func (r *rejection) Error() string {
	return fmt.Sprintf("%s (codespace %s, code %d): %s", ErrRejected, r.codespace, r.code, r.log)
}

func (r *rejection) Is(target error) bool { return target == ErrRejected }

func isSequenceMismatch(err error) bool {
	var r *rejection
	return errors.As(err, &r) && r.codespace == sdkerrors.RootCodespace && r.code == sdkerrors.ErrWrongSequence.ABCICode()
}

// Wait waits until the transaction with the given hash is in a block and
// returns what it did. A transaction whose messages failed returns its
// Result and an error wrapping ErrFailed; one not seen within timeout an
// error wrapping ErrNotIncluded. It polls the node's tx index by hash,
// starting at DefaultPoll and backing off to a quarter second.
func Wait(ctx context.Context, node TxGetter, hash string, timeout time.Duration) (*Result, error) {
	hb, err := hex.DecodeString(hash)
	if err != nil || len(hb) != sha256.Size {
		return nil, fmt.Errorf("transaction hash %q is not 64 hex digits", hash)
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	poll := DefaultPoll
	for {
		r, err := node.Tx(wctx, hb, false)
		if err == nil {
			res := &Result{
				Hash: strings.ToUpper(hash), Height: r.Height, Code: r.TxResult.Code, Codespace: r.TxResult.Codespace,
				Log: r.TxResult.Log, GasWanted: r.TxResult.GasWanted, GasUsed: r.TxResult.GasUsed, Events: r.TxResult.Events,
			}
			if res.Code != 0 {
				return res, fmt.Errorf("%w: tx %s at height %d (codespace %s, code %d): %s",
					ErrFailed, res.Hash, res.Height, res.Codespace, res.Code, res.Log)
			}
			return res, nil
		}
		select {
		case <-wctx.Done():
			// wctx ends with its parent too: the caller's cancellation wins
			// over our own deadline whichever select saw first.
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("%w: tx %s not seen within %s; check later with 'provad q tx %s'",
				ErrNotIncluded, strings.ToUpper(hash), timeout, strings.ToUpper(hash))
		case <-time.After(poll):
		}
		poll = min(2*poll, maxPoll)
	}
}

// Hash is the CometBFT hash of tx bytes: SHA-256, upper-case hex.
func Hash(txBytes []byte) string {
	h := sha256.Sum256(txBytes)
	return strings.ToUpper(hex.EncodeToString(h[:]))
}
