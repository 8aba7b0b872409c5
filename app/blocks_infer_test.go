package app

// TestBlocksInferDispute drives x/infer through real blocks: the MNIST MLP
// is registered and made executable, run on chain, and a provider's lying
// claim about it is challenged, bisected move by move in separate blocks
// and settled by re-executing the disputed step, with every invariant
// checked after each block. A second app replays the same blocks and must
// reach the same app hash at every height (the on-chain run and the
// re-executed step are deterministic).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"math"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	sdk "github.com/cosmos/cosmos-sdk/types"
	signingtypes "github.com/cosmos/cosmos-sdk/types/tx/signing"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnxint"
	infertypes "github.com/prova-network/prova/x/infer/types"
	registrytypes "github.com/prova-network/prova/x/registry/types"
)

// inferChain is a testChain with the txs of each block kept for replay.
type inferChain struct {
	*testChain
	t      *testing.T
	invs   []invariant
	blocks [][][]byte
	hashes [][]byte // app hash after each block
}

// inferGasLimit is the gas of every tx here: registering the MLP writes
// its 100 KB file, about 4.4 million gas, over txGasLimit.
const inferGasLimit = 20_000_000

// block signs one tx per (signer, msgs) entry with the committed account
// sequence, runs the block, checks the invariants, and returns the
// results.
func (c *inferChain) block(txs ...signedMsgs) []*abci.ExecTxResult {
	c.t.Helper()
	ctx := c.committedCtx()
	var raw [][]byte
	for _, tx := range txs {
		raw = append(raw, c.sign(ctx, tx))
	}
	res, hash := c.nextBlock(raw, nil)
	c.blocks, c.hashes = append(c.blocks, raw), append(c.hashes, hash)
	if err := checkInvariants(c.committedCtx(), c.invs); err != nil {
		c.t.Fatalf("after block %d: %v", c.height, err)
	}
	return res.TxResults
}

// sign signs tx in SIGN_MODE_DIRECT with inferGasLimit and no fee.
func (c *inferChain) sign(ctx sdk.Context, tx signedMsgs) []byte {
	c.t.Helper()
	acc := c.app.AccountKeeper.GetAccount(ctx, tx.signer.addr)
	cfg := c.app.TxConfig()
	mode := signingtypes.SignMode_SIGN_MODE_DIRECT
	b := cfg.NewTxBuilder()
	if err := b.SetMsgs(tx.msgs...); err != nil {
		c.t.Fatal(err)
	}
	b.SetGasLimit(inferGasLimit)
	sig := signingtypes.SignatureV2{PubKey: tx.signer.priv.PubKey(), Data: &signingtypes.SingleSignatureData{SignMode: mode}, Sequence: acc.GetSequence()}
	if err := b.SetSignatures(sig); err != nil {
		c.t.Fatal(err)
	}
	data := authsigning.SignerData{Address: tx.signer.addr.String(), ChainID: blocksChainID, AccountNumber: acc.GetAccountNumber(),
		Sequence: acc.GetSequence(), PubKey: tx.signer.priv.PubKey()}
	signBytes, err := authsigning.GetSignBytesAdapter(context.Background(), cfg.SignModeHandler(), mode, data, b.GetTx())
	if err != nil {
		c.t.Fatal(err)
	}
	if sig.Data.(*signingtypes.SingleSignatureData).Signature, err = tx.signer.priv.Sign(signBytes); err != nil {
		c.t.Fatal(err)
	}
	if err := b.SetSignatures(sig); err != nil {
		c.t.Fatal(err)
	}
	bz, err := cfg.TxEncoder()(b.GetTx())
	if err != nil {
		c.t.Fatal(err)
	}
	return bz
}

// ok fails unless every result succeeded.
func (c *inferChain) ok(results []*abci.ExecTxResult) {
	c.t.Helper()
	for i, r := range results {
		if r.Code != 0 {
			c.t.Fatalf("block %d tx %d failed: %s/%d %s", c.height, i, r.Codespace, r.Code, r.Log)
		}
	}
}

type signedMsgs struct {
	signer *account
	msgs   []sdk.Msg
}

func tx(signer *account, msgs ...sdk.Msg) signedMsgs { return signedMsgs{signer, msgs} }

// mnistInput is a made-up 28×28 image with pixels in [0, 1].
func mnistInput() *onnxint.Tensor {
	x := &onnxint.Tensor{Type: onnxint.Float, Dims: []int64{1, 784}, F: make([]uint32, 784)}
	for i := range x.F {
		x.F[i] = math.Float32bits(float32((i*37)%256) / 255)
	}
	return x
}

