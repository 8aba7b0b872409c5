// Package blake3x holds BLAKE3 compression kernels that hash 16 chunks, or 16
// parent nodes, at once: AVX-512 assembly on amd64 CPUs that have it (see
// HasAVX512), portable Go everywhere else.
//
// The package computes chaining values of complete subtrees only; the
// caller (internal/fingerprint) keeps the BLAKE3 tree, the partial last
// chunk and the root. Chaining values come out transposed, 16 at a time:
// in a [128]uint32 block, word w of value i is at index 16*w+i, the layout
// the kernels use in their registers. The parent kernel takes two such
// blocks, so a level of the tree is reduced without reshuffling.
//
// The AVX-512 chunk kernel loads each 64-byte block of the 16 chunks with
// plain loads and transposes the 16x16 words with unpack and 128-bit lane
// shuffles (no gathers); asm/gen.go generates it.
package blake3x

import (
	"encoding/binary"
	"math/bits"
)

const (
	// ChunkSize is BLAKE3's chunk length in bytes.
	ChunkSize = 1024
	// BlockSize is BLAKE3's block length in bytes.
	BlockSize = 64
	// Lanes is the number of chunks or parents one kernel call hashes.
	Lanes = 16
	// GroupSize is the input of one chunk kernel call: 16 chunks.
	GroupSize = Lanes * ChunkSize
	// MaxSubtreeChunks is the largest subtree SubtreeCV hashes in one call.
	MaxSubtreeChunks = 256

	// Domain flags of the BLAKE3 specification.
	FlagChunkStart = 1 << 0
	FlagChunkEnd   = 1 << 1
	FlagParent     = 1 << 2
	FlagRoot       = 1 << 3
)

// IV is BLAKE3's initialisation vector, the key of unkeyed hashing.
var IV = [8]uint32{0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19}

// Chunks16 computes the chaining values of the 16 whole chunks in in, the
// first of which has chunk counter counter, into out (transposed: word w
// of chunk i's value at out[16*w+i]). flags (without CHUNK_START and
// CHUNK_END, which the function sets on the first and last block) are
// added to every block's flags.
func Chunks16(in *[GroupSize]byte, key *[8]uint32, counter uint64, flags uint32, out *[128]uint32) {
	if HasAVX512 {
		var ctr [32]uint32
		for i := range uint64(Lanes) {
			c := counter + i
			ctr[i], ctr[16+i] = uint32(c), uint32(c>>32)
		}
		chunks16(in, key, &ctr, flags, out)
		return
	}
	chunks16Generic(in, key, counter, flags, out)
}

// Parents16 compresses 16 parent nodes into out. in holds 32 chaining
// values as two transposed blocks; parent i joins values 2i and 2i+1.
// out may alias the first block of in.
func Parents16(in *[256]uint32, key *[8]uint32, flags uint32, out *[128]uint32) {
	if HasAVX512 {
		parents16(in, key, flags|FlagParent, out)
		return
	}
	parents16Generic(in, key, flags|FlagParent, out)
}

// SubtreeCV returns the chaining value of the complete subtree formed by
// the chunks of in, the first of which has chunk counter counter. len(in)
// must be a power of two times GroupSize, at most MaxSubtreeChunks chunks;
// it panics otherwise. counter should be a multiple of the chunk count, as
// BLAKE3's tree places complete subtrees only there.
func SubtreeCV(in []byte, key *[8]uint32, counter uint64, flags uint32) [8]uint32 {
	n := len(in) / GroupSize // groups, then blocks of values per level
	if n == 0 || len(in)%GroupSize != 0 || n&(n-1) != 0 || n*Lanes > MaxSubtreeChunks {
		panic("blake3x: SubtreeCV input is not 2^k groups of 16 chunks")
	}
	// One spare block: the levels below 16 values pass a second block
	// that is read but whose results are ignored.
	var cvs [(MaxSubtreeChunks/Lanes + 1) * 128]uint32
	for g := range n {
		Chunks16((*[GroupSize]byte)(in[g*GroupSize:]), key, counter+uint64(g*Lanes), flags, (*[128]uint32)(cvs[g*128:]))
	}
	for ; n > 1; n /= 2 {
		for i := range n / 2 {
			Parents16((*[256]uint32)(cvs[2*i*128:]), key, flags, (*[128]uint32)(cvs[i*128:]))
		}
	}
	// 16 values in lanes 0..15 of block 0: four more levels, each using
	// the lower half of the lanes of the one before.
	for range 4 {
		Parents16((*[256]uint32)(cvs[:256]), key, flags, (*[128]uint32)(cvs[:128]))
	}
	var cv [8]uint32
	for w := range cv {
		cv[w] = cvs[16*w]
	}
	return cv
}

