package app

// Helpers of TestBlocksRandomTxs (app_blocks_test.go): a chain driven
// through ABCI in process, keys and signing, the genesis, and a
// store-by-store comparison of two apps.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cryptoenc "github.com/cometbft/cometbft/crypto/encoding"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log/v2"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/crypto/keys/ed25519"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	signingtypes "github.com/cosmos/cosmos-sdk/types/tx/signing"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
)

const (
	blocksChainID  = "prova-blocks-1"
	blockInterval  = 5 * time.Second
	txGasLimit     = 3_000_000
	accountTokens  = 1_000_000_000_000 // 1,000,000 PROVA
	validatorStake = 100_000_000_000   // 100,000 PROVA
	// votingPeriod is four blocks: a proposal submitted in one block is
	// voted on in the next and executed a few blocks later.
	votingPeriod = 4 * blockInterval
	minDeposit   = 10_000_000
)

// blocksGenesisTime is the fixed genesis time; block times follow it at
// blockInterval, so no wall-clock time reaches state.
var blocksGenesisTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// account is a key the test signs with; validators also have a
// consensus key.
type account struct {
	name string
	priv *secp256k1.PrivKey
	addr sdk.AccAddress
	cons *ed25519.PrivKey // validators only
}

func newAccount(name string) *account {
	priv := secp256k1.GenPrivKeyFromSecret([]byte("prova blocks test " + name))
	return &account{name: name, priv: priv, addr: sdk.AccAddress(priv.PubKey().Address())}
}

func newValidatorAccount(name string) *account {
	a := newAccount(name)
	a.cons = ed25519.GenPrivKeyFromSecret([]byte("prova blocks test consensus " + name))
	return a
}

func (a *account) String() string { return a.addr.String() }

// signTx builds and signs a one-signer transaction in SIGN_MODE_DIRECT.
func signTx(txConfig client.TxConfig, chainID string, msgs []sdk.Msg, fee sdk.Coins, signer *account, accNum, seq uint64) (sdk.Tx, error) {
	mode := signingtypes.SignMode_SIGN_MODE_DIRECT
	b := txConfig.NewTxBuilder()
	if err := b.SetMsgs(msgs...); err != nil {
		return nil, err
	}
	b.SetFeeAmount(fee)
	b.SetGasLimit(txGasLimit)
	sig := signingtypes.SignatureV2{PubKey: signer.priv.PubKey(), Data: &signingtypes.SingleSignatureData{SignMode: mode}, Sequence: seq}
	if err := b.SetSignatures(sig); err != nil {
		return nil, err
	}
	data := authsigning.SignerData{
		Address: signer.addr.String(), ChainID: chainID, AccountNumber: accNum, Sequence: seq, PubKey: signer.priv.PubKey(),
	}
	signBytes, err := authsigning.GetSignBytesAdapter(context.Background(), txConfig.SignModeHandler(), mode, data, b.GetTx())
	if err != nil {
		return nil, err
	}
	s, err := signer.priv.Sign(signBytes)
	if err != nil {
		return nil, err
	}
	sig.Data.(*signingtypes.SingleSignatureData).Signature = s
	if err := b.SetSignatures(sig); err != nil {
		return nil, err
	}
	return b.GetTx(), nil
}

