//go:build unix

package fingerprint

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the user plus system CPU time of this process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkB3CPU reports CPU seconds per GiB (metric cpu-s/GiB: user +
// system time of the process, which stays meaningful on a shared machine
// where wall time does not) for one goroutine hashing with each kernel:
// "memory" feeds a 64 MiB in-memory buffer in 256 KiB writes (the kernel
// path alone), "file" hashes a 256 MiB file through Fingerprint with one
// worker (pread into the 256 KiB buffer included; warm page cache after
// the first iteration). Compare "file" with `b3sum --num-threads 1` on a
// file (b3sum reads through mmap, not pread).
func BenchmarkB3CPU(b *testing.B) {
	mem := make([]byte, 64<<20)
	for i := range mem {
		mem[i] = byte(i % 251)
	}
	dir := b.TempDir()
	file := filepath.Join(dir, "f")
	writePattern(b, file, 256<<20)
	saved := b3AVX512
	b.Cleanup(func() { b3AVX512 = saved })
	for _, x := range []bool{true, false} {
		if x && !saved {
			continue
		}
		name := "guts"
		if x {
			name = "blake3x"
		}
		b3AVX512 = x
		b.Run(name+"/memory", func(b *testing.B) {
			h := newB3()
			b.SetBytes(int64(len(mem)))
			start := cpuTime(b)
			for b.Loop() {
				h.Reset()
				for o := 0; o < len(mem); o += 256 << 10 {
					h.update(mem[o:o+256<<10], o+256<<10 < len(mem))
				}
				h.sum256()
			}
			b.ReportMetric((cpuTime(b)-start).Seconds()/float64(b.N)*float64(1<<30)/float64(len(mem)), "cpu-s/GiB")
		})
		b.Run(name+"/file", func(b *testing.B) {
			if _, err := os.ReadFile(file); err != nil { // warm the page cache
				b.Fatal(err)
			}
			b.SetBytes(256 << 20)
			start := cpuTime(b)
			for b.Loop() {
				if _, err := Fingerprint(b.Context(), file, Options{Workers: 1}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuTime(b)-start).Seconds()/float64(b.N)*4, "cpu-s/GiB")
		})
	}
}
