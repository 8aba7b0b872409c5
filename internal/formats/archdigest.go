package formats

import (
	"encoding/binary"
	"slices"
	"strings"

	"github.com/zeebo/blake3"

	"github.com/prova-network/prova/internal/fingerprint"
)

// archDomain separates architecture digests from every other BLAKE3 use.
const archDomain = "prova/architecture/v1\x00"

// ArchitectureDigest is the architecture fingerprint of a tensor list: a
// BLAKE3-256 digest of the canonical encoding below. It depends only on
// tensor names, dtypes and shapes, so resharding a model, reordering its
// tensors, or editing its metadata leaves it unchanged, while renaming,
// retyping (e.g. quantizing) or reshaping any tensor changes it.
//
// Canonical encoding, version 1 (all integers unsigned 64-bit big-endian):
//
//	"prova/architecture/v1" 0x00          domain tag, 22 bytes
//	count                                 number of tensors
//	then for each tensor, in ascending byte order of name:
//	  len(name)  name                     UTF-8 bytes as stored in the file
//	  len(dtype) dtype                    the format's own type name:
//	                                      safetensors "BF16", GGUF "Q4_K"
//	  rank  dim₀ … dim_{rank-1}           shape exactly as the file stores it
//	                                      (GGUF: innermost dimension first)
//
// Length prefixes make the encoding injective: no two tensor lists encode
// to the same bytes. The caller must not pass two tensors with one name (the
// readers reject such files).
func ArchitectureDigest(tensors []Tensor) fingerprint.Digest {
	sorted := slices.Clone(tensors)
	slices.SortFunc(sorted, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })

	h := blake3.New()
	var buf []byte
	u64 := func(v uint64) { buf = binary.BigEndian.AppendUint64(buf, v) }
	str := func(s string) { u64(uint64(len(s))); buf = append(buf, s...) }
	flush := func() {
		if len(buf) >= 64<<10 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	buf = append(buf, archDomain...)
	u64(uint64(len(sorted)))
	for _, t := range sorted {
		str(t.Name)
		str(t.DType)
		u64(uint64(len(t.Shape)))
		for _, d := range t.Shape {
			u64(d)
		}
		flush()
	}
	h.Write(buf)
	d := fingerprint.Digest{Algorithm: fingerprint.BLAKE3}
	copy(d.Sum[:], h.Sum(nil))
	return d
}
