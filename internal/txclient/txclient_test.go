package txclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"

	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
)

// fakeNode answers Tx: not found for the first misses calls, then res.
type fakeNode struct {
	misses int32
	calls  atomic.Int32
	res    *coretypes.ResultTx
}

func (f *fakeNode) Tx(ctx context.Context, _ []byte, _ bool) (*coretypes.ResultTx, error) {
	if f.calls.Add(1) <= f.misses || f.res == nil {
		return nil, errors.New("tx not found")
	}
	return f.res, nil
}

var hash = strings.Repeat("AB", 32)

func TestWait(t *testing.T) {
	ok := &coretypes.ResultTx{Height: 7, TxResult: abci.ExecTxResult{GasUsed: 90, Events: []abci.Event{
		{Type: "prova.registry.v1.EventModelRegistered", Attributes: []abci.EventAttribute{{Key: "model_id", Value: "blake3:aa"}}},
	}}}
	failed := &coretypes.ResultTx{Height: 9, TxResult: abci.ExecTxResult{Code: 5, Codespace: "registry", Log: "model already registered"}}

	t.Run("found after misses", func(t *testing.T) {
		n := &fakeNode{misses: 3, res: ok}
		r, err := Wait(t.Context(), n, strings.ToLower(hash), 10*time.Second)
		if err != nil || r.Height != 7 || r.Hash != hash || r.GasUsed != 90 {
			t.Fatalf("got %+v, %v", r, err)
		}
		if v, found := r.Attr("prova.registry.v1.EventModelRegistered", "model_id"); !found || v != "blake3:aa" {
			t.Fatalf("event attribute: %q %t", v, found)
		}
		if n.calls.Load() != 4 {
			t.Fatalf("polled %d times, want 4", n.calls.Load())
		}
	})
	t.Run("failed in block", func(t *testing.T) {
		r, err := Wait(t.Context(), &fakeNode{res: failed}, hash, 10*time.Second)
		if !errors.Is(err, ErrFailed) || r == nil || r.Code != 5 || !strings.Contains(err.Error(), "model already registered") {
			t.Fatalf("got %+v, %v", r, err)
		}
	})
	t.Run("never included", func(t *testing.T) {
		_, err := Wait(t.Context(), &fakeNode{}, hash, 300*time.Millisecond)
		if !errors.Is(err, ErrNotIncluded) || !strings.Contains(err.Error(), "provad q tx "+hash) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := Wait(ctx, &fakeNode{}, hash, time.Minute); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bad hash", func(t *testing.T) {
		for _, h := range []string{"", "xyz", strings.Repeat("AB", 31)} {
			if _, err := Wait(t.Context(), &fakeNode{res: ok}, h, time.Second); err == nil {
				t.Fatalf("hash %q accepted", h)
			}
		}
	})
}

func TestRejection(t *testing.T) {
	seq := &rejection{code: sdkerrors.ErrWrongSequence.ABCICode(), codespace: sdkerrors.RootCodespace, log: "account sequence mismatch"}
	if !errors.Is(seq, ErrRejected) || !isSequenceMismatch(fmt.Errorf("wrapped: %w", seq)) {
		t.Fatal("a wrong-sequence rejection is not recognised")
	}
	other := &rejection{code: sdkerrors.ErrInsufficientFunds.ABCICode(), codespace: sdkerrors.RootCodespace}
	if isSequenceMismatch(other) {
		t.Fatal("insufficient funds taken for a sequence mismatch")
	}
	if isSequenceMismatch(&rejection{code: 32, codespace: "registry"}) {
		t.Fatal("code 32 of another codespace taken for a sequence mismatch")
	}
}

func TestHash(t *testing.T) {
	// SHA-256 of "abc" (FIPS 180-2 test vector), upper case as CometBFT prints.
	if got := Hash([]byte("abc")); got != "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD" {
		t.Fatalf("Hash(abc) = %s", got)
	}
}
