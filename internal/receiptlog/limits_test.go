package receiptlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// postRaw sends body to the entries endpoint with the given content type
// and returns the status and the error code of the answer.
func postRaw(t *testing.T, hc *http.Client, base, contentType string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+PathEntries, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var eb errorBody
	_ = json.NewDecoder(resp.Body).Decode(&eb)
	return resp.StatusCode, eb.Code
}

// manyItems is a JSON array of n copies of item, as "[item,item,...]".
func manyItems(item string, n int) string {
	var b strings.Builder
	b.Grow(n * (len(item) + 1))
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(item)
	}
	b.WriteByte(']')
	return b.String()
}

// Decoding stops at the caps: a body with far more envelopes or keys than
// allowed is refused after allocating about what the caps allow, on the
// fast path and on the encoding/json path alike.
func TestDecodeStopsAtCaps(t *testing.T) {
	pub, _ := testKey("p1")
	key := `"` + base64Std(pub) + `"`
	const n = 200_000
	for _, tc := range []struct {
		name string
		body string
		want error
	}{
		{"envelopes, fast path", `{"public_keys":[` + key + `],"envelopes":` + manyItems(`{}`, n) + `}`, ErrTooLarge},
		{"envelopes, encoding/json path", `{"public_keys":["\u0041"],"envelopes":` + manyItems(`{}`, n) + `}`, ErrTooLarge},
		{"envelopes named in another case", `{"Envelopes":` + manyItems(`{"a":[1,{"b":"]"}]}`, n) + `}`, ErrTooLarge},
		{"keys, fast path", `{"public_keys":` + manyItems(`""`, n) + `}`, ErrBadRequest},
		{"keys, encoding/json path", `{"batch":{"a":"\u0041"},"public_keys":` + manyItems(`"\u0041"`, n) + `}`, ErrBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(tc.body)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := DecodeSubmitRequest(body, 8)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			// The caps allow 8 envelopes and 64 keys: a few KiB. Decoding
			// everything would take n slice elements (>= 3 MiB).
			if got := after.TotalAlloc - before.TotalAlloc; got > 256<<10 {
				t.Fatalf("decoding allocated %d bytes for a %d-byte body", got, len(body))
			}
		})
	}
}

