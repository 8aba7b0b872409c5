package devnet

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestFreePorts: ports handed out are distinct, bindable, below the
// ephemeral range where the kernel has one, and reserved in the shared
// directory, so a second process skips them.
func TestFreePorts(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	seen := map[int]bool{}
	for range 20 {
		ps, err := FreePorts()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []int{ps.RPC, ps.P2P, ps.API, ps.GRPC, ps.Metrics, ps.Receipts} {
			if seen[p] {
				t.Fatalf("port %d handed out twice", p)
			}
			seen[p] = true
			if hi := ephemeralStart(); hi-minPort >= 1000 {
				if p < minPort || p >= hi {
					t.Fatalf("port %d outside [%d, %d)", p, minPort, hi)
				}
				if _, err := os.Stat(filepath.Join(os.TempDir(), "prova-ports", strconv.Itoa(p))); err != nil {
					t.Fatalf("port %d not reserved: %v", p, err)
				}
				// Another process cannot reserve it.
				if reservePort(p) {
					t.Fatalf("port %d reserved twice", p)
				}
			}
		}
	}
}

// TestReservePortStale: a reservation older than the lease is taken over.
func TestReservePortStale(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	if !reservePort(12345) || reservePort(12345) {
		t.Fatal("a fresh reservation must hold")
	}
	old := time.Now().Add(-portLease - time.Minute)
	path := filepath.Join(os.TempDir(), "prova-ports", "12345")
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	if !reservePort(12345) {
		t.Fatal("a stale reservation was not taken over")
	}
}
