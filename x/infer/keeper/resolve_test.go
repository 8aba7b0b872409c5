package keeper_test

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/x/infer/types"
)

// resolution builds the MsgResolveStep fields for leaf lo from a trace
// whose first lo leaves are the agreed prefix: the compact range, the
// states the leaf reads with their proofs, and the weights it uses with
// theirs. states are the tensors behind leaves.
func resolution(t testing.TB, m *onnxint.Model, leaves [][32]byte, states [][]*onnxint.Tensor, lo uint64) *types.MsgResolveStep {
	t.Helper()
	msg := &types.MsgResolveStep{Range: onnxint.CompactRange(leaves, lo)}
	steps := m.Steps()
	var reads, weights []int
	if int(lo) <= len(steps) {
		reads, weights = steps[lo-1].Reads, steps[lo-1].Weights
	} else {
		reads = []int{len(steps)} // testModel's output is its last step's state
	}
	for _, r := range reads {
		proof, err := onnxint.InclusionProof(leaves, uint64(r), lo)
		if err != nil {
			t.Fatal(err)
		}
		var enc []byte
		for _, ts := range states[r] {
			enc = append(enc, onnxint.Encode(ts)...)
		}
		msg.States = append(msg.States, types.StateProof{LeafIndex: uint64(r), Tensors: enc, Proof: proof})
	}
	for _, w := range weights {
		tensor, err := m.Weight(w)
		if err != nil {
			t.Fatal(err)
		}
		proof, err := m.TensorProof(w)
		if err != nil {
			t.Fatal(err)
		}
		msg.Weights = append(msg.Weights, types.WeightProof{Index: uint64(w), Tensor: onnxint.Encode(tensor), Proof: proof})
	}
	return msg
}

// withLeaf returns a copy of leaves with leaf i replaced.
func withLeaf(leaves [][32]byte, i int, leaf [32]byte) [][32]byte {
	out := append([][32]byte(nil), leaves...)
	out[i] = leaf
	return out
}

// claimTrace posts a claim by who over leaves (its output digest the last
// leaf unless output is given).
func (f *fixture) claimTrace(t testing.TB, who, model string, leaves [][32]byte) uint64 {
	t.Helper()
	root := onnxint.TraceRoot(leaves)
	res, err := f.msgs.PostClaim(f.ctx, &types.MsgPostClaim{Provider: addr(who), ModelId: model, InputDigest: leaves[0][:],
		OutputDigest: leaves[len(leaves)-1][:], TraceRoot: root[:], TraceSize: uint64(len(leaves))})
	if err != nil {
		t.Fatal(err)
	}
	return res.ClaimId
}

func (f *fixture) challengeTrace(t testing.TB, who string, claim uint64, leaves [][32]byte) uint64 {
	t.Helper()
	root := onnxint.TraceRoot(leaves)
	res, err := f.msgs.Challenge(f.ctx, &types.MsgChallenge{Challenger: addr(who), Claim: types.ClaimRef{ClaimId: claim},
		TraceRoot: root[:], OutputDigest: leaves[len(leaves)-1][:], Bond: coin(stake)})
	if err != nil {
		t.Fatal(err)
	}
	return res.DisputeId
}

