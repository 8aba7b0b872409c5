package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/x/infer/types"
)

// receiptClaim verifies a logged receipt (MsgChallengeReceipt's, or an
// input request's) and returns its claim, recorded before or new (not yet
// saved). A new receipt claim's window ends params.receipt_window_blocks
// after its log first anchored a checkpoint holding it (none when that
// parameter is 0).
func (k Keeper) receiptClaim(ctx context.Context, r types.ReceiptRef) (c types.Claim, isNew bool, err error) {
	root, found, err := k.anchored(ctx, r.LogId, r.TreeSize)
	if err != nil {
		return c, false, err
	}
	if !found {
		return c, false, types.ErrReceiptNotAnchored.Wrapf("log %q anchored no checkpoint of size %d", r.LogId, r.TreeSize)
	}
	id := tlog.LeafHash(r.Entry)
	if err := tlog.VerifyInclusion(id, r.Index, r.TreeSize, r.InclusionProof, root); err != nil {
		return c, false, types.ErrInvalidProof.Wrapf("entry %d of log %q at size %d: %v", r.Index, r.LogId, r.TreeSize, err)
	}
	var keyID string
	var verify func(pub []byte) (*receipt.Statement, error)
	if env, err := receipt.DecodeEnvelope(r.Entry); err == nil {
		keyID = env.Signatures[0].KeyID
		verify = func(pub []byte) (*receipt.Statement, error) { return receipt.Verify(env, pub) }
	} else if mem, err := receipt.DecodeMember(r.Entry); err == nil {
		keyID = mem.Root.Signatures[0].KeyID
		verify = func(pub []byte) (*receipt.Statement, error) { return mem.Verify(pub) }
	} else {
		return c, false, types.ErrInvalidReceipt.Wrap("entry is neither a receipt envelope nor a batch member")
	}
	provider, err := k.ReceiptKeys.Get(ctx, keyID)
	if errors.Is(err, collections.ErrNotFound) {
		return c, false, types.ErrUnknownReceiptKey.Wrapf("no bond binds receipt key %s", keyID)
	} else if err != nil {
		return c, false, err
	}
	b, err := k.Bonds.Get(ctx, provider)
	if err != nil {
		return c, false, err
	}
	st, err := verify(b.ReceiptKey)
	if err != nil {
		return c, false, types.ErrInvalidReceipt.Wrap(err.Error())
	}
	pr := st.Predicate
	if pr.TraceRoot == "" {
		return c, false, types.ErrInvalidReceipt.Wrap("the receipt carries no trace root, so it claims no execution")
	}
	digests := make([][]byte, 3)
	for i, f := range []struct{ name, v string }{{"inputDigest", pr.InputDigest}, {"outputDigest", pr.OutputDigest}, {"traceRoot", pr.TraceRoot}} {
		d, err := fingerprint.ParseDigest(f.v)
		if err != nil || d.Algorithm != fingerprint.SHA256 {
			return c, false, types.ErrInvalidReceipt.Wrapf("%s %q: a trace claim's digests are sha256 (docs/INFERENCE.md §1)", f.name, f.v)
		}
		digests[i] = append([]byte(nil), d.Sum[:]...)
	}
	if err := k.checkTraceSize(ctx, pr.Model, pr.TraceSize); err != nil {
		return c, false, err
	}
	if cid, err := k.ReceiptClaims.Get(ctx, id); err == nil {
		c, err = k.Claims.Get(ctx, cid)
		return c, false, err
	} else if !errors.Is(err, collections.ErrNotFound) {
		return c, false, err
	}
	anchored, err := k.firstAnchor(ctx, r.LogId, r.Index)
	if err != nil {
		return c, false, err
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return c, false, err
	}
	var windowEnd int64
	if p.ReceiptWindowBlocks != 0 {
		windowEnd = anchored + int64(p.ReceiptWindowBlocks)
	}
	seq, err := k.ClaimSeq.Peek(ctx)
	if err != nil {
		return c, false, err
	}
	return types.Claim{
		Id: seq + 1, Kind: types.ClaimKind_CLAIM_KIND_RECEIPT, Provider: provider, ModelId: pr.Model,
		InputDigest: digests[0], OutputDigest: digests[1], TraceRoot: digests[2], TraceSize: pr.TraceSize,
		Height: height(ctx), WindowEnd: windowEnd, Status: types.ClaimStatus_CLAIM_STATUS_PENDING, ReceiptId: id, LogId: r.LogId,
		AnchoredHeight: anchored,
	}, true, nil
}

// firstAnchor returns the height at which log logID first anchored a
// checkpoint holding entry index. x/receipts anchors only checkpoints
// larger than the last, so that is the lowest height whose latest
// checkpoint has more than index entries; a binary search over heights
// finds it in about log2(height) lookups. Counting the receipt window from
// there, and not from the checkpoint a message happens to cite, keeps a
// later checkpoint from reopening an old receipt.
func (k Keeper) firstAnchor(ctx context.Context, logID string, index uint64) (int64, error) {
	hi := height(ctx)
	size, at, found, err := k.checkpointAt(ctx, logID, hi)
	if err != nil {
		return 0, err
	}
	if !found || size <= index {
		return 0, types.ErrReceiptNotAnchored.Wrapf("log %q has anchored no checkpoint holding entry %d", logID, index)
	}
	// Invariant: the checkpoint at or below hi (anchored at height at)
	// holds the entry, none at or below lo does.
	lo := int64(0)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		size, midAt, found, err := k.checkpointAt(ctx, logID, mid)
		if err != nil {
			return 0, err
		}
		if found && size > index {
			hi, at = mid, midAt
		} else {
			lo = mid
		}
	}
	return at, nil
}
