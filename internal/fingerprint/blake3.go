package fingerprint

import (
	"math/bits"

	"lukechampine.com/blake3/guts"

	"github.com/prova-network/prova/internal/fingerprint/blake3x"
)

// BLAKE3 on top of our own AVX-512 kernels (package blake3x: 16 chunks or
// 16 parents per call, subtrees of up to 256 chunks without leaving
// AVX-512) where the CPU has AVX-512, else the compression kernels of
// lukechampine.com/blake3/guts (AVX2, else portable Go). The partial last
// chunk, the stack merges and the root always go through guts; they are a
// few compressions per 16 MiB piece.
//
// The package's own blake3.Hasher is not used for bulk data: its Write
// starts one goroutine per 16 KiB of input, which costs more than it gains
// when every core already runs a hashing worker. b3 hashes 16-chunk groups
// one after the other on the calling goroutine, straight from the caller's
// buffer, and lets the caller split one input into pieces that are hashed
// on different goroutines and joined afterwards (see b3.pieceCV, b3.push
// and b3.joinLast). The result is plain BLAKE3 (unkeyed, 32-byte output):
// equal to b3sum, checked by the known-answer tests.

const (
	b3ChunkSize = guts.ChunkSize                // 1024 bytes
	b3Group     = guts.MaxSIMD * guts.ChunkSize // 16 chunks, one SIMD batch
	b3GroupLog  = 4                             // log2(chunks per group)
	b3MaxHeight = 64 - 10                       // 2^64 bytes / 2^10-byte chunks
	// b3MaxSubtreeLog is log2 of the most chunks hashed in one
	// blake3x.SubtreeCV call (256 chunks, 256 KiB: the default buffer).
	b3MaxSubtreeLog = 8
)

// b3AVX512 selects the blake3x kernels; tests clear it to check the guts
// path on machines with AVX-512.
var b3AVX512 = blake3x.HasAVX512

// b3 is a streaming BLAKE3 state, or the state of one piece of a larger
// input that starts at chunk index base.
//
// The tree is kept as in the BLAKE3 paper's incremental algorithm: stack[i]
// holds the chaining value of a complete subtree of 2^i chunks when bit i of
// counter is set; counter counts the chunks pushed so far, relative to base.
// Full groups go onto the stack as soon as it is known that more input
// follows; the last group (up to 16 chunks, possibly partial) waits in buf,
// because it belongs to the root when the input ends there.
type b3 struct {
	base    uint64 // absolute chunk index of this state's first chunk
	counter uint64 // chunks pushed onto the stack, relative to base
	stack   [b3MaxHeight][8]uint32
	buf     [b3Group]byte
	buflen  int
}

func newB3() *b3 { return &b3{} }

// Write implements hash.Hash. It never fails.
func (h *b3) Write(p []byte) (int, error) {
	h.update(p, false)
	return len(p), nil
}

// update absorbs p. more says that more input certainly follows p, which
// lets update hash the final full group of p in place instead of copying it
// into buf.
func (h *b3) update(p []byte, more bool) {
	if h.buflen > 0 {
		n := copy(h.buf[h.buflen:], p)
		h.buflen += n
		p = p[n:]
		if h.buflen < b3Group || (len(p) == 0 && !more) {
			return
		}
		h.pushGroup((*[b3Group]byte)(&h.buf))
		h.buflen = 0
	}
	for len(p) > b3Group || (more && len(p) == b3Group) {
		if b3AVX512 {
			// The largest run of 2^k groups that p holds (less the last
			// group when it may end the input) and that starts at a
			// multiple of its own size, as a tree subtree must.
			n := len(p) / b3Group
			if !more && len(p)%b3Group == 0 {
				n--
			}
			k := min(bits.Len(uint(n))-1, b3MaxSubtreeLog-b3GroupLog)
			if h.counter != 0 {
				k = min(k, bits.TrailingZeros64(h.counter)-b3GroupLog)
			}
			size := b3Group << k
			h.push(blake3x.SubtreeCV(p[:size], &guts.IV, h.base+h.counter, 0), b3GroupLog+k)
			p = p[size:]
			continue
		}
		h.pushGroup((*[b3Group]byte)(p))
		p = p[b3Group:]
	}
	h.buflen = copy(h.buf[:], p)
}

