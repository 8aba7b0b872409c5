package receiptlog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"

	"github.com/prova-network/prova/internal/tlog"
)

type tileKey struct {
	level, index uint64
	p            uint8 // partial width, 0 = full
}

// hashTile is a tile with every complete subtree hash inside it computed
// once: levels[k][i] is the node k levels above the tile's leaves. A
// proof then costs map lookups, not re-hashing up to 255 nodes per tile.
type hashTile struct {
	levels [layout.TileHeight][][]byte
}

func newHashTile(leaves [][]byte) *hashTile {
	t := &hashTile{}
	t.levels[0] = leaves
	for k := 1; k < layout.TileHeight; k++ {
		prev := t.levels[k-1]
		cur := make([][]byte, len(prev)/2)
		for i := range cur {
			cur[i] = tlog.NodeHash(prev[2*i], prev[2*i+1])
		}
		t.levels[k] = cur
	}
	return t
}

// boundedCache is a map that forgets an arbitrary entry when full. Tiles
// are immutable once written, so any entry may go.
type boundedCache[K comparable, V any] struct {
	mu  sync.RWMutex
	max int
	m   map[K]V
}

func (c *boundedCache[K, V]) get(k K) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *boundedCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	if len(c.m) >= c.max {
		for old := range c.m { // any entry will do
			delete(c.m, old)
			break
		}
	}
	c.m[k] = v
	c.mu.Unlock()
}

// tileCache serves node hashes of the log's tree from parsed tiles.
type tileCache struct {
	reader tessera.LogReader
	c      boundedCache[tileKey, *hashTile]
}

func newTileCache(r tessera.LogReader, max int) *tileCache {
	return &tileCache{reader: r, c: boundedCache[tileKey, *hashTile]{max: max, m: make(map[tileKey]*hashTile)}}
}

func (tc *tileCache) tile(ctx context.Context, level, index uint64, p uint8) (*hashTile, error) {
	k := tileKey{level, index, p}
	if t, ok := tc.c.get(k); ok {
		return t, nil
	}
	raw, err := tc.reader.ReadTile(ctx, level, index, p)
	if errors.Is(err, os.ErrNotExist) && p > 0 {
		// A partial tile may have been collected once the full one exists;
		// its first p hashes are the same.
		raw, err = tc.reader.ReadTile(ctx, level, index, 0)
		if err == nil && len(raw) >= int(p)*tlog.HashSize {
			raw = raw[:int(p)*tlog.HashSize]
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read tile %d/%d.%d: %w", level, index, p, err)
	}
	var ht api.HashTile
	if err := ht.UnmarshalText(raw); err != nil {
		return nil, fmt.Errorf("parse tile %d/%d: %w", level, index, err)
	}
	want := int(p)
	if p == 0 {
		want = layout.TileWidth
	}
	if len(ht.Nodes) != want {
		return nil, fmt.Errorf("tile %d/%d has %d hashes, want %d", level, index, len(ht.Nodes), want)
	}
	t := newHashTile(ht.Nodes)
	tc.c.put(k, t)
	return t, nil
}

// node returns the hash of a complete node of the tree of the given size.
func (tc *tileCache) node(ctx context.Context, id compact.NodeID, size uint64) ([]byte, error) {
	tl, ti, nl, ni := layout.NodeCoordsToTileAddress(uint64(id.Level), id.Index)
	t, err := tc.tile(ctx, tl, ti, layout.PartialTileSize(tl, ti, size))
	if err != nil {
		return nil, err
	}
	if row := t.levels[nl]; ni < uint64(len(row)) {
		return row[ni], nil
	}
	return nil, fmt.Errorf("node %d/%d is not complete in a tree of %d", id.Level, id.Index, size)
}

func (tc *tileCache) hashes(ctx context.Context, nodes proof.Nodes, size uint64) ([][]byte, error) {
	hs := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		h, err := tc.node(ctx, id, size)
		if err != nil {
			return nil, err
		}
		hs[i] = h
	}
	return nodes.Rehash(hs, tlog.NodeHash)
}

// inclusion returns the inclusion proof of leaf index in the tree of size.
func (tc *tileCache) inclusion(ctx context.Context, index, size uint64) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	return tc.hashes(ctx, nodes, size)
}

// consistency returns the consistency proof from size1 to size2.
func (tc *tileCache) consistency(ctx context.Context, size1, size2 uint64) ([][]byte, error) {
	if size1 == 0 || size1 == size2 {
		return [][]byte{}, nil
	}
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, err
	}
	return tc.hashes(ctx, nodes, size2)
}

// bundleEntries is a parsed entry bundle.
type bundleEntries struct {
	entries [][]byte
}

type bundleCache struct {
	reader tessera.LogReader
	c      boundedCache[tileKey, *bundleEntries]
}

func newBundleCache(r tessera.LogReader, max int) *bundleCache {
	return &bundleCache{reader: r, c: boundedCache[tileKey, *bundleEntries]{max: max, m: make(map[tileKey]*bundleEntries)}}
}

// get returns the entries of bundle b in a log of the given size.
func (bc *bundleCache) get(ctx context.Context, b, size uint64) ([][]byte, error) {
	p := layout.PartialTileSize(0, b, size)
	k := tileKey{0, b, p}
	if e, ok := bc.c.get(k); ok {
		return e.entries, nil
	}
	raw, err := bc.reader.ReadEntryBundle(ctx, b, p)
	full := false
	if errors.Is(err, os.ErrNotExist) && p > 0 {
		raw, err = bc.reader.ReadEntryBundle(ctx, b, 0)
		full = true
	}
	if err != nil {
		return nil, fmt.Errorf("read entry bundle %d.%d: %w", b, p, err)
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(raw); err != nil {
		return nil, fmt.Errorf("parse entry bundle %d: %w", b, err)
	}
	want := int(p)
	if p == 0 {
		want = layout.EntryBundleWidth
	}
	if full && len(eb.Entries) >= want {
		eb.Entries = eb.Entries[:want]
	}
	if len(eb.Entries) != want {
		return nil, fmt.Errorf("entry bundle %d has %d entries, want %d", b, len(eb.Entries), want)
	}
	bc.c.put(k, &bundleEntries{entries: eb.Entries})
	return eb.Entries, nil
}

// entry returns the stored bytes of entry index in a log of the given size.
func (bc *bundleCache) entry(ctx context.Context, index, size uint64) ([]byte, error) {
	es, err := bc.get(ctx, index/layout.EntryBundleWidth, size)
	if err != nil {
		return nil, err
	}
	return es[index%layout.EntryBundleWidth], nil
}
