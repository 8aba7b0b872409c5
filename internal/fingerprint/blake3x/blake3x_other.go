//go:build !amd64 || purego

package blake3x

// HasAVX512 reports whether the AVX-512 kernels run on this machine; never
// on this architecture or build.
const HasAVX512 = false

func chunks16(in *[GroupSize]byte, key *[8]uint32, ctr *[32]uint32, flags uint32, out *[128]uint32) {
	panic("blake3x: no AVX-512 kernel")
}

func parents16(in *[256]uint32, key *[8]uint32, flags uint32, out *[128]uint32) {
	panic("blake3x: no AVX-512 kernel")
}
