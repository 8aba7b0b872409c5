package inferd

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/tensorio"
)

// TestProviderAPI checks the HTTP API's answers and refusals without a
// running provider: the handler alone, with the claim wait off.
func TestProviderAPI(t *testing.T) {
	prog := newFakeProgram(3)
	fc := newFakeChain(prog, testModelID)
	cfg := providerConfig(t.TempDir())
	cfg.ClaimWait, cfg.MaxBody, cfg.MaxConcurrent = 0, 64, 1
	p, err := NewProvider(cfg, prog, fc.chain(testAddr(1)), testLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()

	do := func(method, path, ctype string, body []byte) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	// An inference: the answer, its run stored, its inputs served.
	code, b := do("POST", PathInfer, "application/json", []byte("[1, 2, 3, 4]"))
	if code != http.StatusOK {
		t.Fatalf("infer: %d %s", code, b)
	}
	var r InferResponse
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	honest, _ := Execute(prog, fakeInput(1, 2, 3, 4), false)
	if r.Run != 1 || r.TraceRoot != DigestText(honest.Root) || r.TraceSize != 5 || !r.Pending || r.ClaimID != 0 ||
		r.Argmax == nil || *r.Argmax != tensorio.Argmax(honest.Outputs[0]) || r.Outputs["y"].DType != "int32" {
		t.Fatalf("answer %s", b)
	}
	if code, b = do("GET", PathInputs+r.InputDigest, "", nil); code != http.StatusOK || sha256.Sum256(b) != honest.InputDigest {
		t.Fatalf("inputs: %d", code)
	}
	if code, b = do("GET", PathInfo, "", nil); code != http.StatusOK || !strings.Contains(string(b), testModelID) || !strings.Contains(string(b), `"runs":1`) {
		t.Fatalf("info: %d %s", code, b)
	}

	refusals := []struct {
		name, method, path string
		body               []byte
		status             int
		code, msg          string
	}{
		{"body over the cap", "POST", PathInfer, bytes.Repeat([]byte(" "), 65), 413, "too_large", "body over 64 bytes"},
		{"not an input", "POST", PathInfer, []byte("hello"), 400, "bad_request", "neither a .npy file nor JSON"},
		{"wrong shape", "POST", PathInfer, []byte("[1, 2, 3]"), 400, "bad_request", "shape"},
		{"bad digest", "GET", PathInputs + "sha256:zz", nil, 400, "bad_request", "not a sha256 digest"},
		{"unknown digest", "GET", PathInputs + DigestText(sha256.Sum256(nil)), nil, 404, "not_found", "no run with that input digest"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			code, b := do(tc.method, tc.path, "application/json", tc.body)
			var e map[string]string
			if code != tc.status || json.Unmarshal(b, &e) != nil || e["code"] != tc.code || !strings.Contains(e["error"], tc.msg) {
				t.Fatalf("%d %s", code, b)
			}
		})
	}
	if code, _ := do("DELETE", PathInfer, "", nil); code != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE: %d", code)
	}

	// Full: refused at once with Retry-After.
	for range cap(p.admit) {
		p.admit <- struct{}{}
	}
	resp, err := http.Post(srv.URL+PathInfer, "application/json", strings.NewReader("[1, 2, 3, 4]"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("busy: %d", resp.StatusCode)
	}
	for range cap(p.admit) {
		<-p.admit
	}

	// An internal failure (the store is gone) is not echoed.
	p.store.Close()
	code, b = do("POST", PathInfer, "application/json", []byte("[1, 2, 3, 4]"))
	if code != http.StatusInternalServerError || !strings.Contains(string(b), `"error":"internal error"`) || strings.Contains(string(b), "closed") {
		t.Fatalf("internal error: %d %s", code, b)
	}
}

func TestLineReporter(t *testing.T) {
	var text, js bytes.Buffer
	e := event(EventChallenged, map[string]any{"claim_id": uint64(4), "dispute_id": uint64(2)}, "challenged claim %d: dispute %d", 4, 2)
	LineReporter(&text, false)(e)
	LineReporter(&js, true)(e)
	if text.String() != "challenged claim 4: dispute 2\n" {
		t.Fatalf("text %q", text.String())
	}
	if js.String() != `{"claim_id":4,"dispute_id":2,"event":"challenged","text":"challenged claim 4: dispute 2"}`+"\n" {
		t.Fatalf("json %q", js.String())
	}
}
