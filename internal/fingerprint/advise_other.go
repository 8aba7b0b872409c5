//go:build !linux

package fingerprint

import "os"

// adviseSequential is a no-op where posix_fadvise is not available; the
// operating system's own read-ahead applies.
func adviseSequential(*os.File) {}
