package keeper_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"testing"
	"time"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/x/infer/types"
)

// modelReceipt is a receipt by priv for model over the trace leaves.
func modelReceipt(t testing.TB, priv ed25519.PrivateKey, model string, leaves [][32]byte, requestID string) []byte {
	t.Helper()
	pub := priv.Public().(ed25519.PublicKey)
	root := onnxint.TraceRoot(leaves)
	p := receipt.Predicate{
		Model: model, Provider: receipt.Provider{ID: "bob", KeyID: receipt.KeyID(pub)},
		InputDigest: "sha256:" + hex.EncodeToString(leaves[0][:]), OutputDigest: "sha256:" + hex.EncodeToString(leaves[len(leaves)-1][:]),
		TraceRoot: "sha256:" + hex.EncodeToString(root[:]), TraceSize: uint64(len(leaves)),
		Tokens: receipt.Tokens{Input: 1, Output: 1}, RequestID: requestID, Time: receipt.FormatTime(time.Unix(1_700_000_000, 0)),
	}
	env, err := receipt.Sign(receipt.NewStatement(p), priv)
	if err != nil {
		t.Fatal(err)
	}
	return env.Canonical()
}

// receiptRef is the reference of entry index 1 of the pair anchorPair
// anchored.
func receiptRef(m *types.MsgChallengeReceipt) *types.ReceiptRef {
	r := m.Receipt()
	return &r
}

// TestReceiptInputRequest: a receipt's inputs can be demanded on chain; the
// request records the receipt's claim (reused by a later challenge) and
// the bonded provider answers it, or is slashed and the claim refuted.
func TestReceiptInputRequest(t *testing.T) {
	f := newFixture(t)
	model, m := f.realModel(t)
	pub, priv := receiptKey("bob's receipts")
	f.bond(t, "bob", 2*minBond, hex.EncodeToString(pub))
	x := testInput(3)
	answered := f.anchorPair(modelReceipt(t, priv, model, run(t, m, x).Leaves, "req-1"))
	ref := receiptRef(answered)

	before := f.state(t)
	for _, c := range []struct {
		name string
		msg  *types.MsgRequestInput
		want error
	}{
		{"self", &types.MsgRequestInput{Challenger: addr("bob"), Receipt: ref}, types.ErrSelfChallenge},
		{"claim and receipt", &types.MsgRequestInput{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: 1}, Receipt: ref}, types.ErrInvalidClaim},
		{"size not anchored", &types.MsgRequestInput{Challenger: addr("carol"), Receipt: &types.ReceiptRef{LogId: logID, TreeSize: 3, Index: 1,
			Entry: ref.Entry, InclusionProof: ref.InclusionProof}}, types.ErrReceiptNotAnchored},
		{"wrong proof", &types.MsgRequestInput{Challenger: addr("carol"), Receipt: &types.ReceiptRef{LogId: logID, TreeSize: 2, Index: 1,
			Entry: ref.Entry, InclusionProof: [][]byte{hash("x")}}}, types.ErrInvalidProof},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.msgs.RequestInput(f.ctx, c.msg)
			f.refused(t, before, err, c.want)
		})
	}

	res, err := f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("carol"), Receipt: ref})
	if err != nil {
		t.Fatal(err)
	}
	c := f.claim(t, res.ClaimId)
	if c.Kind != types.ClaimKind_CLAIM_KIND_RECEIPT || c.Provider != addr("bob") || c.AnchoredHeight != 10 || c.WindowEnd != 10+receiptWindow ||
		res.Deadline != f.ctx.BlockHeight()+timeout {
		t.Fatalf("receipt claim %+v, request %+v", c, res)
	}
	want(t, "open inputs of bob", f.openInputs(t, "bob"), c.Id)
	before = f.state(t)
	_, err = f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("dave"), Receipt: ref})
	f.refused(t, before, err, types.ErrInputRequested)
	f.endBlock(t)
	if _, err := f.msgs.PostInput(f.ctx, &types.MsgPostInput{Provider: addr("bob"), ClaimId: c.Id, Inputs: onnxint.Encode(x)}); err != nil {
		t.Fatal(err)
	}
	want(t, "open inputs of bob", f.openInputs(t, "bob"))
	if r, err := f.k.InputRequests.Get(f.ctx, c.Id); err != nil || r.Status != types.InputRequestStatus_INPUT_REQUEST_STATUS_ANSWERED {
		t.Fatalf("request %+v, %v", r, err)
	}

	// Another receipt of bob's, whose inputs bob never posts.
	unanswered := f.anchorPair(modelReceipt(t, priv, model, run(t, m, testInput(5)).Leaves, "req-2"))
	res, err = f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("dave"), Receipt: receiptRef(unanswered)})
	if err != nil {
		t.Fatal(err)
	}
	bondBefore, _ := f.k.Bonds.Get(f.ctx, addr("bob"))
	f.endBlocks(t, timeout+1)
	if r, err := f.k.InputRequests.Get(f.ctx, res.ClaimId); err != nil || r.Status != types.InputRequestStatus_INPUT_REQUEST_STATUS_EXPIRED {
		t.Fatalf("request %+v, %v", r, err)
	}
	if got := f.claim(t, res.ClaimId).Status; got != types.ClaimStatus_CLAIM_STATUS_REFUTED {
		t.Fatalf("unanswered receipt claim %s", got)
	}
	if b, _ := f.k.Bonds.Get(f.ctx, addr("bob")); !b.Amount.Amount.Equal(bondBefore.Amount.Amount.SubRaw(stake)) {
		t.Fatalf("bob's bond %s, %s before", b.Amount, bondBefore.Amount)
	}
	if got := f.bank.balance(addr("dave")); got != funds+stake-stake/5 {
		t.Fatalf("dave holds %d", got)
	}
	want(t, "open inputs of bob", f.openInputs(t, "bob"))

	// A challenge of the same receipt is over the same claim.
	ch, err := f.msgs.ChallengeReceipt(f.ctx, f.anchorPair(answered.Entry))
	if err != nil || ch.ClaimId != c.Id {
		t.Fatalf("challenge: %+v, %v", ch, err)
	}
}

