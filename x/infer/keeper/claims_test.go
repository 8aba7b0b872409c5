package keeper_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"testing"
	"time"

	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/x/infer/types"
)

func receiptKey(label string) (ed25519.PublicKey, ed25519.PrivateKey) {
	seed := sha256.Sum256([]byte(label))
	priv := ed25519.NewKeyFromSeed(seed[:])
	return priv.Public().(ed25519.PublicKey), priv
}

// signedReceipt is a receipt by priv for the fake model over tr, with the
// trace fields unless noTrace.
func signedReceipt(t testing.TB, priv ed25519.PrivateKey, tr trace, traceSize uint64, noTrace bool) []byte {
	t.Helper()
	pub := priv.Public().(ed25519.PublicKey)
	p := receipt.Predicate{
		Model: fakeModelID, Provider: receipt.Provider{ID: "bob", KeyID: receipt.KeyID(pub)},
		InputDigest: "sha256:" + hex.EncodeToString(tr.leaves[0][:]), OutputDigest: "sha256:" + hex.EncodeToString(tr.leaves[len(tr.leaves)-1][:]),
		Tokens: receipt.Tokens{Input: 1, Output: 1}, RequestID: "req-1", Time: receipt.FormatTime(time.Unix(1_700_000_000, 0)),
	}
	if !noTrace {
		p.TraceRoot, p.TraceSize = "sha256:"+hex.EncodeToString(tr.root()), traceSize
	}
	env, err := receipt.Sign(receipt.NewStatement(p), priv)
	if err != nil {
		t.Fatal(err)
	}
	return env.Canonical()
}

const logID = "prova.local/receipts"

// anchorPair anchors a log of two entries, other and entry, and returns
// the challenge of entry (index 1) with its inclusion proof.
func (f *fixture) anchorPair(entry []byte) *types.MsgChallengeReceipt {
	other := []byte("another entry")
	root := tlog.NodeHash(tlog.LeafHash(other), tlog.LeafHash(entry))
	f.anchor(logID, 2, root)
	return &types.MsgChallengeReceipt{Challenger: addr("carol"), LogId: logID, TreeSize: 2, Index: 1, Entry: entry,
		InclusionProof: [][]byte{tlog.LeafHash(other)}, TraceRoot: honest().root(), OutputDigest: output, Bond: coin(stake)}
}

// TestReceiptChallenge: a logged receipt carrying a trace root is a claim
// of the account bonded with its signing key.
func TestReceiptChallenge(t *testing.T) {
	f := newFixture(t)
	pub, priv := receiptKey("bob's receipts")
	f.bond(t, "bob", minBond, hex.EncodeToString(pub))
	lie := lying(4)
	msg := f.anchorPair(signedReceipt(t, priv, lie, fakeTraceSize, false))

	before := f.state(t)
	_, otherPriv := receiptKey("someone else")
	for _, c := range []struct {
		name   string
		mutate func(m *types.MsgChallengeReceipt)
		want   error
	}{
		{"size not anchored", func(m *types.MsgChallengeReceipt) { m.TreeSize = 3 }, types.ErrReceiptNotAnchored},
		{"wrong index", func(m *types.MsgChallengeReceipt) { m.Index = 0 }, types.ErrInvalidProof},
		{"wrong proof", func(m *types.MsgChallengeReceipt) { m.InclusionProof = [][]byte{hash("x")} }, types.ErrInvalidProof},
		{"not a receipt", func(m *types.MsgChallengeReceipt) { *m = *f.anchorPair([]byte("not a receipt")) }, types.ErrInvalidReceipt},
		{"unbound key", func(m *types.MsgChallengeReceipt) {
			*m = *f.anchorPair(signedReceipt(t, otherPriv, lie, fakeTraceSize, false))
		}, types.ErrUnknownReceiptKey},
		{"no trace", func(m *types.MsgChallengeReceipt) { *m = *f.anchorPair(signedReceipt(t, priv, lie, 0, true)) }, types.ErrInvalidReceipt},
		{"trace size not the model's", func(m *types.MsgChallengeReceipt) {
			*m = *f.anchorPair(signedReceipt(t, priv, lie, fakeTraceSize+1, false))
		}, types.ErrTraceSize},
		{"self", func(m *types.MsgChallengeReceipt) { m.Challenger = addr("bob") }, types.ErrSelfChallenge},
		{"agrees", func(m *types.MsgChallengeReceipt) { m.TraceRoot = lie.root() }, types.ErrNothingToDispute},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := *msg
			c.mutate(&m)
			_, err := f.msgs.ChallengeReceipt(f.ctx, &m)
			f.anchorPair(msg.Entry) // some cases anchored another log
			f.refused(t, before, err, c.want)
		})
	}
	res, err := f.msgs.ChallengeReceipt(f.ctx, msg)
	if err != nil {
		t.Fatal(err)
	}
	c := f.claim(t, res.ClaimId)
	if c.Kind != types.ClaimKind_CLAIM_KIND_RECEIPT || c.Provider != addr("bob") || c.AnchoredHeight != 10 || c.WindowEnd != 10+receiptWindow || string(c.TraceRoot) != string(lie.root()) {
		t.Fatalf("receipt claim %+v", c)
	}
	d := f.bisect(t, res.DisputeId, "bob", "carol", lie, honest())
	if d.Lo != 4 {
		t.Fatalf("bisection ended at [%d, %d]", d.Lo, d.Hi)
	}
	// Nobody can resolve a fake model's step; the challenger loses, and may
	// challenge the same receipt again (the same claim is reused).
	f.endBlocks(t, timeout+1)
	if d = f.dispute(t, res.DisputeId); d.Outcome != types.Outcome_OUTCOME_DEFENDER_WON {
		t.Fatalf("outcome %s", d.Outcome)
	}
	again := *msg
	again.Challenger = addr("dave")
	res2, err := f.msgs.ChallengeReceipt(f.ctx, &again)
	if err != nil || res2.ClaimId != res.ClaimId {
		t.Fatalf("second challenge: %+v, %v", res2, err)
	}
	f.endBlocks(t, timeout+1) // the defender does not move this time
	if got := f.claim(t, res.ClaimId).Status; got != types.ClaimStatus_CLAIM_STATUS_REFUTED {
		t.Fatalf("receipt claim %s", got)
	}
}

