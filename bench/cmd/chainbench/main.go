// Command chainbench measures committed bank sends per second and commit
// latency on a single provad node, and, in the same run with the same load
// generator and the same CometBFT settings, CometBFT's built-in kvstore app.
// Run it from the repository root:
//
//	go run ./bench/cmd/chainbench --n 20000
//
// It builds build/provad, build/cometbft (from the CometBFT version pinned
// in go.mod) and build/loadgen, runs each node in a fresh home under a
// temporary directory on free 127.0.0.1 ports, runs loadgen against it as a
// separate process, stops the node, and prints both results side by side.
// It writes nothing outside build/ and the work directory.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prova-network/prova/bench/loadgen"
	"github.com/prova-network/prova/internal/devnet"
)

type options struct {
	n, accounts, workers, mempoolSize int
	rate                              float64
	blockTime, timeout                time.Duration
	workdir, buildDir                 string
	skipBuild, keep                   bool
	only                              string
}

func (o options) bin(name string) string { return filepath.Join(o.buildDir, name) }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "chainbench:", err)
		os.Exit(1)
	}
}

func run() error {
	var o options
	flag.IntVar(&o.n, "n", 5000, "transactions per target")
	flag.IntVar(&o.accounts, "accounts", 100, "provad sender accounts (kvstore uses as many lanes)")
	flag.IntVar(&o.workers, "workers", loadgen.DefaultWorkers, "concurrent submitters in loadgen")
	flag.Float64Var(&o.rate, "rate", 0, "cap on submissions per second; 0 = none")
	flag.IntVar(&o.mempoolSize, "mempool-size", 100_000, "mempool.size and mempool.cache_size on both nodes")
	flag.DurationVar(&o.blockTime, "block-time", time.Second, "consensus.timeout_commit on both nodes")
	flag.DurationVar(&o.timeout, "timeout", loadgen.DefaultTimeout, "hard limit of each loadgen run")
	flag.StringVar(&o.workdir, "workdir", "", "directory for node homes and logs (default: a new temporary one)")
	flag.StringVar(&o.buildDir, "build-dir", "build", "where the binaries are built")
	flag.BoolVar(&o.skipBuild, "skip-build", false, "use the binaries already in --build-dir")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory")
	flag.StringVar(&o.only, "only", "both", "provad, kvstore or both")
	flag.Parse()

	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run from the repository root (no go.mod here)")
	}
	if o.workdir == "" {
		d, err := os.MkdirTemp("", "chainbench-")
		if err != nil {
			return err
		}
		o.workdir = d
	}
	if !o.keep {
		defer os.RemoveAll(o.workdir)
	}
	if !o.skipBuild {
		if err := build(o.buildDir); err != nil {
			return err
		}
	}

	// Nodes run in their own process groups, so a Ctrl-C reaches only us
	// (and loadgen): cancel, and let the deferred stops end the node.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var results []phase
	txSize := 250
	if o.only == "both" || o.only == "provad" {
		p, err := runPhase(ctx, o, "provad", startProvad, nil)
		if err != nil {
			return err
		}
		results = append(results, p)
		txSize = p.Result.MeanTxBytes
	}
	if o.only == "both" || o.only == "kvstore" {
		extra := []string{"--lanes", fmt.Sprint(o.accounts), "--tx-size", fmt.Sprint(txSize)}
		p, err := runPhase(ctx, o, "kvstore", startKVStore, extra)
		if err != nil {
			return err
		}
		results = append(results, p)
	}
	printTable(os.Stdout, o, results)
	bz, _ := json.MarshalIndent(results, "", "  ")
	summary := filepath.Join(o.workdir, "summary.json")
	if err := os.WriteFile(summary, bz, 0o644); err == nil && o.keep {
		fmt.Println("summary:", summary)
	}
	return nil
}

// build compiles the three binaries.
func build(dir string) error {
	for _, b := range []struct{ out, pkg string }{
		{"provad", "./cmd/provad"},
		{"cometbft", "github.com/cometbft/cometbft/cmd/cometbft"},
		{"loadgen", "./bench/cmd/loadgen"},
	} {
		slog.Info("building", "binary", b.out, "package", b.pkg)
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, b.out), b.pkg)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build %s: %w", b.pkg, err)
		}
	}
	return nil
}

// phase is one target's measurement plus the machine load around it.
type phase struct {
	Result     loadgen.Result `json:"result"`
	LoadBefore string         `json:"loadavg_before"`
	LoadAfter  string         `json:"loadavg_after"`
	NodeLog    string         `json:"node_log"`
}

// runPhase starts a node, loads it with loadgen in a separate process and
// stops it again.
func runPhase(ctx context.Context, o options, target string, startNode func(context.Context, options) (*node, error), extra []string) (phase, error) {
	slog.Info("starting node", "target", target)
	nd, err := startNode(ctx, o)
	if err != nil {
		return phase{}, err
	}
	defer func() {
		if err := nd.proc.Stop(devnet.DefaultStopTimeout); err != nil {
			slog.Warn("stop node", "target", target, "err", err)
		}
	}()
	slog.Info("node running", "target", target, "pid", nd.proc.PID(), "rpc", nd.rpcURL, "log", nd.proc.LogPath)

	out := filepath.Join(o.workdir, target+".json")
	args := append([]string{
		"--target", target, "--rpc", nd.rpcURL, "--n", fmt.Sprint(o.n),
		"--workers", fmt.Sprint(o.workers), "--rate", fmt.Sprint(o.rate),
		"--timeout", o.timeout.String(), "--out", out,
	}, extra...)
	if target == "provad" {
		args = append(args, "--home", nd.home)
	}
	p := phase{LoadBefore: loadavg(), NodeLog: nd.proc.LogPath}
	cmd := exec.CommandContext(ctx, o.bin("loadgen"), args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return phase{}, fmt.Errorf("loadgen against %s: %w (node log %s)", target, err, nd.proc.LogPath)
	}
	p.LoadAfter = loadavg()
	bz, err := os.ReadFile(out)
	if err != nil {
		return phase{}, err
	}
	if err := json.Unmarshal(bz, &p.Result); err != nil {
		return phase{}, fmt.Errorf("read %s: %w", out, err)
	}
	return p, nil
}

// loadavg returns the 1, 5 and 15 minute load averages of the machine.
func loadavg() string {
	bz, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(bz))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