// Concurrent bodies full of empty envelopes or keys, each within the byte
// cap but far over the count caps, keep the heap within about twice the
// bodies the service lets in at once.
func TestSubmitMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates tens of MiB")
	}
	cfg := testConfig(t.TempDir())
	cfg.MaxRequestBytes = 4 << 20
	cfg.MaxSubmitBytes = 8 << 20
	cfg.MaxSubmits = 2
	h := newHarness(t, cfg, nil)
	pub, _ := testKey("p1")
	key := `"` + base64Std(pub) + `"`
	fill := func(prefix, item, suffix string) []byte {
		n := (int(cfg.MaxRequestBytes) - len(prefix) - len(suffix) - 2) / (len(item) + 1)
		return []byte(prefix + manyItems(item, n) + suffix)
	}
	bodies := [][]byte{
		fill(`{"public_keys":[`+key+`],"envelopes":`, `{}`, `}`),
		fill(`{"public_keys":["\u0041"],"envelopes":`, `{}`, `}`),
		fill(`{"envelopes":[{}],"public_keys":`, `""`, `}`),
		fill(`{"batch":{},"public_keys":`, `"\u0041"`, `}`),
	}
	for _, b := range bodies {
		if int64(len(b)) > cfg.MaxRequestBytes {
			t.Fatalf("test body of %d bytes is over the cap", len(b))
		}
	}
	hc := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0, DisableKeepAlives: true}}

	// The bound is on the live heap as each collection finds it
	// (/gc/heap/live:bytes): the heap's total also holds garbage waiting
	// for the next collection, which swung from 12 to 22 MiB between runs.
	// At GOGC=100 the live peak measured 8 to 11 MiB after the fix (a
	// lower GOGC reads higher, as objects allocated during a collection
	// count as live) and 297 MiB before it.
	runtime.GC()
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	base := live[0].Value.Uint64()
	var peak, peakAlloc atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/heap/frees:bytes"}}
		for {
			metrics.Read(s)
			peak.Store(max(peak.Load(), s[0].Value.Uint64()))
			peakAlloc.Store(max(peakAlloc.Load(), s[1].Value.Uint64()-s[2].Value.Uint64()))
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	const rounds, conc = 3, 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range rounds {
		for i := range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, _ := postRaw(t, hc, h.srv.URL, "application/json", bodies[i%len(bodies)])
				mu.Lock()
				statuses[st]++
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	close(stop)
	<-sampled
	growth := int64(peak.Load()) - int64(base)
	t.Logf("statuses %v (0: the client saw the connection close first), live heap growth %.1f MiB, heap with garbage at most %.1f MiB",
		statuses, float64(growth)/(1<<20), float64(peakAlloc.Load())/(1<<20))
	if bound := 2 * cfg.MaxSubmitBytes; growth > bound {
		t.Fatalf("live heap grew by %d bytes, bound %d", growth, bound)
	}
	if statuses[http.StatusOK] != 0 {
		t.Fatalf("over-cap bodies accepted: %v", statuses)
	}
	if n := h.size(t); n != 0 {
		t.Fatalf("log grew to %d", n)
	}
}

// A submit beyond MaxSubmits is refused at once with 503 and a JSON error.
func TestSubmitsInFlightCapped(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.MaxSubmits = 1
	h := newHarness(t, cfg, nil)
	// A request whose body never finishes holds the only slot.
	conn := dialStalledPost(t, h.srv.Listener.Addr().String(), 1000, `{"public_keys":[`)
	defer conn.Close()
	time.Sleep(100 * time.Millisecond) // let the server start reading it
	pub, priv := testKey("p1")
	start := time.Now()
	_, err := h.client.Submit(t.Context(), []ed25519PublicKey{pub}, envelope(t, priv, testModel, 1))
	var apiErr *APIError
	if !errors.Is(err, ErrOverloaded) || !errors.As(err, &apiErr) || apiErr.Status != http.StatusServiceUnavailable {
		t.Fatalf("second submit: %v, want 503 ErrOverloaded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("refusal took %v", d)
	}
	conn.Close()
	// The slot comes back once the stalled request is gone.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := h.client.Submit(t.Context(), []ed25519PublicKey{pub}, envelope(t, priv, testModel, 2))
		if err == nil {
			break
		}
		if !errors.Is(err, ErrOverloaded) || time.Now().After(deadline) {
			t.Fatalf("after the stalled request closed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// POSTs must declare a JSON body; anything else is 415 and appends nothing.
func TestSubmitRequiresJSONContentType(t *testing.T) {
	h := newHarness(t, testConfig(t.TempDir()), nil)
	pub, priv := testKey("p1")
	body, err := json.Marshal(SubmitRequest{PublicKeys: []string{base64Std(pub)},
		Envelopes: []json.RawMessage{envelope(t, priv, testModel, 1).Canonical()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "multipart/form-data; boundary=x", "application/json; charset"} {
		st, code := postRaw(t, http.DefaultClient, h.srv.URL, ct, body)
		if st != http.StatusUnsupportedMediaType || code != "unsupported_media_type" {
			t.Errorf("content type %q: %d %q, want 415 unsupported_media_type", ct, st, code)
		}
	}
	if n := h.size(t); n != 0 {
		t.Fatalf("log grew to %d", n)
	}
	for i, ct := range []string{"application/json", "Application/JSON; charset=utf-8"} {
		body, _ := json.Marshal(SubmitRequest{PublicKeys: []string{base64Std(pub)},
			Envelopes: []json.RawMessage{envelope(t, priv, testModel, 10+i).Canonical()}})
		if st, code := postRaw(t, http.DefaultClient, h.srv.URL, ct, body); st != http.StatusOK {
			t.Errorf("content type %q: %d %q", ct, st, code)
		}
	}
}

// rateCheck sends one GET through h as the client at remote with the given
// headers and reports whether it got through the rate limiter.
func rateCheck(hd http.Handler, remote string, header ...string) bool {
	r := httptest.NewRequest(http.MethodGet, PathLog+"nothing", nil)
	r.RemoteAddr = remote
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	hd.ServeHTTP(w, r)
	return w.Code != http.StatusTooManyRequests
}

// A limited client stays limited while others flood the table with new
// addresses, however many.
func TestRateLimitFloodDoesNotReset(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.RatePerSecond, cfg.RateBurst = 0.1, 2 // a token every 10s: none comes back during the test
	h := newHarness(t, cfg, nil)
	hd := h.svc.Handler()
	const abuser = "192.0.2.1:4000"
	for range cfg.RateBurst {
		if !rateCheck(hd, abuser) {
			t.Fatal("limited within its burst")
		}
	}
	if rateCheck(hd, abuser) {
		t.Fatal("not limited past its burst")
	}
	// More distinct addresses than the table holds (the old limiter wiped
	// everyone at 65,536).
	for i := range DefaultRateClients + 100 {
		rateCheck(hd, fmt.Sprintf("10.%d.%d.%d:1", i>>16&0xff, i>>8&0xff, i&0xff))
	}
	if rateCheck(hd, abuser) {
		t.Fatal("the flood of new addresses reset a limited client's budget")
	}
}

// Clients are keyed by IP, not IP:port, and IPv6 clients by their /64.
func TestRateLimitKeysByIP(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.RatePerSecond, cfg.RateBurst = 0.1, 2
	for _, tc := range []struct {
		name    string
		remotes []string // all one client
	}{
		{"ipv4 ports", []string{"192.0.2.1:1", "192.0.2.1:2", "192.0.2.1:3"}},
		{"ipv6 /64", []string{"[2001:db8:1:2::1]:1", "[2001:db8:1:2:ffff::9]:2", "[2001:db8:1:2:abcd::]:3"}},
		{"ipv4-mapped", []string{"192.0.2.7:1", "[::ffff:192.0.2.7]:2", "192.0.2.7:3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hd := newHarness(t, cfg, nil).svc.Handler()
			for i, r := range tc.remotes {
				if ok := rateCheck(hd, r); ok != (i < cfg.RateBurst) {
					t.Fatalf("request %d from %s: allowed %v", i, r, ok)
				}
			}
			if !rateCheck(hd, "[2001:db8:1:3::1]:1") || !rateCheck(hd, "192.0.2.200:1") {
				t.Fatal("another client was limited")
			}
		})
	}
}

// The proxy header is used only when configured, and then its right-most
// address is the client.
func TestRateLimitTrustedProxyHeader(t *testing.T) {
	const proxy = "127.0.0.1:5555"
	t.Run("unset: headers ignored", func(t *testing.T) {
		cfg := testConfig(t.TempDir())
		cfg.RatePerSecond, cfg.RateBurst = 0.1, 2
		hd := newHarness(t, cfg, nil).svc.Handler()
		var allowed int
		for i := range 5 {
			if rateCheck(hd, proxy, "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i)) {
				allowed++
			}
		}
		if allowed != cfg.RateBurst {
			t.Fatalf("%d of 5 allowed, want %d: the header was trusted", allowed, cfg.RateBurst)
		}
	})
	t.Run("set: right-most address", func(t *testing.T) {
		cfg := testConfig(t.TempDir())
		cfg.RatePerSecond, cfg.RateBurst = 0.1, 2
		cfg.TrustedProxyHeader = "X-Forwarded-For"
		hd := newHarness(t, cfg, nil).svc.Handler()
		// Distinct clients behind the proxy each get their own budget.
		for i := range 5 {
			if !rateCheck(hd, proxy, "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i)) {
				t.Fatalf("client %d behind the proxy limited", i)
			}
		}
		// A client cannot escape its budget by sending its own header: the
		// proxy appends the address it saw, and that one counts.
		var allowed int
		for i := range 5 {
			if rateCheck(hd, proxy, "X-Forwarded-For", fmt.Sprintf("203.0.113.%d, 198.51.100.77", i)) {
				allowed++
			}
		}
		if allowed != cfg.RateBurst {
			t.Fatalf("%d of 5 allowed with a rotating spoofed left part, want %d", allowed, cfg.RateBurst)
		}
		// With the header on several lines, the last line's last address counts.
		allowed = 0
		for i := range 5 {
			if rateCheck(hd, proxy, "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i), "X-Forwarded-For", "198.51.100.88") {
				allowed++
			}
		}
		if allowed != cfg.RateBurst {
			t.Fatalf("%d of 5 allowed over several header lines, want %d", allowed, cfg.RateBurst)
		}
	})
}

// The table stays within RateClients; only refilled buckets leave it, so
// it shrinks back once a flood stops, and newcomers share the overflow
// bucket while it is full.
func TestRateLimiterBounded(t *testing.T) {
	cfg := DefaultConfig(t.TempDir())
	cfg.RatePerSecond, cfg.RateBurst, cfg.RateClients = 1, 2, 100
	rl := newRateLimiter(cfg)
	now := time.Unix(1_800_000_000, 0)
	limited := "192.0.2.1"
	for range 3 {
		rl.allow(limited, now)
	}
	var overflowAllowed int
	for i := range 1000 {
		if rl.allow(fmt.Sprintf("10.0.%d.%d", i>>8, i&0xff), now) && i >= cfg.RateClients-1 { // the limited client holds one place
			overflowAllowed++
		}
		if n := rl.len(); n > cfg.RateClients {
			t.Fatalf("table holds %d buckets, bound %d", n, cfg.RateClients)
		}
	}
	if overflowAllowed != cfg.RateBurst {
		t.Fatalf("%d requests allowed past the full table, want the overflow bucket's %d", overflowAllowed, cfg.RateBurst)
	}
	if rl.allow(limited, now) {
		t.Fatal("limited client reset")
	}
	// Once every bucket has refilled, new clients replace them.
	later := now.Add(rl.idle)
	for i := range cfg.RateClients {
		if !rl.allow(fmt.Sprintf("10.1.%d.%d", i>>8, i&0xff), later) {
			t.Fatalf("new client %d refused after the table refilled", i)
		}
	}
	if n := rl.len(); n != cfg.RateClients {
		t.Fatalf("table holds %d buckets, want %d", n, cfg.RateClients)
	}
}
