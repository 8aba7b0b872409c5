package phash

import (
	"cmp"
	"slices"
	"sync"
)

// Match is one result of Index.Search.
type Match struct {
	ID       string
	Hash     Hash64
	Distance int
}

// chunks is the number of 16-bit pieces a hash is split into for
// multi-index hashing; by the pigeonhole principle two hashes at distance
// ≤ chunks-1 agree exactly on at least one piece.
const chunks = 4

// mihMaxRadius is the largest radius answered by multi-index hashing; larger
// radii walk the BK-tree.
const mihMaxRadius = chunks - 1

// Index is an in-memory near-duplicate index over perceptual hashes, keyed
// by caller-chosen IDs (for example content digests). It is safe for
// concurrent use: searches share a read lock, Add and Remove take the write
// lock. It is node-local and rebuilt from chain state, so it need not be
// persisted.
//
// Structure and costs, for n distinct hashes:
//   - byID and byHash maps: Add and Remove are O(1) expected plus the
//     structures below.
//   - multi-index hashing: four maps from a 16-bit piece to the distinct
//     hashes holding it. Search with radius ≤ 3 probes four buckets and
//     checks each candidate, O(c) where c is the bucket sizes, n/2^14 in
//     expectation for uniform hashes. Add is O(1); Remove is O(bucket).
//   - a BK-tree over distinct hashes under Hamming distance: Add is O(depth);
//     Search with radius r visits only children whose edge distance lies in
//     [d-r, d+r], sub-linear for small r and degrading towards O(n) as r
//     approaches 32. Removal leaves a routing node behind (a tombstone
//     whose hash has no IDs); the node is reused if the hash is added again.
//
// Results are assembled from byHash, so tombstones never surface.
type Index struct {
	mu     sync.RWMutex
	byID   map[string]Hash64
	byHash map[Hash64]map[string]struct{}
	pieces [chunks]map[uint16][]Hash64
	tree   bkTree
}

// NewIndex returns an empty Index.
func NewIndex() *Index {
	ix := &Index{
		byID:   make(map[string]Hash64),
		byHash: make(map[Hash64]map[string]struct{}),
	}
	for i := range ix.pieces {
		ix.pieces[i] = make(map[uint16][]Hash64)
	}
	return ix
}

func piece(h Hash64, i int) uint16 { return uint16(h >> (16 * uint(i))) }

// Len returns the number of IDs in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.byID)
}

// Add records id with hash h, replacing any earlier hash for id.
func (ix *Index) Add(id string, h Hash64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if old, ok := ix.byID[id]; ok {
		if old == h {
			return
		}
		ix.removeLocked(id, old)
	}
	ix.byID[id] = h
	ids, ok := ix.byHash[h]
	if !ok {
		ids = make(map[string]struct{}, 1)
		ix.byHash[h] = ids
		for i := range chunks {
			p := piece(h, i)
			ix.pieces[i][p] = append(ix.pieces[i][p], h)
		}
		ix.tree.insert(h)
	}
	ids[id] = struct{}{}
}

// Remove deletes id from the index and reports whether it was present.
func (ix *Index) Remove(id string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	h, ok := ix.byID[id]
	if ok {
		ix.removeLocked(id, h)
	}
	return ok
}

func (ix *Index) removeLocked(id string, h Hash64) {
	delete(ix.byID, id)
	ids := ix.byHash[h]
	delete(ids, id)
	if len(ids) > 0 {
		return
	}
	delete(ix.byHash, h)
	for i := range chunks {
		p := piece(h, i)
		bucket := ix.pieces[i][p]
		if j := slices.Index(bucket, h); j >= 0 {
			bucket[j] = bucket[len(bucket)-1]
			bucket = bucket[:len(bucket)-1]
		}
		if len(bucket) == 0 {
			delete(ix.pieces[i], p)
		} else {
			ix.pieces[i][p] = bucket
		}
	}
	// The BK-tree node stays as a tombstone; see the Index documentation.
}

// Search returns every ID whose hash is within radius of h, sorted by
// distance and then by ID. A negative radius matches nothing; radii above
// 64 behave as 64.
func (ix *Index) Search(h Hash64, radius int) []Match {
	if radius < 0 {
		return nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var hashes []Hash64
	if radius <= mihMaxRadius {
		hashes = ix.searchPieces(h, radius)
	} else {
		hashes = ix.tree.search(h, radius)
	}
	var out []Match
	for _, c := range hashes {
		d := Distance(h, c)
		for id := range ix.byHash[c] {
			out = append(out, Match{ID: id, Hash: c, Distance: d})
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// searchPieces is the multi-index lookup for radius ≤ mihMaxRadius: any
// hash within that radius shares at least one exact 16-bit piece with h.
func (ix *Index) searchPieces(h Hash64, radius int) []Hash64 {
	seen := make(map[Hash64]struct{})
	var out []Hash64
	for i := range chunks {
		for _, c := range ix.pieces[i][piece(h, i)] {
			if _, dup := seen[c]; dup {
				continue
			}
			seen[c] = struct{}{}
			if Distance(h, c) <= radius {
				out = append(out, c)
			}
		}
	}
	return out
}
