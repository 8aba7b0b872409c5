package loadgen

import (
	"slices"
	"time"
)

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of ds,
// or 0 for an empty slice. ds is not modified.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	// Nearest rank: the smallest value with at least p% of samples at or below it.
	rank := int(float64(len(s))*p/100 + 0.999999999)
	rank = max(1, min(rank, len(s)))
	return s[rank-1]
}

// Millis converts d to fractional milliseconds for reports.
func Millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
