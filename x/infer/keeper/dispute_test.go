package keeper_test

import (
	"testing"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/x/infer/types"
)

var (
	input  = hash("input")
	output = hash("output")
)

func honest() trace { return newTrace(fakeTraceSize, input, output, "honest", 1) }

// lying is a trace that departs from the honest one at leaf from.
func lying(from int) trace { return newTrace(fakeTraceSize, input, output, "lie", from) }

func TestHonestClaimSurvivesWindow(t *testing.T) {
	f := newFixture(t)
	f.bond(t, "bob", minBond, "")
	id := f.postClaim(t, "bob", honest())
	c := f.claim(t, id)
	if c.WindowEnd != f.ctx.BlockHeight()+window || c.Status != types.ClaimStatus_CLAIM_STATUS_PENDING {
		t.Fatalf("posted claim %+v", c)
	}
	for f.ctx.BlockHeight() <= c.WindowEnd {
		if got := f.claim(t, id).Status; got != types.ClaimStatus_CLAIM_STATUS_PENDING {
			t.Fatalf("claim %s at height %d, inside its window", got, f.ctx.BlockHeight())
		}
		f.endBlock(t)
	}
	if got := f.claim(t, id).Status; got != types.ClaimStatus_CLAIM_STATUS_FINAL {
		t.Fatalf("claim %s after its window", got)
	}
	if _, err := f.msgs.Challenge(f.ctx, &types.MsgChallenge{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: id},
		TraceRoot: lying(3).root(), OutputDigest: output, Bond: coin(stake)}); !types.ErrClaimSettled.Is(err) {
		t.Fatalf("challenge of a final claim: %v", err)
	}
	// The bond comes back after the unbonding period, and not before.
	res, err := f.msgs.Unbond(f.ctx, &types.MsgUnbond{Provider: addr("bob"), Amount: coin(minBond)})
	if err != nil {
		t.Fatal(err)
	}
	for f.ctx.BlockHeight() < res.ReleaseHeight {
		if got := f.bank.balance(addr("bob")); got != funds-minBond {
			t.Fatalf("bob holds %d before the release", got)
		}
		f.endBlock(t)
	}
	f.endBlock(t)
	if got := f.bank.balance(addr("bob")); got != funds {
		t.Fatalf("bob holds %d after the release", got)
	}
	if has, _ := f.k.Bonds.Has(f.ctx, addr("bob")); has {
		t.Fatal("an empty bond without a receipt key is kept")
	}
}

func TestDefenderMissesMove(t *testing.T) {
	f := newFixture(t)
	f.bond(t, "bob", minBond, "")
	claim := f.postClaim(t, "bob", lying(4))
	id := f.challenge(t, "carol", claim, honest())
	d := f.dispute(t, id)
	if d.Phase != types.DisputePhase_DISPUTE_PHASE_BISECT || d.Turn != types.Party_PARTY_DEFENDER || d.Lo != 1 || d.Hi != fakeTraceSize || !d.Stake.Equal(coin(stake).Amount) {
		t.Fatalf("opened %+v", d)
	}
	if b, _ := f.k.Bonds.Get(f.ctx, addr("bob")); !b.Locked.Equal(coin(stake).Amount) {
		t.Fatalf("bob's bond locks %s", b.Locked)
	}
	f.endBlocks(t, timeout+1)
	d = f.dispute(t, id)
	if d.Outcome != types.Outcome_OUTCOME_CHALLENGER_WON || d.Phase != types.DisputePhase_DISPUTE_PHASE_SETTLED {
		t.Fatalf("after the defender's deadline: %s %s", d.Phase, d.Outcome)
	}
	burn := int64(stake / 5)
	if got := f.bank.balance(addr("carol")); got != funds+stake-burn {
		t.Fatalf("carol holds %d, want %d", got, funds+stake-burn)
	}
	if got := f.bank.burned.AmountOf(denom).Int64(); got != burn {
		t.Fatalf("burned %d, want %d", got, burn)
	}
	b, _ := f.k.Bonds.Get(f.ctx, addr("bob"))
	if b.Amount.Amount.Int64() != minBond-stake || !b.Locked.IsZero() {
		t.Fatalf("bob's bond after losing: %s locked %s", b.Amount, b.Locked)
	}
	if got := f.claim(t, claim).Status; got != types.ClaimStatus_CLAIM_STATUS_REFUTED {
		t.Fatalf("claim %s after its provider lost", got)
	}
	if last := d.Moves[len(d.Moves)-1]; last.Kind != "timeout" || last.Party != types.Party_PARTY_DEFENDER {
		t.Fatalf("last move %+v", last)
	}
}