// TestLyingProviderLosesBisection: a provider whose trace carries a wrong
// state at leaf 3 (the second chunk of the 300 × 300 layer) is found out.
// The challenger first has the inputs published, then bisects down to leaf
// 3, and a third party resolves the step; forged resolutions are refused
// without changing anything; the provider is slashed.
func TestLyingProviderLosesBisection(t *testing.T) {
	f := newFixture(t)
	model, m := f.realModel(t)
	f.bond(t, "bob", minBond, "")
	x := testInput(11)
	honest := run(t, m, x)
	lie := withLeaf(honest.Leaves, 3, sha256.Sum256([]byte("not the state")))
	claim := f.claimTrace(t, "bob", model, lie)

	// Input availability: the provider publishes the inputs, which extends
	// the claim's window to give the requester time.
	windowEnd := f.claim(t, claim).WindowEnd
	f.endBlocks(t, window-1)
	req, err := f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: claim}})
	if err != nil {
		t.Fatal(err)
	}
	f.endBlocks(t, 3)
	if f.ctx.BlockHeight() <= windowEnd || f.ctx.BlockHeight() > req.Deadline {
		t.Fatalf("height %d: want past the window end %d and by the deadline %d", f.ctx.BlockHeight(), windowEnd, req.Deadline)
	}
	before := f.state(t)
	_, err = f.msgs.PostInput(f.ctx, &types.MsgPostInput{Provider: addr("carol"), ClaimId: claim, Inputs: onnxint.Encode(x)})
	f.refused(t, before, err, types.ErrNotProvider)
	_, err = f.msgs.PostInput(f.ctx, &types.MsgPostInput{Provider: addr("bob"), ClaimId: claim, Inputs: onnxint.Encode(testInput(12))})
	f.refused(t, before, err, types.ErrInputMismatch)
	if _, err := f.msgs.PostInput(f.ctx, &types.MsgPostInput{Provider: addr("bob"), ClaimId: claim, Inputs: onnxint.Encode(x)}); err != nil {
		t.Fatal(err)
	}
	if c := f.claim(t, claim); c.WindowEnd != f.ctx.BlockHeight()+timeout {
		t.Fatalf("window end %d after the input was posted at %d (request deadline %d)", c.WindowEnd, f.ctx.BlockHeight(), req.Deadline)
	}
	q, err := f.q.InputRequest(f.ctx, &types.QueryInputRequestRequest{ClaimId: claim})
	if err != nil || !bytes.Equal(q.Request.Inputs, onnxint.Encode(x)) || q.Request.Status != types.InputRequestStatus_INPUT_REQUEST_STATUS_ANSWERED {
		t.Fatalf("input request: %+v, %v", q, err)
	}
	f.endBlocks(t, 2) // past the original window: the claim stays open

	id := f.challengeTrace(t, "carol", claim, honest.Leaves)
	d := f.bisect(t, id, "bob", "carol", trace{lie}, trace{honest.Leaves})
	if d.Phase != types.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP || d.Lo != 3 || d.Hi != 4 {
		t.Fatalf("bisection ended in %s at [%d, %d]", d.Phase, d.Lo, d.Hi)
	}

	good := resolution(t, m, honest.Leaves, honest.States, d.Lo)
	good.Sender, good.DisputeId = addr("dave"), id
	before = f.state(t)
	for _, c := range []struct {
		name   string
		mutate func(*types.MsgResolveStep)
		want   error
	}{
		{"range of another size", func(r *types.MsgResolveStep) { r.Range = onnxint.CompactRange(honest.Leaves, 2) }, types.ErrInvalidProof},
		{"forged state", func(r *types.MsgResolveStep) {
			ts := honest.States[r.States[0].LeafIndex][0]
			forged := &onnxint.Tensor{Type: ts.Type, Dims: ts.Dims, I: append([]int32(nil), ts.I...)}
			forged.I[0] ^= 1
			r.States[0].Tensors = onnxint.Encode(forged)
		}, types.ErrInvalidProof},
		{"state outside the prefix", func(r *types.MsgResolveStep) { r.States[0].LeafIndex = d.Lo }, types.ErrInvalidProof},
		{"missing state", func(r *types.MsgResolveStep) { r.States = nil }, types.ErrInvalidStep},
		{"missing weight", func(r *types.MsgResolveStep) { r.Weights = nil }, types.ErrInvalidStep},
		{"forged weight", func(r *types.MsgResolveStep) { r.Weights[0].Tensor[len(r.Weights[0].Tensor)-1] ^= 1 }, types.ErrInvalidProof},
		{"weight proof of another index", func(r *types.MsgResolveStep) { r.Weights[len(r.Weights)-1].Index++ }, types.ErrInvalidProof},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := resolution(t, m, honest.Leaves, honest.States, d.Lo)
			bad.Sender, bad.DisputeId = addr("dave"), id
			c.mutate(bad)
			_, err := f.msgs.ResolveStep(f.ctx, bad)
			f.refused(t, before, err, c.want)
		})
	}
	res, err := f.msgs.ResolveStep(f.ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != types.Outcome_OUTCOME_CHALLENGER_WON || !bytes.Equal(res.Leaf, honest.Leaves[3][:]) {
		t.Fatalf("resolution: %s, leaf %x (honest %x)", res.Outcome, res.Leaf, honest.Leaves[3])
	}
	if got := f.claim(t, claim).Status; got != types.ClaimStatus_CLAIM_STATUS_REFUTED {
		t.Fatalf("claim %s", got)
	}
	if got := f.bank.balance(addr("carol")); got != funds+stake-stake/5 {
		t.Fatalf("carol holds %d", got)
	}
	if b, _ := f.k.Bonds.Get(f.ctx, addr("bob")); b.Amount.Amount.Int64() != minBond-stake || !b.Locked.IsZero() {
		t.Fatalf("bob's bond %s locked %s", b.Amount, b.Locked)
	}
	qd, err := f.q.Dispute(f.ctx, &types.QueryDisputeRequest{DisputeId: id})
	if err != nil || qd.Dispute.Moves[len(qd.Dispute.Moves)-1].Kind != "resolve_step" || len(qd.Dispute.Moves) < 4 {
		t.Fatalf("dispute history: %+v, %v", qd, err)
	}
	f.endBlock(t)
}

