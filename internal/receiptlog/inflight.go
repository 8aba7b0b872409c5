package receiptlog

import (
	"fmt"
	"io"
	"sync"
)

// firstBodyChunk is the buffer a request body is first read into. It
// grows fourfold as data arrives, and to the whole body once that would
// be at least half of it: the buffers left behind come to at most a
// sixth of the body (doubling left a whole body's worth of garbage,
// which TestSubmitMemoryBounded measured as the margin it lacked), and a
// client must send an eighth of a body before the rest is allocated.
const firstBodyChunk = 64 << 10

// submitGate bounds the submit requests in flight and the body bytes they
// hold. Nothing waits on it: a request that does not fit is refused with
// ErrOverloaded at once, so the gate never builds a queue.
type submitGate struct {
	maxN     int
	maxBytes int64

	mu    sync.Mutex
	n     int
	bytes int64
}

func newSubmitGate(cfg Config) *submitGate {
	return &submitGate{maxN: cfg.MaxSubmits, maxBytes: cfg.MaxSubmitBytes}
}

// enter takes a request slot.
func (g *submitGate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n >= g.maxN {
		return false
	}
	g.n++
	return true
}

// take takes n more body bytes for a request in flight.
func (g *submitGate) take(n int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.bytes+n > g.maxBytes {
		return false
	}
	g.bytes += n
	return true
}

// leave gives back a request's slot and the bytes it held.
func (g *submitGate) leave(held int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	g.bytes -= held
}

// readBody reads a request body of contentLength bytes (-1: unknown) from
// r, which must stop at maxBytes (http.MaxBytesReader). Its buffer grows
// only as data arrives, and each growth is taken from the gate first and
// added to *held, so a slow or stalled client holds only what it has
// sent, and the bodies of all requests in flight fit in MaxSubmitBytes.
// When the gate is out of bytes it returns ErrOverloaded.
func (g *submitGate) readBody(r io.Reader, contentLength, maxBytes int64, held *int64) ([]byte, error) {
	// One byte over maxBytes lets r report a body that is too large.
	limit := maxBytes + 1
	if contentLength >= 0 {
		limit = min(contentLength, limit)
	}
	var buf []byte
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= limit {
				return buf, nil // the whole declared body
			}
			n := max(firstBodyChunk, 4*int64(cap(buf)))
			if 2*n >= limit {
				n = limit
			}
			if !g.take(n - int64(cap(buf))) {
				return nil, fmt.Errorf("%w: too many request bytes in flight", ErrOverloaded)
			}
			*held += n - int64(cap(buf))
			grown := make([]byte, len(buf), n)
			copy(grown, buf)
			buf = grown
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
