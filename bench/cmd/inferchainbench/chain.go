package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cryptoenc "github.com/cometbft/cometbft/crypto/encoding"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/prova-network/prova/app"
	"github.com/prova-network/prova/internal/devnet"
)

// chain is one App driven through ABCI in this process, from the genesis
// `provad dev` writes (devnet.Init with the dev chain's settings): its
// consensus parameters, module parameters, funded keys and validator. It
// is the pattern of app/blocks_helpers_test.go, with the dev keyring's
// keys signing.
type chain struct {
	app      *app.App
	genesis  *genutiltypes.AppGenesis
	kr       keyring.Keyring
	height   int64
	time     time.Time
	proposer []byte
	votes    []abci.VoteInfo
	seq      map[string][2]uint64 // key name → account number, next sequence
}

// blockInterval is the block time of the in-process chain's headers; only
// x/infer's heights matter here, not its clock.
const blockInterval = 500 * time.Millisecond

// newChain writes a dev home under dir (alice, bob and the receipt log's
// key funded, one validator) and starts an app on a goleveldb database
// there with the home's genesis.
func newChain(dir string) (*chain, error) {
	home := filepath.Join(dir, "dev")
	ports := devnet.DefaultPorts(0) // never bound: the app runs in process
	if _, err := devnet.Init(devnet.Config{ChainID: devnet.DefaultDevChainID, Homes: []string{home}, Ports: []devnet.Ports{ports},
		Accounts: []string{"alice", "bob"}, BlockTime: blockInterval, ReceiptLog: true}); err != nil {
		return nil, err
	}
	g, err := genutiltypes.AppGenesisFromFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		return nil, err
	}
	db, err := dbm.NewGoLevelDB("application", filepath.Join(dir, "data"), nil)
	if err != nil {
		return nil, err
	}
	a := app.New(log.NewNopLogger(), db, true, simtestutil.NewAppOptionsWithFlagHome(dir), baseapp.SetChainID(g.ChainID))
	kr, err := keyring.New(sdk.KeyringServiceName(), keyring.BackendTest, home, nil, a.AppCodec())
	if err != nil {
		return nil, err
	}
	cp := g.Consensus.Params.ToProto()
	res, err := a.InitChain(&abci.RequestInitChain{Time: g.GenesisTime, ChainId: g.ChainID, ConsensusParams: &cp,
		AppStateBytes: g.AppState, InitialHeight: 1})
	if err != nil {
		return nil, fmt.Errorf("InitChain: %w", err)
	}
	c := &chain{app: a, genesis: g, kr: kr, time: g.GenesisTime, seq: map[string][2]uint64{}}
	for _, v := range res.Validators {
		pk, err := cryptoenc.PubKeyFromProto(v.PubKey)
		if err != nil {
			return nil, err
		}
		c.proposer = pk.Address()
		c.votes = append(c.votes, abci.VoteInfo{Validator: abci.Validator{Address: pk.Address(), Power: v.Power}, BlockIdFlag: cmtproto.BlockIDFlagCommit})
	}
	if len(c.votes) == 0 {
		return nil, errors.New("InitChain returned no validators")
	}
	if _, err := c.block(nil); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *chain) close() { _ = c.app.Close() }

// blockResult is one finalized block: its results and how long
// FinalizeBlock (delivering every tx, begin and end blockers) and Commit
// took.
type blockResult struct {
	txs              []*abci.ExecTxResult
	deliver, persist time.Duration
}

// block finalizes and commits the next block with txs.
func (c *chain) block(txs [][]byte) (blockResult, error) {
	h, tm := c.height+1, c.time.Add(blockInterval)
	req := &abci.RequestFinalizeBlock{Txs: txs, Height: h, Time: tm, ProposerAddress: c.proposer}
	if h > 1 {
		req.DecidedLastCommit = abci.CommitInfo{Votes: c.votes}
	}
	start := time.Now()
	res, err := c.app.FinalizeBlock(req)
	deliver := time.Since(start)
	if err != nil {
		return blockResult{}, fmt.Errorf("FinalizeBlock %d: %w", h, err)
	}
	start = time.Now()
	if _, err := c.app.Commit(); err != nil {
		return blockResult{}, fmt.Errorf("Commit %d: %w", h, err)
	}
	c.height, c.time = h, tm
	return blockResult{txs: res.TxResults, deliver: deliver, persist: time.Since(start)}, nil
}

// mustOK returns an error naming the first failed tx of r.
func (r blockResult) mustOK() error {
	for i, t := range r.txs {
		if t.Code != 0 {
			return fmt.Errorf("tx %d failed: %s/%d %s", i, t.Codespace, t.Code, t.Log)
		}
	}
	return nil
}

// addr is the address of a key of the dev keyring.
func (c *chain) addr(name string) (sdk.AccAddress, error) {
	rec, err := c.kr.Key(name)
	if err != nil {
		return nil, err
	}
	return rec.GetAddress()
}

// sign signs msgs from key name with the next sequence (looked up in the
// committed state the first time, counted after), gas limit gas and no
// fee, as `provad dev` accepts.
func (c *chain) sign(name string, gas uint64, msgs ...sdk.Msg) ([]byte, error) {
	as, ok := c.seq[name]
	if !ok {
		addr, err := c.addr(name)
		if err != nil {
			return nil, err
		}
		ms, err := c.app.CommitMultiStore().CacheMultiStoreWithVersion(c.height)
		if err != nil {
			return nil, err
		}
		ctx := sdk.NewContext(ms, cmtproto.Header{ChainID: c.genesis.ChainID, Height: c.height, Time: c.time}, false, log.NewNopLogger())
		acc := c.app.AccountKeeper.GetAccount(ctx, addr)
		if acc == nil {
			return nil, fmt.Errorf("no account %s (%s)", name, addr)
		}
		as = [2]uint64{acc.GetAccountNumber(), acc.GetSequence()}
	}
	cfg := c.app.TxConfig()
	f := tx.Factory{}.WithChainID(c.genesis.ChainID).WithKeybase(c.kr).WithTxConfig(cfg).WithGas(gas).
		WithAccountNumber(as[0]).WithSequence(as[1])
	b, err := f.BuildUnsignedTx(msgs...)
	if err != nil {
		return nil, err
	}
	if err := tx.Sign(context.Background(), f, name, b, true); err != nil {
		return nil, err
	}
	bz, err := cfg.TxEncoder()(b.GetTx())
	if err != nil {
		return nil, err
	}
	as[1]++
	c.seq[name] = as
	return bz, nil
}

// maxBlockGas is the consensus max_gas of the genesis (-1: no limit).
func (c *chain) maxBlockGas() int64 { return c.genesis.Consensus.Params.Block.MaxGas }

// removeAll is os.RemoveAll for the deferred cleanup of the work directory.
func removeAll(dir string) { _ = os.RemoveAll(dir) }
