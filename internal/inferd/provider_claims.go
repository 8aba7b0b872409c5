package inferd

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/txclient"
	"github.com/prova-network/prova/x/infer/types"
)

// Claims are posted by one flusher: every FlushInterval (or as soon as
// MaxBatch are queued) the queued runs' MsgPostClaims go out in one
// transaction and their receipts in one log submission. A run is queued
// after it is stored, so a crash loses no claim: at start the runs without
// a recorded claim are matched against the chain (a transaction may have
// landed just before the crash) and the rest queued again. Receipts are
// stored signed, so a resubmission is the same bytes and the log answers
// with the entry it already has.

// requeue queues the stored runs whose claim or receipt is missing.
func (p *Provider) requeue(ctx context.Context) error {
	if p.cfg.ClaimOnChain {
		open := p.store.Runs(func(r *Run) bool { return r.ClaimID == 0 })
		if len(open) > 0 {
			if err := p.reconcileClaims(ctx, open); err != nil {
				return err
			}
		}
		for _, r := range p.store.Runs(func(r *Run) bool { return r.ClaimID == 0 }) {
			p.claimQ = append(p.claimQ, r.Seq)
		}
	}
	if p.pub != nil {
		for _, r := range p.store.Runs(func(r *Run) bool { return r.Receipt == nil && r.Envelope != nil }) {
			p.receiptQ = append(p.receiptQ, r.Seq)
		}
	}
	if len(p.claimQ)+len(p.receiptQ) > 0 {
		p.log.Info("queued claims and receipts left from before the restart", "claims", len(p.claimQ), "receipts", len(p.receiptQ))
	}
	return nil
}

// reconcileClaims records the chain's claims of runs stored without one:
// per trace root, the chain's single claims of ours that no stored run
// holds belong to the unclaimed runs with that root.
func (p *Provider) reconcileClaims(ctx context.Context, open []Run) error {
	all, err := claimsOf(ctx, p.chain.Infer, p.chain.Address)
	if err != nil {
		return err
	}
	var mine []types.Claim
	for _, c := range all {
		if c.Kind == types.ClaimKind_CLAIM_KIND_SINGLE && c.ModelId == p.cfg.ModelID {
			mine = append(mine, c)
		}
	}
	held := map[uint64]bool{}
	for _, r := range p.store.Runs(func(r *Run) bool { return r.ClaimID != 0 }) {
		held[r.ClaimID] = true
	}
	free := map[[32]byte][]uint64{}
	for _, c := range mine {
		root, ok := to32(c.TraceRoot)
		if ok && !held[c.Id] {
			free[root] = append(free[root], c.Id)
		}
	}
	for _, r := range open {
		ids := free[r.TraceRoot]
		if len(ids) == 0 {
			continue
		}
		free[r.TraceRoot] = ids[1:]
		if err := p.store.MarkClaimed(r.Seq, ids[0]); err != nil {
			return err
		}
		p.log.Info("found the claim of a run posted before the restart", logRun, r.Seq, logClaim, ids[0])
	}
	return nil
}

