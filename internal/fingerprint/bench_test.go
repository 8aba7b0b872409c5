package fingerprint

import (
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkFingerprint measures warm-cache throughput on a directory of four
// 64 MiB files and on one 256 MiB file split into shards. Compare with
// `b3sum --num-threads 2` on the same files (bench/ holds the side-by-side
// harness; this is the in-process number).
func BenchmarkFingerprint(b *testing.B) {
	const fileSize = 64 << 20
	dir := b.TempDir()
	for i := range 4 {
		writePattern(b, filepath.Join(dir, "multi", "f"+strconv.Itoa(i)), fileSize)
	}
	writePattern(b, filepath.Join(dir, "single", "big"), 4*fileSize)
	cases := []struct {
		name string
		path string
		opts Options
	}{
		{"blake3/4files", "multi", Options{}},
		{"blake3/1file-64MiB-shards", "single", Options{ShardSize: 64 << 20}},
		{"sha256/4files", "multi", Options{Algorithm: SHA256}},
		// The same with reads instead of memory maps.
		{"blake3/4files/nommap", "multi", Options{Read: ReadPread}},
		{"blake3/1file-64MiB-shards/nommap", "single", Options{ShardSize: 64 << 20, Read: ReadPread}},
		{"sha256/4files/nommap", "multi", Options{Algorithm: SHA256, Read: ReadPread}},
	}
	for _, bufSize := range []int{256 << 10, 1 << 20, 4 << 20} {
		cases = append(cases, struct {
			name string
			path string
			opts Options
		}{"blake3/4files/buf" + strconv.Itoa(bufSize>>10) + "KiB", "multi", Options{BufferSize: bufSize}})
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			root := filepath.Join(dir, c.path)
			b.SetBytes(4 * fileSize)
			for b.Loop() {
				if _, err := Fingerprint(b.Context(), root, c.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
