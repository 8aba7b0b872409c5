package keeper

import (
	"bytes"
	"context"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/x/infer/types"
)

// Move kinds recorded in a dispute's history.
const (
	moveOpen        = "open"
	moveBisect      = "bisect"
	moveResolveStep = "resolve_step"
	moveProveOutput = "prove_output"
	moveTimeout     = "timeout"
)

// Challenge opens a dispute over a claim (by ID, or a batch leaf with its
// proof): the challenger escrows its bond and posts its own trace root and
// output digest for the claim's input.
func (s msgServer) Challenge(ctx context.Context, m *types.MsgChallenge) (*types.MsgChallengeResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	c, isNew, err := s.resolveClaim(ctx, m.Claim)
	if err != nil {
		return nil, err
	}
	d, err := s.openDispute(ctx, c, isNew, m.Challenger, m.TraceRoot, m.OutputDigest, m.Bond)
	if err != nil {
		return nil, err
	}
	return &types.MsgChallengeResponse{DisputeId: d.Id, ClaimId: c.Id}, nil
}

// ChallengeReceipt opens a dispute over a logged receipt with a trace
// root: the entry must be in a tree whose root its log anchored in
// x/receipts, and be signed by a receipt key bound to a bond; the claim is
// the receipt's (model, input, output, trace root, trace size), against
// the bonded account.
func (s msgServer) ChallengeReceipt(ctx context.Context, m *types.MsgChallengeReceipt) (*types.MsgChallengeReceiptResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	c, isNew, err := s.receiptClaim(ctx, m.Receipt())
	if err != nil {
		return nil, err
	}
	d, err := s.openDispute(ctx, c, isNew, m.Challenger, m.TraceRoot, m.OutputDigest, m.Bond)
	if err != nil {
		return nil, err
	}
	return &types.MsgChallengeReceiptResponse{DisputeId: d.Id, ClaimId: c.Id}, nil
}

// slashable is what a dispute could lock of provider's bond: the free
// bond and the unbonding entries.
func (k Keeper) slashable(ctx context.Context, provider, denom string) (sdkmath.Int, error) {
	b, _, err := k.bond(ctx, provider, denom)
	if err != nil {
		return sdkmath.Int{}, err
	}
	total := b.Amount.Amount.Sub(b.Locked)
	err = k.ProviderUnbond.Walk(ctx, collections.NewPrefixedPairRange[string, uint64](provider), func(key collections.Pair[string, uint64]) (bool, error) {
		u, err := k.Unbondings.Get(ctx, key.K2())
		if err != nil {
			return true, err
		}
		total = total.Add(u.Amount.Amount)
		return false, nil
	})
	return total, err
}

