// Command inferchainbench measures verifiable inference on chain (x/infer).
// Run it from the repository root:
//
//	go run ./bench/cmd/inferchainbench                 # -mode exec
//	go run ./bench/cmd/inferchainbench -mode dispute
//
// -mode exec runs an App in this process on the genesis `provad dev` writes
// (devnet.Init: its consensus and x/infer parameters, keys and validator),
// driven through ABCI FinalizeBlock and Commit as app/blocks_helpers_test.go
// does. It delivers blocks of MsgRunModel transactions for the int8 MNIST
// MLP and CNN and reports multiply-accumulates per second of FinalizeBlock
// time (gross, and net of as many bank sends), with onnxint.Load and the
// traced Run alone for comparison. It then computes the largest model that
// MsgRunModel runs under the genesis (block max_gas, max_run_cost,
// gas_per_mac) and runs two synthetic models (internal/onnxint/onnxtest):
// one that costs exactly max_run_cost, which runs, and one a unit over,
// which the chain refuses.
//
// -mode dispute builds build/provad and runs `provad dev` (500 ms blocks by
// default) with the MNIST CNN registered for execution and `provad infer
// watch` as the challenger, against two kinds of lie, -n disputes each,
// one after another: `provad infer serve --lie-every 1`, whose lies are in
// the output (the last leaf, whose resolution re-executes nothing), and a
// claim whose trace is wrong at -lie-leaf (by default conv1's first chunk,
// the costliest step of the CNN to re-execute), posted and bisected from
// here with the wrong trace. For each dispute it reports the moves,
// transactions and gas of each party (from the blocks between the
// challenge and the settlement) and the time from the challenge to the
// slash, in block time and as the watcher saw it.
//
// Everything runs on 127.0.0.1 in a temporary directory (-workdir to
// choose, -keep to keep it).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

type options struct {
	mode                            string
	workdir, buildDir, provad       string
	skipBuild, keep                 bool
	blocks, runsPerBlock, limitRuns int
	disputes, lieLeaf               int
	blockTime, poll, timeout        time.Duration
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "inferchainbench:", err)
		os.Exit(1)
	}
}

func run() error {
	var o options
	flag.StringVar(&o.mode, "mode", "exec", "exec (MsgRunModel in process), dispute (a CNN dispute on a dev chain) or all")
	flag.IntVar(&o.blocks, "blocks", 5, "exec: blocks per model")
	flag.IntVar(&o.runsPerBlock, "runs", 40, "exec: MsgRunModel transactions per block")
	flag.IntVar(&o.limitRuns, "limit-runs", 5, "exec: runs of the synthetic model at max_run_cost")
	flag.IntVar(&o.disputes, "n", 1, "dispute: disputes to run, one after another")
	flag.IntVar(&o.lieLeaf, "lie-leaf", 2, "dispute: also dispute a claim whose trace is wrong at this leaf (2: conv1's first chunk, the costliest step to re-execute; 0: skip)")
	flag.DurationVar(&o.blockTime, "block-time", 500*time.Millisecond, "dispute: the dev chain's block time")
	flag.DurationVar(&o.poll, "poll", 0, "dispute: the daemons' --poll (0: their default)")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "dispute: give up on a dispute after this long")
	flag.StringVar(&o.workdir, "workdir", "", "directory for the work files (default: a new temporary one)")
	flag.StringVar(&o.buildDir, "build-dir", "build", "dispute: where provad is built")
	flag.BoolVar(&o.skipBuild, "skip-build", false, "dispute: use the provad already in -build-dir")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory")
	flag.Parse()

	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run from the repository root (no go.mod here)")
	}
	if o.workdir == "" {
		d, err := os.MkdirTemp("", "inferchainbench-")
		if err != nil {
			return err
		}
		o.workdir = d
	}
	if !o.keep {
		defer removeAll(o.workdir)
	} else {
		fmt.Println("work directory:", o.workdir)
	}
	fmt.Printf("CPU: %s, %d logical CPUs, GOMAXPROCS %d, %s/%s\n\n", cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
	switch o.mode {
	case "exec":
		return runExec(o, os.Stdout)
	case "dispute":
		return runDisputes(o, os.Stdout)
	case "all":
		if err := runExec(o, os.Stdout); err != nil {
			return err
		}
		fmt.Println()
		return runDisputes(o, os.Stdout)
	}
	return fmt.Errorf("-mode %q: use exec, dispute or all", o.mode)
}

// cpuModel is /proc/cpuinfo's first "model name", or "unknown".
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
