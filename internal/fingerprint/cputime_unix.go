//go:build linux || darwin || freebsd || openbsd || dragonfly

package fingerprint

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadCPU returns the CPU time the calling thread has used (user and
// system), for ReadAuto's timing; the caller has locked its goroutine to
// the thread. Tests replace it.
var threadCPU = func() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
