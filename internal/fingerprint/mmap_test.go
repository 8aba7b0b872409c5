package fingerprint

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// setMmapBounds sets the mapping threshold and window for one test.
func setMmapBounds(t *testing.T, minSize, window int64) {
	t.Helper()
	oldMin, oldWindow := mmapMinSize, mmapWindow
	mmapMinSize, mmapWindow = minSize, window
	t.Cleanup(func() { mmapMinSize, mmapWindow = oldMin, oldWindow })
}

// TestMmapSameDigests hashes files around every boundary (BLAKE3 chunk and
// group, page, map window, shard, 16 MiB piece) with and without memory
// maps and checks the digests are the same, and equal to the one-call
// digest of the bytes. A 5000-byte window and a 12345-byte shard size put
// map offsets off page boundaries.
func TestMmapSameDigests(t *testing.T) {
	setMmapBounds(t, 1, 5000)
	dir := t.TempDir()
	sizes := []int{1, 1023, 1024, 1025, 4095, 4096, 4097, 4999, 5000, 5001, 16383, 16384, 16385, 15007, 12345*2 + 1, 1<<20 + 3, int(pieceSize) + 1}
	for _, size := range sizes {
		writePattern(t, filepath.Join(dir, "f"+strconv.Itoa(size)), size)
	}
	for _, alg := range []Algorithm{BLAKE3, SHA256} {
		for _, shard := range []int64{0, 12345} {
			o := Options{Algorithm: alg, ShardSize: shard, Workers: 3, Read: ReadMmap}
			before := mmapWindows.Load()
			mapped := mustFingerprint(t, dir, o)
			if mmapWindows.Load() == before {
				t.Fatal("no file was mapped")
			}
			o.Read = ReadPread
			read := mustFingerprint(t, dir, o)
			if len(Compare(read, mapped)) != 0 || read.Digest != mapped.Digest {
				t.Fatalf("%s shard %d: mapped and read differ: %v", alg, shard, Compare(read, mapped))
			}
			if shard != 0 {
				continue
			}
			for i, size := range sizes {
				// Resources sort by name: f1, f1023, … in string order, so
				// find each by name.
				name := "f" + strconv.Itoa(size)
				want, _ := alg.Sum(patternBytes(size))
				found := false
				for _, r := range mapped.Resources {
					if r.Name == name {
						found = true
						if r.Digest != want {
							t.Errorf("%s %s: %s, want %s", alg, name, r.Digest, want)
						}
					}
				}
				if !found {
					t.Errorf("%s: resource %d %s missing", alg, i, name)
				}
			}
		}
	}
	// Small buffers step through a window at odd places.
	small := filepath.Join(dir, "f16385")
	for _, alg := range []Algorithm{BLAKE3, SHA256} {
		a := mustFingerprint(t, small, Options{Algorithm: alg, BufferSize: 7, Read: ReadMmap})
		b := mustFingerprint(t, small, Options{Algorithm: alg, BufferSize: 7, Read: ReadPread})
		if a.Digest != b.Digest {
			t.Errorf("%s buffer 7: mapped %s, read %s", alg, a.Digest, b.Digest)
		}
	}
}

// TestMmapFallback: when a map fails part way (a file system that refuses
// maps), the rest of the piece is read, with the same digest.
func TestMmapFallback(t *testing.T) {
	setMmapBounds(t, 1, 8192)
	path := filepath.Join(t.TempDir(), "f")
	writePattern(t, path, 100_000)
	var calls atomic.Int64
	real := mapFile
	mapFile = func(fh *os.File, off, n int64) ([]byte, func(), error) {
		if calls.Add(1)%3 == 0 {
			return nil, nil, errors.ErrUnsupported
		}
		return real(fh, off, n)
	}
	t.Cleanup(func() { mapFile = real })
	for _, alg := range []Algorithm{BLAKE3, SHA256} {
		m := mustFingerprint(t, path, Options{Algorithm: alg, ShardSize: 30_000, Read: ReadMmap})
		want := mustFingerprint(t, path, Options{Algorithm: alg, ShardSize: 30_000, Read: ReadPread})
		if m.Digest != want.Digest {
			t.Errorf("%s: %s, want %s", alg, m.Digest, want.Digest)
		}
	}
	if calls.Load() < 3 {
		t.Fatalf("%d maps", calls.Load())
	}
}

