package receiptlog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/transparency-dev/tessera"

	"github.com/prova-network/prova/internal/tlog"
)

// cpState is one published checkpoint.
type cpState struct {
	raw    []byte
	quoted []byte // raw as a JSON string, for the proof encoder
	cp     tlog.Checkpoint
}

// checkpointWatcher reads the published checkpoint every poll interval,
// checks its signature, keeps a bounded history by size, and wakes the
// requests waiting for their entries to be covered.
type checkpointWatcher struct {
	reader      tessera.LogReader
	verifierKey string
	every       time.Duration
	keep        int
	log         *slog.Logger

	mu      sync.Mutex
	cur     *cpState
	changed chan struct{} // closed and replaced on every new checkpoint
	bySize  map[uint64]*cpState
	order   []uint64 // sizes in bySize, oldest first
}

func newCheckpointWatcher(r tessera.LogReader, verifierKey string, every time.Duration, keep int, log *slog.Logger) *checkpointWatcher {
	return &checkpointWatcher{reader: r, verifierKey: verifierKey, every: every, keep: keep, log: log,
		changed: make(chan struct{}), bySize: make(map[uint64]*cpState)}
}

func (w *checkpointWatcher) run(ctx context.Context) {
	t := time.NewTicker(w.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := w.poll(ctx); err != nil {
			w.log.Error("receipt log: reading checkpoint", "err", err)
		}
	}
}

// poll reads the checkpoint once; a missing file (a new log) is not an error.
func (w *checkpointWatcher) poll(ctx context.Context) error {
	raw, err := w.reader.ReadCheckpoint(ctx)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("receipt log: read checkpoint: %w", err)
	}
	if cur := w.latest(); cur != nil && bytes.Equal(cur.raw, raw) {
		return nil
	}
	cp, err := tlog.Open(raw, w.verifierKey)
	if err != nil {
		return fmt.Errorf("receipt log: published checkpoint does not open with the log's key: %w", err)
	}
	q, _ := json.Marshal(string(raw))
	st := &cpState{raw: raw, quoted: q, cp: cp}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cur != nil && cp.Size < w.cur.cp.Size {
		return fmt.Errorf("receipt log: published checkpoint shrank from %d to %d", w.cur.cp.Size, cp.Size)
	}
	w.cur = st
	if _, ok := w.bySize[cp.Size]; !ok {
		w.order = append(w.order, cp.Size)
		if len(w.order) > w.keep {
			delete(w.bySize, w.order[0])
			w.order = w.order[1:]
		}
	}
	w.bySize[cp.Size] = st
	close(w.changed)
	w.changed = make(chan struct{})
	return nil
}

func (w *checkpointWatcher) latest() *cpState {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur
}

// atSize returns a held checkpoint of exactly size, or nil.
func (w *checkpointWatcher) atSize(size uint64) *cpState {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bySize[size]
}

// waitFor blocks until a published checkpoint covers size entries.
func (w *checkpointWatcher) waitFor(ctx context.Context, size uint64) (*cpState, error) {
	for {
		w.mu.Lock()
		cur, ch := w.cur, w.changed
		w.mu.Unlock()
		if cur != nil && cur.cp.Size >= size {
			return cur, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: waiting for a checkpoint: %w", ErrUnavailable, ctx.Err())
		}
	}
}
