package receiptlog

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type ed25519PublicKey = ed25519.PublicKey

// dialStalledPost opens a connection to addr and sends the headers of a
// POST with the given content length and the start of its body, and then
// nothing.
func dialStalledPost(t *testing.T, addr string, contentLength int, start string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, err = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		PathEntries, contentLength, start)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// serve runs NewHTTPServer(h, cfg) on Listen("127.0.0.1:0", cfg.MaxConns).
func serve(t *testing.T, h http.Handler, cfg Config) string {
	t.Helper()
	ln, err := Listen("127.0.0.1:0", cfg.MaxConns)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewHTTPServer(h, cfg, nil)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// A client that sends its headers and then stalls mid-body is cut off
// after the read timeout.
func TestHTTPServerDropsStalledBody(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.ReadTimeout, cfg.WriteTimeout = 300*time.Millisecond, 500*time.Millisecond
	h := newHarness(t, cfg, nil)
	addr := serve(t, h.svc.Handler(), cfg)
	conn := dialStalledPost(t, addr, 1000, `{"public_keys":[`)
	defer conn.Close()
	start := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.ReadAll(conn) // an error answer, if any, then EOF
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection still open after %v", time.Since(start))
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("connection closed only after %v", d)
	}
}

// Connections beyond MaxConns wait; they are not served concurrently.
func TestListenCapsConnections(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.MaxConns = 2
	var in, most atomic.Int32
	release := make(chan struct{})
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := in.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-release
		in.Add(-1)
	}), cfg)
	const clients = 5
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
			resp, err := hc.Get("http://" + addr + "/")
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
		}()
	}
	deadline := time.Now().Add(5 * time.Second)
	for in.Load() < int32(cfg.MaxConns) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // room for the others to get in, if they could
	if m := most.Load(); m != int32(cfg.MaxConns) {
		t.Fatalf("%d requests served at once, cap %d", m, cfg.MaxConns)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("client: %v", err)
	}
}
