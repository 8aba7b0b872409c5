package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// tamperProxy sits in front of a node's CometBFT RPC and alters responses
// with mutate (JSON-RPC result objects, by method name).
func tamperProxy(t *testing.T, rpcURL string, mutate func(method string, result map[string]any)) string {
	t.Helper()
	target, err := url.Parse(rpcURL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		method := resp.Request.Header.Get("X-Tamper-Method")
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var msg map[string]any
		if json.Unmarshal(body, &msg) == nil {
			if res, ok := msg["result"].(map[string]any); ok {
				mutate(method, res)
				body, _ = json.Marshal(msg)
			}
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Learn the JSON-RPC method (POST body or GET path) for the mutator.
		method := strings.TrimPrefix(r.URL.Path, "/")
		if r.Method == http.MethodPost {
			bz, _ := io.ReadAll(r.Body)
			var req struct {
				Method string `json:"method"`
			}
			_ = json.Unmarshal(bz, &req)
			method = req.Method
			r.Body = io.NopCloser(bytes.NewReader(bz))
		}
		r.Header.Set("X-Tamper-Method", method)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// flipBase64 flips one bit in a base64 string.
func flipBase64(s string) string {
	bz, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(bz) == 0 {
		return s
	}
	bz[len(bz)-1] ^= 0x01
	return base64.StdEncoding.EncodeToString(bz)
}

// flipHex flips one bit in a hex string.
func flipHex(s string) string {
	if s == "" {
		return s
	}
	last := s[len(s)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return s[:len(s)-1] + string(repl)
}