// openDispute checks that c is open to challenge by challenger, escrows
// the challenger's bond, locks the defender's stake and starts the
// bisection (or, with equal roots, the output proof).
func (k Keeper) openDispute(ctx context.Context, c types.Claim, isNew bool, challenger string, traceRoot, output []byte, bond sdk.Coin) (types.Dispute, error) {
	var d types.Dispute
	if err := checkOpen(ctx, c); err != nil {
		return d, err
	}
	if c.OpenDispute != 0 {
		return d, types.ErrClaimDisputed.Wrapf("claim %d is in dispute %d; challenge it again if the defender wins", c.Id, c.OpenDispute)
	}
	if challenger == c.Provider {
		return d, types.ErrSelfChallenge.Wrapf("%s is the claim's provider", challenger)
	}
	sameRoot := bytes.Equal(traceRoot, c.TraceRoot)
	if sameRoot && bytes.Equal(output, c.OutputDigest) {
		return d, types.ErrNothingToDispute.Wrap("the trace root and output digest are the claim's")
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return d, err
	}
	if bond.Denom != p.Denom() || bond.Amount.LT(p.DisputeStake.Amount) {
		return d, types.ErrBondTooSmall.Wrapf("challenger bond %s; a challenge needs at least %s", bond, p.DisputeStake)
	}
	free, err := k.slashable(ctx, c.Provider, p.Denom())
	if err != nil {
		return d, err
	}
	if !free.IsPositive() {
		return d, types.ErrInsufficientBond.Wrapf("provider %s has no free bond left to stake", c.Provider)
	}
	from, err := k.account("challenger", challenger)
	if err != nil {
		return d, err
	}
	if err := k.bank.SendCoinsFromAccountToModule(ctx, from, types.ModuleName, sdk.NewCoins(bond)); err != nil {
		return d, err
	}
	if isNew {
		if err := k.claimNew(ctx, c); err != nil {
			return d, err
		}
	}
	stake, err := k.lockStake(ctx, c.Provider, p.DisputeStake.Amount, p.Denom())
	if err != nil {
		return d, err
	}
	id, err := nextID(ctx, k.DisputeSeq)
	if err != nil {
		return d, err
	}
	h := height(ctx)
	d = types.Dispute{
		Id: id, ClaimId: c.Id, ModelId: c.ModelId, Defender: c.Provider, Challenger: challenger,
		DefenderRoot: c.TraceRoot, ChallengerRoot: traceRoot, ChallengerOutputDigest: output, TraceSize: c.TraceSize,
		ChallengerBond: bond, Stake: stake, Deadline: h + int64(p.MoveTimeoutBlocks), OpenedHeight: h,
		Lo: 1, Hi: c.TraceSize, LoRoot: leafHash(c.InputDigest), DefenderHiRoot: c.TraceRoot, ChallengerHiRoot: traceRoot,
		Moves: []types.Move{{Kind: moveOpen, Sender: challenger, Party: types.Party_PARTY_CHALLENGER, PrefixSize: c.TraceSize, Root: traceRoot, Height: h}},
	}
	switch {
	case sameRoot:
		d.Phase, d.Turn = types.DisputePhase_DISPUTE_PHASE_PROVE_OUTPUT, types.Party_PARTY_DEFENDER
	case d.Hi == d.Lo+1:
		d.Phase = types.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP
	default:
		d.Phase, d.Turn, d.Mid = types.DisputePhase_DISPUTE_PHASE_BISECT, types.Party_PARTY_DEFENDER, (d.Lo+d.Hi)/2
	}
	if err := k.Disputes.Set(ctx, id, d); err != nil {
		return d, err
	}
	if err := k.indexDispute(ctx, d); err != nil {
		return d, err
	}
	if err := k.DisputeQueue.Set(ctx, collections.Join(d.Deadline, id)); err != nil {
		return d, err
	}
	c.OpenDispute = id
	if err := k.Claims.Set(ctx, c.Id, c); err != nil {
		return d, err
	}
	emit(ctx, types.EventTypeDisputeOpened, types.AttributeKeyDisputeID, u64(id), types.AttributeKeyClaimID, u64(c.Id),
		types.AttributeKeyDefender, d.Defender, types.AttributeKeyChallenger, d.Challenger, types.AttributeKeyStake, sdk.NewCoin(p.Denom(), stake).String(),
		types.AttributeKeyTraceRoot, digestText(traceRoot), types.AttributeKeyOutputDigest, digestText(output),
		types.AttributeKeyPhase, d.Phase.String(), types.AttributeKeyDeadline, i64(d.Deadline))
	return d, nil
}

// leafHash is the RFC 6962 hash of a 32-byte trace leaf: the root of the
// trace prefix of size 1 when the leaf is the input digest.
func leafHash(leaf []byte) []byte {
	var l [32]byte
	copy(l[:], leaf)
	h := onnxint.LeafHash(l)
	return h[:]
}

// openDisputeFor loads dispute id for a move: it must be running, in
// phase, and the move must come by its deadline.
func (k Keeper) openDisputeFor(ctx context.Context, id uint64, phase types.DisputePhase) (types.Dispute, error) {
	d, err := get(ctx, k.Disputes, id, types.ErrDisputeNotFound.Wrapf("no dispute %d", id))
	if err != nil {
		return d, err
	}
	if d.Phase == types.DisputePhase_DISPUTE_PHASE_SETTLED {
		return d, types.ErrDisputeSettled.Wrapf("dispute %d was settled at height %d: %s", id, d.SettledHeight, d.Outcome)
	}
	if d.Phase != phase {
		return d, types.ErrWrongPhase.Wrapf("dispute %d is in phase %s", id, d.Phase)
	}
	if h := height(ctx); h > d.Deadline {
		return d, types.ErrDeadlinePassed.Wrapf("the move was due by height %d", d.Deadline)
	}
	return d, nil
}

