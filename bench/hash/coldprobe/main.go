// Command coldprobe times cold-cache reads of one file inside one process, so
// read strategies can be compared without process start-up in the figure.
//
// Before each repetition it evicts the file's pages (fdatasync, then
// posix_fadvise DONTNEED on the whole file; -cold=false keeps them). Modes:
//
//	-mode hash: fingerprint.Fingerprint with -workers and -buf (0: defaults)
//	-mode raw:  -streams goroutines read equal parts of the file with
//	            -bs byte preads (-seq: POSIX_FADV_SEQUENTIAL), no hashing
//
// Each repetition prints wall seconds, decimal GB/s, the process's CPU time
// (user + system) and the load average. Run as a user allowed to evict the
// file's pages, e.g.
//
//	go run ./bench/hash/coldprobe -reps 5 -workers 2 FILE
//	go run ./bench/hash/coldprobe -reps 5 -workers 4 FILE
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/prova-network/prova/internal/fingerprint"
)

func evict(path string) {
	fh, err := os.Open(path)
	if err != nil {
		fail(err)
	}
	defer fh.Close()
	_ = unix.Fdatasync(int(fh.Fd()))
	if err := unix.Fadvise(int(fh.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		fail(err)
	}
}

func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	mode := flag.String("mode", "hash", "hash | raw")
	streams := flag.Int("streams", 1, "raw: parallel streams at equal offsets")
	bs := flag.Int("bs", 16<<20, "raw: read size")
	seq := flag.Bool("seq", false, "raw: fadvise sequential")
	reps := flag.Int("reps", 1, "")
	hbuf := flag.Int("buf", 0, "hash: buffer size")
	hworkers := flag.Int("workers", 0, "hash: workers")
	cold := flag.Bool("cold", true, "")
	flag.Parse()
	if flag.NArg() != 1 {
		fail(fmt.Errorf("usage: coldprobe [flags] FILE"))
	}
	path := flag.Arg(0)
	st, err := os.Stat(path)
	if err != nil {
		fail(err)
	}
	size := st.Size()
	for r := 0; r < *reps; r++ {
		if *cold {
			evict(path)
		}
		c0 := cpu()
		t0 := time.Now()
		switch *mode {
		case "hash":
			m, err := fingerprint.Fingerprint(context.Background(), path, fingerprint.Options{BufferSize: *hbuf, Workers: *hworkers})
			if err != nil {
				fail(err)
			}
			_ = m
		case "raw":
			var wg sync.WaitGroup
			per := size / int64(*streams)
			for s := 0; s < *streams; s++ {
				wg.Add(1)
				go func(s int) {
					defer wg.Done()
					fh, err := os.Open(path)
					if err != nil {
						fail(err)
					}
					defer fh.Close()
					if *seq {
						_ = unix.Fadvise(int(fh.Fd()), 0, 0, unix.FADV_SEQUENTIAL)
					}
					buf := make([]byte, *bs)
					end := int64(s+1) * per
					for off := int64(s) * per; off < end; {
						n, err := fh.ReadAt(buf[:min(int64(len(buf)), end-off)], off)
						off += int64(n)
						if err != nil {
							break
						}
					}
				}(s)
			}
			wg.Wait()
		}
		d := time.Since(t0)
		fmt.Printf("%s streams=%d bs=%d seq=%v buf=%d w=%d env=%s: %.3f s %.2f GB/s cpu %.3f s load %s", *mode, *streams, *bs, *seq, *hbuf, *hworkers, os.Getenv("FP_COLD"), d.Seconds(), float64(size)/d.Seconds()/1e9, (cpu() - c0).Seconds(), loadavg())
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "coldprobe:", err)
	os.Exit(1)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(b) < 14 {
		return "?\n"
	}
	return string(b[:14]) + "\n"
}
