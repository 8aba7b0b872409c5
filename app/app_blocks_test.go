package app

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	evaltypes "github.com/prova-network/prova/x/eval/types"
	receiptstypes "github.com/prova-network/prova/x/receipts/types"
	registrytypes "github.com/prova-network/prova/x/registry/types"
)

// Environment variables that steer TestBlocksRandomTxs; a failure prints
// the seed so that it can be replayed with PROVA_BLOCKS_SEED.
const (
	envBlocksSeed  = "PROVA_BLOCKS_SEED"
	envBlocksCount = "PROVA_BLOCKS"
	// defaultSeed is one under which every kind of invalid tx of every
	// generator is tried within defaultBlocks (seeds 1 to 7 each leave one
	// to three rare kinds untried; they pass otherwise).
	defaultSeed   = 8
	defaultBlocks = 150
)

func envUint(t *testing.T, name string, def uint64) uint64 {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return v
}

// kindStats counts the txs of one message type.
type kindStats struct {
	validOK, validFailed, invalid int
	whys                          map[string]int // invalid txs by what is wrong with them
}

// TestBlocksRandomTxs runs the whole app in process: a genesis with three
// validators (joined by gentx) and eight funded accounts, InitChain, then
// blocks of random transactions of every Prova message type and of the SDK
// messages they rely on (bank send, staking delegate, gov submit/vote),
// signed with real secp256k1 keys, through FinalizeBlock and Commit. About
// one tx in three is built to fail for a known reason and must fail with
// that registered error; the valid ones must all succeed, and each message
// type must succeed a minimum number of times. After every block all
// invariants are checked on the committed state. At the end the state is
// exported and imported into fresh apps (see checkGenesisRoundTrip).
func TestBlocksRandomTxs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 150 blocks")
	}
	seed := envUint(t, envBlocksSeed, defaultSeed)
	nBlocks := int(envUint(t, envBlocksCount, defaultBlocks))
	t.Logf("seed %d (%s=%d to replay), %d blocks", seed, envBlocksSeed, seed, nBlocks)
	start := time.Now()

	var users, vals []*account
	for i := range 8 {
		users = append(users, newAccount(fmt.Sprintf("user-%d", i)))
	}
	for i := range 3 {
		vals = append(vals, newValidatorAccount(fmt.Sprintf("validator-%d", i)))
	}
	a := newChainApp(t)
	chain := initChain(t, a, blocksGenesis(t, a, users, vals), 0, blocksGenesisTime, nil, nil)
	if len(chain.power) != len(vals) {
		t.Fatalf("%d validators after InitChain, want %d", len(chain.power), len(vals))
	}
	invs := appInvariants(a)
	var names []string
	for _, inv := range invs {
		names = append(names, inv.name)
	}
	t.Logf("invariants: %v", names)
	if len(invs) < 8 { // four Prova keepers and four SDK checks
		t.Fatalf("collected %d invariants (%v); the Prova keepers' CheckInvariants were not found", len(invs), names)
	}
	chain.nextBlock(nil, nil) // block 1: genesis committed, sequences readable

	w := newWorld(seed, users, vals)
	stats := map[string]*kindStats{}
	total, failures := 0, 0
	for range nBlocks {
		ctx := chain.committedCtx()
		w.startBlock(chain.height+1, chain.time.Add(blockInterval))
		planned := w.plan()
		txs := make([][]byte, len(planned))
		for i, p := range planned {
			txs[i] = encodeTx(t, ctx, a, w, p)
		}
		var absent map[int]bool
		if w.r.IntN(10) == 0 { // a validator misses a block now and then
			absent = map[int]bool{w.r.IntN(len(vals)): true}
		}
		res, _ := chain.nextBlock(txs, absent)
		for i, p := range planned {
			r := res.TxResults[i]
			s := stats[p.kind]
			if s == nil {
				s = &kindStats{whys: map[string]int{}}
				stats[p.kind] = s
			}
			total++
			switch {
			case !p.valid:
				s.invalid++
				s.whys[p.why]++
				if r.Code == 0 {
					t.Errorf("block %d: invalid %s (%s) succeeded", chain.height, p.kind, p.why)
				} else if p.want != nil && (r.Codespace != p.want.Codespace() || r.Code != p.want.ABCICode()) {
					t.Errorf("block %d: invalid %s (%s) failed with %s/%d, want %s/%d (%s): %s",
						chain.height, p.kind, p.why, r.Codespace, r.Code, p.want.Codespace(), p.want.ABCICode(), p.want, r.Log)
				}
			case r.Code == 0:
				s.validOK++
				if p.onOK != nil {
					p.onOK(r.Data)
				}
			default:
				s.validFailed++
				if failures++; failures <= 20 {
					t.Errorf("block %d: valid %s failed: %s/%d %s", chain.height, p.kind, r.Codespace, r.Code, r.Log)
				}
			}
		}
		if err := checkInvariants(chain.committedCtx(), invs); err != nil {
			t.Fatalf("after block %d (seed %d): %v", chain.height, seed, err)
		}
		w.afterBlock(t, chain.committedCtx(), a)
		if t.Failed() {
			t.Fatalf("stopping at block %d (seed %d)", chain.height, seed)
		}
	}
	t.Logf("%d blocks, %d txs in %s", nBlocks, total, time.Since(start).Round(time.Millisecond))

	checkCoverage(t, stats, w, chain, seed == defaultSeed && nBlocks >= defaultBlocks)
	checkGenesisRoundTrip(t, chain)
	checkInvariantsCanFail(t, chain, invs, users[0])
	t.Logf("total %s", time.Since(start).Round(time.Millisecond))
}

