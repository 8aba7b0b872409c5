package receiptlog

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"

	"github.com/transparency-dev/tessera/api/layout"

	"github.com/prova-network/prova/internal/tlog"
)

// leafRecordSize is one side-file record: index (8, big endian), leaf hash
// (32), CRC-32C of the first 40 bytes (4).
const leafRecordSize = 8 + tlog.HashSize + 4

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// slot is one leaf in the index: committed (done closed, index set) or
// being appended by some request (done open).
type slot struct {
	done  chan struct{}
	index uint64
	err   error
}

// leafIndex maps leaf hashes to log indices for duplicate detection. The
// map is the truth while the process runs; the side file lets a restart
// skip re-hashing the whole log. Records are appended without fsync: a
// record lost in a crash is rebuilt from the entry bundles, which are
// durable, so the file is never trusted past the log's integrated size.
type leafIndex struct {
	mu   sync.Mutex
	m    map[[tlog.HashSize]byte]*slot
	f    *os.File
	w    *bufio.Writer
	werr error
}

func openLeafIndex(ctx context.Context, path string, size uint64, bundles *bundleCache) (*leafIndex, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("receipt log: leaf index: %w", err)
	}
	li := &leafIndex{m: make(map[[tlog.HashSize]byte]*slot, size), f: f}
	covered := make([]bool, size)
	r := bufio.NewReaderSize(f, 1<<20)
	var rec [leafRecordSize]byte
	var good int64
	for {
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			break // EOF or a torn last record
		}
		good += leafRecordSize
		idx := binary.BigEndian.Uint64(rec[:8])
		if binary.BigEndian.Uint32(rec[40:]) != crc32.Checksum(rec[:40], crcTable) || idx >= size {
			continue // garbage or beyond the durable log: ignored
		}
		covered[idx] = true
		li.m[[tlog.HashSize]byte(rec[8:40])] = committedSlot(idx)
	}
	// Drop a torn tail so later records stay aligned.
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, fmt.Errorf("receipt log: leaf index: %w", err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("receipt log: leaf index: %w", err)
	}
	li.w = bufio.NewWriterSize(f, 1<<16)
	// Re-hash what the side file missed, one entry bundle at a time.
	for b := uint64(0); b*layout.EntryBundleWidth < size; b++ {
		first := b * layout.EntryBundleWidth
		last := min(first+layout.EntryBundleWidth, size)
		missing := false
		for i := first; i < last; i++ {
			missing = missing || !covered[i]
		}
		if !missing {
			continue
		}
		entries, err := bundles.get(ctx, b, size)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("receipt log: leaf index: rebuilding from entry bundle %d: %w", b, err)
		}
		for i := first; i < last; i++ {
			if !covered[i] {
				h := [tlog.HashSize]byte(tlog.LeafHash(entries[i-first]))
				li.m[h] = committedSlot(i)
				li.record(i, h[:])
			}
		}
	}
	if err := li.flush(); err != nil {
		f.Close()
		return nil, err
	}
	return li, nil
}

func committedSlot(idx uint64) *slot {
	s := &slot{done: closedChan, index: idx}
	return s
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// record buffers a side-file record; callers hold mu or own li exclusively.
func (li *leafIndex) record(idx uint64, leaf []byte) {
	var rec [leafRecordSize]byte
	binary.BigEndian.PutUint64(rec[:8], idx)
	copy(rec[8:40], leaf)
	binary.BigEndian.PutUint32(rec[40:], crc32.Checksum(rec[:40], crcTable))
	if _, err := li.w.Write(rec[:]); err != nil && li.werr == nil {
		li.werr = err
	}
}

func (li *leafIndex) flush() error {
	if err := li.w.Flush(); err != nil && li.werr == nil {
		li.werr = err
	}
	if li.werr != nil {
		return fmt.Errorf("receipt log: leaf index: %w", li.werr)
	}
	return nil
}

// lookupOrReserve returns the slot of leaf and whether it already existed;
// when it did not, a new open slot is reserved for the caller to fill with
// commit or abandon. Callers hold mu.
func (li *leafIndex) lookupOrReserve(leaf [tlog.HashSize]byte) (*slot, bool) {
	if s, ok := li.m[leaf]; ok {
		return s, true
	}
	s := &slot{done: make(chan struct{})}
	li.m[leaf] = s
	return s, false
}

// commit records the index of reserved slots.
func (li *leafIndex) commit(leaves [][tlog.HashSize]byte, slots []*slot, idx []uint64) error {
	li.mu.Lock()
	for i, s := range slots {
		s.index = idx[i]
		li.record(idx[i], leaves[i][:])
	}
	err := li.flush()
	li.mu.Unlock()
	for _, s := range slots {
		close(s.done)
	}
	return err
}

// abandon releases reserved slots whose append failed.
func (li *leafIndex) abandon(leaves [][tlog.HashSize]byte, slots []*slot, err error) {
	li.mu.Lock()
	for i, s := range slots {
		if li.m[leaves[i]] == s {
			delete(li.m, leaves[i])
		}
		s.err = err
	}
	li.mu.Unlock()
	for _, s := range slots {
		close(s.done)
	}
}

func (li *leafIndex) len() int {
	li.mu.Lock()
	defer li.mu.Unlock()
	return len(li.m)
}

func (li *leafIndex) close() error {
	li.mu.Lock()
	defer li.mu.Unlock()
	err := li.flush()
	if e := li.f.Close(); err == nil && e != nil && !errors.Is(e, os.ErrClosed) {
		err = e
	}
	return err
}
