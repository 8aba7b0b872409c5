package blake3x

import (
	"math/rand/v2"
	"testing"

	"lukechampine.com/blake3/guts"
)

// The kernels are checked against two references: this package's
// Compress, written from the specification, and lukechampine.com/blake3's
// guts package, an independent implementation.

// counters cross the 32-bit boundary inside a group (2^32-5 .. 2^32+10)
// and sit near the top of the 64-bit range.
var counters = []uint64{0, 1, 16, 1 << 20, 1<<32 - 5, 1<<32 - 16, 1 << 32, 1<<32 + 3, 1<<63 - 7, 1<<64 - 16}

const flagKeyedHash = 1 << 4

func randomKey(rng *rand.Rand) [8]uint32 {
	var k [8]uint32
	for i := range k {
		k[i] = rng.Uint32()
	}
	return k
}

func randomBytes(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}

func TestCompressMatchesGuts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for range 1000 {
		cv, key := randomKey(rng), randomKey(rng)
		var block [16]uint32
		for i := range block {
			block[i] = rng.Uint32()
		}
		counter := rng.Uint64()
		blockLen, flags := uint32(rng.IntN(65)), uint32(rng.IntN(32))
		_ = key
		want := guts.CompressNode(guts.Node{CV: cv, Block: block, Counter: counter, BlockLen: blockLen, Flags: flags})
		if got := Compress(&cv, &block, counter, blockLen, flags); got != want {
			t.Fatalf("Compress = %x, want %x", got, want)
		}
	}
}

func TestChunks16(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	var in [GroupSize]byte
	for iter := range 40 {
		randomBytes(rng, in[:])
		key, flags := IV, uint32(0)
		if iter%2 == 1 {
			key, flags = randomKey(rng), flagKeyedHash
		}
		for _, counter := range append(counters, rng.Uint64()) {
			var got, generic [128]uint32
			Chunks16(&in, &key, counter, flags, &got)
			chunks16Generic(&in, &key, counter, flags, &generic)
			if got != generic {
				t.Fatalf("counter %#x: Chunks16 differs from the portable code", counter)
			}
			for i := range Lanes {
				chunk := in[i*ChunkSize : (i+1)*ChunkSize]
				want := guts.ChainingValue(guts.CompressChunk(chunk, &key, counter+uint64(i), flags))
				for w := range want {
					if got[16*w+i] != want[w] {
						t.Fatalf("counter %#x lane %d word %d: %#x, guts %#x", counter, i, w, got[16*w+i], want[w])
					}
				}
			}
		}
	}
}

func TestParents16(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	for iter := range 200 {
		var in [256]uint32
		for i := range in {
			in[i] = rng.Uint32()
		}
		key, flags := IV, uint32(0)
		if iter%2 == 1 {
			key, flags = randomKey(rng), flagKeyedHash
		}
		var got, generic [128]uint32
		Parents16(&in, &key, flags, &got)
		parents16Generic(&in, &key, flags|FlagParent, &generic)
		if got != generic {
			t.Fatal("Parents16 differs from the portable code")
		}
		value := func(j int) (cv [8]uint32) {
			for w := range cv {
				cv[w] = in[(j/16)*128+16*w+j%16]
			}
			return cv
		}
		for i := range Lanes {
			want := guts.ChainingValue(guts.ParentNode(value(2*i), value(2*i+1), &key, flags))
			for w := range want {
				if got[16*w+i] != want[w] {
					t.Fatalf("parent %d word %d: %#x, guts %#x", i, w, got[16*w+i], want[w])
				}
			}
		}
		// out may alias the first input block.
		alias := in
		Parents16(&alias, &key, flags, (*[128]uint32)(alias[:128]))
		if [128]uint32(alias[:128]) != got {
			t.Fatal("Parents16 with out aliasing in differs")
		}
	}
}

// subtreeRef is the chaining value of the subtree over chunks, by recursion
// with guts.
func subtreeRef(chunks []byte, key *[8]uint32, counter uint64, flags uint32) [8]uint32 {
	if len(chunks) == ChunkSize {
		return guts.ChainingValue(guts.CompressChunk(chunks, key, counter, flags))
	}
	half := len(chunks) / 2
	l := subtreeRef(chunks[:half], key, counter, flags)
	r := subtreeRef(chunks[half:], key, counter+uint64(half/ChunkSize), flags)
	return guts.ChainingValue(guts.ParentNode(l, r, key, flags))
}