// plan returns the txs of the next block: the duties first, then random
// txs from the weighted generator table, each occasionally re-signed to
// fail in the ante handler.
func (w *world) plan() []*plannedTx {
	txs := w.duties()
	totalWeight := 0
	for _, g := range generators {
		totalWeight += g.weight
	}
	want := len(txs) + 4 + w.r.IntN(8)
	for tries := 0; len(txs) < want && tries < 40; tries++ {
		n := w.r.IntN(totalWeight)
		var g generator
		for _, g = range generators {
			if n -= g.weight; n < 0 {
				break
			}
		}
		p := g.gen(w)
		if p == nil {
			continue
		}
		if p.valid && w.r.IntN(25) == 0 {
			p = anteFailure(w, p)
		}
		txs = append(txs, p)
	}
	return txs
}

// anteFailure turns a valid tx into one the ante handler refuses: a
// sequence from the future, or a signature over another chain ID.
func anteFailure(w *world, p *plannedTx) *plannedTx {
	bad := *p
	bad.valid, bad.onOK = false, nil
	if w.r.IntN(2) == 0 {
		bad.kind, bad.seqOffset, bad.want, bad.why = "ante/wrong-sequence", 1, sdkerrors.ErrWrongSequence, "sequence + 1"
	} else {
		bad.kind, bad.chainID, bad.want, bad.why = "ante/wrong-chain-id", "another-chain", sdkerrors.ErrUnauthorized, "signed for another chain"
	}
	return &bad
}

// encodeTx signs p with the signer's account number and sequence from
// committed state and a small random fee.
func encodeTx(t *testing.T, ctx sdk.Context, a *App, w *world, p *plannedTx) []byte {
	t.Helper()
	acc := a.AccountKeeper.GetAccount(ctx, p.signer.addr)
	if acc == nil {
		t.Fatalf("signer %s has no account", p.signer.name)
	}
	chainID := blocksChainID
	if p.chainID != "" {
		chainID = p.chainID
	}
	fee := sdk.NewCoins(coin(w.r.Int64N(100)))
	tx, err := signTx(a.TxConfig(), chainID, p.msgs, fee, p.signer, acc.GetAccountNumber(), acc.GetSequence()+p.seqOffset)
	if err != nil {
		t.Fatal(err)
	}
	bz, err := a.TxConfig().TxEncoder()(tx)
	if err != nil {
		t.Fatal(err)
	}
	return bz
}

