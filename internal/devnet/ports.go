package devnet

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FreePorts picks unused loopback ports for one node.
//
// A port that is free when it is picked must still be free when the node
// binds it, seconds later, while other provad processes (the nodes of a
// parallel test, another `testnet init-files`) pick theirs. So the ports
// come from below the kernel's ephemeral range, which outgoing connections
// draw their local ports from, and each is reserved machine-wide by a file
// in a shared directory (see reservePort) before it is handed out. Without
// that range or directory it falls back to a port the kernel picks.
func FreePorts() (Ports, error) {
	var ps [6]int
	for i := range ps {
		p, err := freePort()
		if err != nil {
			return Ports{}, err
		}
		ps[i] = p
	}
	return Ports{RPC: ps[0], P2P: ps[1], API: ps[2], GRPC: ps[3], Metrics: ps[4], Receipts: ps[5]}, nil
}

// Ports below the ephemeral range: [minPort, the range's start).
const minPort = 10000

// portLease is how long a reservation holds; an older reservation file is
// taken over (its network is long gone, or was never started).
const portLease = 12 * time.Hour

var (
	portsMu   sync.Mutex
	portsUsed = map[int]bool{} // handed out by this process
)

func freePort() (int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	if hi := ephemeralStart(); hi-minPort >= 1000 {
		for range 500 {
			p := minPort + rand.IntN(hi-minPort)
			if portsUsed[p] || !bindable(p) || !reservePort(p) {
				continue
			}
			portsUsed[p] = true
			return p, nil
		}
	}
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find a free port: %w", err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !portsUsed[p] {
			portsUsed[p] = true
			return p, nil
		}
	}
	return 0, errors.New("find a free port: the kernel keeps returning ports already handed out")
}

// ephemeralStart returns the first port of the kernel's ephemeral range, or
// 0 where it cannot be read.
func ephemeralStart() int {
	bz, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(bz))
	if len(f) != 2 {
		return 0
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil || lo > 65535 {
		return 0
	}
	return lo
}

func bindable(p int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// reservePort claims p for portLease by creating a file named after it in
// a directory shared by this machine's provad processes; it fails if
// another process holds a live reservation.
func reservePort(p int) bool {
	dir := filepath.Join(os.TempDir(), "prova-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return true // no shared directory: the bind check alone
	}
	path := filepath.Join(dir, strconv.Itoa(p))
	for range 2 {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
		if err == nil {
			fmt.Fprintf(f, "%d\n", os.Getpid())
			f.Close()
			return true
		}
		if !errors.Is(err, fs.ErrExist) {
			return true
		}
		st, err := os.Stat(path)
		if err != nil || time.Since(st.ModTime()) < portLease {
			return false
		}
		// Stale: take it over. If two processes race here, one of them
		// loses the O_EXCL create above.
		_ = os.Remove(path)
	}
	return false
}
