//go:build !linux

package fingerprint

import (
	"context"
	"os"
)

// adviseSequential is a no-op where posix_fadvise is not available.
func adviseSequential(*os.File) {}

// prefetch is a no-op where posix_fadvise is not available: the operating
// system's own read-ahead is all there is.
func prefetch(context.Context, []fileEntry, []span, []piece, []int, int, <-chan struct{}) {}
