//go:build linux

package fingerprint

import (
	"context"
	"os"

	"golang.org/x/sys/unix"
)

// adviseSequential tells the kernel that fh is read front to back, which
// doubles its read-ahead window. Advice is best effort; errors are ignored.
func adviseSequential(fh *os.File) {
	_ = unix.Fadvise(int(fh.Fd()), 0, 0, unix.FADV_SEQUENTIAL)
}

// prefetch keeps the kernel reading ahead of the workers: walking the
// pieces in the order the workers take them (order), it issues
// posix_fadvise(WILLNEED) for each piece whose last byte is not in the page
// cache, staying at most workers+prefetchAhead pieces ahead of the pieces
// hashed so far (one token on finished per hashed piece). WILLNEED only
// queues the reads, so the prefetcher never holds a CPU for long; on a
// warm cache it costs one 1-byte non-blocking read per piece.
//
// Only BLAKE3 pieces (at most pieceSize bytes) are prefetched: a SHA-256
// span can be a whole 1 GB shard, and the kernel's own sequential
// read-ahead keeps up with SHA-256's slower hashing. Errors only disable
// prefetching for that file; the worker reading it reports them.
func prefetch(ctx context.Context, files []fileEntry, spans []span, pcs []piece, order []int, workers int, finished <-chan struct{}) {
	var (
		cur     *os.File
		curFile = -1
		done    int
		probe   [1]byte
	)
	defer func() {
		if cur != nil {
			cur.Close()
		}
	}()
	for k, i := range order {
		p := pcs[i]
		if p.end-p.start > pieceSize || p.end == p.start {
			continue
		}
		for k-done >= workers+prefetchAhead {
			select {
			case <-finished:
				done++
			case <-ctx.Done():
				return
			}
		}
		if f := spans[p.span].file; f != curFile {
			if cur != nil {
				cur.Close()
				cur = nil
			}
			curFile = f
			fh, err := os.Open(files[f].abs)
			if err != nil {
				continue
			}
			cur = fh
		}
		if cur == nil {
			continue
		}
		fd := int(cur.Fd())
		if n, err := unix.Preadv2(fd, [][]byte{probe[:]}, p.end-1, unix.RWF_NOWAIT); n == 1 && err == nil {
			continue // already cached
		}
		_ = unix.Fadvise(fd, p.start, p.end-p.start, unix.FADV_WILLNEED)
	}
}
