// Command receiptbench measures the receipt log (internal/receiptlog):
// signed receipts ingested, verified, durable and integrated per second,
// p50/p99 latency from submit to "in a published checkpoint", and
// inclusion proofs served per second; and, as a baseline, Tessera's POSIX
// driver appending the same entries in-process with no verification.
//
//	go run ./bench/cmd/receiptbench --mode serve --dir /tmp/rl --listen 127.0.0.1:1319 &
//	go run ./bench/cmd/receiptbench --mode service --url http://127.0.0.1:1319 --n 200000 --batch 1000
//	go run ./bench/cmd/receiptbench --mode inproc --n 200000 --batch 1000 -o json
//	go run ./bench/cmd/receiptbench --mode tessera-raw --n 200000 --batch 1000
//	go run ./bench/cmd/receiptbench --mode chain-tx --chain-n 20000
//	go run ./bench/cmd/receiptbench --mode all --n 200000 --batch 1000 --chain-n 20000
//
// chain-tx is baseline (a): one MsgRecordInference transaction per receipt
// through consensus on a dev node (started here, or --rpc with --home),
// counted when its block is committed. tessera-raw is baseline (b). all
// runs served, tessera-raw and chain-tx one after the other and prints
// them side by side with the ratios and the load average around each.
//
// --batch N sends N receipts per request as one signed batch; --envelopes
// sends them as N single envelopes (one signature each, batch-verified).
// All receipts are signed before the clock starts. Servers listen on
// 127.0.0.1 only; --duration caps every phase.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/prova-network/prova/internal/receiptlog"
)

type options struct {
	mode, url, dir, listen, out string
	n, batch, conns             int
	envelopes                   bool
	duration, proofDuration     time.Duration
	proofSpan                   uint64
	cpuProfile                  string
	rpc, home, provad           string
	chainN, accounts            int
	blockTime                   time.Duration
	batchAge, cpInterval        time.Duration
	inprocLog                   bool
}

func main() {
	var o options
	flag.StringVar(&o.mode, "mode", "inproc", "service (against --url), served (start the service as a child process), inproc (start the service in this process), tessera-raw (baseline b), chain-tx (baseline a), all (served, tessera-raw, chain-tx), serve (run only the service)")
	flag.StringVar(&o.url, "url", "http://127.0.0.1:1319", "receipt log URL for --mode service")
	flag.StringVar(&o.dir, "dir", "", "log directory for inproc, serve and tessera-raw (default: a new temporary directory)")
	flag.StringVar(&o.listen, "listen", "127.0.0.1:1319", "address for --mode serve")
	flag.StringVar(&o.out, "o", "text", "output: text or json")
	flag.IntVar(&o.n, "n", 100_000, "receipts to submit")
	flag.IntVar(&o.batch, "batch", 1000, "receipts per request")
	flag.IntVar(&o.conns, "conns", 16, "concurrent connections (the log is latency-bound: each request waits ~0.1-0.2 s for its checkpoint, so throughput needs enough in flight)")
	flag.BoolVar(&o.envelopes, "envelopes", false, "send single envelopes instead of signed batches")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "cap on the submit phase")
	flag.DurationVar(&o.proofDuration, "proof-duration", 5*time.Second, "length of the proof phase (0 skips it)")
	flag.Uint64Var(&o.proofSpan, "proof-span", 0, "ask proofs for the last N entries (0: the whole log)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this process to the file")
	flag.StringVar(&o.rpc, "rpc", "", "chain-tx: CometBFT RPC of a running dev node (default: start one)")
	flag.StringVar(&o.home, "home", "", "chain-tx with --rpc: the node's devnet home (keys of the load* accounts)")
	flag.StringVar(&o.provad, "provad", "", "chain-tx: provad binary for the node it starts (default: go build ./cmd/provad)")
	flag.IntVar(&o.chainN, "chain-n", 20_000, "chain-tx: transactions (one receipt each)")
	flag.IntVar(&o.accounts, "accounts", 100, "chain-tx: sender accounts of the node it starts")
	flag.DurationVar(&o.blockTime, "block-time", time.Second, "chain-tx: consensus timeout_commit of the node it starts")
	flag.BoolVar(&o.inprocLog, "inproc-log", false, "all: run the log in this process instead of a child process")
	flag.DurationVar(&o.batchAge, "batch-max-age", receiptlog.DefaultBatchMaxAge, "log: Tessera's sequencing batch age (inproc, serve, tessera-raw)")
	flag.DurationVar(&o.cpInterval, "checkpoint-interval", receiptlog.DefaultCheckpointInterval, "log: checkpoint publication interval (inproc, serve, tessera-raw)")
	flag.Parse()
	if o.n < 1 || o.batch < 1 || o.conns < 1 || o.chainN < 1 || o.accounts < 1 || (o.out != "text" && o.out != "json") {
		fmt.Fprintln(os.Stderr, "receiptbench: --n, --batch, --conns, --chain-n and --accounts must be positive, -o text or json")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "receiptbench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "receiptbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	switch o.mode {
	case "serve":
		return serve(ctx, o)
	case "all":
		return runAll(ctx, o)
	case "chain-tx":
		res, err := runChain(ctx, o)
		if err != nil {
			return err
		}
		return report(o, res)
	case "tessera-raw":
		res, err := runRaw(ctx, o)
		if err != nil {
			return err
		}
		return report(o, res)
	case "service":
		res, err := runService(ctx, o, o.url)
		if err != nil {
			return err
		}
		return report(o, res)
	case "served":
		res, err := runServed(ctx, o)
		if err != nil {
			return err
		}
		return report(o, res)
	case "inproc":
		res, err := runInproc(ctx, o)
		if err != nil {
			return err
		}
		return report(o, res)
	}
	return fmt.Errorf("unknown --mode %q", o.mode)
}

