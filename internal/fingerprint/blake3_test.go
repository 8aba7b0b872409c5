package fingerprint

import (
	"math/rand/v2"
	"strconv"
	"testing"

	zeebo "github.com/zeebo/blake3"
	luke "lukechampine.com/blake3"

	"github.com/prova-network/prova/internal/fingerprint/blake3x"
)

// reference is an independent BLAKE3 implementation (zeebo/blake3, its own
// AVX2 and portable code) to check b3 against on inputs too large for
// hard-coded b3sum vectors.
func reference(data []byte) [DigestSize]byte { return zeebo.Sum256(data) }

// b3Lengths cross every boundary b3 handles: the 1024-byte chunk, the
// 16-chunk group, powers of two of groups (stack merges), and the 16 MiB
// piece used by hashSpans.
func b3Lengths() []int {
	ls := []int{0, 1, 63, 64, 65, 1023, 1024, 1025, 2047, 2048, 2049, 3072, 15 * 1024, 16*1024 - 1, 16 * 1024, 16*1024 + 1,
		17 * 1024, 32 * 1024, 32*1024 + 1, 48*1024 + 5, 64 * 1024, 100_000, 1 << 20, 1<<20 + 1, 3<<20 + 12345}
	return ls
}

func TestB3MatchesReference(t *testing.T) {
	data := make([]byte, 3<<20+12345)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, n := range b3Lengths() {
		want := reference(data[:n])
		if got := b3Sum256(data[:n]); got != want {
			t.Fatalf("b3Sum256(%d bytes) = %x, want %x", n, got, want)
		}
		// Streaming in uneven writes, with and without the "more follows"
		// hint, gives the same digest.
		for _, step := range []int{1, 7, 1000, 1024, 16 * 1024, 16*1024 + 3, 256 << 10} {
			if n > 200_000 && step < 1000 {
				continue
			}
			h := newB3()
			for off := 0; off < n; off += step {
				end := min(off+step, n)
				h.update(data[off:end], end < n)
			}
			if got := [DigestSize]byte(h.Sum(nil)); got != want {
				t.Fatalf("%d bytes in writes of %d = %x, want %x", n, step, got, want)
			}
			h.Reset()
			for off := 0; off < n; off += step {
				h.Write(data[off:min(off+step, n)])
			}
			if got := [DigestSize]byte(h.Sum(nil)); got != want {
				t.Fatalf("%d bytes in Writes of %d = %x, want %x", n, step, got, want)
			}
		}
	}
}

// TestB3Pieces splits inputs into pieces of 2^k chunks hashed by separate
// states, joins them, and compares with the one-pass digest.
func TestB3Pieces(t *testing.T) {
	data := make([]byte, 1<<20+7000)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, pieceLog := range []int{4, 5, 7} { // 16, 32, 128 chunks
		piece := (1 << pieceLog) * b3ChunkSize
		for _, n := range []int{1, 1024, piece - 1, piece, piece + 1, 2 * piece, 3*piece + 1, 5*piece + 999, len(data)} {
			if n > len(data) {
				continue
			}
			want := reference(data[:n])
			var whole b3
			var last b3
			for start := 0; ; start += piece {
				end := min(start+piece, n)
				if end == n { // final piece (may be full)
					last.resetAt(uint64(start / b3ChunkSize))
					last.update(data[start:end], false)
					break
				}
				var p b3
				p.resetAt(uint64(start / b3ChunkSize))
				p.update(data[start:end], false)
				whole.push(p.pieceCV(), pieceLog)
			}
			whole.joinLast(&last)
			if got := whole.sum256(); got != want {
				t.Fatalf("pieces of %d chunks, %d bytes: %x, want %x", 1<<pieceLog, n, got, want)
			}
		}
	}
}