// blocksGenesis returns the app_state of a chain with the given funded
// accounts and validators. Validators join through gentxs, as in
// internal/devnet, so staking, slashing and distribution set them up the
// way a real chain does. Governance votes in votingPeriod with a small
// deposit so that gov-only messages can pass within the test.
func blocksGenesis(t *testing.T, a *App, users, vals []*account) []byte {
	t.Helper()
	cdc := a.AppCodec()
	state := a.DefaultGenesis()

	var accs []authtypes.GenesisAccount
	var balances []banktypes.Balance
	supply := sdk.NewCoins()
	for i, acc := range append(append([]*account{}, vals...), users...) {
		accs = append(accs, authtypes.NewBaseAccount(acc.addr, acc.priv.PubKey(), uint64(i), 0))
		coins := sdk.NewCoins(sdk.NewInt64Coin(BondDenom, accountTokens))
		balances = append(balances, banktypes.Balance{Address: acc.addr.String(), Coins: coins})
		supply = supply.Add(coins...)
	}
	var authGen authtypes.GenesisState
	cdc.MustUnmarshalJSON(state[authtypes.ModuleName], &authGen)
	packed, err := authtypes.PackAccounts(accs)
	if err != nil {
		t.Fatal(err)
	}
	authGen.Accounts = packed
	state[authtypes.ModuleName] = cdc.MustMarshalJSON(&authGen)

	var bankGen banktypes.GenesisState
	cdc.MustUnmarshalJSON(state[banktypes.ModuleName], &bankGen)
	bankGen.Balances = balances
	bankGen.Supply = supply
	state[banktypes.ModuleName] = cdc.MustMarshalJSON(&bankGen)

	var govGen govv1.GenesisState
	cdc.MustUnmarshalJSON(state["gov"], &govGen)
	vp, ev := votingPeriod, votingPeriod/2
	govGen.Params.VotingPeriod, govGen.Params.ExpeditedVotingPeriod = &vp, &ev
	govGen.Params.MinDeposit = sdk.NewCoins(sdk.NewInt64Coin(BondDenom, minDeposit))
	govGen.Params.ExpeditedMinDeposit = sdk.NewCoins(sdk.NewInt64Coin(BondDenom, 5*minDeposit))
	state["gov"] = cdc.MustMarshalJSON(&govGen)

	var gentxs []sdk.Tx
	for _, v := range vals {
		msg, err := stakingtypes.NewMsgCreateValidator(
			sdk.ValAddress(v.addr).String(), v.cons.PubKey(), sdk.NewInt64Coin(BondDenom, validatorStake),
			stakingtypes.NewDescription(v.name, "", "", "", ""),
			stakingtypes.NewCommissionRates(sdkmath.LegacyNewDecWithPrec(1, 1), sdkmath.LegacyNewDecWithPrec(2, 1), sdkmath.LegacyNewDecWithPrec(1, 2)),
			sdkmath.OneInt(),
		)
		if err != nil {
			t.Fatal(err)
		}
		// Gentxs are checked at height 0, where account numbers are 0.
		tx, err := signTx(a.TxConfig(), blocksChainID, []sdk.Msg{msg}, nil, v, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		gentxs = append(gentxs, tx)
	}
	state[genutiltypes.ModuleName] = cdc.MustMarshalJSON(genutiltypes.NewGenesisStateFromTx(a.TxConfig().TxJSONEncoder(), gentxs))

	bz, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	return bz
}

// testChain drives one App through ABCI: InitChain, then FinalizeBlock and
// Commit per block, with block time advancing by blockInterval and every
// validator's vote in the last commit.
type testChain struct {
	t      *testing.T
	app    *App
	height int64     // last committed height
	time   time.Time // time of the last block (genesis time before the first)
	// power is the validator set as the app reported it (consensus address
	// bytes as a string), used to build DecidedLastCommit.
	power map[string]int64
}

// newChainApp returns an app on a fresh goleveldb database in a temp dir.
func newChainApp(t *testing.T) *App {
	t.Helper()
	dir := t.TempDir()
	db, err := dbm.NewGoLevelDB("application", filepath.Join(dir, "data"), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := New(log.NewNopLogger(), db, true, simtestutil.NewAppOptionsWithFlagHome(dir), baseapp.SetChainID(blocksChainID))
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// initChain runs InitChain on a; lastHeight is the height the state was
// exported at (0 for a new chain) and start the time of that block.
func initChain(t *testing.T, a *App, appState []byte, lastHeight int64, start time.Time, cp *cmtproto.ConsensusParams, vals []abci.ValidatorUpdate) *testChain {
	t.Helper()
	if cp == nil {
		p := cmttypes.DefaultConsensusParams().ToProto()
		cp = &p
	}
	res, err := a.InitChain(&abci.RequestInitChain{
		Time: start, ChainId: blocksChainID, ConsensusParams: cp, Validators: vals,
		AppStateBytes: appState, InitialHeight: lastHeight + 1,
	})
	if err != nil {
		t.Fatalf("InitChain: %v", err)
	}
	c := &testChain{t: t, app: a, height: lastHeight, time: start, power: map[string]int64{}}
	c.updateValidators(res.Validators)
	if len(c.power) == 0 {
		t.Fatal("InitChain returned no validators")
	}
	return c
}

func (c *testChain) updateValidators(updates []abci.ValidatorUpdate) {
	for _, u := range updates {
		pk, err := cryptoenc.PubKeyFromProto(u.PubKey)
		if err != nil {
			c.t.Fatal(err)
		}
		if u.Power == 0 {
			delete(c.power, string(pk.Address()))
		} else {
			c.power[string(pk.Address())] = u.Power
		}
	}
}

// lastCommit has every validator voting for the previous block, except
// those in absent.
func (c *testChain) lastCommit(absent map[int]bool) abci.CommitInfo {
	addrs := make([]string, 0, len(c.power))
	for a := range c.power {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	var ci abci.CommitInfo
	for i, a := range addrs {
		flag := cmtproto.BlockIDFlagCommit
		if absent[i] {
			flag = cmtproto.BlockIDFlagAbsent
		}
		ci.Votes = append(ci.Votes, abci.VoteInfo{Validator: abci.Validator{Address: []byte(a), Power: c.power[a]}, BlockIdFlag: flag})
	}
	return ci
}

// nextBlock finalizes and commits the next block with txs and returns the
// results and the app hash.
func (c *testChain) nextBlock(txs [][]byte, absent map[int]bool) (*abci.ResponseFinalizeBlock, []byte) {
	c.t.Helper()
	h, tm := c.height+1, c.time.Add(blockInterval)
	req := &abci.RequestFinalizeBlock{Txs: txs, Height: h, Time: tm}
	if h > 1 {
		req.DecidedLastCommit = c.lastCommit(absent)
	}
	for a := range c.power { // any validator; the smallest address for determinism
		if req.ProposerAddress == nil || a < string(req.ProposerAddress) {
			req.ProposerAddress = []byte(a)
		}
	}
	res, err := c.app.FinalizeBlock(req)
	if err != nil {
		c.t.Fatalf("FinalizeBlock %d: %v", h, err)
	}
	if len(res.TxResults) != len(txs) {
		c.t.Fatalf("block %d: %d results for %d txs", h, len(res.TxResults), len(txs))
	}
	if _, err := c.app.Commit(); err != nil {
		c.t.Fatalf("Commit %d: %v", h, err)
	}
	c.height, c.time = h, tm
	c.updateValidators(res.ValidatorUpdates)
	if got := c.app.LastCommitID().Hash; !bytes.Equal(got, res.AppHash) {
		c.t.Fatalf("block %d: committed hash %X, FinalizeBlock said %X", h, got, res.AppHash)
	}
	return res, res.AppHash
}

// committedCtx returns a context on the last committed state, branched so
// that nothing done through it is ever written.
func (c *testChain) committedCtx() sdk.Context {
	c.t.Helper()
	ms, err := c.app.CommitMultiStore().CacheMultiStoreWithVersion(c.height)
	if err != nil {
		c.t.Fatalf("load committed state %d: %v", c.height, err)
	}
	hdr := cmtproto.Header{ChainID: blocksChainID, Height: c.height, Time: c.time}
	return sdk.NewContext(ms, hdr, false, log.NewNopLogger())
}

// expectedDiff reports whether a difference between two apps' stores is
// one the test expects; a value is nil on the side that lacks the key.
type expectedDiff func(key, valueA, valueB []byte) bool

// storeDiff compares the committed stores of a and b key by key and
// returns one line per store with differences that expected (by store
// name) does not allow.
func storeDiff(a, b *App, expected map[string]expectedDiff) []string {
	var out []string
	for _, key := range a.GetStoreKeys() {
		name := key.Name()
		ok := expected[name]
		if ok == nil {
			ok = func(_, _, _ []byte) bool { return false }
		}
		pairsA := storePairs(a.CommitMultiStore().GetKVStore(key))
		pairsB := storePairs(b.CommitMultiStore().GetKVStore(b.GetKey(name)))
		var diffs []string
		i, j := 0, 0
		for i < len(pairsA) || j < len(pairsB) {
			switch {
			case j == len(pairsB) || (i < len(pairsA) && bytes.Compare(pairsA[i][0], pairsB[j][0]) < 0):
				if !ok(pairsA[i][0], pairsA[i][1], nil) {
					diffs = append(diffs, fmt.Sprintf("only in A: %X", pairsA[i][0]))
				}
				i++
			case i == len(pairsA) || bytes.Compare(pairsA[i][0], pairsB[j][0]) > 0:
				if !ok(pairsB[j][0], nil, pairsB[j][1]) {
					diffs = append(diffs, fmt.Sprintf("only in B: %X", pairsB[j][0]))
				}
				j++
			default:
				if !bytes.Equal(pairsA[i][1], pairsB[j][1]) && !ok(pairsA[i][0], pairsA[i][1], pairsB[j][1]) {
					diffs = append(diffs, fmt.Sprintf("value of %X differs", pairsA[i][0]))
				}
				i++
				j++
			}
		}
		if len(diffs) > 0 {
			if len(diffs) > 5 {
				diffs = append(diffs[:5], fmt.Sprintf("... %d more", len(diffs)-5))
			}
			out = append(out, fmt.Sprintf("store %s (%d vs %d keys): %s", name, len(pairsA), len(pairsB), joinLines(diffs)))
		}
	}
	return out
}

func storePairs(kv storetypes.KVStore) [][2][]byte {
	it := kv.Iterator(nil, nil)
	defer it.Close()
	var out [][2][]byte
	for ; it.Valid(); it.Next() {
		out = append(out, [2][]byte{bytes.Clone(it.Key()), bytes.Clone(it.Value())})
	}
	return out
}

// exportedValidators converts an export's validators for InitChain.
func exportedValidators(t *testing.T, vals []cmttypes.GenesisValidator) []abci.ValidatorUpdate {
	t.Helper()
	out := make([]abci.ValidatorUpdate, 0, len(vals))
	for _, v := range vals {
		pk, err := cryptoenc.PubKeyToProto(v.PubKey)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, abci.ValidatorUpdate{PubKey: pk, Power: v.Power})
	}
	return out
}