// enqueue queues run seq's claim and receipt and returns a channel closed
// when both are done.
func (p *Provider) enqueue(seq uint64) <-chan struct{} {
	done := make(chan struct{})
	p.mu.Lock()
	if p.cfg.ClaimOnChain {
		p.claimQ = append(p.claimQ, seq)
	}
	if p.pub != nil {
		p.receiptQ = append(p.receiptQ, seq)
	}
	p.waiters[seq] = append(p.waiters[seq], done)
	full := len(p.claimQ) >= p.cfg.MaxBatch || len(p.receiptQ) >= p.cfg.MaxBatch
	p.mu.Unlock()
	if full {
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
	return done
}

// notify wakes the waiters of runs whose claim and receipt are both done.
func (p *Provider) notify(seqs []uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, seq := range seqs {
		r, ok := p.store.Get(seq)
		if !ok || (p.cfg.ClaimOnChain && r.ClaimID == 0) || (p.pub != nil && r.Receipt == nil) {
			continue
		}
		for _, ch := range p.waiters[seq] {
			close(ch)
		}
		delete(p.waiters, seq)
	}
}

// forget drops a waiter that stopped waiting.
func (p *Provider) forget(seq uint64, done <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ws := p.waiters[seq]
	for i, ch := range ws {
		if ch == done {
			p.waiters[seq] = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(p.waiters[seq]) == 0 {
		delete(p.waiters, seq)
	}
}

// take removes up to n entries from the front of q.
func take(q *[]uint64, n int) []uint64 {
	n = min(n, len(*q))
	out := append([]uint64(nil), (*q)[:n]...)
	*q = (*q)[n:]
	return out
}

// flushLoop posts queued claims and receipts until ctx ends, then makes a
// last attempt with a short deadline of its own.
func (p *Provider) flushLoop(ctx context.Context) {
	defer close(p.closed)
	backoff := time.Duration(0)
	batch := p.cfg.MaxBatch
	for {
		wait := p.cfg.FlushInterval + backoff
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			p.flushOnce(fctx, p.cfg.MaxBatch)
			cancel()
			return
		case <-time.After(wait):
		case <-p.kick:
		}
		if err := p.flushOnce(ctx, batch); err != nil {
			if ctx.Err() != nil {
				continue
			}
			backoff = min(max(2*backoff, p.cfg.FlushInterval), maxBackoff)
			batch = max(1, batch/2) // a message that fails takes its batch with it
			p.log.Error("posting claims failed; will retry", logErr, err.Error(), "retry_in", (p.cfg.FlushInterval + backoff).String(), "batch", batch)
			continue
		}
		backoff, batch = 0, p.cfg.MaxBatch
	}
}

// flushOnce posts one batch of claims and one of receipts.
func (p *Provider) flushOnce(ctx context.Context, n int) error {
	p.mu.Lock()
	claims, receipts := take(&p.claimQ, n), take(&p.receiptQ, n)
	p.mu.Unlock()
	var errs []error
	if len(claims) > 0 {
		if err := p.postClaims(ctx, claims); err != nil {
			p.mu.Lock()
			if len(claims) == 1 && errors.Is(err, txclient.ErrFailed) {
				// A claim the chain refuses on its own goes to the back,
				// so it does not hold up the others.
				p.claimQ = append(p.claimQ, claims...)
			} else {
				p.claimQ = append(claims, p.claimQ...)
			}
			p.mu.Unlock()
			errs = append(errs, err)
		}
	}
	if len(receipts) > 0 {
		if err := p.postReceipts(ctx, receipts); err != nil {
			p.mu.Lock()
			p.receiptQ = append(receipts, p.receiptQ...)
			p.mu.Unlock()
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// postClaims sends one MsgPostClaim per run in one transaction and
// records the claim IDs from its claim_posted events.
func (p *Provider) postClaims(ctx context.Context, seqs []uint64) error {
	msgs := make([]sdk.Msg, 0, len(seqs))
	runs := make([]Run, 0, len(seqs))
	for _, seq := range seqs {
		r, ok := p.store.Get(seq)
		if !ok {
			return fmt.Errorf("run %d is not in the store", seq)
		}
		runs = append(runs, r)
		msgs = append(msgs, &types.MsgPostClaim{
			Provider: p.chain.Address, ModelId: p.cfg.ModelID, InputDigest: r.InputDigest[:], OutputDigest: r.OutputDigest[:],
			TraceRoot: r.TraceRoot[:], TraceSize: r.TraceSize,
		})
	}
	res, err := p.chain.Send(ctx, msgs...)
	if err != nil {
		if isCode(res, err, types.ErrBondTooSmall, types.ErrInsufficientBond) {
			if berr := p.ensureBond(ctx); berr != nil {
				err = errors.Join(err, berr)
			}
		}
		return err
	}
	ids := attrs(res, types.EventTypeClaimPosted, types.AttributeKeyClaimID)
	roots := attrs(res, types.EventTypeClaimPosted, types.AttributeKeyTraceRoot)
	if len(ids) != len(runs) {
		return fmt.Errorf("tx %s posted %d claims for %d messages", res.Hash, len(ids), len(runs))
	}
	for i, r := range runs {
		var id uint64
		if _, err := fmt.Sscan(ids[i], &id); err != nil || id == 0 {
			return fmt.Errorf("tx %s: claim id %q", res.Hash, ids[i])
		}
		if i < len(roots) && roots[i] != DigestText(r.TraceRoot) {
			return fmt.Errorf("tx %s: claim %d has trace root %s, run %d %s", res.Hash, id, roots[i], r.Seq, DigestText(r.TraceRoot))
		}
		if err := p.store.MarkClaimed(r.Seq, id); err != nil {
			return err
		}
		p.log.Info("claim posted", logRun, r.Seq, logClaim, id, logRoot, DigestText(r.TraceRoot), logTx, res.Hash, logHeight, res.Height, "lie", r.Lie)
		p.report(event(EventClaimed, map[string]any{"claim_id": id, "run": r.Seq, "trace_root": DigestText(r.TraceRoot), "height": res.Height},
			"claim %d posted for run %d", id, r.Seq))
	}
	p.notify(seqs)
	return nil
}

// postReceipts submits the stored receipts of runs to the log.
func (p *Provider) postReceipts(ctx context.Context, seqs []uint64) error {
	envs := make([]*receipt.Envelope, 0, len(seqs))
	for _, seq := range seqs {
		r, ok := p.store.Get(seq)
		if !ok || r.Envelope == nil {
			return fmt.Errorf("run %d has no stored receipt", seq)
		}
		env, err := receipt.DecodeEnvelope(r.Envelope)
		if err != nil {
			return fmt.Errorf("stored receipt of run %d: %w", seq, err)
		}
		envs = append(envs, env)
	}
	res, err := p.cfg.Log.Submit(ctx, []ed25519.PublicKey{p.pub}, envs...)
	if err != nil {
		return fmt.Errorf("submit receipts: %w", err)
	}
	if len(res.Entries) != len(seqs) {
		return fmt.Errorf("receipt log answered %d entries for %d receipts", len(res.Entries), len(seqs))
	}
	for i, seq := range seqs {
		e := res.Entries[i]
		ref := ReceiptRef{LogID: res.LogID, Index: e.Index, ReceiptID: e.ReceiptID}
		if err := p.store.MarkReceipted(seq, ref); err != nil {
			return err
		}
		p.log.Info("receipt logged", logRun, seq, "log", res.LogID, "index", e.Index, "receipt_id", e.ReceiptID, "duplicate", e.Duplicate)
		p.report(event(EventReceipted, map[string]any{"run": seq, "log_id": res.LogID, "index": e.Index, "receipt_id": e.ReceiptID},
			"receipt of run %d logged in %s at index %d", seq, res.LogID, e.Index))
	}
	p.notify(seqs)
	return nil
}