// runInproc starts the service in this process and loads it over HTTP on
// 127.0.0.1.
func runInproc(ctx context.Context, o options) (*result, error) {
	_, url, closeFn, err := startService(ctx, o)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	return runService(ctx, o, url)
}

func logDir(o options) (string, error) {
	if o.dir != "" {
		return o.dir, nil
	}
	return os.MkdirTemp("", "receiptbench-")
}

// benchConfig is the service's default configuration with rate limiting
// off (every request of the benchmark comes from 127.0.0.1) and the
// batching and checkpoint intervals of the flags.
func benchConfig(o options, dir string) receiptlog.Config {
	cfg := receiptlog.DefaultConfig(dir)
	cfg.RatePerSecond = 0
	cfg.BatchMaxAge = o.batchAge
	cfg.CheckpointInterval = o.cpInterval
	return cfg
}

func startService(ctx context.Context, o options) (*receiptlog.Service, string, func(), error) {
	dir, err := logDir(o)
	if err != nil {
		return nil, "", nil, err
	}
	svc, err := receiptlog.New(ctx, benchConfig(o, dir), receiptlog.Deps{
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		ModelStatus: registered,
	})
	if err != nil {
		return nil, "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		svc.Close()
		return nil, "", nil, err
	}
	srv := &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	closeFn := func() {
		_ = srv.Close()
		_ = svc.Close()
		if o.dir == "" {
			os.RemoveAll(dir)
		}
	}
	return svc, "http://" + ln.Addr().String(), closeFn, nil
}

// registered stands in for the chain's registry: every model is registered.
func registered(context.Context, string) (receiptlog.ModelStatus, error) {
	return receiptlog.ModelStatus{State: receiptlog.ModelRegistered}, nil
}

func serve(ctx context.Context, o options) error {
	dir, err := logDir(o)
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(o.listen)
	if err != nil || (host != "127.0.0.1" && host != "localhost") {
		return fmt.Errorf("--listen must be on 127.0.0.1")
	}
	svc, err := receiptlog.New(ctx, benchConfig(o, dir), receiptlog.Deps{
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
		ModelStatus: registered,
	})
	if err != nil {
		return err
	}
	defer svc.Close()
	srv := &http.Server{Addr: o.listen, Handler: svc.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	fmt.Fprintf(os.Stderr, "receiptbench: serving %s on http://%s (dir %s)\n", svc.Origin(), o.listen, dir)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}

func report(o options, r *result) error {
	if o.out == "json" {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Printf("mode %s: %d receipts in %d requests of %d (%s), %d conns\n", r.Mode, r.Receipts, r.Requests, r.PerRequest, r.Kind, r.Conns)
	if r.Chain != nil {
		fmt.Printf("  verified+committed on chain: %.0f receipts/s over %.2fs\n", r.ReceiptsPerSec, r.Seconds)
		fmt.Printf("  submit→committed block: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", r.P50Ms, r.P99Ms, r.MaxMs)
		fmt.Printf("  %s\n", r.Chain)
	} else {
		fmt.Printf("  ingested+verified+durable+in checkpoint: %.0f receipts/s over %.2fs\n", r.ReceiptsPerSec, r.Seconds)
		fmt.Printf("  submit→in published checkpoint: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", r.P50Ms, r.P99Ms, r.MaxMs)
	}
	if r.Proofs > 0 {
		fmt.Printf("  inclusion proofs: %.0f/s (%d in %.2fs, all verified: %v)\n", r.ProofsPerSec, r.Proofs, r.ProofSeconds, r.ProofsChecked)
	}
	return nil
}