// afterBlock brings in what end-blockers did: proposals whose voting
// ended were executed or failed, and flagged models are refused from then
// on.
func (w *world) afterBlock(t *testing.T, ctx sdk.Context, a *App) {
	t.Helper()
	for _, p := range w.proposals {
		if p.done {
			continue
		}
		prop, err := a.GovKeeper.Proposals.Get(ctx, p.id)
		if err != nil {
			t.Fatalf("proposal %d: %v", p.id, err)
		}
		switch prop.Status {
		case govv1.StatusVotingPeriod, govv1.StatusDepositPeriod:
			continue
		case govv1.StatusPassed:
			p.done, p.passed = true, true
		default:
			p.done = true
		}
		if p.passed != p.expectPass {
			t.Errorf("proposal %d (status %s for model %s): %s, expected to pass: %v (%s)", p.id, p.status.Short(), p.modelID, prop.Status, p.expectPass, prop.FailedReason)
		}
		if !p.passed {
			continue
		}
		m, err := a.RegistryKeeper.GetModel(ctx, p.modelID)
		if err != nil || m.Status != p.status || m.StatusHeight != ctx.BlockHeight() {
			t.Errorf("proposal %d passed but model %s has status %s at height %d (%v); want %s at %d", p.id, p.modelID, m.Status, m.StatusHeight, err, p.status, ctx.BlockHeight())
		}
		for _, rec := range w.models {
			if rec.id == p.modelID {
				rec.flagged = p.status == registrytypes.ModelStatus_MODEL_STATUS_FLAGGED
			}
		}
	}
}

