package keeper

import (
	"context"
	"sync"

	"cosmossdk.io/collections"

	"github.com/prova-network/prova/internal/phash"
)

// NearIndex is the node-local near-duplicate index over the perceptual
// hashes of registered images. It is derived data, not consensus state: it
// starts empty, is filled on first use from the BySeq index, and catches up
// incrementally from the last sequence number it read on every later use.
// Registrations are never removed, so following the sequence is enough.
//
// A query at an older height sees the index as of the newest height any
// query has caught up to; Near therefore drops matches whose record is not
// in the queried state.
type NearIndex struct {
	mu   sync.Mutex // serialises catch-up; the phash index has its own lock
	ix   *phash.Index
	next uint64 // next seq to read
	read uint64 // registrations read so far
}

// NewNearIndex returns an empty index.
func NewNearIndex() *NearIndex { return &NearIndex{ix: phash.NewIndex()} }

// CatchUp reads every registration from the last one it read up to the
// state in ctx and returns how many it has read in all.
func (n *NearIndex) CatchUp(ctx context.Context, k Keeper) (uint64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	rng := new(collections.Range[uint64]).StartInclusive(n.next)
	err := k.BySeq.Walk(ctx, rng, func(seq uint64, id string) (bool, error) {
		c, err := k.Contents.Get(ctx, id)
		if err != nil {
			return true, err
		}
		if h, ok := c.Info.PerceptualHash(); ok {
			n.ix.Add(id, h)
		}
		n.next, n.read = seq+1, n.read+1
		return false, nil
	})
	return n.read, err
}

// Search returns the IDs within radius of h, nearest first.
func (n *NearIndex) Search(h phash.Hash64, radius int) []phash.Match { return n.ix.Search(h, radius) }

// Len returns the number of images in the index.
func (n *NearIndex) Len() int { return n.ix.Len() }
