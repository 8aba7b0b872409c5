package fingerprint

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"slices"
	"sync"
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
		if !o.ShardAll && size <= o.ShardSize {
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

// hashSpans hashes every span with o.Workers goroutines and returns the
// digests in span order. Each worker owns one read buffer of o.BufferSize
// bytes and one hash state, so memory does not grow with file size.
func hashSpans(ctx context.Context, files []fileEntry, spans []span, o Options) ([]Digest, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	prog := &progress{fn: o.Progress}
	for _, s := range spans {
		prog.total += s.end - s.start
	}

	// Longest spans first, so one big shard does not start last and leave
	// the other workers idle at the end.
	order := make([]int, len(spans))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(spans[b].end-spans[b].start, spans[a].end-spans[a].start)
	})
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for _, i := range order {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()

	digests := make([]Digest, len(spans))
	var wg sync.WaitGroup
	for range min(o.Workers, len(spans)) {
		wg.Go(func() {
			buf := make([]byte, o.BufferSize)
			h := newSpanHasher(o.Algorithm)
			for i := range jobs {
				d, err := h.hash(ctx, files[spans[i].file], spans[i], buf, prog)
				if err != nil {
					cancel(err)
					return
				}
				digests[i] = d
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

// spanHasher is one worker's reusable hash state.
type spanHasher struct {
	alg Algorithm
	h   hash.Hash
}

func newSpanHasher(a Algorithm) *spanHasher { return &spanHasher{alg: a, h: a.newHash()} }

// hash reads bytes [s.start, s.end) of f through buf and returns their
// digest. It fails with ErrFileChanged if the file is not the one the walk
// saw, or if its size or modification time changes while it is read.
func (sh *spanHasher) hash(ctx context.Context, f fileEntry, s span, buf []byte, prog *progress) (Digest, error) {
	fh, err := os.Open(f.abs)
	if err != nil {
		return Digest{}, err
	}
	defer fh.Close()
	if err := sameFile(fh, f); err != nil {
		return Digest{}, err
	}

	sh.h.Reset()
	for off := s.start; off < s.end; {
		if err := ctx.Err(); err != nil {
			return Digest{}, context.Cause(ctx)
		}
		want := min(int64(len(buf)), s.end-off)
		n, err := fh.ReadAt(buf[:want], off)
		if n > 0 {
			sh.h.Write(buf[:n]) // hash.Hash writes never fail
			off += int64(n)
			prog.add(int64(n))
		}
		if err != nil {
			if errors.Is(err, io.EOF) && off < s.end {
				return Digest{}, fmt.Errorf("%w: %s ended at byte %d, expected %d", ErrFileChanged, f.rel, off, f.info.Size())
			}
			if !errors.Is(err, io.EOF) {
				return Digest{}, err
			}
		}
	}
	if err := sameFile(fh, f); err != nil {
		return Digest{}, err
	}
	d := Digest{Algorithm: sh.alg}
	copy(d.Sum[:], sh.h.Sum(nil))
	return d, nil
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
		return fmt.Errorf("%w: %s was modified (size %d, was %d)", ErrFileChanged, f.rel, now.Size(), f.info.Size())
	}
	return nil
}
