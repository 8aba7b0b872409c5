package receiptlog

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/transparency-dev/tessera"

	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/tlog"
)

// SubmitRequest is the body of POST /prova/receipts/v1/entries: the
// provider's ed25519 public keys (standard base64 of 32 bytes) and either
// envelopes (one or more single receipts) or one batch.
type SubmitRequest struct {
	PublicKeys []string          `json:"public_keys"`
	Envelopes  []json.RawMessage `json:"envelopes,omitempty"`
	Batch      json.RawMessage   `json:"batch,omitempty"`
}

// SubmitResponse answers a submission once every entry is durable and in a
// published checkpoint of CheckpointSize entries.
type SubmitResponse struct {
	LogID          string        `json:"log_id"`
	CheckpointSize uint64        `json:"checkpoint_size"`
	Entries        []EntryResult `json:"entries"`
}

// EntryResult is one receipt's place in the log. Duplicate means the
// receipt was already in the log (or earlier in the same request) and
// Index is where it already is.
type EntryResult struct {
	Index     uint64 `json:"index"`
	ReceiptID string `json:"receipt_id"`
	Duplicate bool   `json:"duplicate"`
}

// decoded is a checked submission: entry bytes to store with the key and
// model each names.
type decoded struct {
	entries []*tessera.Entry
	keys    []ed25519.PublicKey // keys the entries were verified with (distinct)
	models  []string            // distinct model IDs, sorted
}

// check decodes and verifies every receipt of a request. Nothing is
// appended; any failure rejects the whole request.
func (s *Service) check(ctx context.Context, req *SubmitRequest, pubs []ed25519.PublicKey) (*decoded, error) {
	keyOf := receipt.Keys(pubs...)
	used := map[string]ed25519.PublicKey{}
	models := map[string]bool{}
	var out decoded
	if len(req.Envelopes) > 0 {
		if len(req.Envelopes) > s.cfg.MaxEntries {
			return nil, fmt.Errorf("%w: %d receipts, at most %d per request", ErrTooLarge, len(req.Envelopes), s.cfg.MaxEntries)
		}
		envs := make([]*receipt.Envelope, len(req.Envelopes))
		for i, raw := range req.Envelopes {
			env, err := receipt.DecodeEnvelope(raw)
			if err != nil {
				return nil, fmt.Errorf("%w: envelope %d: %w", ErrInvalidReceipt, i, err)
			}
			envs[i] = env
		}
		sts, errs := receipt.VerifyManyStatements(envs, keyOf)
		for i, err := range errs {
			if err != nil {
				return nil, fmt.Errorf("%w: envelope %d: %w", ErrInvalidReceipt, i, err)
			}
			models[sts[i].Predicate.Model] = true
			id := envs[i].Signatures[0].KeyID
			used[id], _ = keyOf(id)
		}
		out.entries = make([]*tessera.Entry, len(envs))
		for i, env := range envs {
			out.entries[i] = tessera.NewEntry(env.Canonical())
		}
	} else {
		b, err := receipt.DecodeBatch(req.Batch)
		if err != nil {
			return nil, fmt.Errorf("%w: batch: %w", ErrInvalidReceipt, err)
		}
		if len(b.Statements) > s.cfg.MaxEntries {
			return nil, fmt.Errorf("%w: %d receipts, at most %d per request", ErrTooLarge, len(b.Statements), s.cfg.MaxEntries)
		}
		id := b.Root.Signatures[0].KeyID
		pub, err := keyOf(id)
		if err != nil {
			return nil, fmt.Errorf("%w: batch: no public key given for %s", ErrInvalidReceipt, id)
		}
		sts, ms, err := receipt.VerifyBatchMembers(b, pub)
		if err != nil {
			return nil, fmt.Errorf("%w: batch: %w", ErrInvalidReceipt, err)
		}
		used[id] = pub
		for _, st := range sts {
			models[st.Predicate.Model] = true
		}
		out.entries = make([]*tessera.Entry, len(ms))
		for i, data := range memberEntries(ms) {
			out.entries[i] = tessera.NewEntry(data)
		}
	}
	for _, e := range out.entries {
		if len(e.Data()) > tessera.DefaultEntrySizeLimit {
			return nil, fmt.Errorf("%w: a stored receipt is %d bytes, at most %d", ErrTooLarge, len(e.Data()), tessera.DefaultEntrySizeLimit)
		}
	}
	for m := range models {
		out.models = append(out.models, m)
	}
	slices.Sort(out.models)
	for _, m := range out.models {
		if err := s.models.check(ctx, m); err != nil {
			return nil, err
		}
	}
	ids := make([]string, 0, len(used))
	for id := range used {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		out.keys = append(out.keys, used[id])
	}
	return &out, nil
}

