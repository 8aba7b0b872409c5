package receiptlog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

// bundleIndex is where each entry of an entry bundle starts and ends.
// Caching these few bytes per bundle, rather than bundles themselves,
// lets proofs of entries anywhere in a large log read just their entry.
type bundleIndex struct {
	off []uint32 // entry i is raw[off[i]:off[i+1]-2]
}

type bundleCache struct {
	reader tessera.LogReader
	dir    string // Tessera's directory, for reading single entries
	c      boundedCache[tileKey, *bundleIndex]
}

func newBundleCache(r tessera.LogReader, dir string, max int) *bundleCache {
	return &bundleCache{reader: r, dir: dir, c: boundedCache[tileKey, *bundleIndex]{max: max, m: make(map[tileKey]*bundleIndex)}}
}

// get reads and parses the whole of bundle b in a log of the given size.
func (bc *bundleCache) get(ctx context.Context, b, size uint64) ([][]byte, error) {
	p := layout.PartialTileSize(0, b, size)
	raw, err := bc.reader.ReadEntryBundle(ctx, b, p)
	full := false
	if errors.Is(err, os.ErrNotExist) && p > 0 {
		// A partial bundle may have been collected once the full one
		// exists; its first p entries are the same.
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
	off := make([]uint32, want+1)
	pos := 0
	for i, e := range eb.Entries {
		pos += 2
		off[i] = uint32(pos)
		pos += len(e)
	}
	off[want] = uint32(pos + 2) // where a next entry's data would start
	bc.c.put(tileKey{0, b, p}, &bundleIndex{off: off})
	return eb.Entries, nil
}

// entry returns the stored bytes of entry index in a log of the given size.
func (bc *bundleCache) entry(ctx context.Context, index, size uint64) ([]byte, error) {
	b, i := index/layout.EntryBundleWidth, index%layout.EntryBundleWidth
	p := layout.PartialTileSize(0, b, size)
	if bi, ok := bc.c.get(tileKey{0, b, p}); ok {
		if e, err := bc.readAt(b, p, bi.off[i], bi.off[i+1]-2-bi.off[i]); err == nil {
			return e, nil
		}
	}
	es, err := bc.get(ctx, b, size)
	if err != nil {
		return nil, err
	}
	return es[i], nil
}

// readAt reads n bytes at off of bundle b (partial width p, or the full
// bundle that replaced it), checking the entry's length prefix.
func (bc *bundleCache) readAt(b uint64, p uint8, off, n uint32) ([]byte, error) {
	f, err := os.Open(filepath.Join(bc.dir, layout.EntriesPath(b, p)))
	if errors.Is(err, os.ErrNotExist) && p > 0 {
		f, err = os.Open(filepath.Join(bc.dir, layout.EntriesPath(b, 0)))
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n+2)
	if _, err := f.ReadAt(buf, int64(off)-2); err != nil {
		return nil, err
	}
	if uint32(buf[0])<<8|uint32(buf[1]) != n {
		return nil, fmt.Errorf("entry bundle %d: length prefix mismatch", b)
	}
	return buf[2:], nil
}
