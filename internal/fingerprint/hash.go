package fingerprint

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// span is one unit of hashing work: bytes [start, end) of a file. A span that
// covers a whole file below the shard size is a plain file resource; any
// other is a shard.
type span struct {
	file       int // index into the file list
	start, end int64
	shard      bool
}

// plan splits files into spans following the sharding rules of o.
func plan(files []fileEntry, o Options) []span {
	var spans []span
	for i, f := range files {
		size := f.info.Size()
		if o.WholeFiles || (!o.ShardAll && size <= o.ShardSize) {
			spans = append(spans, span{file: i, start: 0, end: size})
			continue
		}
		// Shards: [0,S), [S,2S), …, [kS,size). An empty file has no shard,
		// as in model_signing.
		for start := int64(0); start < size; start += o.ShardSize {
			spans = append(spans, span{file: i, start: start, end: min(start+o.ShardSize, size), shard: true})
		}
	}
	return spans
}

// progress serializes calls to a ProgressFunc.
type progress struct {
	mu    sync.Mutex
	fn    ProgressFunc
	done  int64
	total int64
}

func (p *progress) add(n int64) {
	if p.fn == nil || n == 0 {
		return
	}
	p.mu.Lock()
	p.done += n
	p.fn(p.done, p.total)
	p.mu.Unlock()
}

// Pieces. A BLAKE3 span longer than pieceSize is cut into pieces of
// pieceSize bytes (2^pieceLog chunks, a complete BLAKE3 subtree) that
// different workers hash at the same time; the chaining values are joined
// when the span's last piece is done. A single large file therefore keeps
// every worker busy to the end instead of leaving one worker with the last
// shard. SHA-256 cannot be split: each span is one piece.
const (
	pieceLog        = 14                      // 2^14 chunks
	pieceSize int64 = b3ChunkSize << pieceLog // 16 MiB
)

// piece is bytes [start, end) of spans[span], offsets in the file.
type piece struct {
	span       int
	start, end int64
	last       bool // the span's final piece
}

// cutPieces splits the spans into pieces, in span order.
func cutPieces(spans []span, a Algorithm) []piece {
	var ps []piece
	for i, s := range spans {
		if a != BLAKE3 {
			ps = append(ps, piece{span: i, start: s.start, end: s.end, last: true})
			continue
		}
		start := s.start
		for s.end-start > pieceSize {
			ps = append(ps, piece{span: i, start: start, end: start + pieceSize})
			start += pieceSize
		}
		ps = append(ps, piece{span: i, start: start, end: s.end, last: true})
	}
	return ps
}

// spanState collects the pieces of one multi-piece span until the last of
// them is done.
type spanState struct {
	remaining atomic.Int32 // pieces not yet hashed
	first     int          // index of the span's first piece
	count     int          // number of pieces
	last      *b3          // state of the final piece, once hashed
}