func TestChallengerMissesMove(t *testing.T) {
	f := newFixture(t)
	f.bond(t, "bob", minBond, "")
	claim := f.postClaim(t, "bob", honest())
	id := f.challenge(t, "carol", claim, lying(2))
	d := f.dispute(t, id)
	if _, err := f.msgs.Bisect(f.ctx, &types.MsgBisect{Sender: addr("bob"), DisputeId: id, Root: honest().prefix(d.Mid)}); err != nil {
		t.Fatal(err)
	}
	f.endBlocks(t, timeout+1)
	d = f.dispute(t, id)
	if d.Outcome != types.Outcome_OUTCOME_DEFENDER_WON {
		t.Fatalf("outcome %s", d.Outcome)
	}
	if got := f.bank.balance(addr("carol")); got != funds-stake {
		t.Fatalf("carol holds %d", got)
	}
	if got := f.bank.balance(addr("bob")); got != funds-minBond+stake-stake/5 {
		t.Fatalf("bob holds %d", got)
	}
	if b, _ := f.k.Bonds.Get(f.ctx, addr("bob")); b.Amount.Amount.Int64() != minBond || !b.Locked.IsZero() {
		t.Fatalf("bob's bond after winning: %s locked %s", b.Amount, b.Locked)
	}
	// The claim is still open (its window runs) and can be challenged again.
	if got := f.claim(t, claim); got.Status != types.ClaimStatus_CLAIM_STATUS_PENDING || got.OpenDispute != 0 {
		t.Fatalf("claim after the defender won inside its window: %+v", got)
	}
	f.challenge(t, "dave", claim, lying(5))
}

// TestBisectionNarrowsToTheFirstLie: honest parties' moves bring the
// dispute to the first leaf where the traces differ; with nobody resolving
// it the challenger, who carries the burden of proof, loses.
func TestBisectionNarrowsToTheFirstLie(t *testing.T) {
	for from := 1; from < fakeTraceSize; from++ {
		f := newFixture(t)
		f.bond(t, "bob", minBond, "")
		lie := lying(from)
		if from == fakeTraceSize-1 {
			lie = newTrace(fakeTraceSize, input, hash("other output"), "honest", fakeTraceSize)
		}
		claim := f.postClaim(t, "bob", lie)
		id := f.challenge(t, "carol", claim, honest())
		d := f.bisect(t, id, "bob", "carol", lie, honest())
		if d.Phase != types.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP || d.Lo != uint64(from) || d.Hi != uint64(from)+1 {
			t.Fatalf("lie at leaf %d: phase %s [%d, %d]", from, d.Phase, d.Lo, d.Hi)
		}
		if want := honest().prefix(d.Lo); string(d.LoRoot) != string(want) {
			t.Fatalf("lie at leaf %d: agreed root is not the honest prefix", from)
		}
		if string(d.DefenderHiRoot) != string(lie.prefix(d.Hi)) || string(d.ChallengerHiRoot) != string(honest().prefix(d.Hi)) {
			t.Fatalf("lie at leaf %d: disputed roots are not the parties' prefixes", from)
		}
		f.endBlocks(t, timeout+1)
		if d = f.dispute(t, id); d.Outcome != types.Outcome_OUTCOME_DEFENDER_WON {
			t.Fatalf("unresolved step: outcome %s", d.Outcome)
		}
	}
}