// TestLyingChallengerLoses: the provider is honest, the challenger's trace
// is wrong from leaf 5; the defender resolves the step and wins.
func TestLyingChallengerLoses(t *testing.T) {
	f := newFixture(t)
	model, m := f.realModel(t)
	f.bond(t, "bob", minBond, "")
	honest := run(t, m, testInput(5))
	claim := f.claimTrace(t, "bob", model, honest.Leaves)
	lie := withLeaf(honest.Leaves, 5, sha256.Sum256([]byte("wrong")))
	id := f.challengeTrace(t, "carol", claim, lie)
	d := f.bisect(t, id, "bob", "carol", trace{honest.Leaves}, trace{lie})
	if d.Lo != 5 || d.Hi != 6 {
		t.Fatalf("bisection ended at [%d, %d]", d.Lo, d.Hi)
	}
	r := resolution(t, m, honest.Leaves, honest.States, d.Lo)
	r.Sender, r.DisputeId = addr("bob"), id
	res, err := f.msgs.ResolveStep(f.ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != types.Outcome_OUTCOME_DEFENDER_WON {
		t.Fatalf("outcome %s", res.Outcome)
	}
	if got := f.bank.balance(addr("carol")); got != funds-stake {
		t.Fatalf("carol holds %d", got)
	}
	f.endBlock(t)
}

// TestLyingOutputLeaf: the provider's steps are right but its output (and
// so the last leaf) is not; the last leaf is recomputed from the output
// producer's state.
func TestLyingOutputLeaf(t *testing.T) {
	f := newFixture(t)
	model, m := f.realModel(t)
	f.bond(t, "bob", minBond, "")
	honest := run(t, m, testInput(9))
	last := len(honest.Leaves) - 1
	lie := withLeaf(honest.Leaves, last, sha256.Sum256([]byte("another output")))
	claim := f.claimTrace(t, "bob", model, lie)
	id := f.challengeTrace(t, "carol", claim, honest.Leaves)
	d := f.bisect(t, id, "bob", "carol", trace{lie}, trace{honest.Leaves})
	if d.Lo != uint64(last) {
		t.Fatalf("bisection ended at [%d, %d]", d.Lo, d.Hi)
	}
	r := resolution(t, m, honest.Leaves, honest.States, d.Lo)
	r.Sender, r.DisputeId = addr("carol"), id
	res, err := f.msgs.ResolveStep(f.ctx, r)
	if err != nil || res.Outcome != types.Outcome_OUTCOME_CHALLENGER_WON {
		t.Fatalf("outcome %v, %v", res, err)
	}
	f.endBlock(t)
}

// TestBothLose: both parties agree on a wrong state at leaf 1 and then
// post different wrong states at leaf 2; the re-executed leaf matches
// neither root and both stakes are burned.
func TestBothLose(t *testing.T) {
	f := newFixture(t)
	model, m := f.realModel(t)
	f.bond(t, "bob", minBond, "")
	honest := run(t, m, testInput(1))
	wrongState := &onnxint.Tensor{Type: onnxint.Int8, Dims: []int64{1, 300}, I: make([]int32, 300)}
	states := append([][]*onnxint.Tensor(nil), honest.States...)
	states[1] = []*onnxint.Tensor{wrongState}
	shared := withLeaf(honest.Leaves, 1, onnxint.Digest(wrongState))
	a := withLeaf(shared, 2, sha256.Sum256([]byte("a")))
	b := withLeaf(shared, 2, sha256.Sum256([]byte("b")))
	claim := f.claimTrace(t, "bob", model, a)
	id := f.challengeTrace(t, "carol", claim, b)
	d := f.bisect(t, id, "bob", "carol", trace{a}, trace{b})
	if d.Lo != 2 {
		t.Fatalf("bisection ended at [%d, %d]", d.Lo, d.Hi)
	}
	burnedBefore := f.bank.burned.AmountOf(denom).Int64()
	r := resolution(t, m, shared, states, d.Lo)
	r.Sender, r.DisputeId = addr("dave"), id
	res, err := f.msgs.ResolveStep(f.ctx, r)
	if err != nil || res.Outcome != types.Outcome_OUTCOME_BOTH_LOST {
		t.Fatalf("outcome %v, %v", res, err)
	}
	if got := f.bank.burned.AmountOf(denom).Int64() - burnedBefore; got != 2*stake {
		t.Fatalf("burned %d, want both stakes", got)
	}
	if got := f.bank.balance(addr("carol")); got != funds-stake {
		t.Fatalf("carol holds %d", got)
	}
	f.endBlock(t)
}

// TestInputRequestUnanswered: a provider that does not publish a claim's
// inputs in time is slashed and its claim refuted; one that claimed an
// input the model cannot take cannot answer at all.
func TestInputRequestUnanswered(t *testing.T) {
	f := newFixture(t)
	model, m := f.realModel(t)
	f.bond(t, "bob", minBond, "")
	wrong := &onnxint.Tensor{Type: onnxint.Uint8, Dims: []int64{1, 9}, I: make([]int32, 9)}
	leaves := withLeaf(run(t, m, testInput(2)).Leaves, 0, onnxint.Digest(wrong))
	claim := f.claimTrace(t, "bob", model, leaves)
	before := f.state(t)
	_, err := f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("bob"), Claim: types.ClaimRef{ClaimId: claim}})
	f.refused(t, before, err, types.ErrSelfChallenge)
	_, err = f.msgs.PostInput(f.ctx, &types.MsgPostInput{Provider: addr("bob"), ClaimId: claim, Inputs: onnxint.Encode(wrong)})
	f.refused(t, before, err, types.ErrNoInputRequest)
	if _, err := f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: claim}}); err != nil {
		t.Fatal(err)
	}
	before = f.state(t)
	_, err = f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("dave"), Claim: types.ClaimRef{ClaimId: claim}})
	f.refused(t, before, err, types.ErrInputRequested)
	_, err = f.msgs.PostInput(f.ctx, &types.MsgPostInput{Provider: addr("bob"), ClaimId: claim, Inputs: onnxint.Encode(wrong)})
	f.refused(t, before, err, types.ErrInvalidInput)
	f.endBlocks(t, timeout+1)
	r, err := f.k.InputRequests.Get(f.ctx, claim)
	if err != nil || r.Status != types.InputRequestStatus_INPUT_REQUEST_STATUS_EXPIRED {
		t.Fatalf("request %+v, %v", r, err)
	}
	if got := f.claim(t, claim).Status; got != types.ClaimStatus_CLAIM_STATUS_REFUTED {
		t.Fatalf("claim %s", got)
	}
	if got := f.bank.balance(addr("carol")); got != funds+stake-stake/5 {
		t.Fatalf("carol holds %d", got)
	}
	if b, _ := f.k.Bonds.Get(f.ctx, addr("bob")); b.Amount.Amount.Int64() != minBond-stake {
		t.Fatalf("bob's bond %s", b.Amount)
	}
	before = f.state(t)
	_, err = f.msgs.PostInput(f.ctx, &types.MsgPostInput{Provider: addr("bob"), ClaimId: claim, Inputs: onnxint.Encode(wrong)})
	f.refused(t, before, err, types.ErrNoInputRequest)
}