// hashSpans hashes every span with o.Workers goroutines and returns the
// digests in span order.
//
// Each worker reads its piece through its own buffer of o.BufferSize bytes
// and hashes it on the same goroutine, straight from that buffer while it
// is still in the core's cache; memory does not grow with file size. A
// large file is hashed from memory maps instead (see hashMapped), without
// the copy.
// On a cold page cache, reading and hashing overlap through the kernel's
// read-ahead: each piece is read front to back with POSIX_FADV_SEQUENTIAL
// (twice the default read-ahead window), so the disk fetches the next
// megabytes of a piece while its worker hashes the current ones, and the
// workers' pieces are adjacent, so the disk sees a few sequential streams.
// (An explicit prefetcher issuing POSIX_FADV_WILLNEED for the next pieces
// was tried and was slower: 0.48 s against 0.28 s for a cold 1 GiB file.)
func hashSpans(ctx context.Context, files []fileEntry, spans []span, o Options) ([]Digest, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	prog := &progress{fn: o.Progress}
	for _, s := range spans {
		prog.total += s.end - s.start
	}

	pcs := cutPieces(spans, o.Algorithm)
	// BLAKE3 pieces (at most 16 MiB) go in file order, so that a worker
	// reads a file front to back. SHA-256 spans go longest first, so that
	// one big shard does not start last and leave the other workers idle.
	order := make([]int, len(pcs))
	for i := range order {
		order[i] = i
	}
	if o.Algorithm != BLAKE3 {
		slices.SortStableFunc(order, func(a, b int) int {
			return cmp.Compare(pcs[b].end-pcs[b].start, pcs[a].end-pcs[a].start)
		})
	}

	states := make([]*spanState, len(spans))
	for i, p := range pcs {
		if !p.last && (i == 0 || pcs[i-1].span != p.span) {
			st := &spanState{first: i}
			for j := i; j < len(pcs) && pcs[j].span == p.span; j++ {
				st.count++
			}
			st.remaining.Store(int32(st.count))
			states[p.span] = st
		}
	}
	cvs := make([][8]uint32, len(pcs))

	workers := min(o.Workers, len(pcs))
	sched := &scheduler{taken: make([]bool, len(order)), free: len(order), sequential: o.Algorithm == BLAKE3}
	var wg sync.WaitGroup
	digests := make([]Digest, len(spans))
	for range workers {
		wg.Go(func() {
			w := newPieceWorker(o)
			defer w.close()
			if w.read != ReadPread {
				// A mapped file truncated by another process faults
				// (SIGBUS) when the lost pages are read; with this the
				// fault is a panic that hashMapped recovers from.
				defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			}
			for pos := -1; ctx.Err() == nil; {
				var ok bool
				if pos, ok = sched.next(pos); !ok {
					return
				}
				i := order[pos]
				p := pcs[i]
				s := spans[p.span]
				if err := w.hash(ctx, files, s, p, prog); err != nil {
					cancel(err)
					return
				}
				switch {
				case o.Algorithm == SHA256:
					digests[p.span] = Digest{Algorithm: SHA256, Sum: [DigestSize]byte(w.sha.Sum(nil))}
				case p.last && states[p.span] == nil:
					digests[p.span] = Digest{Algorithm: BLAKE3, Sum: w.b3.sum256()}
				default:
					st := states[p.span]
					if p.last {
						st.last = new(b3)
						*st.last = *w.b3
					} else {
						cvs[i] = w.b3.pieceCV()
					}
					// The worker that hashes a span's last outstanding
					// piece joins them; the atomic orders the writes above
					// before the reads in join.
					if st.remaining.Add(-1) == 0 {
						digests[p.span] = Digest{Algorithm: BLAKE3, Sum: st.join(cvs)}
						states[p.span] = nil
					}
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	if prog.fn != nil && prog.total == 0 {
		prog.fn(0, 0) // only empty files: still report completion once
	}
	return digests, nil
}

// scheduler hands out the positions 0..n-1 of the work order, each once.
//
// Without sequential, the first free position goes next. With sequential,
// a worker continues with the position after its previous one while that
// is free, so it reads a file front to back through one descriptor and the
// kernel's read-ahead keeps streaming; otherwise it takes the start of the
// longest free run if nothing is being read before it (the very first
// piece), else the middle of that run, leaving the first half to the worker
// reading into it. Workers thus read long sequential stretches of the same
// files in parallel and still run out of work together.
type scheduler struct {
	mu         sync.Mutex
	taken      []bool
	free       int
	sequential bool
}

// next returns the position to hash after prev (-1 for none), or false
// when all are taken.
func (s *scheduler) next(prev int) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.free == 0 {
		return 0, false
	}
	pos := -1
	switch {
	case !s.sequential:
		pos = slices.Index(s.taken, false)
	case prev >= 0 && prev+1 < len(s.taken) && !s.taken[prev+1]:
		pos = prev + 1
	default:
		start, n := -1, 0
		for i := 0; i < len(s.taken); {
			if s.taken[i] {
				i++
				continue
			}
			j := i
			for j < len(s.taken) && !s.taken[j] {
				j++
			}
			if j-i > n {
				start, n = i, j-i
			}
			i = j
		}
		pos = start
		if start > 0 {
			pos = start + n/2
		}
	}
	s.taken[pos] = true
	s.free--
	return pos, true
}

// join returns the digest of a span from its full pieces' chaining values
// and its final piece's state.
func (st *spanState) join(cvs [][8]uint32) [DigestSize]byte {
	var h b3
	for _, cv := range cvs[st.first : st.first+st.count-1] {
		h.push(cv, pieceLog)
	}
	h.joinLast(st.last)
	return h.sum256()
}

// pieceWorker is one worker's reusable buffer and hash states.
type pieceWorker struct {
	alg   Algorithm
	read  ReadMethod // how large files are read
	noMap bool       // the current file's file system refused a map
	buf   []byte
	b3    *b3
	sha   hash.Hash
	fh    *os.File // open file of the previous piece, kept for the next
	file  int      // its index in the file list
}

func (w *pieceWorker) close() {
	if w.fh != nil {
		w.fh.Close()
		w.fh = nil
	}
}

func newPieceWorker(o Options) *pieceWorker {
	w := &pieceWorker{alg: o.Algorithm, read: o.Read, buf: make([]byte, o.BufferSize), file: -1}
	if o.Algorithm == SHA256 {
		w.sha = sha256.New()
	} else {
		w.b3 = newB3()
	}
	return w
}

// hash reads bytes [p.start, p.end) of the file of span s (piece p)
// through the worker's buffer into its hash state. The file stays open for
// the worker's next piece: with the same descriptor, the kernel sees one
// sequential reader and keeps its read-ahead going across pieces. It fails
// with ErrFileChanged if the file is not the one the walk saw, or if its
// size or modification time changes while it is read.
func (w *pieceWorker) hash(ctx context.Context, files []fileEntry, s span, p piece, prog *progress) error {
	f := files[s.file]
	if w.file != s.file {
		w.close()
		fh, err := os.Open(f.abs)
		if err != nil {
			return err
		}
		adviseSequential(fh)
		w.fh, w.file, w.noMap = fh, s.file, false
	}
	fh := w.fh
	if err := sameFile(fh, f); err != nil {
		return err
	}

	if w.sha != nil {
		w.sha.Reset()
	} else {
		w.b3.resetAt(uint64((p.start - s.start) / b3ChunkSize))
	}
	// Window by window: mmapWindow bytes through a map or through the
	// buffer, as w.method says; while ReadAuto is still measuring, each
	// window is timed on its thread's CPU clock.
	large := f.info.Size() >= mmapMinSize
	for off := p.start; off < p.end; {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		end := min(off+mmapWindow, p.end)
		m, sample := ReadPread, false
		if large && !w.noMap {
			m, sample = w.method()
		}
		var t0 time.Duration
		if sample {
			runtime.LockOSThread()
			t0, _ = threadCPU()
		}
		start := off
		var err error
		if m == ReadMmap {
			var mapped bool
			mapped, err = w.hashMapped(ctx, fh, f, &off, end, p.end, prog)
			if err == nil && !mapped {
				w.noMap = true // this file system refuses maps: read the rest
				if w.read == ReadAuto {
					autoRead.refuseMaps()
				}
			}
		} else {
			err = w.hashRead(fh, f, &off, end, p.end, prog)
		}
		if sample {
			if t1, ok := threadCPU(); ok && off > start {
				autoRead.record(m, t1-t0, off-start)
			}
			runtime.UnlockOSThread()
		}
		if err != nil {
			return err
		}
	}
	return sameFile(fh, f)
}

// hashRead feeds bytes [*off, end) of fh, which ends the piece at pieceEnd
// or before, into the hash state through the worker's buffer.
func (w *pieceWorker) hashRead(fh *os.File, f fileEntry, off *int64, end, pieceEnd int64, prog *progress) error {
	buf := w.buf
	for *off < end {
		want := min(int64(len(buf)), end-*off)
		n, err := readAt(fh, buf[:want], *off)
		if n > 0 {
			*off += int64(n)
			if w.sha != nil {
				w.sha.Write(buf[:n]) // hash.Hash writes never fail
			} else {
				w.b3.update(buf[:n], *off < pieceEnd)
			}
			prog.add(int64(n))
		}
		if err != nil {
			if errors.Is(err, io.EOF) && *off < end {
				return fmt.Errorf("%w: %s ended at byte %d, expected %d", ErrFileChanged, f.label(), *off, f.info.Size())
			}
			if !errors.Is(err, io.EOF) {
				return err
			}
		}
	}
	return nil
}

// Memory maps. A warm file is hashed straight from the page cache through a
// read-only map instead of being copied into the worker's buffer by pread,
// which is most of the system time of hashing a cached file (b3sum maps
// files too). Only files of at least mmapMinSize are mapped: below that the
// map and unmap cost about as much as the copy. Each worker maps at most
// mmapWindow bytes at a time and unmaps them once hashed, so the mapped
// pages in the process stay at Workers × mmapWindow whatever the file size.
// They are variables so that tests can move the boundaries.
var (
	mmapMinSize int64        = 1 << 20
	mmapWindow  int64        = 4 << 20
	mmapWindows atomic.Int64 // windows mapped so far, for tests
	mapFile     = mapRange   // tests make it fail
	readAt      = (*os.File).ReadAt
)

// hashMapped feeds bytes [*off, end) of fh, at most mmapWindow of them and
// ending the piece at pieceEnd or before, into the hash state through a
// memory map. It reports false with a nil error when the operating system
// or file system refuses the map (the caller reads instead). A page fault
// while reading the map, which is how a file truncated under it shows, is
// ErrFileChanged (the worker runs with debug.SetPanicOnFault).
func (w *pieceWorker) hashMapped(ctx context.Context, fh *os.File, f fileEntry, off *int64, end, pieceEnd int64, prog *progress) (mapped bool, err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		// A fault in the map is the file shrinking under it; any other
		// fault is a bug, and stays a panic.
		if _, ok := r.(interface{ Addr() uintptr }); ok {
			if st, serr := fh.Stat(); serr == nil && st.Size() < end {
				err = fmt.Errorf("%w: %s: memory fault reading near byte %d: the file is now %d bytes", ErrFileChanged, f.label(), *off, st.Size())
				return
			}
		}
		panic(r)
	}()
	data, unmap, merr := mapFile(fh, *off, end-*off)
	if merr != nil {
		return false, nil
	}
	mmapWindows.Add(1)
	return true, w.hashWindow(ctx, data, unmap, off, pieceEnd, prog)
}

// hashWindow hashes one mapped window, advancing *off, and unmaps it, also
// when hashing panics.
func (w *pieceWorker) hashWindow(ctx context.Context, data []byte, unmap func(), off *int64, end int64, prog *progress) error {
	defer unmap()
	// Steps of BufferSize keep progress and cancellation as fine as
	// with reads.
	step := len(w.buf)
	for len(data) > 0 {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		n := min(step, len(data))
		*off += int64(n)
		if w.sha != nil {
			w.sha.Write(data[:n])
		} else {
			w.b3.update(data[:n], *off < end)
		}
		prog.add(int64(n))
		data = data[n:]
	}
	return nil
}

// sameFile checks that the open file is the one the walk listed, with the
// same size and modification time.
func sameFile(fh *os.File, f fileEntry) error {
	now, err := fh.Stat()
	if err != nil {
		return err
	}
	if !os.SameFile(now, f.info) {
		return fmt.Errorf("%w: %s was replaced", ErrFileChanged, f.rel)
	}
	if now.Size() != f.info.Size() || !now.ModTime().Equal(f.info.ModTime()) {
		return fmt.Errorf("%w: %s was modified (size %d, was %d)", ErrFileChanged, f.label(), now.Size(), f.info.Size())
	}
	return nil
}