func TestMoveRules(t *testing.T) {
	f := newFixture(t)
	f.bond(t, "bob", minBond, "")
	claim := f.postClaim(t, "bob", lying(3))
	id := f.challenge(t, "carol", claim, honest())
	d := f.dispute(t, id)
	root := honest().prefix(d.Mid)
	before := f.state(t)
	for _, c := range []struct {
		name string
		msg  *types.MsgBisect
		want error
	}{
		{"challenger out of turn", &types.MsgBisect{Sender: addr("carol"), DisputeId: id, Root: root}, types.ErrNotYourTurn},
		{"not a party", &types.MsgBisect{Sender: addr("dave"), DisputeId: id, Root: root}, types.ErrNotYourTurn},
		{"unknown dispute", &types.MsgBisect{Sender: addr("bob"), DisputeId: id + 1, Root: root}, types.ErrDisputeNotFound},
		{"short root", &types.MsgBisect{Sender: addr("bob"), DisputeId: id, Root: root[:31]}, types.ErrInvalidProof},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.msgs.Bisect(f.ctx, c.msg)
			f.refused(t, before, err, c.want)
		})
	}
	// Wrong phase: no step to resolve, no output to prove yet.
	_, err := f.msgs.ResolveStep(f.ctx, &types.MsgResolveStep{Sender: addr("dave"), DisputeId: id})
	f.refused(t, before, err, types.ErrWrongPhase)
	_, err = f.msgs.ProveOutput(f.ctx, &types.MsgProveOutput{Sender: addr("bob"), DisputeId: id})
	f.refused(t, before, err, types.ErrWrongPhase)
	// After the deadline (before the EndBlocker settles it).
	late := f.ctx
	f.ctx = f.ctx.WithBlockHeight(d.Deadline + 1)
	_, err = f.msgs.Bisect(f.ctx, &types.MsgBisect{Sender: addr("bob"), DisputeId: id, Root: root})
	f.refused(t, before, err, types.ErrDeadlinePassed)
	f.ctx = late
	// The defender's move is taken; now it is the challenger's turn only.
	if _, err := f.msgs.Bisect(f.ctx, &types.MsgBisect{Sender: addr("bob"), DisputeId: id, Root: lying(3).prefix(d.Mid)}); err != nil {
		t.Fatal(err)
	}
	before = f.state(t)
	_, err = f.msgs.Bisect(f.ctx, &types.MsgBisect{Sender: addr("bob"), DisputeId: id, Root: root})
	f.refused(t, before, err, types.ErrNotYourTurn)
	// Finished disputes take no moves.
	f.endBlocks(t, timeout+1)
	if d = f.dispute(t, id); d.Phase != types.DisputePhase_DISPUTE_PHASE_SETTLED {
		t.Fatalf("phase %s", d.Phase)
	}
	before = f.state(t)
	_, err = f.msgs.Bisect(f.ctx, &types.MsgBisect{Sender: addr("carol"), DisputeId: id, Root: root})
	f.refused(t, before, err, types.ErrDisputeSettled)
	_, err = f.msgs.ProveOutput(f.ctx, &types.MsgProveOutput{Sender: addr("bob"), DisputeId: id})
	f.refused(t, before, err, types.ErrDisputeSettled)
}