func TestSubtreeCV(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	in := make([]byte, MaxSubtreeChunks*ChunkSize)
	randomBytes(rng, in)
	for n := 16; n <= MaxSubtreeChunks; n *= 2 {
		for _, counter := range []uint64{0, uint64(n), 1<<32 - uint64(n), 1<<32 - uint64(n)/2, -uint64(n)} {
			key, flags := IV, uint32(0)
			if counter%3 == 1 {
				key, flags = randomKey(rng), flagKeyedHash
			}
			want := subtreeRef(in[:n*ChunkSize], &key, counter, flags)
			if got := SubtreeCV(in[:n*ChunkSize], &key, counter, flags); got != want {
				t.Fatalf("%d chunks at %#x: %x, want %x", n, counter, got, want)
			}
		}
	}
}

func TestSubtreeCVRejectsBadLength(t *testing.T) {
	for _, n := range []int{0, ChunkSize, GroupSize + 1, 3 * GroupSize, 2 * MaxSubtreeChunks * ChunkSize} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SubtreeCV(%d bytes) did not panic", n)
				}
			}()
			SubtreeCV(make([]byte, n), &IV, 0, 0)
		}()
	}
}

// FuzzChunks16 compares the chunk kernel with the portable code and guts on
// fuzzed chunk contents and counters; the 16 KiB group repeats the input.
func FuzzChunks16(f *testing.F) {
	f.Add([]byte("abc"), uint64(0), uint32(0))
	f.Add([]byte{0xff}, uint64(1<<32-3), uint32(flagKeyedHash))
	f.Fuzz(func(t *testing.T, data []byte, counter uint64, flags uint32) {
		if len(data) == 0 {
			return
		}
		// CHUNK_START and CHUNK_END are per block, not the caller's.
		flags &^= FlagChunkStart | FlagChunkEnd
		var in [GroupSize]byte
		for i := range in {
			in[i] = data[i%len(data)] + byte(i/len(data))
		}
		key := IV
		key[0] ^= flags
		var got, generic [128]uint32
		Chunks16(&in, &key, counter, flags, &got)
		chunks16Generic(&in, &key, counter, flags, &generic)
		if got != generic {
			t.Fatalf("counter %#x flags %#x: Chunks16 differs from the portable code", counter, flags)
		}
		want := guts.ChainingValue(guts.CompressChunk(in[15*ChunkSize:], &key, counter+15, flags))
		for w := range want {
			if got[16*w+15] != want[w] {
				t.Fatalf("lane 15 word %d: %#x, guts %#x", w, got[16*w+15], want[w])
			}
		}
	})
}

// FuzzParents16 does the same for the parent kernel: against the portable
// code and, lane by lane, against guts, which keeps the check independent
// where the kernel is the portable code (no AVX-512).
func FuzzParents16(f *testing.F) {
	f.Add([]byte("parents"), uint32(0))
	f.Add([]byte{0xff, 0, 0x80}, uint32(flagKeyedHash))
	f.Fuzz(func(t *testing.T, data []byte, flags uint32) {
		if len(data) == 0 {
			return
		}
		var in [256]uint32
		for i := range in {
			in[i] = uint32(data[i%len(data)])<<(8*uint(i%4)) ^ uint32(i)
		}
		var got, generic [128]uint32
		Parents16(&in, &IV, flags, &got)
		parents16Generic(&in, &IV, flags|FlagParent, &generic)
		if got != generic {
			t.Fatalf("flags %#x: Parents16 differs from the portable code", flags)
		}
		for i := range Lanes {
			var l, r [8]uint32
			for w := range 8 {
				l[w] = in[(2*i/16)*128+16*w+2*i%16]
				r[w] = in[((2*i+1)/16)*128+16*w+(2*i+1)%16]
			}
			want := guts.ChainingValue(guts.ParentNode(l, r, &IV, flags))
			for w := range want {
				if got[16*w+i] != want[w] {
					t.Fatalf("flags %#x: parent %d word %d: %#x, guts %#x", flags, i, w, got[16*w+i], want[w])
				}
			}
		}
	})
}

func BenchmarkChunks16(b *testing.B) {
	var in [GroupSize]byte
	var out [128]uint32
	b.SetBytes(GroupSize)
	for b.Loop() {
		Chunks16(&in, &IV, 0, 0, &out)
	}
}

func BenchmarkParents16(b *testing.B) {
	var in [256]uint32
	var out [128]uint32
	b.SetBytes(32 * 32)
	for b.Loop() {
		Parents16(&in, &IV, 0, &out)
	}
}

func BenchmarkSubtreeCV(b *testing.B) {
	in := make([]byte, MaxSubtreeChunks*ChunkSize)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		SubtreeCV(in, &IV, 0, 0)
	}
}