// Submit checks and appends the receipts of a decoded request and returns
// once they are durable and in a published checkpoint. It is the HTTP
// handler's core, exported for callers inside the node.
func (s *Service) Submit(ctx context.Context, req *SubmitRequest, pubs []ed25519.PublicKey) (*SubmitResponse, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("%w: the log is shutting down", ErrUnavailable)
	}
	d, err := s.check(ctx, req, pubs)
	if err != nil {
		return nil, err
	}
	n := int64(len(d.entries))
	if s.pending.Add(n) > int64(s.cfg.MaxPending) {
		s.pending.Add(-n)
		return nil, ErrOverloaded
	}
	defer s.pending.Add(-n)
	// Keys first: every appended entry's key must be servable.
	for _, k := range d.keys {
		if err := s.keys.put(k); err != nil {
			return nil, err
		}
	}
	return s.appendEntries(ctx, d.entries)
}

func (s *Service) appendEntries(ctx context.Context, entries []*tessera.Entry) (*SubmitResponse, error) {
	res := &SubmitResponse{LogID: s.origin, Entries: make([]EntryResult, len(entries))}
	leaves := make([][tlog.HashSize]byte, len(entries))
	slots := make([]*slot, len(entries))
	var newLeaves [][tlog.HashSize]byte
	var newSlots []*slot
	var futures []tessera.IndexFuture
	first := make(map[[tlog.HashSize]byte]int, len(entries))

	s.appendMu.Lock()
	if s.closed.Load() {
		s.appendMu.Unlock()
		return nil, fmt.Errorf("%w: the log is shutting down", ErrUnavailable)
	}
	// Tessera's Add only queues; with appendMu held the request's new
	// entries get consecutive indices and no other request can reserve
	// the same leaf in between.
	s.index.mu.Lock()
	for i, e := range entries {
		leaves[i] = [tlog.HashSize]byte(e.LeafHash())
		res.Entries[i].ReceiptID = hex.EncodeToString(leaves[i][:])
		if j, ok := first[leaves[i]]; ok {
			slots[i] = slots[j]
			res.Entries[i].Duplicate = true
			continue
		}
		first[leaves[i]] = i
		sl, existed := s.index.lookupOrReserve(leaves[i])
		slots[i] = sl
		if existed {
			res.Entries[i].Duplicate = true
			continue
		}
		newLeaves = append(newLeaves, leaves[i])
		newSlots = append(newSlots, sl)
	}
	s.index.mu.Unlock()
	for i, e := range entries {
		if !res.Entries[i].Duplicate {
			futures = append(futures, s.appender.Add(ctx, e))
		}
	}
	s.appendMu.Unlock()

	// Durable (and integrated) once every future resolves; see doc.go.
	idx := make([]uint64, len(futures))
	var ferr error
	for i, f := range futures {
		x, err := f()
		if err != nil && ferr == nil {
			ferr = err
		}
		idx[i] = x.Index
	}
	if ferr != nil {
		s.index.abandon(newLeaves, newSlots, ferr)
		s.log.Error("receipt log: append failed", "err", ferr)
		return nil, fmt.Errorf("append: %w", ferr)
	}
	if err := s.index.commit(newLeaves, newSlots, idx); err != nil {
		// The entries are durable; only the side file lagged. It is
		// rebuilt from the log on the next open.
		s.log.Warn("receipt log: leaf index side file", "err", err)
	}
	var need uint64
	for i, sl := range slots {
		select {
		case <-sl.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		}
		if sl.err != nil {
			return nil, fmt.Errorf("append by a concurrent request: %w", sl.err)
		}
		res.Entries[i].Index = sl.index
		need = max(need, sl.index+1)
	}
	cp, err := s.cps.waitFor(ctx, need)
	if err != nil {
		return nil, err
	}
	res.CheckpointSize = cp.cp.Size
	return res, nil
}
