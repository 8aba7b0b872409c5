package receiptlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/prova-network/prova/internal/receipt"
)

// maxResponseBytes caps what the client reads from the log.
const maxResponseBytes = 64 << 20

// APIError is an error answer of the log. It unwraps to the sentinel for
// its code (ErrUnknownModel, ErrInvalidReceipt, ErrRateLimited, ...).
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("receipt log: %s (HTTP %d)", e.Message, e.Status)
}

// Unwrap returns the sentinel error for the code.
func (e *APIError) Unwrap() error { return errorOf(e.Status, e.Code) }

// Client talks to a receipt log's HTTP API.
type Client struct {
	base string
	hc   *http.Client
}

// NewClient returns a client for the log at baseURL (e.g.
// "http://127.0.0.1:1318"); hc nil means http.DefaultClient.
func NewClient(baseURL string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimSuffix(baseURL, "/"), hc: hc}
}

// Submit sends single receipts signed by the given keys.
func (c *Client) Submit(ctx context.Context, pubs []ed25519.PublicKey, envs ...*receipt.Envelope) (*SubmitResponse, error) {
	req := SubmitRequest{PublicKeys: encodeKeys(pubs), Envelopes: make([]json.RawMessage, len(envs))}
	for i, e := range envs {
		req.Envelopes[i] = e.Canonical()
	}
	return c.submit(ctx, &req)
}

// SubmitBatch sends a batch signed by pub.
func (c *Client) SubmitBatch(ctx context.Context, pub ed25519.PublicKey, b *receipt.Batch) (*SubmitResponse, error) {
	return c.submit(ctx, &SubmitRequest{PublicKeys: encodeKeys([]ed25519.PublicKey{pub}), Batch: b.Canonical()})
}

// SubmitRaw sends an already encoded request body.
func (c *Client) SubmitRaw(ctx context.Context, body []byte) (*SubmitResponse, error) {
	var res SubmitResponse
	if err := c.do(ctx, http.MethodPost, PathEntries, body, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

func (c *Client) submit(ctx context.Context, req *SubmitRequest) (*SubmitResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	return c.SubmitRaw(ctx, body)
}

func encodeKeys(pubs []ed25519.PublicKey) []string {
	out := make([]string, len(pubs))
	for i, p := range pubs {
		out[i] = base64.StdEncoding.EncodeToString(p)
	}
	return out
}

// Proof fetches the receipt bundle of entry index, against the latest
// checkpoint (treeSize 0) or a held checkpoint of treeSize entries. The
// bundle is not verified; call VerifyBundle.
func (c *Client) Proof(ctx context.Context, index, treeSize uint64) (*Bundle, error) {
	q := url.Values{"index": {strconv.FormatUint(index, 10)}}
	if treeSize != 0 {
		q.Set("tree_size", strconv.FormatUint(treeSize, 10))
	}
	raw, err := c.get(ctx, PathProof+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	return DecodeBundle(raw)
}

// Consistency fetches the consistency proof from tree size from to to.
func (c *Client) Consistency(ctx context.Context, from, to uint64) ([][]byte, error) {
	q := url.Values{"from": {strconv.FormatUint(from, 10)}, "to": {strconv.FormatUint(to, 10)}}
	var res ConsistencyResponse
	if err := c.do(ctx, http.MethodGet, PathConsistency+"?"+q.Encode(), nil, &res); err != nil {
		return nil, err
	}
	return res.Proof, nil
}

// Checkpoint fetches the latest signed checkpoint (not verified; use
// tlog.Open).
func (c *Client) Checkpoint(ctx context.Context) ([]byte, error) {
	return c.get(ctx, PathCheckpoint)
}

func (c *Client) get(ctx context.Context, path string) ([]byte, error) {
	var raw []byte
	err := c.do(ctx, http.MethodGet, path, nil, &raw)
	return raw, err
}

// do sends a request; out is *[]byte for the raw body or a JSON target.
func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var eb errorBody
		if json.Unmarshal(raw, &eb) != nil || eb.Error == "" {
			eb.Error = http.StatusText(resp.StatusCode)
		}
		return &APIError{Status: resp.StatusCode, Code: eb.Code, Message: eb.Error}
	}
	if p, ok := out.(*[]byte); ok {
		*p = raw
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("receipt log: bad response: %w", err)
	}
	return nil
}