// TestReceiptInputNeedsStake: a receipt whose provider has nothing left to
// slash cannot have its inputs demanded.
func TestReceiptInputNeedsStake(t *testing.T) {
	f := newFixture(t)
	pub, priv := receiptKey("bob's receipts")
	f.bond(t, "bob", minBond, hex.EncodeToString(pub))
	msg := f.anchorPair(signedReceipt(t, priv, lying(4), fakeTraceSize, false))
	if _, err := f.msgs.Unbond(f.ctx, &types.MsgUnbond{Provider: addr("bob"), Amount: coin(minBond)}); err != nil {
		t.Fatal(err)
	}
	f.endBlocks(t, 31) // released: the bond keeps only the key
	if b, err := f.k.Bonds.Get(f.ctx, addr("bob")); err != nil || !b.Amount.IsZero() || f.ctx.BlockHeight() > 10+receiptWindow {
		t.Fatalf("bond %+v, %v at height %d", b, err, f.ctx.BlockHeight())
	}
	before := f.state(t)
	_, err := f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("carol"), Receipt: receiptRef(msg)})
	f.refused(t, before, err, types.ErrInsufficientBond)
}

// TestReceiptWindow: a receipt can be challenged, or its inputs
// requested, until receipt_window_blocks after its log first anchored a
// checkpoint holding it, whichever checkpoint the message cites; a receipt
// claim that survives its window becomes final; with the parameter at 0 a
// receipt recorded then has no window.
func TestReceiptWindow(t *testing.T) {
	f := newFixture(t)
	pub, priv := receiptKey("bob's receipts")
	f.bond(t, "bob", 4*minBond, hex.EncodeToString(pub))
	entries := [][]byte{
		signedReceipt(t, priv, lying(5), fakeTraceSize, false), // anchored at 10
		signedReceipt(t, priv, lying(4), fakeTraceSize, false), // anchored at 10
		signedReceipt(t, priv, lying(6), fakeTraceSize, false), // anchored at 30
		[]byte("not a receipt"),                                // anchored at 40
	}
	l := make([][]byte, len(entries))
	for i, e := range entries {
		l[i] = tlog.LeafHash(e)
	}
	f.anchor(logID, 2, tlog.NodeHash(l[0], l[1]))
	f.endBlocks(t, 20)
	f.anchor(logID, 3, tlog.NodeHash(tlog.NodeHash(l[0], l[1]), l[2]))
	f.endBlocks(t, 10)
	f.anchor(logID, 4, tlog.NodeHash(tlog.NodeHash(l[0], l[1]), tlog.NodeHash(l[2], l[3])))
	// Inclusion proofs in the trees of 3 and 4 entries.
	proof3 := [][][]byte{{l[1], l[2]}, {l[0], l[2]}, {tlog.NodeHash(l[0], l[1])}}
	proof4 := [][][]byte{{l[1], tlog.NodeHash(l[2], l[3])}, {l[0], tlog.NodeHash(l[2], l[3])}, {l[3], tlog.NodeHash(l[0], l[1])}}
	ref := func(size, index uint64) *types.ReceiptRef {
		p := proof3[index]
		if size == 4 {
			p = proof4[index]
		}
		return &types.ReceiptRef{LogId: logID, TreeSize: size, Index: index, Entry: entries[index], InclusionProof: p}
	}
	challenge := func(r *types.ReceiptRef, who string) *types.MsgChallengeReceipt {
		return &types.MsgChallengeReceipt{Challenger: addr(who), LogId: r.LogId, TreeSize: r.TreeSize, Index: r.Index, Entry: r.Entry,
			InclusionProof: r.InclusionProof, TraceRoot: honest().root(), OutputDigest: output, Bond: coin(stake)}
	}

	// At height 40, entry 1 is challenged citing the latest checkpoint:
	// its window still runs from height 10.
	res, err := f.msgs.ChallengeReceipt(f.ctx, challenge(ref(4, 1), "carol"))
	if err != nil {
		t.Fatal(err)
	}
	c := f.claim(t, res.ClaimId)
	if c.AnchoredHeight != 10 || c.WindowEnd != 10+receiptWindow {
		t.Fatalf("receipt claim anchored at %d, window to %d", c.AnchoredHeight, c.WindowEnd)
	}
	// Bob defends; carol misses her move, so the claim stays pending and
	// becomes final at the end of its window.
	d := f.dispute(t, res.DisputeId)
	if _, err := f.msgs.Bisect(f.ctx, &types.MsgBisect{Sender: addr("bob"), DisputeId: d.Id, Root: lying(4).prefix(d.Mid)}); err != nil {
		t.Fatal(err)
	}
	for f.ctx.BlockHeight() <= c.WindowEnd {
		if got := f.claim(t, c.Id).Status; got != types.ClaimStatus_CLAIM_STATUS_PENDING {
			t.Fatalf("receipt claim %s at height %d, inside its window", got, f.ctx.BlockHeight())
		}
		f.endBlock(t)
	}
	if got := f.claim(t, c.Id).Status; got != types.ClaimStatus_CLAIM_STATUS_FINAL {
		t.Fatalf("receipt claim %s after its window", got)
	}
	if got := f.dispute(t, res.DisputeId).Outcome; got != types.Outcome_OUTCOME_DEFENDER_WON {
		t.Fatalf("dispute %s", got)
	}

	// At height 51, entry 0 (anchored at 10) is closed whichever
	// checkpoint is cited; entry 2 (anchored at 30) is open until 70.
	before := f.state(t)
	for _, size := range []uint64{3, 4} {
		_, err := f.msgs.ChallengeReceipt(f.ctx, challenge(ref(size, 0), "carol"))
		f.refused(t, before, err, types.ErrWindowClosed)
		_, err = f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("carol"), Receipt: ref(size, 0)})
		f.refused(t, before, err, types.ErrWindowClosed)
	}
	req, err := f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("carol"), Receipt: ref(4, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if c := f.claim(t, req.ClaimId); c.AnchoredHeight != 30 || c.WindowEnd != 30+receiptWindow {
		t.Fatalf("receipt claim anchored at %d, window to %d", c.AnchoredHeight, c.WindowEnd)
	}

	// With no receipt window, a receipt recorded now stays open.
	p, err := f.k.Params.Get(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.ReceiptWindowBlocks = 0
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: addr(authority), Params: p}); err != nil {
		t.Fatal(err)
	}
	res, err = f.msgs.ChallengeReceipt(f.ctx, challenge(ref(3, 0), "dave"))
	if err != nil {
		t.Fatal(err)
	}
	if c := f.claim(t, res.ClaimId); c.AnchoredHeight != 10 || c.WindowEnd != 0 {
		t.Fatalf("receipt claim without a window: anchored at %d, window to %d", c.AnchoredHeight, c.WindowEnd)
	}
}

