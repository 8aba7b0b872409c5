package receiptlog

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// ModelState is what the chain says about a model ID.
type ModelState int

// Model states. Receipts for Unknown and Flagged models are refused;
// Deprecated models still get receipts (deprecation warns, it does not
// forbid).
const (
	ModelUnknown ModelState = iota
	ModelRegistered
	ModelFlagged
	ModelDeprecated
)

// ModelStatus is the answer of a model lookup. Reason is set for flagged
// (and may be for deprecated) models.
type ModelStatus struct {
	State  ModelState
	Reason string
}

// ModelStatusFunc looks up a model by its ID (a digest ID such as
// "blake3:<hex>"). An error means the registry could not be asked; it is
// not cached.
type ModelStatusFunc func(ctx context.Context, modelID string) (ModelStatus, error)

// modelCache remembers answers for a short while so that a burst of
// receipts for one model costs one lookup.
type modelCache struct {
	lookup ModelStatusFunc
	ttl    time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]modelEntry
}

type modelEntry struct {
	status  ModelStatus
	expires time.Time
}

// maxModelCache bounds the cache; when full it is cleared (cheap, rare).
const maxModelCache = 1 << 16

func newModelCache(lookup ModelStatusFunc, ttl time.Duration) *modelCache {
	return &modelCache{lookup: lookup, ttl: ttl, now: time.Now, entries: make(map[string]modelEntry)}
}

func (m *modelCache) status(ctx context.Context, id string) (ModelStatus, error) {
	now := m.now()
	m.mu.Lock()
	e, ok := m.entries[id]
	m.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.status, nil
	}
	st, err := m.lookup(ctx, id)
	if err != nil {
		return ModelStatus{}, err
	}
	m.mu.Lock()
	if len(m.entries) >= maxModelCache {
		clear(m.entries)
	}
	m.entries[id] = modelEntry{status: st, expires: now.Add(m.ttl)}
	m.mu.Unlock()
	return st, nil
}

// check returns nil when receipts may name the model.
func (m *modelCache) check(ctx context.Context, id string) error {
	st, err := m.status(ctx, id)
	if err != nil {
		// The lookup's own error may hold internal detail: it is not echoed.
		return fmt.Errorf("%w: the model registry did not answer for %s", ErrUnavailable, id)
	}
	switch st.State {
	case ModelRegistered, ModelDeprecated:
		return nil
	case ModelFlagged:
		if st.Reason != "" {
			return fmt.Errorf("%w: %s: %s", ErrFlaggedModel, id, st.Reason)
		}
		return fmt.Errorf("%w: %s", ErrFlaggedModel, id)
	default:
		return fmt.Errorf("%w: %s is not registered on chain", ErrUnknownModel, id)
	}
}
