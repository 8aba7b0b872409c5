package inferd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/x/infer/types"
	receiptstypes "github.com/prova-network/prova/x/receipts/types"
)

// Receipts with trace roots are claims too (docs/INFERENCE.md §5). The
// watcher reads the log's entries up to the size its operator anchored on
// chain (a challenge must prove the entry against an anchored root), keeps
// those with a trace root, and checks them like claims: their inputs come
// from the provider's HTTP API (the provider is the account whose bond
// binds the receipt's key) or, failing that, are demanded on chain with
// the receipt itself (MsgRequestInput records the receipt's claim).

// discoverReceipts queues the newly anchored receipts worth checking.
func (w *Watcher) discoverReceipts(ctx context.Context) error {
	if w.st.LogID == "" {
		raw, err := w.cfg.Log.Checkpoint(ctx)
		if err != nil {
			return fmt.Errorf("receipt log checkpoint: %w", err)
		}
		origin, _, _ := strings.Cut(string(raw), "\n")
		if origin == "" {
			return errors.New("receipt log checkpoint has no origin line")
		}
		w.st.LogID = origin
		w.log.Info("following receipt log", "log", origin)
	}
	res, err := w.chain.Receipts.LatestCheckpoint(ctx, &receiptstypes.QueryLatestCheckpointRequest{LogId: w.st.LogID})
	if isNotFound(err) {
		return nil // nothing anchored yet
	}
	if err != nil {
		return fmt.Errorf("anchored checkpoint of %s: %w", w.st.LogID, err)
	}
	size, root := res.Checkpoint.TreeSize, res.Checkpoint.Root
	start := w.st.LogCursor
	for n := 0; w.st.LogCursor < size && n < receiptsPerPass; n++ {
		idx := w.st.LogCursor
		b, err := w.cfg.Log.Proof(ctx, idx, size)
		if err != nil {
			if serr := w.save(); serr != nil {
				return serr
			}
			return fmt.Errorf("receipt %d of %s: %w", idx, w.st.LogID, err)
		}
		w.st.LogCursor++
		job, err := receiptJobOf(b, size, root)
		if err != nil {
			w.log.Warn("log entry skipped", "index", idx, logErr, err.Error())
			continue
		}
		switch {
		case job == nil, // no trace root: not a claim
			w.cfg.ModelID != "" && job.ModelID != w.cfg.ModelID:
			continue
		}
		if w.cfg.Sample < 1 && rand.Float64() >= w.cfg.Sample {
			continue
		}
		w.st.Receipts[idx] = job
		w.log.Info("checking receipt", "log", w.st.LogID, "index", idx, logModel, job.ModelID)
	}
	if w.st.LogCursor == start {
		return nil
	}
	return w.save()
}

// receiptJobOf reads a log bundle: the entry must be in the anchored tree
// and signed by the bundle's provider key. It returns nil for receipts
// without a trace root.
func receiptJobOf(b *receiptlog.Bundle, size uint64, root []byte) (*receiptJob, error) {
	if err := tlog.VerifyInclusion(tlog.LeafHash(b.Entry), b.Index, size, b.InclusionProof, root); err != nil {
		return nil, fmt.Errorf("not in the anchored tree: %w", err)
	}
	if len(b.ProviderKey) != ed25519.PublicKeySize {
		return nil, errors.New("no provider key")
	}
	pub := ed25519.PublicKey(b.ProviderKey)
	var st *receipt.Statement
	if env, err := receipt.DecodeEnvelope(b.Entry); err == nil {
		if st, err = receipt.Verify(env, pub); err != nil {
			return nil, err
		}
	} else if m, err := receipt.DecodeMember(b.Entry); err == nil {
		if st, err = m.Verify(pub); err != nil {
			return nil, err
		}
	} else {
		return nil, errors.New("neither a receipt nor a batch member")
	}
	p := st.Predicate
	if p.TraceRoot == "" {
		return nil, nil
	}
	for _, d := range []string{p.InputDigest, p.OutputDigest, p.TraceRoot} {
		if _, err := ParseDigest(d); err != nil || !strings.HasPrefix(d, "sha256:") {
			return nil, fmt.Errorf("digest %q: a trace claim's digests are sha256", d)
		}
	}
	return &receiptJob{
		Index: b.Index, TreeSize: size, Entry: b.Entry, Proof: b.InclusionProof, ModelID: p.Model, InputDigest: p.InputDigest,
		OutputDigest: p.OutputDigest, TraceRoot: p.TraceRoot, TraceSize: p.TraceSize, KeyID: receipt.KeyID(pub), Stage: stageFetch,
	}, nil
}

