package verify

import (
	"context"
	"errors"
	"testing"

	"github.com/cometbft/cometbft/types"
)

// flakyNode answers with a non-zero code (state not committed yet) for the
// first fails queries.
type flakyNode struct{ fails, calls int }

func (n *flakyNode) QueryStore(context.Context, string, []byte, int64) (*QueryResult, error) {
	n.calls++
	if n.calls <= n.fails {
		return &QueryResult{Code: 7, Codespace: "store", Log: "proof is unexpectedly empty"}, nil
	}
	return nil, errors.New("transport down")
}

type fixedHeaders struct{}

func (fixedHeaders) VerifiedHeader(context.Context, int64) (*types.SignedHeader, error) {
	return nil, errors.New("not reached")
}
func (fixedHeaders) LatestVerifiedHeight(context.Context) (int64, error) { return 10, nil }
func (fixedHeaders) ChainID() string                                     { return "c" }

// TestReaderRetriesUncommittedState: an answer with a non-zero code (the
// node has not committed the height yet) is retried up to Retry times,
// then reported as ErrQueryFailed; without Retry it is reported at once.
func TestReaderRetriesUncommittedState(t *testing.T) {
	n := &flakyNode{fails: 100}
	r := &Reader{Node: n, Headers: fixedHeaders{}, Retry: 3}
	if _, _, err := r.Get(t.Context(), "registry", []byte("k"), 0); !errors.Is(err, ErrQueryFailed) || n.calls != 4 {
		t.Fatalf("got %v after %d calls; want ErrQueryFailed after 4", err, n.calls)
	}
	n = &flakyNode{fails: 2}
	r = &Reader{Node: n, Headers: fixedHeaders{}, Retry: 3}
	if _, _, err := r.Get(t.Context(), "registry", []byte("k"), 0); err == nil || errors.Is(err, ErrQueryFailed) || n.calls != 3 {
		t.Fatalf("got %v after %d calls; want the transport error of call 3", err, n.calls)
	}
	n = &flakyNode{fails: 100}
	r = &Reader{Node: n, Headers: fixedHeaders{}}
	if _, _, err := r.Get(t.Context(), "registry", []byte("k"), 0); !errors.Is(err, ErrQueryFailed) || n.calls != 1 {
		t.Fatalf("without Retry: %v after %d calls", err, n.calls)
	}
}