func TestReceiptKeyBinding(t *testing.T) {
	f := newFixture(t)
	pub, _ := receiptKey("k")
	f.bond(t, "bob", minBond, base64.StdEncoding.EncodeToString(pub))
	f.bond(t, "bob", 1, hex.EncodeToString(pub)) // the same key again, in hex
	other, _ := receiptKey("k2")
	before := f.state(t)
	_, err := f.msgs.Bond(f.ctx, &types.MsgBond{Provider: addr("bob"), Amount: coin(1), ReceiptKey: hex.EncodeToString(other)})
	f.refused(t, before, err, types.ErrReceiptKeyTaken)
	_, err = f.msgs.Bond(f.ctx, &types.MsgBond{Provider: addr("carol"), Amount: coin(1), ReceiptKey: hex.EncodeToString(pub)})
	f.refused(t, before, err, types.ErrReceiptKeyTaken)
	_, err = f.msgs.Bond(f.ctx, &types.MsgBond{Provider: addr("carol"), Amount: coin(1), ReceiptKey: "abcd"})
	f.refused(t, before, err, types.ErrInvalidReceiptKey)
	_, err = f.msgs.Bond(f.ctx, &types.MsgBond{Provider: addr("carol"), Amount: sdkCoin("stake", 1)})
	f.refused(t, before, err, types.ErrInvalidAmount)
	other2, _ := receiptKey("k3")
	_, err = f.msgs.Bond(f.ctx, &types.MsgBond{Provider: addr("carol"), Amount: coin(funds + 1), ReceiptKey: hex.EncodeToString(other2)})
	f.refused(t, before, err, nil)
	// A bond that binds a key stays after it is all unbonded.
	if _, err := f.msgs.Unbond(f.ctx, &types.MsgUnbond{Provider: addr("bob"), Amount: coin(minBond + 1)}); err != nil {
		t.Fatal(err)
	}
	f.endBlocks(t, 31)
	b, err := f.k.Bonds.Get(f.ctx, addr("bob"))
	if err != nil || !b.Amount.IsZero() || b.ReceiptKeyId != receipt.KeyID(pub) {
		t.Fatalf("bond %+v, %v", b, err)
	}
}

