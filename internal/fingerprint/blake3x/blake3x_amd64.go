//go:build amd64 && !purego

package blake3x

import "golang.org/x/sys/cpu"

// HasAVX512 reports whether the AVX-512 kernels run on this machine (the
// CPU has AVX-512F and the OS saves the ZMM registers). Without them the
// package computes the same values in portable Go, much more slowly.
var HasAVX512 = cpu.X86.HasAVX512F

//go:noescape
func chunks16(in *[GroupSize]byte, key *[8]uint32, ctr *[32]uint32, flags uint32, out *[128]uint32)

//go:noescape
func parents16(in *[256]uint32, key *[8]uint32, flags uint32, out *[128]uint32)
