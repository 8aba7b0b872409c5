package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"

	"github.com/prova-network/prova/bench/loadgen"
	"github.com/prova-network/prova/internal/tlog"
)

// runRaw is baseline (b): the same entry bytes appended straight to
// Tessera's POSIX driver with the service's batching and checkpoint
// settings, no decoding, verification, model checks or duplicate index,
// each chunk waiting for a published checkpoint like a service request.
func runRaw(ctx context.Context, o options) (*result, error) {
	w, err := sign(o, true)
	if err != nil {
		return nil, err
	}
	dir, err := logDir(o)
	if err != nil {
		return nil, err
	}
	if o.dir == "" {
		defer os.RemoveAll(dir)
	}
	cfg := benchConfig(o, dir)
	skey, _, err := tlog.GenerateKey(cfg.Origin)
	if err != nil {
		return nil, err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	bg, stop := context.WithCancel(context.Background())
	defer stop()
	driver, err := posix.New(bg, posix.Config{Path: filepath.Join(dir, "log")})
	if err != nil {
		return nil, err
	}
	opts := tessera.NewAppendOptions().WithCheckpointSigner(signer).
		WithBatching(cfg.BatchMaxSize, cfg.BatchMaxAge).WithCheckpointInterval(cfg.CheckpointInterval)
	app, shutdown, reader, err := tessera.NewAppender(bg, driver, opts)
	if err != nil {
		return nil, err
	}
	defer shutdown(context.Background())
	awaiter := tessera.NewPublicationAwaiter(bg, reader.ReadCheckpoint, cfg.CheckpointPoll)

	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var next atomic.Int64
	var done atomic.Int64
	lat := make([]time.Duration, len(w.entries))
	errs := make(chan error, o.conns)
	var mu sync.Mutex // keeps a chunk's entries contiguous, as the service does
	var wg sync.WaitGroup
	start := time.Now()
	for range o.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(w.entries) || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				fs := make([]tessera.IndexFuture, len(w.entries[i]))
				mu.Lock()
				for j, e := range w.entries[i] {
					fs[j] = app.Add(ctx, tessera.NewEntry(e))
				}
				mu.Unlock()
				for _, f := range fs[:len(fs)-1] {
					if _, err := f(); err != nil {
						errs <- err
						cancel()
						return
					}
				}
				if _, _, err := awaiter.Await(ctx, fs[len(fs)-1]); err != nil {
					errs <- fmt.Errorf("chunk %d: %w", i, err)
					cancel()
					return
				}
				lat[i] = time.Since(t0)
				done.Add(int64(len(fs)))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	size, _ := reader.IntegratedSize(context.Background())
	r := &result{Mode: o.mode, Kind: o.kind(), Receipts: int(done.Load()), Requests: len(w.entries), PerRequest: o.batch,
		Conns: o.conns, Seconds: elapsed.Seconds(), LogSize: size}
	r.ReceiptsPerSec = float64(r.Receipts) / elapsed.Seconds()
	r.P50Ms = loadgen.Millis(loadgen.Percentile(lat, 50))
	r.P99Ms = loadgen.Millis(loadgen.Percentile(lat, 99))
	r.MaxMs = loadgen.Millis(slices.Max(lat))
	return r, nil
}
