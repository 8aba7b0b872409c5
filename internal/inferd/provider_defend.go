package inferd

import (
	"context"
	"fmt"
	"time"

	"github.com/prova-network/prova/x/infer/types"
)

// The defence loop: every Poll the provider lists the running disputes
// where it is the defender (x/infer's index by defender) and makes its due
// moves, reports those that settled since the last pass, and answers the
// open input requests on its claims (the index by provider). Everything it
// needs is on chain or in the store, so a restarted provider picks up
// where it left off: its first pass lists all its disputes, to report
// those that settled while it was down.

func (p *Provider) defendLoop(ctx context.Context) {
	for {
		if err := p.defendOnce(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("defence pass failed; retrying", logErr, err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(p.cfg.Poll):
		}
	}
}

// defendOnce makes one pass over disputes and input requests.
func (p *Provider) defendOnce(ctx context.Context) error {
	ds, err := disputesDefended(ctx, p.chain.Infer, p.chain.Address, p.running != nil)
	if err != nil {
		return err
	}
	running := map[uint64]bool{}
	pl := &player{role: Defender, chain: p.chain, log: p.log, report: p.report}
	for i := range ds {
		if ctx.Err() != nil {
			return nil
		}
		d := &ds[i]
		if d.Phase == types.DisputePhase_DISPUTE_PHASE_SETTLED {
			if !p.store.Settled(d.Id) {
				p.settled(d)
			}
			continue
		}
		running[d.Id] = true
		tr, err := p.traceFor(d)
		if err != nil {
			if !p.warned[d.Id] {
				p.warned[d.Id] = true
				p.log.Error("cannot defend", logDispute, d.Id, logClaim, d.ClaimId, logErr, err.Error())
			}
			continue
		}
		if _, err := pl.play(ctx, p.prog, d, tr); err != nil && ctx.Err() == nil {
			p.log.Error("dispute move failed", logDispute, d.Id, logClaim, d.ClaimId, logErr, err.Error())
		}
	}
	// The disputes running at the last pass and missing from this list
	// have settled since: report them.
	for _, id := range sortedKeys(p.running) {
		if running[id] || ctx.Err() != nil {
			continue
		}
		res, err := p.chain.Infer.Dispute(ctx, &types.QueryDisputeRequest{DisputeId: id})
		if err != nil {
			p.log.Error("look up a dispute", logDispute, id, logErr, err.Error())
			running[id] = true // asked again next pass
			continue
		}
		if d := &res.Dispute; d.Phase != types.DisputePhase_DISPUTE_PHASE_SETTLED {
			running[id] = true
		} else if !p.store.Settled(d.Id) {
			p.settled(d)
		}
	}
	p.running = running
	return p.answerInputRequests(ctx)
}

// settled reports a settled dispute over one of our runs once (also one
// that ran its course while the provider was down), and records it.
// Disputes over runs this store does not hold (an account used before
// with another directory) are recorded without a report.
func (p *Provider) settled(d *types.Dispute) {
	root, _ := to32(d.DefenderRoot)
	ours := len(p.store.ByTraceRoot(root)) > 0
	if err := p.store.MarkSettled(d.Id, Won(Defender, d)); err != nil {
		p.log.Error("record the settled dispute", logDispute, d.Id, logErr, err.Error())
		return
	}
	delete(p.traces, root)
	if !ours {
		return
	}
	p.log.Info("dispute settled", logDispute, d.Id, logClaim, d.ClaimId, "outcome", d.Outcome.String(), "reason", d.Reason)
	p.report(settledEvent(Defender, d))
}

// traceFor recomputes (or recalls) our trace of a disputed claim: the run
// stored with the claim's trace root, re-executed from its inputs, with
// the same falsification if it was a lie.
func (p *Provider) traceFor(d *types.Dispute) (*Trace, error) {
	root, ok := to32(d.DefenderRoot)
	if !ok {
		return nil, fmt.Errorf("dispute %d: defender root is %d bytes", d.Id, len(d.DefenderRoot))
	}
	if d.ModelId != p.cfg.ModelID {
		return nil, fmt.Errorf("dispute %d is over model %s; this provider serves %s", d.Id, d.ModelId, p.cfg.ModelID)
	}
	if tr, ok := p.traces[root]; ok {
		return tr, nil
	}
	runs := p.store.ByTraceRoot(root)
	if len(runs) == 0 {
		return nil, fmt.Errorf("no stored run has trace root %s", DigestText(root))
	}
	r := runs[0]
	inputs, err := p.store.Inputs(r.Seq)
	if err != nil {
		return nil, err
	}
	tr, err := ExecuteEncoded(p.prog, inputs, r.InputDigest, r.Lie)
	if err != nil {
		return nil, fmt.Errorf("re-execute run %d: %w", r.Seq, err)
	}
	if tr.Root != root {
		return nil, fmt.Errorf("run %d re-executes to root %s, stored %s", r.Seq, DigestText(tr.Root), DigestText(root))
	}
	if len(p.traces) >= traceCache {
		for k := range p.traces {
			delete(p.traces, k)
			break
		}
	}
	p.traces[root] = tr
	return tr, nil
}

// answerInputRequests posts the inputs of our claims (receipts included)
// whose inputs were requested and not yet answered.
func (p *Provider) answerInputRequests(ctx context.Context) error {
	reqs, err := openInputRequests(ctx, p.chain.Infer, p.chain.Address)
	if err != nil {
		return err
	}
	for i := range reqs {
		if ctx.Err() != nil {
			return nil
		}
		c, r := &reqs[i].Claim, &reqs[i].Request
		if p.answered[c.Id] {
			continue
		}
		if err := p.answerInputRequest(ctx, c, r); err != nil && ctx.Err() == nil {
			p.log.Error("input request not answered", logClaim, c.Id, logErr, err.Error())
		}
	}
	return nil
}

func (p *Provider) answerInputRequest(ctx context.Context, c *types.Claim, r *types.InputRequest) error {
	d, ok := to32(c.InputDigest)
	if !ok {
		return fmt.Errorf("claim %d: input digest is %d bytes", c.Id, len(c.InputDigest))
	}
	inputs, found, err := p.store.InputsByDigest(d)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("no stored run has input digest %s", DigestText(d))
	}
	tx, err := p.chain.Send(ctx, &types.MsgPostInput{Provider: p.chain.Address, ClaimId: c.Id, Inputs: inputs})
	if isCode(tx, err, types.ErrNoInputRequest, types.ErrDeadlinePassed) {
		p.answered[c.Id] = true
		return fmt.Errorf("too late: %w", err)
	}
	if err != nil {
		return err
	}
	p.answered[c.Id] = true
	p.log.Info("posted inputs", logClaim, c.Id, "kind", c.Kind.String(), "requester", r.Requester, logTx, tx.Hash, logHeight, tx.Height)
	p.report(event(EventInputPosted, map[string]any{"claim_id": c.Id, "requester": r.Requester}, "posted the inputs of claim %d", c.Id))
	return nil
}
