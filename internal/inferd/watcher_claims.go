package inferd

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/infer/types"
)

// Checking claims: a claim found on chain is checked in stages that
// survive restarts (watcher_state.go): fetch its inputs from the provider,
// or demand them on chain; re-execute; challenge on any difference, with
// the inputs saved first so the dispute can be played after a restart.

// discoverClaims queues the new claims worth checking.
func (w *Watcher) discoverClaims(ctx context.Context, h int64) error {
	cs, err := claimsFrom(ctx, w.chain.Infer, w.st.ClaimCursor, func(*types.Claim) bool { return true })
	if err != nil || len(cs) == 0 {
		return err
	}
	for i := range cs {
		c := &cs[i]
		w.st.ClaimCursor = max(w.st.ClaimCursor, c.Id)
		switch {
		case c.Provider == w.chain.Address,
			w.cfg.ModelID != "" && c.ModelId != w.cfg.ModelID,
			c.Status != types.ClaimStatus_CLAIM_STATUS_PENDING,
			c.OpenDispute != 0, // already disputed (a receipt claim is recorded when it is challenged)
			c.WindowEnd != 0 && h > c.WindowEnd:
			continue
		}
		if w.cfg.Sample < 1 && rand.Float64() >= w.cfg.Sample {
			w.log.Debug("claim not sampled", logClaim, c.Id)
			continue
		}
		digest, ok := to32(c.InputDigest)
		if !ok {
			continue
		}
		w.st.Claims[c.Id] = &claimJob{ClaimID: c.Id, ModelID: c.ModelId, Provider: c.Provider, InputDigest: DigestText(digest), Stage: stageFetch}
		w.log.Info("checking claim", logClaim, c.Id, "provider", c.Provider, logModel, c.ModelId)
	}
	return w.save()
}

// checkClaim advances one claim's check.
func (w *Watcher) checkClaim(ctx context.Context, job *claimJob) error {
	res, err := w.chain.Infer.Claim(ctx, &types.QueryClaimRequest{ClaimId: job.ClaimID})
	if err != nil {
		return err
	}
	c := &res.Claim
	drop := func(msg string, args ...any) error {
		w.log.Info(msg, append([]any{logClaim, job.ClaimID}, args...)...)
		delete(w.st.Claims, job.ClaimID)
		return w.save()
	}
	if job.Stage == stageChallenging {
		// A restart between saving the inputs and recording the dispute:
		// find out whether the challenge landed.
		if ok, err := w.adopt(ctx, func(d *types.Dispute) bool { return d.ClaimId == job.ClaimID }, job.ClaimID, job.ModelID, job.InputDigest); err != nil || ok {
			if ok {
				delete(w.st.Claims, job.ClaimID)
				return w.save()
			}
			return err
		}
	}
	if c.Status != types.ClaimStatus_CLAIM_STATUS_PENDING {
		return drop("claim no longer pending; check dropped", "status", c.Status.String())
	}
	if c.OpenDispute != 0 {
		return drop("claim disputed by someone else; check dropped", logDispute, c.OpenDispute)
	}
	prog, err := w.program(ctx, c.ModelId)
	if err != nil {
		w.report(event(EventUncheckable, map[string]any{"claim_id": c.Id, "reason": err.Error()}, "cannot check claim %d: %v", c.Id, err))
		return drop("cannot check claim", logErr, err.Error())
	}
	digest, _ := to32(c.InputDigest)
	var inputs []byte
	switch job.Stage {
	case stageChallenging:
		if inputs, err = loadInputs(w.cfg.Dir, digest); err != nil {
			return err
		}
	case stageFetch:
		inputs, err = w.fetchInputs(ctx, c.Provider, "", digest)
		if err != nil {
			job.Tries++
			w.log.Info("inputs not available from the provider", logClaim, c.Id, "try", job.Tries, logErr, err.Error())
			if job.Tries < w.cfg.FetchTries {
				return w.save()
			}
			return w.requestInputs(ctx, job)
		}
	case stageRequested:
		r, err := w.chain.Infer.InputRequest(ctx, &types.QueryInputRequestRequest{ClaimId: c.Id})
		if isNotFound(err) {
			return w.requestInputs(ctx, job) // the request did not land
		}
		if err != nil {
			return err
		}
		switch r.Request.Status {
		case types.InputRequestStatus_INPUT_REQUEST_STATUS_OPEN:
			return nil
		case types.InputRequestStatus_INPUT_REQUEST_STATUS_EXPIRED:
			w.report(event(EventInputMissing, map[string]any{"claim_id": c.Id, "provider": c.Provider},
				"claim %d: the provider did not post its inputs in time and was slashed", c.Id))
			return drop("inputs never posted")
		}
		inputs = r.Request.Inputs
	}
	return w.compare(ctx, job, c, prog, inputs)
}