// TestTruncatedWhileHashed: a file cut short while it is hashed is
// ErrFileChanged, with a map (the lost pages fault: SIGBUS, turned into an
// error) and without.
func TestTruncatedWhileHashed(t *testing.T) {
	for _, read := range []ReadMethod{ReadMmap, ReadPread} {
		noMmap := read == ReadPread
		for _, alg := range []Algorithm{BLAKE3, SHA256} {
			path := filepath.Join(t.TempDir(), "f")
			writePattern(t, path, 12<<20)
			truncated := false
			before := mmapWindows.Load()
			_, err := Fingerprint(t.Context(), path, Options{
				Algorithm: alg, Workers: 1, BufferSize: 64 << 10, Read: read,
				Progress: func(done, _ int64) {
					if done >= 1<<20 && !truncated {
						truncated = true
						if err := os.Truncate(path, 0); err != nil {
							t.Error(err)
						}
					}
				},
			})
			if !errors.Is(err, ErrFileChanged) {
				t.Fatalf("mmap=%v %s: err = %v, want ErrFileChanged", !noMmap, alg, err)
			}
			t.Logf("mmap=%v %s: %v", !noMmap, alg, err)
			if mapped := mmapWindows.Load() > before; mapped == noMmap {
				t.Fatalf("mmap=%v: windows mapped: %v", !noMmap, mapped)
			}
		}
	}
}

// fakeThreadCPU makes threadCPU charge perByte[m] of CPU time per byte to
// the method of the window being timed, for one test.
func fakeThreadCPU(t *testing.T, mapNs, readNs float64) {
	t.Helper()
	var clock atomic.Int64 // one clock for all workers: each window's difference is still its own charge plus others', alike for both methods
	real := threadCPU
	threadCPU = func() (time.Duration, bool) { return time.Duration(clock.Load()), true }
	realMap := mapFile
	mapFile = func(fh *os.File, off, n int64) ([]byte, func(), error) {
		clock.Add(int64(mapNs * float64(n)))
		return realMap(fh, off, n)
	}
	realRead := readAt
	readAt = func(fh *os.File, b []byte, off int64) (int, error) {
		clock.Add(int64(readNs * float64(len(b))))
		return realRead(fh, b, off)
	}
	autoRead.reset()
	t.Cleanup(func() {
		threadCPU, mapFile, readAt = real, realMap, realRead
		autoRead.reset()
	})
}

// TestReadAuto: ReadAuto times both methods on the first windows and keeps
// the cheaper one (maps only when clearly cheaper), with the same digests
// whichever it is.
func TestReadAuto(t *testing.T) {
	setMmapBounds(t, 1, 1<<20)
	path := filepath.Join(t.TempDir(), "f")
	writePattern(t, path, 80<<20+12345)
	want := mustFingerprint(t, path, Options{Read: ReadPread})
	for _, tt := range []struct {
		name          string
		mapNs, readNs float64
		want          ReadMethod
	}{
		{"maps cost 3.6x (virtual machine)", 3.6, 1, ReadPread},
		{"maps cost half (bare metal)", 0.5, 1, ReadMmap},
		{"near tie", 0.95, 1, ReadPread},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fakeThreadCPU(t, tt.mapNs, tt.readNs)
			// One worker: its windows alternate between the methods until
			// both have calibrationBytes.
			got := mustFingerprint(t, path, Options{Workers: 1})
			if got.Digest != want.Digest {
				t.Fatalf("digest %s, want %s", got.Digest, want.Digest)
			}
			if AutoRead() != tt.want {
				t.Fatalf("chose %s, want %s", AutoRead(), tt.want)
			}
			before := mmapWindows.Load()
			mustFingerprint(t, path, Options{Workers: 2})
			if mapped := mmapWindows.Load() > before; mapped != (tt.want == ReadMmap) {
				t.Fatalf("after choosing %s, windows mapped: %v", tt.want, mapped)
			}
		})
	}
	t.Run("no thread clock", func(t *testing.T) {
		autoRead.reset()
		real := threadCPU
		threadCPU = func() (time.Duration, bool) { return 0, false }
		t.Cleanup(func() { threadCPU = real; autoRead.reset() })
		before := mmapWindows.Load()
		if got := mustFingerprint(t, path, Options{}); got.Digest != want.Digest {
			t.Fatalf("digest %s, want %s", got.Digest, want.Digest)
		}
		if AutoRead() != ReadPread || mmapWindows.Load() != before {
			t.Fatalf("chose %s, mapped %d windows", AutoRead(), mmapWindows.Load()-before)
		}
	})
}

// TestReadAutoMapsRefused: where maps fail (a file system without them),
// ReadAuto settles on reads instead of trying a map for every file.
func TestReadAutoMapsRefused(t *testing.T) {
	setMmapBounds(t, 1, 1<<20)
	fakeThreadCPU(t, 0.5, 1)
	realMap := mapFile
	tries := 0
	mapFile = func(*os.File, int64, int64) ([]byte, func(), error) {
		tries++
		return nil, nil, errors.ErrUnsupported
	}
	t.Cleanup(func() { mapFile = realMap })
	dir := t.TempDir()
	for i := range 3 {
		writePattern(t, filepath.Join(dir, "f"+strconv.Itoa(i)), 3<<20)
	}
	mustFingerprint(t, dir, Options{Workers: 1})
	if AutoRead() != ReadPread || tries != 1 {
		t.Fatalf("chose %s after %d map attempts, want pread after 1", AutoRead(), tries)
	}
}
