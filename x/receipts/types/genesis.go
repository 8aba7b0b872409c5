package types

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/prova-network/prova/internal/tlog"
)

// DefaultGenesis returns the default genesis state.
func DefaultGenesis() *GenesisState { return &GenesisState{Params: DefaultParams()} }

// Validate checks the genesis state: valid params; logs with unique IDs
// that are the names of their keys, valid operators and bonds (zero once
// frozen); checkpoints of known logs with 32-byte roots, at most one latest
// per log and one history entry per (log, height), history sizes
// non-decreasing with height and ending at the latest; anchored roots of
// known logs, one per (log, size); inference records with 32-byte IDs,
// each once.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	logs := make(map[string]bool, len(gs.Logs))
	for _, l := range gs.Logs {
		if logs[l.Id] {
			return fmt.Errorf("duplicate log %q", l.Id)
		}
		logs[l.Id] = true
		if err := ValidateLogKey(l.Id, l.VerifierKey); err != nil {
			return fmt.Errorf("log %q: %w", l.Id, err)
		}
		if err := validAddr("operator", l.Operator); err != nil {
			return fmt.Errorf("log %q: %w", l.Id, err)
		}
		if err := l.Bond.Validate(); err != nil {
			return fmt.Errorf("log %q bond: %w", l.Id, err)
		}
		if l.Frozen && !l.Bond.IsZero() {
			return fmt.Errorf("log %q is frozen but still holds a bond of %s", l.Id, l.Bond)
		}
	}
	latest := map[string]Checkpoint{}
	for _, c := range gs.Latest {
		if err := validCheckpoint(c, logs); err != nil {
			return fmt.Errorf("latest: %w", err)
		}
		if _, dup := latest[c.LogId]; dup {
			return fmt.Errorf("latest: two checkpoints of log %q", c.LogId)
		}
		latest[c.LogId] = c
	}
	last := map[string]Checkpoint{}
	for _, c := range gs.History {
		if err := validCheckpoint(c, logs); err != nil {
			return fmt.Errorf("history: %w", err)
		}
		if prev, ok := last[c.LogId]; ok && (c.Height <= prev.Height || c.TreeSize < prev.TreeSize) {
			return fmt.Errorf("history of log %q: heights must ascend and sizes not shrink (height %d size %d after height %d size %d)", c.LogId, c.Height, c.TreeSize, prev.Height, prev.TreeSize)
		}
		last[c.LogId] = c
	}
	for _, l := range gs.Logs {
		lt, hasLatest := latest[l.Id]
		h, hasHistory := last[l.Id]
		if hasLatest != hasHistory || (hasLatest && (lt.TreeSize != h.TreeSize || !bytes.Equal(lt.Root, h.Root) || lt.Height != h.Height)) {
			return fmt.Errorf("log %q: latest checkpoint must be the last history entry", l.Id)
		}
	}
	roots := map[string]bool{}
	for _, r := range gs.Roots {
		if !logs[r.LogId] {
			return fmt.Errorf("root of unknown log %q", r.LogId)
		}
		if len(r.Root) != tlog.HashSize {
			return fmt.Errorf("root of log %q size %d must be %d bytes", r.LogId, r.TreeSize, tlog.HashSize)
		}
		key := fmt.Sprintf("%s\x00%d", r.LogId, r.TreeSize)
		if roots[key] {
			return fmt.Errorf("two roots of log %q at size %d", r.LogId, r.TreeSize)
		}
		roots[key] = true
	}
	ids := map[string]bool{}
	for _, in := range gs.Inferences {
		if len(in.ReceiptId) != tlog.HashSize {
			return errors.New("inference receipt ids must be 32 bytes")
		}
		if ids[string(in.ReceiptId)] {
			return fmt.Errorf("duplicate inference %x", in.ReceiptId)
		}
		ids[string(in.ReceiptId)] = true
		if err := validAddr("provider", in.Record.Provider); err != nil {
			return fmt.Errorf("inference %x: %w", in.ReceiptId, err)
		}
	}
	return nil
}

func validCheckpoint(c Checkpoint, logs map[string]bool) error {
	if !logs[c.LogId] {
		return fmt.Errorf("checkpoint of unknown log %q", c.LogId)
	}
	if len(c.Root) != tlog.HashSize {
		return fmt.Errorf("checkpoint of log %q at height %d: root must be %d bytes", c.LogId, c.Height, tlog.HashSize)
	}
	return nil
}
