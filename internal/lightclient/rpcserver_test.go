package lightclient

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	rpctypes "github.com/cometbft/cometbft/rpc/jsonrpc/types"
)

// serveRPC serves pc over CometBFT's JSON-RPC on an in-process HTTP server
// (the four methods this package uses), so tests can drive New, the HTTP
// light provider and the HTTP RPC client exactly as the CLI does.
func (pc *provenChain) serveRPC(t *testing.T) string {
	t.Helper()
	node := &fakeNode{state: pc.state, latest: pc.latest.Load}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req rpctypes.RPCRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var params map[string]json.RawMessage
		_ = json.Unmarshal(req.Params, &params)
		result, err := pc.handleRPC(r, node, req.Method, params)
		resp := rpctypes.NewRPCSuccessResponse(req.ID, result)
		if err != nil {
			resp = rpctypes.NewRPCErrorResponse(req.ID, -32603, "Internal error", err.Error())
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (pc *provenChain) handleRPC(r *http.Request, node *fakeNode, method string, params map[string]json.RawMessage) (any, error) {
	latest := pc.latest.Load()
	height := intParam(params["height"])
	if height == 0 {
		height = latest
	}
	if height > latest {
		// The wording matters: the HTTP provider recognises it.
		return nil, fmt.Errorf("height %d must be less than or equal to the current blockchain height %d", height, latest)
	}
	switch method {
	case "status":
		return node.Status(r.Context())
	case "commit":
		lb := pc.chain.block(height)
		return &coretypes.ResultCommit{SignedHeader: *lb.SignedHeader, CanonicalCommit: true}, nil
	case "validators":
		vals := pc.chain.block(height).ValidatorSet.Validators
		return &coretypes.ResultValidators{BlockHeight: height, Validators: vals, Count: len(vals), Total: len(vals)}, nil
	case "abci_query":
		var path string
		var data cmtbytes.HexBytes
		var prove bool
		_ = json.Unmarshal(params["path"], &path)
		_ = json.Unmarshal(params["data"], &data)
		_ = json.Unmarshal(params["prove"], &prove)
		return node.ABCIQueryWithOptions(r.Context(), path, data,
			rpcclient.ABCIQueryOptions{Height: intParam(params["height"]), Prove: prove})
	default:
		return nil, fmt.Errorf("method %q not served by the test node", method)
	}
}

// intParam reads an integer parameter, which CometBFT's JSON encodes as a
// string (or null for "latest").
func intParam(raw json.RawMessage) int64 {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		n, _ := strconv.ParseInt(s, 10, 64)
		return n
	}
	var n int64
	_ = json.Unmarshal(raw, &n)
	return n
}

func TestClientOverHTTP(t *testing.T) {
	pc := newProvenChain(t, 4)
	cfg := testConfig()
	cfg.RPC = pc.serveRPC(t)
	cfg.DataDir = t.TempDir()

	t.Run("trust from genesis", func(t *testing.T) {
		cfg := cfg
		cfg.TrustFromGenesis = true
		for run := range 2 { // the second run resumes from the trusted store
			cl, err := New(t.Context(), cfg)
			if err != nil {
				t.Fatalf("run %d: new client: %v", run, err)
			}
			coin, proof, err := cl.VerifiedBalance(t.Context(), testAddr, testDenom)
			if err != nil || coin.Amount.Int64() != 1004 || proof.HeaderHeight != 5 {
				t.Fatalf("run %d: verified balance %s (%v): %v", run, coin, proof, err)
			}
			if err := cl.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("explicit trust", func(t *testing.T) {
		cfg := cfg
		cfg.DataDir = ""
		cfg.TrustHeight, cfg.TrustHash = 2, pc.chain.hash(2)
		cl, err := New(t.Context(), cfg)
		if err != nil {
			t.Fatalf("new client: %v", err)
		}
		defer cl.Close()
		value, proof, err := cl.VerifyABCIQuery(t.Context(), "registry", []byte("model/1"), 3)
		if err != nil || string(value) != "llama-v3" || !proof.Exists {
			t.Fatalf("query: %q, %+v, %v", value, proof, err)
		}
	})
}