// checkReceipt advances one receipt's check.
func (w *Watcher) checkReceipt(ctx context.Context, job *receiptJob) error {
	name := fmt.Sprintf("%s#%d", w.st.LogID, job.Index)
	drop := func() error {
		delete(w.st.Receipts, job.Index)
		return w.save()
	}
	digest, err := ParseDigest(job.InputDigest)
	if err != nil {
		return drop()
	}
	root, _ := ParseDigest(job.TraceRoot)
	if job.Stage == stageChallenging {
		ok, err := w.adopt(ctx, func(d *types.Dispute) bool { return bytes.Equal(d.DefenderRoot, root[:]) }, 0, job.ModelID, job.InputDigest)
		if err != nil {
			return err
		}
		if ok {
			return drop()
		}
	}
	prog, err := w.program(ctx, job.ModelID)
	if err != nil {
		w.report(event(EventUncheckable, map[string]any{"receipt": name, "reason": err.Error()}, "cannot check receipt %s: %v", name, err))
		return drop()
	}
	var inputs []byte
	switch job.Stage {
	case stageChallenging:
		if inputs, err = loadInputs(w.cfg.Dir, digest); err != nil {
			return err
		}
	case stageFetch:
		if inputs, err = w.fetchInputs(ctx, "", job.KeyID, digest); err != nil {
			job.Tries++
			w.log.Info("receipt inputs not available from the provider", "receipt", name, "try", job.Tries, logErr, err.Error())
			if job.Tries < w.cfg.FetchTries {
				return w.save()
			}
			return w.requestReceiptInputs(ctx, job, name)
		}
	case stageRequested:
		if job.ClaimID == 0 {
			// The request's claim was not known when it was sent (a
			// restart, or someone else's request came first).
			if job.ClaimID, err = w.receiptClaimID(ctx, job); err != nil {
				return err
			}
			if job.ClaimID == 0 {
				return w.requestReceiptInputs(ctx, job, name)
			}
			if err := w.save(); err != nil {
				return err
			}
		}
		r, err := w.chain.Infer.InputRequest(ctx, &types.QueryInputRequestRequest{ClaimId: job.ClaimID})
		if err != nil {
			return err
		}
		switch r.Request.Status {
		case types.InputRequestStatus_INPUT_REQUEST_STATUS_OPEN:
			return nil
		case types.InputRequestStatus_INPUT_REQUEST_STATUS_EXPIRED:
			w.report(event(EventInputMissing, map[string]any{"claim_id": job.ClaimID, "receipt": name},
				"receipt %s (claim %d): the provider did not post its inputs in time and was slashed", name, job.ClaimID))
			return drop()
		}
		inputs = r.Request.Inputs
	}
	tr, err := ExecuteEncoded(prog, inputs, digest, false)
	if err != nil {
		w.report(event(EventUncheckable, map[string]any{"receipt": name, "reason": err.Error()}, "cannot check receipt %s: %v", name, err))
		return drop()
	}
	out, _ := ParseDigest(job.OutputDigest)
	if tr.Root == root && tr.OutputDigest == out {
		w.log.Info("receipt checked: correct", "receipt", name)
		w.report(event(EventReceiptOK, map[string]any{"log_id": w.st.LogID, "index": job.Index}, "receipt %s ok", name))
		return drop()
	}
	w.log.Warn("receipt differs from our execution", "receipt", name, "claimed_root", job.TraceRoot, "our_root", DigestText(tr.Root),
		"claimed_output", job.OutputDigest, "our_output", DigestText(tr.OutputDigest))
	if err := saveInputs(w.cfg.Dir, digest, inputs); err != nil {
		return err
	}
	job.Stage = stageChallenging
	if err := w.save(); err != nil {
		return err
	}
	bond, err := w.bond(ctx)
	if err != nil {
		return err
	}
	res, err := w.chain.Send(ctx, &types.MsgChallengeReceipt{
		Challenger: w.chain.Address, LogId: w.st.LogID, TreeSize: job.TreeSize, Index: job.Index, Entry: job.Entry,
		InclusionProof: job.Proof, TraceRoot: tr.Root[:], OutputDigest: tr.OutputDigest[:], Bond: bond,
	})
	if err != nil {
		if isCode(res, err, types.ErrClaimDisputed, types.ErrClaimSettled, types.ErrUnknownReceiptKey, types.ErrInvalidReceipt, types.ErrNothingToDispute) {
			w.log.Info("receipt challenge refused; dropped", "receipt", name, logErr, err.Error())
			return drop()
		}
		return fmt.Errorf("challenge receipt %s: %w", name, err)
	}
	did, _ := attrUint(res, types.EventTypeDisputeOpened, types.AttributeKeyDisputeID)
	cid, _ := attrUint(res, types.EventTypeDisputeOpened, types.AttributeKeyClaimID)
	if did == 0 {
		return nil // the next pass adopts it
	}
	w.opened(did, cid, job.ModelID, job.InputDigest, fmt.Sprintf("challenged claim %d: dispute %d (receipt %s)", cid, did, name), res.Hash)
	return drop()
}