// TestStakeFromUnbonding: a provider that unbonds right after claiming
// still answers for the claim: a dispute takes its stake back from the
// unbonding entry; locked stake cannot be unbonded.
func TestStakeFromUnbonding(t *testing.T) {
	f := newFixture(t)
	f.bond(t, "bob", minBond, "")
	claim := f.postClaim(t, "bob", lying(3))
	if _, err := f.msgs.Unbond(f.ctx, &types.MsgUnbond{Provider: addr("bob"), Amount: coin(minBond)}); err != nil {
		t.Fatal(err)
	}
	f.endBlock(t)
	before := f.state(t)
	_, err := f.msgs.PostClaim(f.ctx, &types.MsgPostClaim{Provider: addr("bob"), ModelId: fakeModelID, InputDigest: input, OutputDigest: output, TraceRoot: honest().root(), TraceSize: fakeTraceSize})
	f.refused(t, before, err, types.ErrBondTooSmall)
	id := f.challenge(t, "carol", claim, honest())
	b, _ := f.k.Bonds.Get(f.ctx, addr("bob"))
	if b.Amount.Amount.Int64() != stake || !b.Locked.Equal(b.Amount.Amount) {
		t.Fatalf("bond after the challenge: %s locked %s", b.Amount, b.Locked)
	}
	before = f.state(t)
	_, err = f.msgs.Unbond(f.ctx, &types.MsgUnbond{Provider: addr("bob"), Amount: coin(1)})
	f.refused(t, before, err, types.ErrInsufficientBond)
	f.endBlocks(t, timeout+1)
	if d := f.dispute(t, id); d.Outcome != types.Outcome_OUTCOME_CHALLENGER_WON {
		t.Fatalf("outcome %s", d.Outcome)
	}
	f.endBlocks(t, 30)
	if got := f.bank.balance(addr("bob")); got != funds-stake {
		t.Fatalf("bob holds %d after the release", got)
	}
	// With nothing left to stake, a challenge is refused before any bond
	// is taken from the challenger.
	claim2 := claim
	before = f.state(t)
	_, err = f.msgs.Challenge(f.ctx, &types.MsgChallenge{Challenger: addr("dave"), Claim: types.ClaimRef{ClaimId: claim2}, TraceRoot: lying(5).root(), OutputDigest: output, Bond: coin(stake)})
	f.refused(t, before, err, nil)
}

// TestBatchLeaf: a leaf of a batch is challenged with its inclusion proof;
// it becomes a claim of its own, reused by later references.
func TestBatchLeaf(t *testing.T) {
	f := newFixture(t)
	f.bond(t, "bob", minBond, "")
	lie := lying(6)
	leaf := func(tr trace, model string) []byte {
		return types.EncodeClaimLeaf(types.ClaimLeaf{ModelID: model, InputDigest: tr.leaves[0][:], OutputDigest: tr.leaves[len(tr.leaves)-1][:], TraceRoot: tr.root(), TraceSize: fakeTraceSize})
	}
	leaves := [][]byte{leaf(honest(), fakeModelID), leaf(lie, fakeModelID), leaf(honest(), modelID(1)), []byte("not a claim")}
	h := make([][]byte, 4)
	for i, l := range leaves {
		h[i] = tlog.LeafHash(l)
	}
	root := tlog.NodeHash(tlog.NodeHash(h[0], h[1]), tlog.NodeHash(h[2], h[3]))
	proof := func(i int) [][]byte { return [][]byte{h[i^1], tlog.NodeHash(h[(i^2)&^1], h[(i^2)|1])} }
	res, err := f.msgs.PostClaimBatch(f.ctx, &types.MsgPostClaimBatch{Provider: addr("bob"), Root: root, Count: 4})
	if err != nil {
		t.Fatal(err)
	}
	ref := func(i int) types.ClaimRef {
		return types.ClaimRef{BatchId: res.BatchId, LeafIndex: uint64(i), Leaf: leaves[i], Proof: proof(i)}
	}
	before := f.state(t)
	for _, c := range []struct {
		name string
		ref  types.ClaimRef
		want error
	}{
		{"wrong proof", types.ClaimRef{BatchId: res.BatchId, LeafIndex: 1, Leaf: leaves[1], Proof: proof(0)}, types.ErrInvalidProof},
		{"index beyond the batch", types.ClaimRef{BatchId: res.BatchId, LeafIndex: 4, Leaf: leaves[1], Proof: proof(1)}, types.ErrInvalidProof},
		{"unknown batch", types.ClaimRef{BatchId: res.BatchId + 1, LeafIndex: 1, Leaf: leaves[1], Proof: proof(1)}, types.ErrBatchNotFound},
		{"model not executable", ref(2), types.ErrNoExecutable},
		{"leaf not a claim", ref(3), types.ErrInvalidClaim},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.msgs.Challenge(f.ctx, &types.MsgChallenge{Challenger: addr("carol"), Claim: c.ref, TraceRoot: honest().root(), OutputDigest: output, Bond: coin(stake)})
			f.refused(t, before, err, c.want)
		})
	}
	req, err := f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("carol"), Claim: ref(1)})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := f.msgs.Challenge(f.ctx, &types.MsgChallenge{Challenger: addr("carol"), Claim: ref(1), TraceRoot: honest().root(), OutputDigest: output, Bond: coin(stake)})
	if err != nil || ch.ClaimId != req.ClaimId {
		t.Fatalf("challenge of the requested leaf: %+v, %v", ch, err)
	}
	c := f.claim(t, ch.ClaimId)
	if c.Kind != types.ClaimKind_CLAIM_KIND_BATCH_LEAF || c.BatchId != res.BatchId || c.LeafIndex != 1 || c.WindowEnd != res.WindowEnd {
		t.Fatalf("leaf claim %+v", c)
	}
	d := f.bisect(t, ch.DisputeId, "bob", "carol", lie, honest())
	if d.Lo != 6 {
		t.Fatalf("bisection ended at [%d, %d]", d.Lo, d.Hi)
	}
	f.endBlocks(t, window)
	if b, _ := f.k.Batches.Get(f.ctx, res.BatchId); b.Status != types.ClaimStatus_CLAIM_STATUS_FINAL {
		t.Fatalf("batch %s after its window", b.Status)
	}
	// The inputs were requested and never posted (the fake input digest
	// has no tensors behind it): bob lost a stake for that as well.
	if b, _ := f.k.Bonds.Get(f.ctx, addr("bob")); b.Amount.Amount.Int64() != minBond-stake {
		t.Fatalf("bob's bond %s", b.Amount)
	}
	f.bond(t, "bob", stake, "")
	// With a model ID, every leaf must name it.
	res2, err := f.msgs.PostClaimBatch(f.ctx, &types.MsgPostClaimBatch{Provider: addr("bob"), ModelId: fakeModelID, Root: root, Count: 4})
	if err != nil {
		t.Fatal(err)
	}
	before = f.state(t)
	r := ref(2)
	r.BatchId = res2.BatchId
	_, err = f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("carol"), Claim: r})
	f.refused(t, before, err, types.ErrInvalidClaim)
}