// checkCoverage fails unless every message type succeeded often enough,
// invalid txs were tried, governance executed a model status change and
// evaluation tasks were tallied.
func checkCoverage(t *testing.T, stats map[string]*kindStats, w *world, chain *testChain, defaultRun bool) {
	t.Helper()
	kinds := make([]string, 0, len(stats))
	for k := range stats {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		s := stats[k]
		t.Logf("%-34s valid ok %4d  valid failed %3d  invalid (all refused) %4d %v", k, s.validOK, s.validFailed, s.invalid, s.whys)
	}
	invalidTotal := 0
	for _, g := range generators {
		s := stats[g.kind]
		if s == nil {
			s = &kindStats{}
		}
		if s.validOK < g.minOK {
			t.Errorf("%s: %d successful txs, want at least %d", g.kind, s.validOK, g.minOK)
		}
		if s.invalid == 0 {
			t.Errorf("%s: no invalid tx was tried", g.kind)
		}
		if len(s.whys) < g.variants {
			// Rare variants need enough blocks; other seeds only log it.
			report := t.Errorf
			if !defaultRun {
				report = t.Logf
			}
			report("%s: %d of %d kinds of invalid tx tried (%v)", g.kind, len(s.whys), g.variants, s.whys)
		}
		invalidTotal += s.invalid
	}
	for _, k := range []string{"ante/wrong-sequence", "ante/wrong-chain-id"} {
		if stats[k] == nil || stats[k].invalid == 0 {
			t.Errorf("%s: never tried", k)
		}
	}
	passed, failed := 0, 0
	for _, p := range w.proposals {
		switch {
		case p.passed:
			passed++
		case p.done:
			failed++
		}
	}
	t.Logf("proposals: %d passed (MsgSetModelStatus executed by gov), %d failed on execution, %d still open", passed, failed, len(w.proposals)-passed-failed)
	if passed < 2 || failed < 1 {
		t.Errorf("governance: %d proposals passed and %d failed; want at least 2 and 1", passed, failed)
	}
	ctx := chain.committedCtx()
	byStatus := map[evaltypes.TaskStatus]int{}
	slashed := 0
	if err := chain.app.EvalKeeper.Tasks.Walk(ctx, nil, func(_ uint64, task evaltypes.Task) (bool, error) {
		byStatus[task.Status]++
		return false, nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, v := range w.vals {
		val, err := chain.app.StakingKeeper.GetValidator(ctx, sdk.ValAddress(v.addr))
		if err != nil {
			t.Fatal(err)
		}
		if !val.IsBonded() {
			t.Errorf("validator %s is %s", v.name, val.Status)
		}
		del, err := chain.app.StakingKeeper.GetDelegation(ctx, v.addr, sdk.ValAddress(v.addr))
		if err != nil {
			t.Fatal(err)
		}
		if val.TokensFromShares(del.Shares).TruncateInt().LT(sdkmath.NewInt(validatorStake)) {
			slashed++
		}
	}
	t.Logf("eval tasks by status: %v; %d of %d validators slashed by tallies", byStatus, slashed, len(w.vals))
	if byStatus[evaltypes.TaskStatus_TASK_STATUS_SUCCEEDED] < 2 {
		t.Errorf("%d eval tasks succeeded; want at least 2", byStatus[evaltypes.TaskStatus_TASK_STATUS_SUCCEEDED])
	}
	frozen := 0
	for _, l := range w.logs {
		if l.frozen {
			frozen++
		}
	}
	t.Logf("%d receipt logs, %d frozen for equivocation; %d invalid txs refused", len(w.logs), frozen, invalidTotal)
}

// checkGenesisRoundTrip exports the chain's state at height H and imports
// it into fresh apps B and C (InitChain at initial height H+1 with the
// exported app state, validators and consensus params). Then A, B and C
// each finalize and commit the same empty block H+1. What is compared:
//
//   - B's and C's app hashes: importing one export is deterministic.
//   - The exports of A and B at H+1, byte for byte: everything genesis
//     carries survived the round trip and evolves identically for a block.
//   - A's and B's stores, store by store and key by key. Prova's four
//     stores must be identical: their genesis must carry all their state.
//     SDK stores may differ only as sdkNotExported allows, in state the
//     SDK deliberately leaves out of genesis.
//
// A's and B's app hashes are not compared: they differ even with equal
// contents, because an IAVL node's hash includes the version (height) it
// was written at, and B wrote all its state at H+1. (Measured: with the
// contents equal but for sdkNotExported, every store's commit hash
// differed.) B == C is the app-hash equality that must hold.
func checkGenesisRoundTrip(t *testing.T, chain *testChain) {
	t.Helper()
	a := chain.app
	exp, err := a.ExportAppStateAndValidators(false, nil, nil)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if exp.Height != chain.height {
		t.Fatalf("exported height %d, chain at %d", exp.Height, chain.height)
	}
	vals := exportedValidators(t, exp.Validators)
	chainB := initChain(t, newChainApp(t), exp.AppState, exp.Height, chain.time, &exp.ConsensusParams, vals)
	chainC := initChain(t, newChainApp(t), exp.AppState, exp.Height, chain.time, &exp.ConsensusParams, vals)

	_, hashA := chain.nextBlock(nil, nil)
	_, hashB := chainB.nextBlock(nil, nil)
	_, hashC := chainC.nextBlock(nil, nil)
	if !bytes.Equal(hashB, hashC) {
		t.Errorf("two imports of one export reach different app hashes at %d: %X and %X", chainB.height, hashB, hashC)
	}
	if err := checkInvariants(chainB.committedCtx(), appInvariants(chainB.app)); err != nil {
		t.Errorf("imported chain at %d: %v", chainB.height, err)
	}

	expA, err := a.ExportAppStateAndValidators(false, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	expB, err := chainB.app.ExportAppStateAndValidators(false, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(expA.AppState, expB.AppState) {
		t.Errorf("exports at %d differ after the round trip:\n%s", chainB.height, firstDiff(expA.AppState, expB.AppState))
	}

	for _, d := range storeDiff(a, chainB.app, sdkNotExported) {
		t.Errorf("after the round trip, %s", d)
	}
	t.Logf("genesis round trip: exported at %d; at %d the exports are equal, the stores equal but for state not exported by %d SDK modules; app hash A %X, B %X, C %X",
		exp.Height, chain.height, len(sdkNotExported), hashA, hashB, hashC)
}

// sdkNotExported allows the store differences that come from state the
// SDK modules keep out of genesis by design (the first is also what the
// SDK's own import/export simulation skips):
//   - staking HistoricalInfo: recent headers for IBC light clients,
//     written each block and kept for HistoricalEntries heights; an
//     imported chain has only those after the import.
//   - slashing missed-block bitmap chunks with no missed block: a chunk
//     stays after its last missed block is cleared, but the export lists
//     missed blocks only, so the import writes no empty chunk. (A chunk is
//     a bits-and-blooms bitset: an 8-byte length, then 64-bit words.)
var sdkNotExported = map[string]expectedDiff{
	stakingtypes.StoreKey: func(key, _, _ []byte) bool {
		return bytes.HasPrefix(key, stakingtypes.HistoricalInfoKey)
	},
	slashingtypes.StoreKey: func(key, a, b []byte) bool {
		return bytes.HasPrefix(key, slashingtypes.ValidatorMissedBlockBitmapKeyPrefix) && b == nil &&
			len(a) >= 8 && bytes.Count(a[8:], []byte{0}) == len(a)-8
	},
}

// firstDiff shows where two JSON documents first differ.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return fmt.Sprintf("A: ...%s...\nB: ...%s...", a[lo:min(len(a), i+200)], b[lo:min(len(b), i+200)])
}

// checkInvariantsCanFail corrupts committed state in a branch, once per
// invariant, and requires the check to notice: invariants that cannot fail
// would make the per-block checks above vacuous.
func checkInvariantsCanFail(t *testing.T, chain *testChain, invs []invariant, user *account) {
	t.Helper()
	a := chain.app
	one := sdk.NewCoins(coin(1))
	send := func(to sdk.AccAddress) func(sdk.Context) error {
		return func(ctx sdk.Context) error { return a.BankKeeper.SendCoins(ctx, user.addr, to, one) }
	}
	corruptions := []struct {
		invariant string
		corrupt   func(sdk.Context) error
	}{
		{"EvalKeeper", send(authtypes.NewModuleAddress(evaltypes.ModuleName))},
		{"ReceiptsKeeper", send(authtypes.NewModuleAddress(receiptstypes.ModuleName))},
		{"RegistryKeeper", func(ctx sdk.Context) error {
			return a.RegistryKeeper.Children.Set(ctx, collections.Join("sha256:"+string(bytes.Repeat([]byte("a"), 64)), "sha256:"+string(bytes.Repeat([]byte("b"), 64))), 1)
		}},
		{"ContentKeeper", func(ctx sdk.Context) error { return a.ContentKeeper.NextSeq.Set(ctx, 1) }},
		{"bank/total-supply", func(ctx sdk.Context) error {
			return a.BankKeeper.Balances.Set(ctx, collections.Join(user.addr, BondDenom), sdkmath.NewInt(1))
		}},
		{"staking/pools", send(authtypes.NewModuleAddress(stakingtypes.BondedPoolName))},
		{"gov/deposits", send(authtypes.NewModuleAddress(govtypes.ModuleName))},
		{"distribution/module-account", send(authtypes.NewModuleAddress(distrtypes.ModuleName))},
	}
	byName := map[string]invariant{}
	for _, inv := range invs {
		byName[inv.name] = inv
	}
	for _, c := range corruptions {
		inv, ok := byName[c.invariant]
		if !ok {
			t.Errorf("no invariant %q to corrupt", c.invariant)
			continue
		}
		ctx := chain.committedCtx()
		if err := inv.check(ctx); err != nil {
			t.Fatalf("%s fails before corruption: %v", c.invariant, err)
		}
		if err := c.corrupt(ctx); err != nil {
			t.Fatalf("corrupt %s: %v", c.invariant, err)
		}
		if err := inv.check(ctx); err == nil {
			t.Errorf("%s did not notice its state being corrupted", c.invariant)
		}
	}
	// Every corruption above is discarded with its branch.
	if err := checkInvariants(chain.committedCtx(), invs); err != nil {
		t.Fatal(err)
	}
}
