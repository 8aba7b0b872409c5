package keeper

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"slices"

	"cosmossdk.io/collections"

	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/x/infer/types"
)

// PostClaim records a claim open to challenge for
// params.challenge_window_blocks. The model must be executable, the trace
// size its own, and the provider's free bond at least params.min_bond.
func (s msgServer) PostClaim(ctx context.Context, m *types.MsgPostClaim) (*types.MsgPostClaimResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkTraceSize(ctx, m.ModelId, m.TraceSize); err != nil {
		return nil, err
	}
	if err := s.checkClaimBond(ctx, m.Provider, p); err != nil {
		return nil, err
	}
	id, err := nextID(ctx, s.ClaimSeq)
	if err != nil {
		return nil, err
	}
	h := height(ctx)
	c := types.Claim{
		Id: id, Kind: types.ClaimKind_CLAIM_KIND_SINGLE, Provider: m.Provider, ModelId: m.ModelId,
		InputDigest: m.InputDigest, OutputDigest: m.OutputDigest, TraceRoot: m.TraceRoot, TraceSize: m.TraceSize,
		Height: h, WindowEnd: h + int64(p.ChallengeWindowBlocks), Status: types.ClaimStatus_CLAIM_STATUS_PENDING,
	}
	if err := s.saveNewClaim(ctx, c); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeClaimPosted, types.AttributeKeyClaimID, u64(id), types.AttributeKeyProvider, c.Provider, types.AttributeKeyModelID, c.ModelId,
		types.AttributeKeyInputDigest, digestText(c.InputDigest), types.AttributeKeyOutputDigest, digestText(c.OutputDigest),
		types.AttributeKeyTraceRoot, digestText(c.TraceRoot), types.AttributeKeyWindowEnd, i64(c.WindowEnd))
	return &types.MsgPostClaimResponse{ClaimId: id, WindowEnd: c.WindowEnd}, nil
}

// PostClaimBatch records a Merkle root over count claims (leaves are
// types.EncodeClaimLeaf), open to challenge like a single claim.
func (s msgServer) PostClaimBatch(ctx context.Context, m *types.MsgPostClaimBatch) (*types.MsgPostClaimBatchResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if m.ModelId != "" {
		if has, err := s.Executables.Has(ctx, m.ModelId); err != nil {
			return nil, err
		} else if !has {
			return nil, types.ErrNoExecutable.Wrapf("model %s is not executable", m.ModelId)
		}
	}
	if err := s.checkClaimBond(ctx, m.Provider, p); err != nil {
		return nil, err
	}
	id, err := nextID(ctx, s.BatchSeq)
	if err != nil {
		return nil, err
	}
	h := height(ctx)
	b := types.Batch{
		Id: id, Provider: m.Provider, ModelId: m.ModelId, Root: m.Root, Count: m.Count, Height: h,
		WindowEnd: h + int64(p.ChallengeWindowBlocks), Status: types.ClaimStatus_CLAIM_STATUS_PENDING,
	}
	if err := s.Batches.Set(ctx, id, b); err != nil {
		return nil, err
	}
	if err := s.BatchQueue.Set(ctx, collections.Join(b.WindowEnd, id)); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeBatchPosted, types.AttributeKeyBatchID, u64(id), types.AttributeKeyProvider, b.Provider, types.AttributeKeyModelID, b.ModelId,
		types.AttributeKeyRoot, hexBytes(b.Root), types.AttributeKeyCount, u64(b.Count), types.AttributeKeyWindowEnd, i64(b.WindowEnd))
	return &types.MsgPostClaimBatchResponse{BatchId: id, WindowEnd: b.WindowEnd}, nil
}

// checkTraceSize checks that model is executable and size is its trace
// size.
func (k Keeper) checkTraceSize(ctx context.Context, model string, size uint64) error {
	e, err := get(ctx, k.Executables, model, types.ErrNoExecutable.Wrapf("model %s is not executable; its owner registers it with MsgRegisterExecutable", model))
	if err != nil {
		return err
	}
	if size != e.TraceSize {
		return types.ErrTraceSize.Wrapf("trace size %d; every trace of model %s has %d leaves", size, model, e.TraceSize)
	}
	return nil
}

