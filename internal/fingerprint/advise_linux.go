//go:build linux

package fingerprint

import (
	"os"

	"golang.org/x/sys/unix"
)

// adviseSequential tells the kernel that fh is read front to back, which
// doubles its read-ahead window. Advice is best effort; errors are ignored.
func adviseSequential(fh *os.File) {
	_ = unix.Fadvise(int(fh.Fd()), 0, 0, unix.FADV_SEQUENTIAL)
}