func TestBlocksInferDispute(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a few dozen blocks with MNIST")
	}
	alice, bob, carol := newAccount("infer-owner"), newAccount("infer-provider"), newAccount("infer-challenger")
	users, vals := []*account{alice, bob, carol}, []*account{newValidatorAccount("infer-validator")}
	a := newChainApp(t)
	genesis := blocksGenesis(t, a, users, vals)
	c := &inferChain{testChain: initChain(t, a, genesis, 0, blocksGenesisTime, nil, nil), t: t, invs: appInvariants(a)}
	_, hash := c.nextBlock(nil, nil)
	c.blocks, c.hashes = append(c.blocks, nil), append(c.hashes, hash)

	file := mnist.MLP()
	res, err := fingerprint.BLAKE3.Sum(file)
	if err != nil {
		t.Fatal(err)
	}
	subject, err := fingerprint.SubjectDigest(fingerprint.BLAKE3, []fingerprint.Resource{{Digest: res}})
	if err != nil {
		t.Fatal(err)
	}
	id := subject.String()
	p := infertypes.DefaultParams()

	// The owner registers the model and makes it executable; the provider
	// bonds.
	c.ok(c.block(
		tx(alice, &registrytypes.MsgRegisterModel{Owner: alice.String(), Model: registrytypes.ModelInfo{Id: id, Name: "mnist-mlp", Version: "1", Format: "onnx", License: "MIT"}},
			&infertypes.MsgRegisterExecutable{Owner: alice.String(), ModelId: id, Onnx: file}),
		tx(bob, &infertypes.MsgBond{Provider: bob.String(), Amount: p.MinBond}),
	))
	e, err := a.InferKeeper.Executables.Get(c.committedCtx(), id)
	if err != nil || !e.HasFile || !e.FileMatchesId {
		t.Fatalf("executable %+v, %v", e, err)
	}

	// Anyone runs it on chain; the outputs are the runtime's.
	m, err := onnxint.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	x := mnistInput()
	honest, err := m.Run([]*onnxint.Tensor{x}, onnxint.Options{Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	c.ok(c.block(tx(carol, &infertypes.MsgRunModel{Sender: carol.String(), ModelId: id, Inputs: onnxint.Encode(x)})))
	r, err := a.InferKeeper.Runs.Get(c.committedCtx(), 1)
	if err != nil || !bytes.Equal(r.TraceRoot, honest.Root[:]) {
		t.Fatalf("run %+v, %v", r, err)
	}

	// The provider claims a trace with a wrong state at leaf 3; the
	// challenger disputes it with the honest trace.
	lie := append([][32]byte(nil), honest.Leaves...)
	lie[3] = sha256.Sum256([]byte("not the state"))
	lieRoot := onnxint.TraceRoot(lie)
	c.ok(c.block(tx(bob, &infertypes.MsgPostClaim{Provider: bob.String(), ModelId: id, InputDigest: lie[0][:],
		OutputDigest: lie[len(lie)-1][:], TraceRoot: lieRoot[:], TraceSize: m.TraceSize()})))
	c.ok(c.block(tx(carol, &infertypes.MsgChallenge{Challenger: carol.String(), Claim: infertypes.ClaimRef{ClaimId: 1},
		TraceRoot: honest.Root[:], OutputDigest: lie[len(lie)-1][:], Bond: p.DisputeStake})))
	carolBefore := a.BankKeeper.GetBalance(c.committedCtx(), carol.addr, BondDenom).Amount.Int64()
	for moves := 0; ; moves++ {
		d, err := a.InferKeeper.Disputes.Get(c.committedCtx(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if d.Phase != infertypes.DisputePhase_DISPUTE_PHASE_BISECT {
			if d.Phase != infertypes.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP || d.Lo != 3 {
				t.Fatalf("bisection ended in %s at [%d, %d]", d.Phase, d.Lo, d.Hi)
			}
			break
		}
		signer, leaves := bob, lie
		if d.Turn == infertypes.Party_PARTY_CHALLENGER {
			signer, leaves = carol, honest.Leaves
		}
		root := onnxint.PrefixRoot(leaves, d.Mid)
		c.ok(c.block(tx(signer, &infertypes.MsgBisect{Sender: signer.String(), DisputeId: 1, Root: root[:]})))
	}

	// The challenger has the one step re-executed.
	step := m.Steps()[2]
	msg := &infertypes.MsgResolveStep{Sender: carol.String(), DisputeId: 1, Range: onnxint.CompactRange(honest.Leaves, 3)}
	for _, leaf := range step.Reads {
		proof, err := onnxint.InclusionProof(honest.Leaves, uint64(leaf), 3)
		if err != nil {
			t.Fatal(err)
		}
		var enc []byte
		for _, ts := range honest.States[leaf] {
			enc = append(enc, onnxint.Encode(ts)...)
		}
		msg.States = append(msg.States, infertypes.StateProof{LeafIndex: uint64(leaf), Tensors: enc, Proof: proof})
	}
	for _, w := range step.Weights {
		wt, err := m.Weight(w)
		if err != nil {
			t.Fatal(err)
		}
		proof, err := m.TensorProof(w)
		if err != nil {
			t.Fatal(err)
		}
		msg.Weights = append(msg.Weights, infertypes.WeightProof{Index: uint64(w), Tensor: onnxint.Encode(wt), Proof: proof})
	}
	c.ok(c.block(tx(carol, msg)))
	ctx := c.committedCtx()
	d, _ := a.InferKeeper.Disputes.Get(ctx, 1)
	if d.Outcome != infertypes.Outcome_OUTCOME_CHALLENGER_WON {
		t.Fatalf("outcome %s (%s)", d.Outcome, d.Reason)
	}
	reward := p.DisputeStake.Amount.Sub(p.BurnShare.MulInt(p.DisputeStake.Amount).TruncateInt())
	if got := a.BankKeeper.GetBalance(ctx, carol.addr, BondDenom).Amount.Int64(); got != carolBefore+p.DisputeStake.Amount.Int64()+reward.Int64() {
		t.Fatalf("carol holds %d; before the resolution %d", got, carolBefore)
	}
	t.Logf("dispute settled in %d blocks, %d moves", c.height, len(d.Moves))

	// Another node replaying the blocks reaches the same state.
	b := newChainApp(t)
	replay := initChain(t, b, genesis, 0, blocksGenesisTime, nil, nil)
	for i, txs := range c.blocks {
		if _, hash := replay.nextBlock(txs, nil); !bytes.Equal(hash, c.hashes[i]) {
			t.Fatalf("block %d: the replaying app reached app hash %X, the first %X", i+1, hash, c.hashes[i])
		}
	}
	if diff := storeDiff(a, b, nil); len(diff) > 0 {
		t.Fatalf("stores differ after the replay:\n%s", joinLines(diff))
	}
}