// Bisect posts the sender's prefix root at mid: the defender's first,
// then the challenger's, which decides the round (equal roots agree up to
// mid, different roots disagree there).
func (s msgServer) Bisect(ctx context.Context, m *types.MsgBisect) (*types.MsgBisectResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	d, err := s.openDisputeFor(ctx, m.DisputeId, types.DisputePhase_DISPUTE_PHASE_BISECT)
	if err != nil {
		return nil, err
	}
	party := types.Party_PARTY_UNSPECIFIED
	switch m.Sender {
	case d.Defender:
		party = types.Party_PARTY_DEFENDER
	case d.Challenger:
		party = types.Party_PARTY_CHALLENGER
	default:
		return nil, types.ErrNotYourTurn.Wrapf("%s is not a party of dispute %d", m.Sender, d.Id)
	}
	if party != d.Turn {
		return nil, types.ErrNotYourTurn.Wrapf("dispute %d awaits the %s's root at size %d", d.Id, partyName(d.Turn), d.Mid)
	}
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	h := height(ctx)
	oldDeadline := d.Deadline
	d.Moves = append(d.Moves, types.Move{Kind: moveBisect, Sender: m.Sender, Party: party, PrefixSize: d.Mid, Root: m.Root, Height: h})
	if party == types.Party_PARTY_DEFENDER {
		d.DefenderMidRoot, d.Turn = m.Root, types.Party_PARTY_CHALLENGER
	} else {
		if bytes.Equal(m.Root, d.DefenderMidRoot) {
			d.Lo, d.LoRoot = d.Mid, m.Root
		} else {
			d.Hi, d.DefenderHiRoot, d.ChallengerHiRoot = d.Mid, d.DefenderMidRoot, m.Root
		}
		d.DefenderMidRoot = nil
		if d.Hi == d.Lo+1 {
			d.Phase, d.Turn, d.Mid = types.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP, types.Party_PARTY_UNSPECIFIED, 0
		} else {
			d.Turn, d.Mid = types.Party_PARTY_DEFENDER, (d.Lo+d.Hi)/2
		}
	}
	d.Deadline = h + int64(p.MoveTimeoutBlocks)
	if err := s.requeue(ctx, d, oldDeadline); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeDisputeMove, types.AttributeKeyDisputeID, u64(d.Id), types.AttributeKeyMove, moveBisect,
		types.AttributeKeyParty, partyName(party), types.AttributeKeySize, u64(d.Moves[len(d.Moves)-1].PrefixSize), types.AttributeKeyRoot, hexBytes(m.Root),
		types.AttributeKeyPhase, d.Phase.String(), types.AttributeKeyLo, u64(d.Lo), types.AttributeKeyHi, u64(d.Hi), types.AttributeKeyDeadline, i64(d.Deadline))
	return &types.MsgBisectResponse{Phase: d.Phase, Lo: d.Lo, Hi: d.Hi, Deadline: d.Deadline}, nil
}

// requeue stores d and moves its queue entry from the old deadline.
func (k Keeper) requeue(ctx context.Context, d types.Dispute, oldDeadline int64) error {
	if err := k.DisputeQueue.Remove(ctx, collections.Join(oldDeadline, d.Id)); err != nil {
		return err
	}
	if err := k.DisputeQueue.Set(ctx, collections.Join(d.Deadline, d.Id)); err != nil {
		return err
	}
	return k.Disputes.Set(ctx, d.Id, d)
}

func partyName(p types.Party) string {
	switch p {
	case types.Party_PARTY_DEFENDER:
		return "defender"
	case types.Party_PARTY_CHALLENGER:
		return "challenger"
	}
	return "nobody"
}

// ProveOutput settles an equal-roots dispute for the defender: the proof
// shows that the claim's output digest is the last leaf of the trace both
// parties committed to. Anyone may send it.
func (s msgServer) ProveOutput(ctx context.Context, m *types.MsgProveOutput) (*types.MsgProveOutputResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	d, err := s.openDisputeFor(ctx, m.DisputeId, types.DisputePhase_DISPUTE_PHASE_PROVE_OUTPUT)
	if err != nil {
		return nil, err
	}
	c, err := s.Claims.Get(ctx, d.ClaimId)
	if err != nil {
		return nil, err
	}
	var leaf, root [32]byte
	copy(leaf[:], c.OutputDigest)
	copy(root[:], d.DefenderRoot)
	if err := onnxint.VerifyInclusion(leaf, d.TraceSize-1, d.TraceSize, m.Proof, root); err != nil {
		return nil, types.ErrInvalidProof.Wrapf("the claimed output digest is not the last leaf: %v", err)
	}
	d.Moves = append(d.Moves, types.Move{Kind: moveProveOutput, Sender: m.Sender, Party: partyOf(d, m.Sender), PrefixSize: d.TraceSize, Root: d.DefenderRoot, Height: height(ctx)})
	if err := s.settle(ctx, d, types.Outcome_OUTCOME_DEFENDER_WON, "the claimed output digest is the last leaf of the trace"); err != nil {
		return nil, err
	}
	return &types.MsgProveOutputResponse{Outcome: types.Outcome_OUTCOME_DEFENDER_WON}, nil
}

func partyOf(d types.Dispute, sender string) types.Party {
	switch sender {
	case d.Defender:
		return types.Party_PARTY_DEFENDER
	case d.Challenger:
		return types.Party_PARTY_CHALLENGER
	}
	return types.Party_PARTY_UNSPECIFIED
}
