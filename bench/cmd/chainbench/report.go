package main

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// printTable writes the results side by side, with provad/kvstore ratios
// when both ran.
func printTable(w io.Writer, o options, ps []phase) {
	fmt.Fprintf(w, "\nchain benchmark: %d txs per target, %d senders/lanes, %d workers, rate cap %s, block time %s, mempool %d\n",
		o.n, o.accounts, o.workers, rateText(o.rate), o.blockTime, o.mempoolSize)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "\t"
	for _, p := range ps {
		header += p.Result.Target + "\t"
	}
	ratio := len(ps) == 2
	if ratio {
		header += "provad/kvstore\t"
	}
	fmt.Fprintln(tw, header)
	row := func(name string, v func(phase) float64, format string) {
		line := name + "\t"
		for _, p := range ps {
			line += fmt.Sprintf(format, v(p)) + "\t"
		}
		if ratio && v(ps[1]) != 0 {
			line += fmt.Sprintf("%.2f", v(ps[0])/v(ps[1])) + "\t"
		} else if ratio {
			line += "-\t"
		}
		fmt.Fprintln(tw, line)
	}
	row("committed tx/s", func(p phase) float64 { return p.Result.TPS }, "%.0f")
	row("p50 commit latency (ms)", func(p phase) float64 { return p.Result.P50Ms }, "%.0f")
	row("p99 commit latency (ms)", func(p phase) float64 { return p.Result.P99Ms }, "%.0f")
	row("committed", func(p phase) float64 { return float64(p.Result.Committed) }, "%.0f")
	row("rejected", func(p phase) float64 { return float64(p.Result.Rejected) }, "%.0f")
	row("failed in block", func(p phase) float64 { return float64(p.Result.FailedInBlock) }, "%.0f")
	row("uncommitted", func(p phase) float64 { return float64(p.Result.Uncommitted) }, "%.0f")
	row("duration (s)", func(p phase) float64 { return p.Result.DurationS }, "%.1f")
	row("submit phase (s)", func(p phase) float64 { return p.Result.SubmitS }, "%.1f")
	row("blocks", func(p phase) float64 { return float64(p.Result.Blocks) }, "%.0f")
	row("max txs in a block", func(p phase) float64 { return float64(p.Result.MaxBlockTxs) }, "%.0f")
	row("mean tx bytes", func(p phase) float64 { return float64(p.Result.MeanTxBytes) }, "%.0f")
	tw.Flush()
	for _, p := range ps {
		fmt.Fprintf(w, "%s: load average before %s, after %s\n", p.Result.Target, p.LoadBefore, p.LoadAfter)
	}
}

func rateText(r float64) string {
	if r <= 0 {
		return "none"
	}
	return fmt.Sprintf("%.0f/s", r)
}
