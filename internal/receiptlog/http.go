package receiptlog

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// API paths.
const (
	PathEntries     = "/prova/receipts/v1/entries"
	PathProof       = "/prova/receipts/v1/proof"
	PathConsistency = "/prova/receipts/v1/consistency"
	PathCheckpoint  = "/prova/receipts/v1/checkpoint"
	PathLog         = "/prova/receipts/v1/log/"
)

// ConsistencyResponse answers GET consistency.
type ConsistencyResponse struct {
	LogID string   `json:"log_id"`
	From  uint64   `json:"from"`
	To    uint64   `json:"to"`
	Proof [][]byte `json:"proof"`
}

type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// Handler returns the HTTP API.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathEntries, s.handleSubmit)
	mux.HandleFunc("GET "+PathProof, s.handleProof)
	mux.HandleFunc("GET "+PathConsistency, s.handleConsistency)
	mux.HandleFunc("GET "+PathCheckpoint, s.handleCheckpoint)
	mux.HandleFunc("GET "+PathLog, s.handleLogFile)
	return s.rateLimit(mux)
}

func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := statusOf(err)
	switch status {
	case http.StatusInternalServerError:
		s.log.Error("receipt log: request failed", "path", r.URL.Path, "err", err)
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, status, errorBody{Error: msg, Code: code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Service) handleSubmit(w http.ResponseWriter, r *http.Request) {
	if !isJSON(r.Header.Get("Content-Type")) {
		s.writeError(w, r, ErrUnsupportedMediaType)
		return
	}
	tooLarge := fmt.Errorf("%w: body over %d bytes", ErrTooLarge, s.cfg.MaxRequestBytes)
	if r.ContentLength > s.cfg.MaxRequestBytes {
		s.writeError(w, r, tooLarge)
		return
	}
	if !s.submits.enter() {
		s.writeError(w, r, fmt.Errorf("%w: too many submissions in flight", ErrOverloaded))
		return
	}
	var held int64
	defer func() { s.submits.leave(held) }()
	body, err := s.submits.readBody(http.MaxBytesReader(w, r.Body, s.cfg.MaxRequestBytes), r.ContentLength, s.cfg.MaxRequestBytes, &held)
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			s.writeError(w, r, tooLarge)
		case errors.Is(err, ErrOverloaded):
			s.writeError(w, r, err)
		default:
			s.writeError(w, r, fmt.Errorf("%w: reading body", ErrBadRequest))
		}
		return
	}
	req, pubs, err := DecodeSubmitRequest(body, s.cfg.MaxEntries)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.Submit(r.Context(), req, pubs)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// isJSON reports whether a Content-Type names JSON (parameters such as
// charset allowed).
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

func queryUint(r *http.Request, name string, required bool) (uint64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		if required {
			return 0, fmt.Errorf("%w: %s is required", ErrBadRequest, name)
		}
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s must be a decimal number", ErrBadRequest, name)
	}
	return n, nil
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

func (s *Service) handleProof(w http.ResponseWriter, r *http.Request) {
	index, err := queryUint(r, "index", true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	size, err := queryUint(r, "tree_size", false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b, cp, err := s.bundle(r.Context(), index, size)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	bp := bufPool.Get().(*[]byte)
	out := appendBundleJSON((*bp)[:0], b, s.quotedOrigin, cp.quoted)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	_, _ = w.Write(out)
	*bp = out
	bufPool.Put(bp)
}

func (s *Service) handleConsistency(w http.ResponseWriter, r *http.Request) {
	from, err := queryUint(r, "from", true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	to, err := queryUint(r, "to", true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.ConsistencyProof(r.Context(), from, to)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ConsistencyResponse{LogID: s.origin, From: from, To: to, Proof: p})
}

func (s *Service) handleCheckpoint(w http.ResponseWriter, r *http.Request) {
	cp, err := s.LatestCheckpoint(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(cp)
}

// logFilePath matches exactly the tlog-tiles resources: the checkpoint,
// hash tiles tile/<L>/<N>[.p/<W>] and entry bundles
// tile/entries/<N>[.p/<W>], with <N> in x000/.../000 form. Nothing else
// under the directory is reachable and no listing is served.
var logFilePath = regexp.MustCompile(`^(checkpoint|tile/([0-9]|[1-5][0-9]|6[0-3]|entries)/(x[0-9]{3}/)*[0-9]{3}(\.p/([1-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5]))?)$`)

func (s *Service) handleLogFile(w http.ResponseWriter, r *http.Request) {
	rel := r.URL.Path[len(PathLog):]
	if !logFilePath.MatchString(rel) {
		s.writeError(w, r, fmt.Errorf("%w: no such log resource", ErrNotFound))
		return
	}
	b, err := os.ReadFile(filepath.Join(s.cfg.Dir, logSubdir, filepath.FromSlash(rel)))
	if errors.Is(err, os.ErrNotExist) {
		s.writeError(w, r, fmt.Errorf("%w: no such log resource", ErrNotFound))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rel == "checkpoint" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
		if !strings.Contains(rel, ".p/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
	}
	_, _ = w.Write(b)
}

func quoteJSON(s string) []byte { b, _ := json.Marshal(s); return b }
