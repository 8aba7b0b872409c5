package receiptlog

import (
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync"
)

// NewHTTPServer returns the server for the log's API h with cfg's
// timeouts and header cap. Serve it on a listener from Listen, which caps
// connections: the two together keep slow or stalled clients from holding
// connections, goroutines and memory for ever. logger may be nil.
//
// ReadTimeout bounds the whole request, body included, so a client that
// sends its headers and stalls mid-body is cut off; WriteTimeout runs
// from the end of the headers to the end of the answer.
func NewHTTPServer(h http.Handler, cfg Config, logger *slog.Logger) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
	}
	if logger != nil {
		srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	} else {
		srv.ErrorLog = log.New(discard{}, "", 0)
	}
	return srv
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Listen listens on the TCP address addr and accepts at most maxConns
// connections at a time (0: no cap). Beyond the cap Accept waits for one
// to close, so further clients wait in the kernel's accept queue instead
// of being served concurrently.
func Listen(addr string, maxConns int) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil || maxConns <= 0 {
		return ln, err
	}
	return &limitListener{Listener: ln, slots: make(chan struct{}, maxConns), done: make(chan struct{})}, nil
}

// limitListener is golang.org/x/net/netutil's LimitListener, written out
// to keep x/net an indirect dependency.
type limitListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