// BenchmarkBLAKE3 compares b3 with zeebo/blake3 (AVX2) and
// lukechampine.com/blake3's own Hasher on 1-64 MiB buffers, single
// goroutine, fed in one Write and in 256 KiB Writes (how hashSpans feeds it).
// Buffers larger than the CPU caches measure hashing from memory.
func BenchmarkBLAKE3(b *testing.B) {
	for _, mib := range []int{1, 4, 16, 64} {
		buf := make([]byte, mib<<20)
		for i := range buf {
			buf[i] = byte(i % 251)
		}
		type impl struct {
			name string
			run  func([]byte, int)
		}
		zh, lh, bh := zeebo.New(), luke.New(32, nil), newB3()
		impls := []impl{
			{"zeebo", func(p []byte, step int) {
				zh.Reset()
				for o := 0; o < len(p); o += step {
					zh.Write(p[o:min(o+step, len(p))])
				}
				zh.Sum(nil)
			}},
			{"lukechampine", func(p []byte, step int) {
				lh.Reset()
				for o := 0; o < len(p); o += step {
					lh.Write(p[o:min(o+step, len(p))])
				}
				lh.Sum(nil)
			}},
			{"b3", func(p []byte, step int) {
				bh.Reset()
				for o := 0; o < len(p); o += step {
					bh.update(p[o:min(o+step, len(p))], o+step < len(p))
				}
				bh.Sum(nil)
			}},
		}
		for _, im := range impls {
			for _, step := range []int{len(buf), 256 << 10} {
				name := im.name + "/" + strconv.Itoa(mib) + "MiB/write" + strconv.Itoa(step>>10) + "KiB"
				b.Run(name, func(b *testing.B) {
					b.SetBytes(int64(len(buf)))
					for b.Loop() {
						im.run(buf, step)
					}
				})
			}
		}
	}
}

// FuzzB3 feeds b3 arbitrary data in arbitrary writes (the piece is repeated
// to reach multi-group sizes) and compares with the reference.
func FuzzB3(f *testing.F) {
	f.Add([]byte("abc"), uint16(1), uint16(1))
	f.Add(patternBytes(1025), uint16(17), uint16(1000))
	f.Add(patternBytes(3000), uint16(40), uint16(16*1024))
	f.Fuzz(func(t *testing.T, piece []byte, repeat, step uint16) {
		var data []byte
		for range int(repeat%64) + 1 {
			data = append(data, piece...)
		}
		want := reference(data)
		s := int(step) + 1
		h := newB3()
		for off := 0; off < len(data); off += s {
			end := min(off+s, len(data))
			h.update(data[off:end], end < len(data))
		}
		if got := h.sum256(); got != want {
			t.Fatalf("%d bytes in writes of %d: %x, want %x", len(data), s, got, want)
		}
	})
}

// kernels runs f with each BLAKE3 kernel this machine has: blake3x's
// AVX-512 kernels and the lukechampine guts path.
func kernels(t *testing.T, f func(t *testing.T)) {
	saved := b3AVX512
	t.Cleanup(func() { b3AVX512 = saved })
	for _, x := range []bool{true, false} {
		if x && !blake3x.HasAVX512 {
			continue
		}
		b3AVX512 = x
		t.Run("avx512="+strconv.FormatBool(x), f)
	}
}

func TestB3Kernels(t *testing.T) {
	kernels(t, func(t *testing.T) {
		t.Run("reference", TestB3MatchesReference)
		t.Run("pieces", TestB3Pieces)
		t.Run("runs", testB3Runs)
	})
}

func TestB3MaxSubtree(t *testing.T) {
	if 1<<b3MaxSubtreeLog != blake3x.MaxSubtreeChunks {
		t.Fatalf("b3MaxSubtreeLog = %d, blake3x.MaxSubtreeChunks = %d", b3MaxSubtreeLog, blake3x.MaxSubtreeChunks)
	}
}

// testB3Runs writes whole groups in runs of uneven length, so that update
// hashes subtrees of every size from 1 to 16 groups at every alignment
// (a run after 3 groups may only start with a 1-group subtree).
func testB3Runs(t *testing.T) {
	data := make([]byte, 6<<20+5)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, runs := range [][]int{{1, 3, 16, 5, 32, 7, 64, 2}, {3, 29, 17, 100, 1}, {16, 16, 16}, {255}, {256, 0}} {
		var off int
		h := newB3()
		for _, groups := range runs {
			end := min(off+groups*b3Group, len(data))
			h.update(data[off:end], true)
			off = end
		}
		for _, more := range []bool{false, true} {
			g := *h
			g.update(data[off:off+5], more) // more=true then an empty final write
			if more {
				g.update(nil, false)
			}
			if got, want := g.sum256(), reference(data[:off+5]); got != want {
				t.Fatalf("runs %v (more %v): %x, want %x", runs, more, got, want)
			}
		}
	}
}