// checkClaimBond requires params.min_bond of free bond.
func (k Keeper) checkClaimBond(ctx context.Context, provider string, p types.Params) error {
	b, _, err := k.bond(ctx, provider, p.Denom())
	if err != nil {
		return err
	}
	if free := b.Amount.Amount.Sub(b.Locked); free.LT(p.MinBond.Amount) {
		return types.ErrBondTooSmall.Wrapf("%s has %s%s of free bond; claims need %s", provider, free, p.Denom(), p.MinBond)
	}
	return nil
}

// saveNewClaim stores a claim recorded now, with its indexes and its
// window in the queue.
func (k Keeper) saveNewClaim(ctx context.Context, c types.Claim) error {
	if err := k.Claims.Set(ctx, c.Id, c); err != nil {
		return err
	}
	if err := k.ProviderClaims.Set(ctx, collections.Join(c.Provider, c.Id)); err != nil {
		return err
	}
	switch c.Kind {
	case types.ClaimKind_CLAIM_KIND_BATCH_LEAF:
		if err := k.BatchLeaves.Set(ctx, collections.Join(c.BatchId, c.LeafIndex), c.Id); err != nil {
			return err
		}
	case types.ClaimKind_CLAIM_KIND_RECEIPT:
		if err := k.ReceiptClaims.Set(ctx, c.ReceiptId, c.Id); err != nil {
			return err
		}
	}
	if c.WindowEnd != 0 && c.Status == types.ClaimStatus_CLAIM_STATUS_PENDING {
		return k.ClaimQueue.Set(ctx, collections.Join(c.WindowEnd, c.Id))
	}
	return nil
}

// resolveClaim finds the claim ref names, without writing anything. A
// batch leaf is checked against its batch (inclusion proof, the batch's
// model, an open window, an executable model and its trace size) and,
// unless it was recorded before, returned as a new claim (isNew) with the
// next claim ID for the caller to save once its own checks pass.
func (k Keeper) resolveClaim(ctx context.Context, ref types.ClaimRef) (c types.Claim, isNew bool, err error) {
	if ref.ClaimId != 0 {
		c, err = get(ctx, k.Claims, ref.ClaimId, types.ErrClaimNotFound.Wrapf("no claim %d", ref.ClaimId))
		return c, false, err
	}
	b, err := get(ctx, k.Batches, ref.BatchId, types.ErrBatchNotFound.Wrapf("no batch %d", ref.BatchId))
	if err != nil {
		return c, false, err
	}
	if ref.LeafIndex >= b.Count {
		return c, false, types.ErrInvalidProof.Wrapf("leaf %d of a batch of %d", ref.LeafIndex, b.Count)
	}
	if err := tlog.VerifyInclusion(tlog.LeafHash(ref.Leaf), ref.LeafIndex, b.Count, ref.Proof, b.Root); err != nil {
		return c, false, types.ErrInvalidProof.Wrapf("leaf %d of batch %d: %v", ref.LeafIndex, b.Id, err)
	}
	if id, err := k.BatchLeaves.Get(ctx, collections.Join(b.Id, ref.LeafIndex)); err == nil {
		c, err = k.Claims.Get(ctx, id)
		return c, false, err
	} else if !errors.Is(err, collections.ErrNotFound) {
		return c, false, err
	}
	leaf, err := types.DecodeClaimLeaf(ref.Leaf)
	if err != nil {
		return c, false, types.ErrInvalidClaim.Wrap(err.Error())
	}
	if b.ModelId != "" && leaf.ModelID != b.ModelId {
		return c, false, types.ErrInvalidClaim.Wrapf("leaf names model %s; batch %d is of model %s", leaf.ModelID, b.Id, b.ModelId)
	}
	if b.Status != types.ClaimStatus_CLAIM_STATUS_PENDING || height(ctx) > b.WindowEnd {
		return c, false, types.ErrWindowClosed.Wrapf("batch %d was open to challenge until height %d", b.Id, b.WindowEnd)
	}
	if err := k.checkTraceSize(ctx, leaf.ModelID, leaf.TraceSize); err != nil {
		return c, false, err
	}
	seq, err := k.ClaimSeq.Peek(ctx)
	if err != nil {
		return c, false, err
	}
	return types.Claim{
		Id: seq + 1, Kind: types.ClaimKind_CLAIM_KIND_BATCH_LEAF, Provider: b.Provider, ModelId: leaf.ModelID,
		InputDigest: leaf.InputDigest, OutputDigest: leaf.OutputDigest, TraceRoot: leaf.TraceRoot, TraceSize: leaf.TraceSize,
		Height: height(ctx), WindowEnd: b.WindowEnd, Status: types.ClaimStatus_CLAIM_STATUS_PENDING, BatchId: b.Id, LeafIndex: ref.LeafIndex,
	}, true, nil
}

