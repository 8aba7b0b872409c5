//go:build !(linux || darwin || freebsd || openbsd || dragonfly)

package fingerprint

import "time"

// threadCPU has no per-thread CPU clock here, so ReadAuto reads.
var threadCPU = func() (time.Duration, bool) { return 0, false }
