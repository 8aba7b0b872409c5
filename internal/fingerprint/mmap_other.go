//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package fingerprint

import (
	"errors"
	"os"
)

// mapRange is unavailable here; files are read with ReadAt.
func mapRange(*os.File, int64, int64) ([]byte, func(), error) {
	return nil, nil, errors.ErrUnsupported
}