// claimNew stores a claim resolveClaim returned as new, taking its ID.
func (k Keeper) claimNew(ctx context.Context, c types.Claim) error {
	id, err := nextID(ctx, k.ClaimSeq)
	if err != nil {
		return err
	}
	if id != c.Id {
		return types.ErrInvariant.Wrapf("claim id %d, sequence gave %d", c.Id, id)
	}
	return k.saveNewClaim(ctx, c)
}

// checkOpen requires a claim open to challenge now: pending and in its
// window (a receipt recorded without one has none).
func checkOpen(ctx context.Context, c types.Claim) error {
	if c.Status != types.ClaimStatus_CLAIM_STATUS_PENDING {
		return types.ErrClaimSettled.Wrapf("claim %d is %s", c.Id, c.Status)
	}
	if c.WindowEnd != 0 && height(ctx) > c.WindowEnd {
		return types.ErrWindowClosed.Wrapf("claim %d was open to challenge until height %d", c.Id, c.WindowEnd)
	}
	return nil
}

// RequestInput asks a claim's provider to publish its inputs within
// params.input_timeout_blocks, or be slashed. The claim is named by ID, as
// a batch leaf, or as a logged receipt (recorded as a claim the first
// time, as MsgChallengeReceipt records it). A claim's inputs are requested
// once: the answer is public.
func (s msgServer) RequestInput(ctx context.Context, m *types.MsgRequestInput) (*types.MsgRequestInputResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	var c types.Claim
	var isNew bool
	var err error
	if m.Receipt != nil {
		c, isNew, err = s.receiptClaim(ctx, *m.Receipt)
	} else {
		c, isNew, err = s.resolveClaim(ctx, m.Claim)
	}
	if err != nil {
		return nil, err
	}
	if err := checkOpen(ctx, c); err != nil {
		return nil, err
	}
	if m.Challenger == c.Provider {
		return nil, types.ErrSelfChallenge.Wrap("a provider does not request its own inputs")
	}
	if has, err := s.InputRequests.Has(ctx, c.Id); err != nil {
		return nil, err
	} else if has {
		return nil, types.ErrInputRequested.Wrapf("the inputs of claim %d were already requested; query them", c.Id)
	}
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	// A receipt is a claim only while its provider has stake (a posted
	// claim needed min_bond when it was posted): an unanswered request
	// must have something to slash.
	if c.Kind == types.ClaimKind_CLAIM_KIND_RECEIPT {
		if free, err := s.slashable(ctx, c.Provider, p.Denom()); err != nil {
			return nil, err
		} else if !free.IsPositive() {
			return nil, types.ErrInsufficientBond.Wrapf("provider %s has no bond left to slash", c.Provider)
		}
	}
	if isNew {
		if err := s.claimNew(ctx, c); err != nil {
			return nil, err
		}
	}
	h := height(ctx)
	r := types.InputRequest{ClaimId: c.Id, Requester: m.Challenger, Height: h, Deadline: h + int64(p.InputTimeoutBlocks), Status: types.InputRequestStatus_INPUT_REQUEST_STATUS_OPEN}
	if err := s.InputRequests.Set(ctx, c.Id, r); err != nil {
		return nil, err
	}
	if err := s.InputQueue.Set(ctx, collections.Join(r.Deadline, c.Id)); err != nil {
		return nil, err
	}
	if err := s.openInputIndex(ctx, c.Provider, c.Id); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeInputRequested, types.AttributeKeyClaimID, u64(c.Id), types.AttributeKeyProvider, c.Provider,
		types.AttributeKeyRequester, r.Requester, types.AttributeKeyDeadline, i64(r.Deadline))
	return &types.MsgRequestInputResponse{ClaimId: c.Id, Deadline: r.Deadline}, nil
}

