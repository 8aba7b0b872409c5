package types

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	sdkmath "cosmossdk.io/math"

	"github.com/prova-network/prova/internal/receipt"
)

// DefaultGenesis returns the default genesis state.
func DefaultGenesis() *GenesisState { return &GenesisState{Params: DefaultParams()} }

// Validate checks the genesis state: valid params; executables with
// unique model IDs, their skeleton (matching its digest) and file when
// they have one; runs, unbonding entries, claims, batches and disputes
// with unique IDs no greater than their sequence; bonds and amounts in
// the bond denom with locked amounts within them and equal to the stakes
// of the running disputes each defends, and valid endpoints; receipt keys
// bound once; claims of executable models, with windows (a receipt's, if
// any, ending after its anchoring), batch leaves of known batches, one
// claim per batch leaf and per receipt; input requests and disputes of
// known claims, each claim's open dispute running over it.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	denom := gs.Params.Denom()
	execs := map[string]Executable{}
	for _, g := range gs.Executables {
		e := g.Executable
		if _, dup := execs[e.ModelId]; dup {
			return fmt.Errorf("duplicate executable %s", e.ModelId)
		}
		execs[e.ModelId] = e
		if err := ValidateModelID(e.ModelId); err != nil {
			return err
		}
		if err := validAddr("owner", e.Owner); err != nil {
			return err
		}
		if len(e.TensorRoot) != HashSize || e.TraceSize < MinTraceSize || e.Cost < 0 {
			return fmt.Errorf("executable %s: tensor root, trace size or cost out of range", e.ModelId)
		}
		if sum := sha256.Sum256(g.Skeleton); len(g.Skeleton) == 0 || len(g.Skeleton) > MaxSkeletonBytes || !bytes.Equal(sum[:], e.SkeletonDigest) {
			return fmt.Errorf("executable %s: skeleton missing, too large or not matching its digest", e.ModelId)
		}
		if e.HasFile != (len(g.File) > 0) || len(g.File) > MaxModelBytes {
			return fmt.Errorf("executable %s: has_file is %v with a file of %d bytes", e.ModelId, e.HasFile, len(g.File))
		}
	}
	runs := map[uint64]bool{}
	for _, r := range gs.Runs {
		if r.Id == 0 || r.Id > gs.LastRunId || runs[r.Id] {
			return fmt.Errorf("run id %d duplicated or beyond the last id %d", r.Id, gs.LastRunId)
		}
		runs[r.Id] = true
		if _, ok := execs[r.ModelId]; !ok {
			return fmt.Errorf("run %d of model %s, which is not executable", r.Id, r.ModelId)
		}
		if len(r.InputDigest) != HashSize || len(r.OutputDigest) != HashSize || len(r.TraceRoot) != HashSize {
			return fmt.Errorf("run %d: digests must be %d bytes", r.Id, HashSize)
		}
	}
	bonds := map[string]Bond{}
	keys := map[string]bool{}
	for _, b := range gs.Bonds {
		if _, dup := bonds[b.Provider]; dup {
			return fmt.Errorf("duplicate bond of %s", b.Provider)
		}
		bonds[b.Provider] = b
		if err := validAddr("provider", b.Provider); err != nil {
			return err
		}
		if err := b.Amount.Validate(); err != nil || b.Amount.Denom != denom {
			return fmt.Errorf("bond of %s: %s is not an amount of %s", b.Provider, b.Amount, denom)
		}
		if b.Locked.IsNil() || b.Locked.IsNegative() || b.Locked.GT(b.Amount.Amount) {
			return fmt.Errorf("bond of %s locks %s of %s", b.Provider, b.Locked, b.Amount)
		}
		if b.Endpoint != "" {
			if err := ValidateEndpoint(b.Endpoint); err != nil {
				return fmt.Errorf("bond of %s: %w", b.Provider, err)
			}
		}
		if len(b.ReceiptKey) != 0 || b.ReceiptKeyId != "" {
			if len(b.ReceiptKey) != 32 || receipt.KeyID(b.ReceiptKey) != b.ReceiptKeyId {
				return fmt.Errorf("bond of %s: receipt key and its id do not match", b.Provider)
			}
			if keys[b.ReceiptKeyId] {
				return fmt.Errorf("receipt key %s is bound twice", b.ReceiptKeyId)
			}
			keys[b.ReceiptKeyId] = true
		}
	}
	unbonds := map[uint64]bool{}
	for _, u := range gs.Unbondings {
		if u.Id == 0 || u.Id > gs.LastUnbondingId || unbonds[u.Id] {
			return fmt.Errorf("unbonding id %d duplicated or beyond the last id %d", u.Id, gs.LastUnbondingId)
		}
		unbonds[u.Id] = true
		if err := validAddr("provider", u.Provider); err != nil {
			return err
		}
		if err := u.Amount.Validate(); err != nil || u.Amount.Denom != denom || !u.Amount.IsPositive() {
			return fmt.Errorf("unbonding %d: %s is not a positive amount of %s", u.Id, u.Amount, denom)
		}
	}
	batches := map[uint64]Batch{}
	for _, b := range gs.Batches {
		if b.Id == 0 || b.Id > gs.LastBatchId {
			return fmt.Errorf("batch id %d beyond the last id %d", b.Id, gs.LastBatchId)
		}
		if _, dup := batches[b.Id]; dup {
			return fmt.Errorf("duplicate batch %d", b.Id)
		}
		batches[b.Id] = b
		if err := validAddr("provider", b.Provider); err != nil {
			return err
		}
		if len(b.Root) != HashSize || b.Count == 0 || b.Count > MaxBatchCount || !windowStatus(b.Status) {
			return fmt.Errorf("batch %d: root, count or status out of range", b.Id)
		}
	}
	claims := map[uint64]Claim{}
	leaves := map[[2]uint64]bool{}
	receipts := map[string]bool{}
	for _, c := range gs.Claims {
		if c.Id == 0 || c.Id > gs.LastClaimId {
			return fmt.Errorf("claim id %d beyond the last id %d", c.Id, gs.LastClaimId)
		}
		if _, dup := claims[c.Id]; dup {
			return fmt.Errorf("duplicate claim %d", c.Id)
		}
		claims[c.Id] = c
		if err := validAddr("provider", c.Provider); err != nil {
			return err
		}
		if err := ValidateClaim(c.ModelId, c.InputDigest, c.OutputDigest, c.TraceRoot, c.TraceSize); err != nil {
			return fmt.Errorf("claim %d: %w", c.Id, err)
		}
		if e, ok := execs[c.ModelId]; !ok || e.TraceSize != c.TraceSize {
			return fmt.Errorf("claim %d: model %s is not executable with trace size %d", c.Id, c.ModelId, c.TraceSize)
		}
		if !windowStatus(c.Status) {
			return fmt.Errorf("claim %d has status %s", c.Id, c.Status)
		}
		if c.Kind != ClaimKind_CLAIM_KIND_RECEIPT && (c.AnchoredHeight != 0 || c.WindowEnd == 0) {
			return fmt.Errorf("claim %d of kind %s needs a window and no anchored height", c.Id, c.Kind)
		}
		switch c.Kind {
		case ClaimKind_CLAIM_KIND_SINGLE:
		case ClaimKind_CLAIM_KIND_BATCH_LEAF:
			b, ok := batches[c.BatchId]
			key := [2]uint64{c.BatchId, c.LeafIndex}
			if !ok || c.LeafIndex >= b.Count || leaves[key] || b.Provider != c.Provider {
				return fmt.Errorf("claim %d: leaf %d of batch %d is unknown or recorded twice", c.Id, c.LeafIndex, c.BatchId)
			}
			leaves[key] = true
		case ClaimKind_CLAIM_KIND_RECEIPT:
			if len(c.ReceiptId) != HashSize || receipts[string(c.ReceiptId)] || c.AnchoredHeight < 0 || (c.WindowEnd != 0 && c.WindowEnd < c.AnchoredHeight) {
				return fmt.Errorf("claim %d: receipt id malformed or recorded twice, or a window ending before the receipt's anchoring", c.Id)
			}
			receipts[string(c.ReceiptId)] = true
		default:
			return fmt.Errorf("claim %d has kind %s", c.Id, c.Kind)
		}
	}
	requests := map[uint64]bool{}
	for _, r := range gs.InputRequests {
		if _, ok := claims[r.ClaimId]; !ok || requests[r.ClaimId] {
			return fmt.Errorf("input request of unknown claim %d, or two of one claim", r.ClaimId)
		}
		requests[r.ClaimId] = true
		if err := validAddr("requester", r.Requester); err != nil {
			return err
		}
		switch r.Status {
		case InputRequestStatus_INPUT_REQUEST_STATUS_OPEN, InputRequestStatus_INPUT_REQUEST_STATUS_EXPIRED:
			if len(r.Inputs) != 0 {
				return fmt.Errorf("unanswered input request of claim %d holds inputs", r.ClaimId)
			}
		case InputRequestStatus_INPUT_REQUEST_STATUS_ANSWERED:
			if sum := sha256.Sum256(r.Inputs); !bytes.Equal(sum[:], claims[r.ClaimId].InputDigest) {
				return fmt.Errorf("answered input request of claim %d does not match its input digest", r.ClaimId)
			}
		default:
			return fmt.Errorf("input request of claim %d has status %s", r.ClaimId, r.Status)
		}
	}
	disputes := map[uint64]Dispute{}
	staked := map[string]sdkmath.Int{}
	for _, d := range gs.Disputes {
		if d.Id == 0 || d.Id > gs.LastDisputeId {
			return fmt.Errorf("dispute id %d beyond the last id %d", d.Id, gs.LastDisputeId)
		}
		if _, dup := disputes[d.Id]; dup {
			return fmt.Errorf("duplicate dispute %d", d.Id)
		}
		disputes[d.Id] = d
		c, ok := claims[d.ClaimId]
		if !ok || c.Provider != d.Defender || c.TraceSize != d.TraceSize {
			return fmt.Errorf("dispute %d: claim %d unknown or not the defender's", d.Id, d.ClaimId)
		}
		if err := validAddr("challenger", d.Challenger); err != nil {
			return err
		}
		if err := d.ChallengerBond.Validate(); err != nil || d.ChallengerBond.Denom != denom || d.Stake.IsNil() || d.Stake.IsNegative() || d.Stake.GT(d.ChallengerBond.Amount) {
			return fmt.Errorf("dispute %d: bond %s or stake %s out of range", d.Id, d.ChallengerBond, d.Stake)
		}
		running := d.Phase != DisputePhase_DISPUTE_PHASE_SETTLED
		if running != (d.Outcome == Outcome_OUTCOME_UNSPECIFIED) || (running && c.OpenDispute != d.Id) || d.Phase == DisputePhase_DISPUTE_PHASE_UNSPECIFIED {
			return fmt.Errorf("dispute %d: phase %s, outcome %s, claim's open dispute %d", d.Id, d.Phase, d.Outcome, c.OpenDispute)
		}
		if d.Lo == 0 || d.Lo >= d.Hi || d.Hi > d.TraceSize {
			return fmt.Errorf("dispute %d bisects [%d, %d] of %d", d.Id, d.Lo, d.Hi, d.TraceSize)
		}
		if running {
			if s, ok := staked[d.Defender]; ok {
				staked[d.Defender] = s.Add(d.Stake)
			} else {
				staked[d.Defender] = d.Stake
			}
		}
	}
	for _, c := range gs.Claims {
		if c.OpenDispute != 0 {
			if d, ok := disputes[c.OpenDispute]; !ok || d.ClaimId != c.Id {
				return fmt.Errorf("claim %d's open dispute %d is not over it", c.Id, c.OpenDispute)
			}
		}
	}
	for _, b := range gs.Bonds {
		s, ok := staked[b.Provider]
		if !ok {
			s = sdkmath.ZeroInt()
		}
		if !b.Locked.Equal(s) {
			return fmt.Errorf("bond of %s locks %s; its running disputes stake %s", b.Provider, b.Locked, s)
		}
		delete(staked, b.Provider)
	}
	if len(staked) > 0 {
		return fmt.Errorf("%d defenders of running disputes have no bond", len(staked))
	}
	return nil
}

func windowStatus(s ClaimStatus) bool {
	return s == ClaimStatus_CLAIM_STATUS_PENDING || s == ClaimStatus_CLAIM_STATUS_FINAL || s == ClaimStatus_CLAIM_STATUS_REFUTED
}