// TestEqualRootsOutput: the challenger agrees with the trace but not with
// the output digest; the defender proves its output is the last leaf.
func TestEqualRootsOutput(t *testing.T) {
	f := newFixture(t)
	f.bond(t, "bob", minBond, "")
	claim := f.postClaim(t, "bob", honest())
	res, err := f.msgs.Challenge(f.ctx, &types.MsgChallenge{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: claim},
		TraceRoot: honest().root(), OutputDigest: hash("another output"), Bond: coin(stake + 1000)})
	if err != nil {
		t.Fatal(err)
	}
	d := f.dispute(t, res.DisputeId)
	if d.Phase != types.DisputePhase_DISPUTE_PHASE_PROVE_OUTPUT {
		t.Fatalf("phase %s", d.Phase)
	}
	before := f.state(t)
	leaves := honest().leaves
	bad, _ := onnxint.InclusionProof(leaves, uint64(len(leaves)-2), uint64(len(leaves)))
	_, err = f.msgs.ProveOutput(f.ctx, &types.MsgProveOutput{Sender: addr("dave"), DisputeId: d.Id, Proof: bad})
	f.refused(t, before, err, types.ErrInvalidProof)
	proof, err := onnxint.InclusionProof(leaves, uint64(len(leaves)-1), uint64(len(leaves)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.msgs.ProveOutput(f.ctx, &types.MsgProveOutput{Sender: addr("dave"), DisputeId: d.Id, Proof: proof}); err != nil {
		t.Fatal(err)
	}
	if d = f.dispute(t, d.Id); d.Outcome != types.Outcome_OUTCOME_DEFENDER_WON {
		t.Fatalf("outcome %s", d.Outcome)
	}
	// The challenger loses its stake and gets the excess of its bond back.
	if got := f.bank.balance(addr("carol")); got != funds-stake {
		t.Fatalf("carol holds %d", got)
	}
	f.endBlock(t)

	// A provider whose claimed output is not its trace's last leaf cannot
	// prove it and loses at the deadline.
	tr := honest()
	_, err = f.msgs.PostClaim(f.ctx, &types.MsgPostClaim{Provider: addr("bob"), ModelId: fakeModelID, InputDigest: input,
		OutputDigest: hash("claimed"), TraceRoot: tr.root(), TraceSize: fakeTraceSize})
	if err != nil {
		t.Fatal(err)
	}
	claim2 := claim + 1
	res, err = f.msgs.Challenge(f.ctx, &types.MsgChallenge{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: claim2},
		TraceRoot: tr.root(), OutputDigest: output, Bond: coin(stake)})
	if err != nil {
		t.Fatal(err)
	}
	f.endBlocks(t, timeout+1)
	if d = f.dispute(t, res.DisputeId); d.Outcome != types.Outcome_OUTCOME_CHALLENGER_WON {
		t.Fatalf("unproven output: outcome %s", d.Outcome)
	}
}

func TestChallengeRules(t *testing.T) {
	f := newFixture(t)
	f.bond(t, "bob", minBond, "")
	claim := f.postClaim(t, "bob", honest())
	before := f.state(t)
	for _, c := range []struct {
		name string
		msg  *types.MsgChallenge
		want error
	}{
		{"agrees", &types.MsgChallenge{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: claim}, TraceRoot: honest().root(), OutputDigest: output, Bond: coin(stake)}, types.ErrNothingToDispute},
		{"self", &types.MsgChallenge{Challenger: addr("bob"), Claim: types.ClaimRef{ClaimId: claim}, TraceRoot: lying(2).root(), OutputDigest: output, Bond: coin(stake)}, types.ErrSelfChallenge},
		{"small bond", &types.MsgChallenge{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: claim}, TraceRoot: lying(2).root(), OutputDigest: output, Bond: coin(stake - 1)}, types.ErrBondTooSmall},
		{"other denom", &types.MsgChallenge{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: claim}, TraceRoot: lying(2).root(), OutputDigest: output, Bond: sdkCoin("stake", stake)}, types.ErrBondTooSmall},
		{"unknown claim", &types.MsgChallenge{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: claim + 1}, TraceRoot: lying(2).root(), OutputDigest: output, Bond: coin(stake)}, types.ErrClaimNotFound},
		{"no funds", &types.MsgChallenge{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: claim}, TraceRoot: lying(2).root(), OutputDigest: output, Bond: coin(funds + 1)}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.msgs.Challenge(f.ctx, c.msg)
			f.refused(t, before, err, c.want)
		})
	}
	f.challenge(t, "carol", claim, lying(2))
	before = f.state(t)
	_, err := f.msgs.Challenge(f.ctx, &types.MsgChallenge{Challenger: addr("dave"), Claim: types.ClaimRef{ClaimId: claim}, TraceRoot: lying(3).root(), OutputDigest: output, Bond: coin(stake)})
	f.refused(t, before, err, types.ErrClaimDisputed)
}