// PostInput answers an input request with the claim's inputs: canonical
// tensors, as many as the model takes, whose digest is the claim's input
// digest. The claim's window is extended to input_timeout_blocks after
// the answer, so that the requester has time to check it.
func (s msgServer) PostInput(ctx context.Context, m *types.MsgPostInput) (*types.MsgPostInputResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	c, err := get(ctx, s.Claims, m.ClaimId, types.ErrClaimNotFound.Wrapf("no claim %d", m.ClaimId))
	if err != nil {
		return nil, err
	}
	r, err := get(ctx, s.InputRequests, m.ClaimId, types.ErrNoInputRequest.Wrapf("nobody requested the inputs of claim %d", m.ClaimId))
	if err != nil {
		return nil, err
	}
	if r.Status != types.InputRequestStatus_INPUT_REQUEST_STATUS_OPEN {
		return nil, types.ErrNoInputRequest.Wrapf("the input request of claim %d is %s", m.ClaimId, r.Status)
	}
	if m.Provider != c.Provider {
		return nil, types.ErrNotProvider.Wrapf("claim %d is %s's", c.Id, c.Provider)
	}
	h := height(ctx)
	if h > r.Deadline {
		return nil, types.ErrDeadlinePassed.Wrapf("inputs were due by height %d", r.Deadline)
	}
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if uint64(len(m.Inputs)) > p.MaxInputBytes {
		return nil, types.ErrInvalidInput.Wrapf("inputs are %d bytes, at most %d", len(m.Inputs), p.MaxInputBytes)
	}
	if sum := sha256.Sum256(m.Inputs); !bytes.Equal(sum[:], c.InputDigest) {
		return nil, types.ErrInputMismatch.Wrapf("inputs hash to %s; the claim's input digest is %s", digestText(sum[:]), digestText(c.InputDigest))
	}
	if err := s.checkInputs(ctx, c.ModelId, m.Inputs); err != nil {
		return nil, err
	}
	r.Status, r.Inputs, r.AnsweredHeight = types.InputRequestStatus_INPUT_REQUEST_STATUS_ANSWERED, m.Inputs, h
	if err := s.InputRequests.Set(ctx, c.Id, r); err != nil {
		return nil, err
	}
	if err := s.InputQueue.Remove(ctx, collections.Join(r.Deadline, c.Id)); err != nil {
		return nil, err
	}
	if err := s.closeInputIndex(ctx, c.Provider, c.Id); err != nil {
		return nil, err
	}
	if end := h + int64(p.InputTimeoutBlocks); c.WindowEnd != 0 && c.Status == types.ClaimStatus_CLAIM_STATUS_PENDING && end > c.WindowEnd {
		if err := s.ClaimQueue.Remove(ctx, collections.Join(c.WindowEnd, c.Id)); err != nil {
			return nil, err
		}
		c.WindowEnd = end
		if err := s.Claims.Set(ctx, c.Id, c); err != nil {
			return nil, err
		}
		if err := s.ClaimQueue.Set(ctx, collections.Join(c.WindowEnd, c.Id)); err != nil {
			return nil, err
		}
	}
	emit(ctx, types.EventTypeInputPosted, types.AttributeKeyClaimID, u64(c.Id), types.AttributeKeyProvider, c.Provider,
		types.AttributeKeyInputDigest, digestText(c.InputDigest), types.AttributeKeyWindowEnd, i64(c.WindowEnd))
	return &types.MsgPostInputResponse{}, nil
}

// checkInputs requires b to be canonical tensors, as many as model's
// graph inputs and of their element types and shapes.
func (k Keeper) checkInputs(ctx context.Context, model string, b []byte) error {
	ts, err := decodeTensors(b)
	if err != nil {
		return types.ErrInvalidInput.Wrap(err.Error())
	}
	skeleton, err := k.Skeletons.Get(ctx, model)
	if err != nil {
		return err
	}
	m, err := loadModel(skeleton, true)
	if err != nil {
		return err
	}
	want := m.Inputs()
	if len(ts) != len(want) {
		return types.ErrInvalidInput.Wrapf("%d input tensors; model %s takes %d", len(ts), model, len(want))
	}
	for i, t := range ts {
		if t.Type != want[i].Type || !slices.Equal(t.Dims, want[i].Dims) {
			return types.ErrInvalidInput.Wrapf("input %d (%s) is %v%v; the model takes %v%v", i, want[i].Name, t.Type, t.Dims, want[i].Type, want[i].Dims)
		}
	}
	return nil
}
