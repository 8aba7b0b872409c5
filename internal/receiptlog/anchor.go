package receiptlog

import (
	"context"
	"fmt"
	"time"

	"github.com/prova-network/prova/internal/tlog"
)

// AnchorDeps connect the anchoring loop to the chain.
type AnchorDeps struct {
	// LastAnchored returns the log's latest checkpoint on chain, and false
	// when none is anchored yet.
	LastAnchored func(ctx context.Context) (tlog.Checkpoint, bool, error)
	// Submit puts a signed checkpoint and the consistency proof from the
	// last anchored one on chain (a MsgAnchorCheckpoint).
	Submit func(ctx context.Context, signedCheckpoint []byte, consistency [][]byte) error
	// Interval between attempts; 0 means Config.AnchorInterval.
	Interval time.Duration
}

// RunAnchorer anchors the latest checkpoint every interval when it is
// larger than the anchored one, logging and retrying failures, until ctx
// is done. Before submitting it checks the proof itself with
// tlog.VerifyAppend, exactly as the chain will.
func (s *Service) RunAnchorer(ctx context.Context, d AnchorDeps) error {
	if d.LastAnchored == nil || d.Submit == nil {
		return fmt.Errorf("receipt log: anchorer needs LastAnchored and Submit")
	}
	every := d.Interval
	if every <= 0 {
		every = s.cfg.AnchorInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.anchorOnce(ctx, d); err != nil {
			s.log.Warn("receipt log: anchoring failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// anchorOnce submits the latest checkpoint if it grew past the anchored
// one. It returns nil when there was nothing to do.
func (s *Service) anchorOnce(ctx context.Context, d AnchorDeps) error {
	cur := s.cps.latest()
	if cur == nil {
		return nil
	}
	last, ok, err := d.LastAnchored(ctx)
	if err != nil {
		return fmt.Errorf("last anchored checkpoint: %w", err)
	}
	if !ok {
		last = tlog.Checkpoint{Origin: s.origin, Size: 0, Hash: tlog.EmptyRoot()}
	}
	if cur.cp.Size <= last.Size {
		return nil
	}
	proof, err := s.ConsistencyProof(ctx, last.Size, cur.cp.Size)
	if err != nil {
		return fmt.Errorf("consistency proof %d→%d: %w", last.Size, cur.cp.Size, err)
	}
	if err := tlog.VerifyAppend(last, cur.cp, proof); err != nil {
		// The log does not extend what the chain holds: never submit.
		return fmt.Errorf("latest checkpoint does not extend the anchored one: %w", err)
	}
	if err := d.Submit(ctx, cur.raw, proof); err != nil {
		return fmt.Errorf("submit checkpoint of size %d: %w", cur.cp.Size, err)
	}
	s.log.Info("receipt log: checkpoint anchored", "size", cur.cp.Size, "from", last.Size)
	return nil
}