// requestReceiptInputs demands a receipt's inputs on chain: MsgRequestInput
// with the receipt records its claim, which the job then follows. A
// request refused for good (the receipt's window closed, its key unbound,
// nothing left to slash) ends the check.
func (w *Watcher) requestReceiptInputs(ctx context.Context, job *receiptJob, name string) error {
	ref := &types.ReceiptRef{LogId: w.st.LogID, TreeSize: job.TreeSize, Index: job.Index, Entry: job.Entry, InclusionProof: job.Proof}
	res, err := w.chain.Send(ctx, &types.MsgRequestInput{Challenger: w.chain.Address, Receipt: ref})
	switch {
	case isCode(res, err, types.ErrWindowClosed, types.ErrClaimSettled, types.ErrUnknownReceiptKey, types.ErrInvalidReceipt,
		types.ErrInsufficientBond, types.ErrSelfChallenge, types.ErrInvalidProof, types.ErrReceiptNotAnchored, types.ErrTraceSize, types.ErrNoExecutable):
		w.report(event(EventUncheckable, map[string]any{"receipt": name, "reason": err.Error()},
			"cannot check receipt %s: its inputs are not available and cannot be requested on chain (%v)", name, err))
		delete(w.st.Receipts, job.Index)
		return w.save()
	case err != nil && !isCode(res, err, types.ErrInputRequested):
		return fmt.Errorf("request the inputs of receipt %s: %w", name, err)
	}
	job.Stage = stageRequested
	if id, ok := attrUint(res, types.EventTypeInputRequested, types.AttributeKeyClaimID); ok && err == nil {
		job.ClaimID = id
		w.log.Info("requested receipt inputs on chain", "receipt", name, logClaim, id, logTx, res.Hash, logHeight, res.Height)
		w.report(event(EventInputAsked, map[string]any{"claim_id": id, "receipt": name}, "requested the inputs of receipt %s (claim %d) on chain", name, id))
	} else if job.ClaimID, err = w.receiptClaimID(ctx, job); err != nil {
		return err
	}
	return w.save()
}

// receiptClaimID finds the claim recorded for a receipt (0 if none yet)
// among the claims of the provider whose bond binds its key.
func (w *Watcher) receiptClaimID(ctx context.Context, job *receiptJob) (uint64, error) {
	b, err := w.bondOf(ctx, "", job.KeyID)
	if err != nil || b.provider == "" {
		return 0, err
	}
	cs, err := claimsOf(ctx, w.chain.Infer, b.provider)
	if err != nil {
		return 0, err
	}
	id := tlog.LeafHash(job.Entry)
	for _, c := range cs {
		if c.Kind == types.ClaimKind_CLAIM_KIND_RECEIPT && c.LogId == w.st.LogID && bytes.Equal(c.ReceiptId, id) {
			return c.Id, nil
		}
	}
	return 0, nil
}