// Compress is the BLAKE3 compression function, written from the
// specification: it returns the 16-word output of compressing block with
// chaining value cv. It is the reference the kernels are tested against
// and the portable fallback.
func Compress(cv *[8]uint32, block *[16]uint32, counter uint64, blockLen, flags uint32) [16]uint32 {
	v := [16]uint32{
		cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7],
		IV[0], IV[1], IV[2], IV[3], uint32(counter), uint32(counter >> 32), blockLen, flags,
	}
	m := *block
	g := func(a, b, c, d int, x, y uint32) {
		v[a] += v[b] + x
		v[d] = bits.RotateLeft32(v[d]^v[a], -16)
		v[c] += v[d]
		v[b] = bits.RotateLeft32(v[b]^v[c], -12)
		v[a] += v[b] + y
		v[d] = bits.RotateLeft32(v[d]^v[a], -8)
		v[c] += v[d]
		v[b] = bits.RotateLeft32(v[b]^v[c], -7)
	}
	perm := [16]int{2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8}
	for r := range 7 {
		if r > 0 {
			var next [16]uint32
			for i := range next {
				next[i] = m[perm[i]]
			}
			m = next
		}
		g(0, 4, 8, 12, m[0], m[1])
		g(1, 5, 9, 13, m[2], m[3])
		g(2, 6, 10, 14, m[4], m[5])
		g(3, 7, 11, 15, m[6], m[7])
		g(0, 5, 10, 15, m[8], m[9])
		g(1, 6, 11, 12, m[10], m[11])
		g(2, 7, 8, 13, m[12], m[13])
		g(3, 4, 9, 14, m[14], m[15])
	}
	for i := range 8 {
		v[i] ^= v[i+8]
		v[i+8] ^= cv[i]
	}
	return v
}

// ChunkCV is the chaining value of one whole 1 KiB chunk (portable Go).
func ChunkCV(chunk *[ChunkSize]byte, key *[8]uint32, counter uint64, flags uint32) [8]uint32 {
	cv := *key
	for b := range ChunkSize / BlockSize {
		var m [16]uint32
		for i := range m {
			m[i] = binary.LittleEndian.Uint32(chunk[b*BlockSize+4*i:])
		}
		f := flags
		if b == 0 {
			f |= FlagChunkStart
		}
		if b == ChunkSize/BlockSize-1 {
			f |= FlagChunkEnd
		}
		o := Compress(&cv, &m, counter, BlockSize, f)
		cv = [8]uint32(o[:8])
	}
	return cv
}

// ParentCV is the chaining value of the parent of left and right
// (portable Go).
func ParentCV(left, right *[8]uint32, key *[8]uint32, flags uint32) [8]uint32 {
	var m [16]uint32
	copy(m[:8], left[:])
	copy(m[8:], right[:])
	o := Compress(key, &m, 0, BlockSize, flags|FlagParent)
	return [8]uint32(o[:8])
}

func chunks16Generic(in *[GroupSize]byte, key *[8]uint32, counter uint64, flags uint32, out *[128]uint32) {
	for i := range Lanes {
		cv := ChunkCV((*[ChunkSize]byte)(in[i*ChunkSize:]), key, counter+uint64(i), flags)
		for w := range cv {
			out[16*w+i] = cv[w]
		}
	}
}

func parents16Generic(in *[256]uint32, key *[8]uint32, flags uint32, out *[128]uint32) {
	var res [128]uint32 // out may alias in
	for i := range Lanes {
		var m [16]uint32
		for w := range 8 {
			l, r := 2*i, 2*i+1 // value indices 0..31
			m[w] = in[(l/16)*128+16*w+l%16]
			m[8+w] = in[(r/16)*128+16*w+r%16]
		}
		o := Compress(key, &m, 0, BlockSize, flags)
		for w := range 8 {
			res[16*w+i] = o[w]
		}
	}
	*out = res
}
