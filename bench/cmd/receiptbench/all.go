package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// runAll measures the log (served: the service in a child process; with
// --inproc-log in this one) and both baselines in one run, one after the
// other, and prints them side by side.
func runAll(ctx context.Context, o options) error {
	logMode, logRun := "served", runServed
	if o.inprocLog {
		logMode, logRun = "inproc", runInproc
	}
	phases := []struct {
		mode string
		run  func(context.Context, options) (*result, error)
	}{
		{logMode, logRun},
		{"tessera-raw", runRaw},
		{"chain-tx", runChain},
	}
	var rs []*result
	for _, p := range phases {
		po := o
		po.mode = p.mode
		before := loadavg()
		fmt.Fprintf(os.Stderr, "receiptbench: %s (load average %s)\n", p.mode, before)
		r, err := p.run(ctx, po)
		if err != nil {
			return fmt.Errorf("%s: %w", p.mode, err)
		}
		r.LoadBefore, r.LoadAfter = before, loadavg()
		r.IOPressure = ioPressure()
		rs = append(rs, r)
	}
	if o.out == "json" {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rs)
	}
	log := rs[0]
	fmt.Printf("%-12s %10s %12s %10s %10s %10s  %s\n", "mode", "receipts", "receipts/s", "p50 ms", "p99 ms", "log/this", "load average before → after; I/O pressure after")
	for _, r := range rs {
		fmt.Printf("%-12s %10d %12.0f %10.1f %10.1f %9.1fx  %s → %s; %s\n", r.Mode, r.Receipts, r.ReceiptsPerSec, r.P50Ms, r.P99Ms,
			log.ReceiptsPerSec/r.ReceiptsPerSec, r.LoadBefore, r.LoadAfter, r.IOPressure)
	}
	if log.Proofs > 0 {
		fmt.Printf("inclusion proofs (%s): %.0f/s (%d in %.2fs, sample verified: %v)\n", log.Mode, log.ProofsPerSec, log.Proofs, log.ProofSeconds, log.ProofsChecked)
	}
	fmt.Printf("receipts: %d per request (%s), %d conns; chain-tx: %d transactions of one receipt\n", o.batch, o.kind(), o.conns, rs[2].Receipts)
	return nil
}

// ioPressure returns the kernel's I/O pressure line "some avg10=… avg60=…"
// (the share of time some task waited for I/O), or "unknown".
func ioPressure() string {
	bz, err := os.ReadFile("/proc/pressure/io")
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(string(bz), "\n")
	f := strings.Fields(line)
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// loadavg returns the 1, 5 and 15 minute load averages.
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