// pushGroup hashes one full group at the current position and pushes its
// chaining value (a subtree of height b3GroupLog).
func (h *b3) pushGroup(g *[b3Group]byte) {
	if b3AVX512 {
		h.push(blake3x.SubtreeCV(g[:], &guts.IV, h.base+h.counter, 0), b3GroupLog)
		return
	}
	n := guts.CompressBuffer(g, b3Group, &guts.IV, h.base+h.counter, 0)
	h.push(guts.ChainingValue(n), b3GroupLog)
}

// push adds the chaining value of a complete subtree of 2^height chunks
// whose first chunk is at the current position, merging equal-height
// subtrees to its left. counter must be a multiple of 2^height.
func (h *b3) push(cv [8]uint32, height int) {
	i := height
	for h.counter&(1<<i) != 0 {
		cv = guts.ChainingValue(guts.ParentNode(h.stack[i], cv, &guts.IV, 0))
		i++
	}
	h.stack[i] = cv
	h.counter += 1 << height
}

// node returns the top node of everything absorbed so far, without the ROOT
// flag: the buffered tail and the stack merged right to left.
func (h *b3) node() guts.Node {
	var n guts.Node
	if h.buflen <= b3ChunkSize {
		// Also the empty input: one empty chunk.
		n = guts.CompressChunk(h.buf[:h.buflen], &guts.IV, h.base+h.counter, 0)
	} else {
		n = guts.CompressBuffer(&h.buf, h.buflen, &guts.IV, h.base+h.counter, 0)
	}
	for i := bits.TrailingZeros64(h.counter); i < bits.Len64(h.counter); i++ {
		if h.counter&(1<<i) != 0 {
			n = guts.ParentNode(h.stack[i], guts.ChainingValue(n), &guts.IV, 0)
		}
	}
	return n
}

// sum256 returns the BLAKE3 digest of the input.
func (h *b3) sum256() [DigestSize]byte {
	n := h.node()
	n.Flags |= guts.FlagRoot
	out := guts.WordsToBytes(guts.CompressNode(n))
	return [DigestSize]byte(out[:DigestSize])
}

// Sum implements hash.Hash.
func (h *b3) Sum(b []byte) []byte {
	s := h.sum256()
	return append(b, s[:]...)
}

// Reset implements hash.Hash.
func (h *b3) Reset() { h.resetAt(0) }

// resetAt starts a piece whose first chunk is at absolute chunk index base.
func (h *b3) resetAt(base uint64) {
	h.base, h.counter, h.buflen = base, 0, 0
}

// Size implements hash.Hash.
func (h *b3) Size() int { return DigestSize }

// BlockSize implements hash.Hash (BLAKE3's block is 64 bytes).
func (h *b3) BlockSize() int { return guts.BlockSize }

// pieceCV returns the chaining value of a complete piece: the state was
// reset at a multiple of 2^height chunks and has absorbed exactly 2^height
// chunks. It is the value to pass to push.
func (h *b3) pieceCV() [8]uint32 { return guts.ChainingValue(h.node()) }

// joinLast makes h (holding the chaining values of all earlier pieces of an
// input, pushed with push) continue with last, the state of the input's
// final piece, so that h.sum256 is the digest of the whole input. last must
// start where h ends, at a multiple of 2^k chunks where 2^k exceeds last's
// own chunk count; last is not modified.
func (h *b3) joinLast(last *b3) {
	// last's subtrees are all lower than the pieces already in h, so they
	// go onto the stack unmerged, highest (leftmost) first.
	for i := bits.Len64(last.counter) - 1; i >= 0; i-- {
		if last.counter&(1<<i) != 0 {
			h.stack[i] = last.stack[i]
		}
	}
	h.counter += last.counter
	h.buf = last.buf
	h.buflen = last.buflen
}

// b3Sum256 is BLAKE3 of data in one call.
func b3Sum256(data []byte) [DigestSize]byte {
	var h b3
	h.update(data, false)
	return h.sum256()
}