// requestInputs demands a claim's inputs on chain (MsgRequestInput).
func (w *Watcher) requestInputs(ctx context.Context, job *claimJob) error {
	res, err := w.chain.Send(ctx, &types.MsgRequestInput{Challenger: w.chain.Address, Claim: types.ClaimRef{ClaimId: job.ClaimID}})
	if err != nil && !isCode(res, err, types.ErrInputRequested) {
		return fmt.Errorf("request inputs: %w", err)
	}
	job.Stage = stageRequested
	if err == nil {
		w.log.Info("requested inputs on chain", logClaim, job.ClaimID, logTx, res.Hash, logHeight, res.Height)
		w.report(event(EventInputAsked, map[string]any{"claim_id": job.ClaimID}, "requested the inputs of claim %d on chain", job.ClaimID))
	}
	return w.save()
}

// compare re-executes a claim and challenges it when the trace root or
// output digest differ.
func (w *Watcher) compare(ctx context.Context, job *claimJob, c *types.Claim, prog Program, inputs []byte) error {
	digest, _ := to32(c.InputDigest)
	tr, err := ExecuteEncoded(prog, inputs, digest, false)
	if err != nil {
		w.report(event(EventUncheckable, map[string]any{"claim_id": c.Id, "reason": err.Error()}, "cannot check claim %d: %v", c.Id, err))
		delete(w.st.Claims, c.Id)
		return w.save()
	}
	if bytes.Equal(tr.Root[:], c.TraceRoot) && bytes.Equal(tr.OutputDigest[:], c.OutputDigest) {
		w.log.Info("claim checked: correct", logClaim, c.Id, logRoot, DigestText(tr.Root))
		w.report(event(EventClaimOK, map[string]any{"claim_id": c.Id, "provider": c.Provider}, "claim %d ok", c.Id))
		delete(w.st.Claims, c.Id)
		return w.save()
	}
	w.log.Warn("claim differs from our execution", logClaim, c.Id, "claimed_root", fmt.Sprintf("%x", c.TraceRoot), "our_root", DigestText(tr.Root),
		"claimed_output", fmt.Sprintf("%x", c.OutputDigest), "our_output", DigestText(tr.OutputDigest))
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
	res, err := w.chain.Send(ctx, &types.MsgChallenge{
		Challenger: w.chain.Address, Claim: types.ClaimRef{ClaimId: c.Id}, TraceRoot: tr.Root[:], OutputDigest: tr.OutputDigest[:], Bond: bond,
	})
	if err != nil {
		if isCode(res, err, types.ErrClaimDisputed, types.ErrWindowClosed, types.ErrClaimSettled, types.ErrNothingToDispute) {
			// Recheck next pass: adopt our dispute if it is ours, else drop.
			w.log.Info("challenge refused", logClaim, c.Id, logErr, err.Error())
			return nil
		}
		return fmt.Errorf("challenge: %w", err)
	}
	id, ok := attrUint(res, types.EventTypeDisputeOpened, types.AttributeKeyDisputeID)
	if !ok {
		cr, err := w.chain.Infer.Claim(ctx, &types.QueryClaimRequest{ClaimId: c.Id})
		if err != nil {
			return err // the next pass adopts it
		}
		id = cr.Claim.OpenDispute
	}
	w.opened(id, c.Id, c.ModelId, DigestText(digest), fmt.Sprintf("challenged claim %d: dispute %d", c.Id, id), res.Hash)
	delete(w.st.Claims, c.Id)
	return w.save()
}

// opened records a dispute we opened.
func (w *Watcher) opened(disputeID, claimID uint64, modelID, inputDigest, text, tx string) {
	w.st.Disputes[disputeID] = &disputeJob{DisputeID: disputeID, ClaimID: claimID, ModelID: modelID, InputDigest: inputDigest}
	w.log.Info("challenged", logClaim, claimID, logDispute, disputeID, logTx, tx)
	w.report(event(EventChallenged, map[string]any{"claim_id": claimID, "dispute_id": disputeID}, "%s", text))
}

// adopt looks for an unsettled dispute of ours that match accepts and
// records it; it reports whether it found one.
func (w *Watcher) adopt(ctx context.Context, match func(*types.Dispute) bool, claimID uint64, modelID, inputDigest string) (bool, error) {
	open, err := disputesOpened(ctx, w.chain.Infer, w.chain.Address)
	if err != nil {
		return false, err
	}
	var ds []types.Dispute
	for i := range open {
		if match(&open[i]) {
			ds = append(ds, open[i])
		}
	}
	if len(ds) == 0 {
		return false, nil
	}
	d := ds[len(ds)-1]
	if _, ok := w.st.Disputes[d.Id]; !ok {
		if claimID == 0 {
			claimID = d.ClaimId
		}
		w.opened(d.Id, claimID, modelID, inputDigest, fmt.Sprintf("challenged claim %d: dispute %d", claimID, d.Id), "")
	}
	return true, nil
}

// bond is the challenger bond: the configured one or the dispute stake.
func (w *Watcher) bond(ctx context.Context) (sdk.Coin, error) {
	if !w.cfg.Bond.IsNil() && w.cfg.Bond.IsPositive() {
		return w.cfg.Bond, nil
	}
	pr, err := w.chain.Infer.Params(ctx, &types.QueryParamsRequest{})
	if err != nil {
		return sdk.Coin{}, fmt.Errorf("x/infer params: %w", err)
	}
	return pr.Params.DisputeStake, nil
}