func TestPostClaimRefusals(t *testing.T) {
	f := newFixture(t)
	f.bond(t, "bob", minBond, "")
	tr := honest()
	ok := types.MsgPostClaim{Provider: addr("bob"), ModelId: fakeModelID, InputDigest: input, OutputDigest: output, TraceRoot: tr.root(), TraceSize: fakeTraceSize}
	before := f.state(t)
	for _, c := range []struct {
		name   string
		mutate func(*types.MsgPostClaim)
		want   error
	}{
		{"no bond", func(m *types.MsgPostClaim) { m.Provider = addr("carol") }, types.ErrBondTooSmall},
		{"trace size", func(m *types.MsgPostClaim) { m.TraceSize++ }, types.ErrTraceSize},
		{"model not executable", func(m *types.MsgPostClaim) { m.ModelId = modelID(1) }, types.ErrNoExecutable},
		{"short digest", func(m *types.MsgPostClaim) { m.InputDigest = input[:31] }, types.ErrInvalidClaim},
		{"bad address", func(m *types.MsgPostClaim) { m.Provider = "prova1xyz" }, types.ErrInvalidAddress},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := ok
			c.mutate(&m)
			_, err := f.msgs.PostClaim(f.ctx, &m)
			f.refused(t, before, err, c.want)
		})
	}
	for _, c := range []struct {
		name string
		msg  *types.MsgPostClaimBatch
		want error
	}{
		{"no bond", &types.MsgPostClaimBatch{Provider: addr("carol"), Root: input, Count: 1}, types.ErrBondTooSmall},
		{"zero count", &types.MsgPostClaimBatch{Provider: addr("bob"), Root: input, Count: 0}, types.ErrInvalidClaim},
		{"model not executable", &types.MsgPostClaimBatch{Provider: addr("bob"), ModelId: modelID(1), Root: input, Count: 1}, types.ErrNoExecutable},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.msgs.PostClaimBatch(f.ctx, c.msg)
			f.refused(t, before, err, c.want)
		})
	}
	for _, c := range []struct {
		name string
		msg  *types.MsgUnbond
		want error
	}{
		{"more than bonded", &types.MsgUnbond{Provider: addr("bob"), Amount: coin(minBond + 1)}, types.ErrInsufficientBond},
		{"no bond", &types.MsgUnbond{Provider: addr("carol"), Amount: coin(1)}, types.ErrInsufficientBond},
		{"other denom", &types.MsgUnbond{Provider: addr("bob"), Amount: sdkCoin("stake", 1)}, types.ErrInvalidAmount},
		{"zero", &types.MsgUnbond{Provider: addr("bob"), Amount: coin(0)}, types.ErrInvalidAmount},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.msgs.Unbond(f.ctx, c.msg)
			f.refused(t, before, err, c.want)
		})
	}
	_, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: addr("bob"), Params: testParams()})
	f.refused(t, before, err, types.ErrInvalidAuthority)
	p := testParams()
	p.UnbondingBlocks = p.ChallengeWindowBlocks
	_, err = f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: addr(authority), Params: p})
	f.refused(t, before, err, types.ErrInvalidParams)
	p = testParams()
	p.MinBond.Denom, p.DisputeStake.Denom = "stake", "stake"
	_, err = f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: addr(authority), Params: p})
	f.refused(t, before, err, types.ErrInvalidParams)
	p = testParams()
	p.MoveTimeoutBlocks = 7
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: addr(authority), Params: p}); err != nil {
		t.Fatal(err)
	}
}
