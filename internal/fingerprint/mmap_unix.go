//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package fingerprint

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapRange maps bytes [off, off+n) of fh read-only and returns them with the
// function that unmaps them. The map starts at the page boundary at or
// before off. The kernel is told the range is read front to back, so it
// reads ahead on page faults and drops pages behind.
func mapRange(fh *os.File, off, n int64) ([]byte, func(), error) {
	page := int64(os.Getpagesize())
	base := off &^ (page - 1)
	m, err := unix.Mmap(int(fh.Fd()), base, int(off+n-base), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	_ = unix.Madvise(m, unix.MADV_SEQUENTIAL) // advice only
	return m[off-base:], func() { _ = unix.Munmap(m) }, nil
}
