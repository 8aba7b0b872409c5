// Command loadgen submits a bounded set of transactions to one CometBFT node
// and reports committed transactions per second and commit latency. It runs
// as its own process, apart from the node it loads.
//
//	loadgen --target provad --home H --rpc URL --n 20000 [--rate 1500]
//	loadgen --target kvstore --rpc URL --n 20000 --tx-size 250
//
// For provad it signs every bank send before the timed phase; for kvstore
// it builds key=value transactions of about the same size.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prova-network/prova/bench/loadgen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		target  = flag.String("target", "provad", "provad (bank sends) or kvstore (key=value)")
		rpc     = flag.String("rpc", "http://127.0.0.1:26657", "CometBFT RPC address of the node")
		home    = flag.String("home", "", "provad node home made by devnet.Init (provad only): chain ID and sender keys")
		prefix  = flag.String("senders", "load", "provad: use the home's accounts whose names start with this")
		n       = flag.Int("n", 5000, "number of transactions")
		lanes   = flag.Int("lanes", 0, "kvstore: number of lanes (like sender accounts); 0 = 100")
		txSize  = flag.Int("tx-size", 250, "kvstore: bytes per transaction")
		rate    = flag.Float64("rate", 0, "cap on submissions per second; 0 = none")
		workers = flag.Int("workers", loadgen.DefaultWorkers, "concurrent submitters")
		timeout = flag.Duration("timeout", loadgen.DefaultTimeout, "hard limit on the timed phase")
		out     = flag.String("out", "", "write the result as JSON to this file")
	)
	flag.Parse()
	if *n <= 0 {
		return fmt.Errorf("--n must be positive")
	}

	prepStart := time.Now()
	var txs []loadgen.Tx
	var err error
	switch *target {
	case "provad":
		if *home == "" {
			return fmt.Errorf("--home is required for --target provad")
		}
		txs, err = bankSends(*home, *rpc, *prefix, *n)
	case "kvstore":
		l := *lanes
		if l <= 0 {
			l = 100
		}
		txs = kvTxs(*n, l, *txSize)
	default:
		return fmt.Errorf("unknown --target %q (want provad or kvstore)", *target)
	}
	if err != nil {
		return err
	}
	slog.Info("transactions prepared", "target", *target, "n", len(txs), "took", time.Since(prepStart).Round(time.Millisecond))

	cfg := loadgen.Config{RPCURL: *rpc, Workers: *workers, Rate: *rate, Timeout: *timeout}
	res, err := loadgen.Run(context.Background(), cfg, *target, txs)
	if err != nil {
		return err
	}
	fmt.Println(res)
	if *out != "" {
		bz, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, append(bz, '\n'), 0o644); err != nil {
			return err
		}
	}
	if res.Committed == 0 {
		return fmt.Errorf("nothing committed: %v", res.RejectSamples)
	}
	return nil
}