// TestBondEndpoint: a bond carries the endpoint last given; a bond message
// without one keeps it, and a malformed one is refused.
func TestBondEndpoint(t *testing.T) {
	f := newFixture(t)
	if _, err := f.msgs.Bond(f.ctx, &types.MsgBond{Provider: addr("bob"), Amount: coin(minBond), Endpoint: "https://infer.example.org:8443/bob"}); err != nil {
		t.Fatal(err)
	}
	endpoint := func() string {
		t.Helper()
		res, err := f.q.Bond(f.ctx, &types.QueryBondRequest{Provider: addr("bob")})
		if err != nil {
			t.Fatal(err)
		}
		return res.Bond.Endpoint
	}
	if got := endpoint(); got != "https://infer.example.org:8443/bob" {
		t.Fatalf("endpoint %q", got)
	}
	f.bond(t, "bob", 1, "")
	if got := endpoint(); got != "https://infer.example.org:8443/bob" {
		t.Fatalf("endpoint after a top-up %q", got)
	}
	if _, err := f.msgs.Bond(f.ctx, &types.MsgBond{Provider: addr("bob"), Amount: coin(1), Endpoint: "http://127.0.0.1:8620"}); err != nil {
		t.Fatal(err)
	}
	if got := endpoint(); got != "http://127.0.0.1:8620" {
		t.Fatalf("endpoint %q", got)
	}
	before := f.state(t)
	for _, e := range []string{"ftp://host", "http://user@host", "http://host/?q=1", "http://host:99999"} {
		_, err := f.msgs.Bond(f.ctx, &types.MsgBond{Provider: addr("bob"), Amount: coin(1), Endpoint: e})
		f.refused(t, before, err, types.ErrInvalidEndpoint)
	}
}
