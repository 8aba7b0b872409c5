package receiptlog

import (
	"container/list"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateLimiter is a token bucket per client: per IPv4 address, per IPv6
// /64 (what one host is usually given, so rotating addresses inside it
// gains nothing). The table holds at most max buckets and is never wiped:
// a bucket is dropped only after it has gone unseen long enough to have
// refilled (idle), when dropping it loses nothing, so neither a flood of
// new addresses nor time resets a client that is being limited. When the
// table is full of buckets still in use, clients not in it share one
// overflow bucket: those flooding then limit each other, and the clients
// already in the table keep their own budgets.
type rateLimiter struct {
	limit  rate.Limit
	burst  int
	idle   time.Duration
	max    int
	header string // trusted proxy header; "" ignores headers

	mu       sync.Mutex
	m        map[string]*list.Element // of *bucket
	lru      *list.List               // most recently seen first
	overflow *rate.Limiter
}

type bucket struct {
	client string
	lim    *rate.Limiter
	seen   time.Time
}

func newRateLimiter(cfg Config) *rateLimiter {
	if cfg.RatePerSecond <= 0 {
		return nil
	}
	// A drained bucket is full again after burst/rate; a second more
	// covers rounding.
	idle := time.Duration(float64(cfg.RateBurst)/cfg.RatePerSecond*float64(time.Second)) + time.Second
	return &rateLimiter{
		limit: rate.Limit(cfg.RatePerSecond), burst: cfg.RateBurst, idle: idle,
		max: cfg.RateClients, header: cfg.TrustedProxyHeader,
		m: make(map[string]*list.Element), lru: list.New(),
		overflow: rate.NewLimiter(rate.Limit(cfg.RatePerSecond), cfg.RateBurst),
	}
}

// allow takes a token from client's bucket.
func (rl *rateLimiter) allow(client string, now time.Time) bool {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if e, ok := rl.m[client]; ok {
		b := e.Value.(*bucket)
		b.seen = now
		rl.lru.MoveToFront(e)
		return b.lim.AllowN(now, 1)
	}
	// Drop up to two refilled buckets per new client, so the table
	// shrinks back as fast as it can grow.
	for range 2 {
		e := rl.lru.Back()
		if e == nil || now.Sub(e.Value.(*bucket).seen) < rl.idle {
			break
		}
		delete(rl.m, e.Value.(*bucket).client)
		rl.lru.Remove(e)
	}
	if rl.lru.Len() >= rl.max {
		return rl.overflow.AllowN(now, 1)
	}
	b := &bucket{client: client, lim: rate.NewLimiter(rl.limit, rl.burst), seen: now}
	rl.m[client] = rl.lru.PushFront(b)
	return b.lim.AllowN(now, 1)
}

// len is the number of buckets held.
func (rl *rateLimiter) len() int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return rl.lru.Len()
}

// clientOf is the rate limiting key of r: the right-most address in the
// trusted proxy header if one is configured and holds an address, else
// the connection's address. The right-most entry is the one the proxy
// itself added; anything left of it came from the client.
func (rl *rateLimiter) clientOf(r *http.Request) string {
	if rl.header != "" {
		if lines := r.Header.Values(rl.header); len(lines) > 0 {
			last := lines[len(lines)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if a, ok := parseClientAddr(last); ok {
				return clientKey(a)
			}
		}
	}
	if a, ok := parseClientAddr(r.RemoteAddr); ok {
		return clientKey(a)
	}
	return r.RemoteAddr
}

// parseClientAddr reads an address as X-Forwarded-For, RFC 7239's
// Forwarded ("for=...") or a RemoteAddr write it: bare, with a port, or
// bracketed.
func parseClientAddr(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	for _, p := range strings.Split(s, ";") {
		if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "for") {
			s = strings.Trim(v, `"`)
			break
		}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	return a, err == nil
}

// clientKey is an IPv4 address, or the /64 of an IPv6 one.
func clientKey(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

func (s *Service) rateLimit(next http.Handler) http.Handler {
	if s.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.limiter.allow(s.limiter.clientOf(r), time.Now()) {
			s.writeError(w, r, ErrRateLimited)
			return
		}
		next.ServeHTTP(w, r)
	})
}
