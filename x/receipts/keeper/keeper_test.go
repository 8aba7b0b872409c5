package keeper_test

import (
	"bytes"
	"testing"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/receipts/types"
)

func TestRegisterLog(t *testing.T) {
	f := newFixture(t)
	lk := newLogKeys(t, "prova.local/receipts/a")
	other := newLogKeys(t, "prova.local/receipts/b")
	bad := []struct {
		name string
		msg  types.MsgRegisterLog
		want *errorsmod.Error
	}{
		{"key named after another origin", types.MsgRegisterLog{Operator: addr("alice"), Origin: lk.origin, VerifierKey: other.verifier, Bond: sdk.NewInt64Coin(denom, 10_000_000)}, types.ErrInvalidLog},
		{"bond below the minimum", types.MsgRegisterLog{Operator: addr("alice"), Origin: lk.origin, VerifierKey: lk.verifier, Bond: sdk.NewInt64Coin(denom, 9_999_999)}, types.ErrBondTooSmall},
		{"bond in another denom", types.MsgRegisterLog{Operator: addr("alice"), Origin: lk.origin, VerifierKey: lk.verifier, Bond: sdk.NewInt64Coin("uother", 10_000_000)}, types.ErrBondTooSmall},
	}
	for _, tc := range bad {
		if _, err := f.msgs.RegisterLog(f.ctx, &tc.msg); !errorsmod.IsOf(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if n, _ := f.k.Logs.Has(f.ctx, lk.origin); n {
		t.Fatal("a rejected registration stored the log")
	}
	f.register(t, addr("alice"), lk, 12_000_000)
	if got := f.bank.GetAllBalances(f.ctx, moduleAddr); !got.Equal(sdk.NewCoins(sdk.NewInt64Coin(denom, 12_000_000))) {
		t.Fatalf("module holds %s after registration", got)
	}
	if _, err := f.msgs.RegisterLog(f.ctx, &types.MsgRegisterLog{Operator: addr("bob"), Origin: lk.origin, VerifierKey: lk.verifier, Bond: sdk.NewInt64Coin(denom, 10_000_000)}); !errorsmod.IsOf(err, types.ErrLogExists) {
		t.Fatalf("second registration of an origin: %v", err)
	}
	l, err := f.q.Log(f.ctx, &types.QueryLogRequest{LogId: lk.origin})
	if err != nil || l.Log.Operator != addr("alice") || l.Log.Bond.Amount.Int64() != 12_000_000 || l.Log.Frozen {
		t.Fatalf("log query: %+v %v", l, err)
	}
	f.endBlock(t)
}

func TestAnchorCheckpoints(t *testing.T) {
	f := newFixture(t)
	lk := newLogKeys(t, "prova.local/receipts/a")
	f.register(t, addr("alice"), lk, 10_000_000)
	f.endBlock(t)
	d := entries(20, "true")

	// First anchor: consistent with the empty tree (an empty proof).
	h1 := f.ctx.BlockHeight()
	if err := f.anchor(addr("alice"), lk, d[:3], 0, t); err != nil {
		t.Fatal(err)
	}
	f.endBlock(t)
	// An append with a consistency proof from 3 to 7.
	h2 := f.ctx.BlockHeight()
	if err := f.anchor(addr("alice"), lk, d[:7], 3, t); err != nil {
		t.Fatal(err)
	}
	f.endBlock(t)

	fork := append(append([][]byte{}, d[:5]...), entries(6, "fork")...) // 11 entries, diverging after 5
	wrongKey := newLogKeys(t, lk.origin)
	stranger := newLogKeys(t, "prova.local/receipts/z")
	cases := []struct {
		name string
		run  func() error
		want *errorsmod.Error
	}{
		{"fork (not an append)", func() error {
			return f.anchor(addr("alice"), lk, fork, 7, t) // a proof from 7 in the forked tree
		}, types.ErrNotAppend},
		{"valid proof from the wrong size", func() error { return f.anchor(addr("alice"), lk, d[:12], 3, t) }, types.ErrNotAppend},
		{"shrink", func() error { return f.anchor(addr("alice"), lk, d[:5], 0, t) }, types.ErrNotNewer},
		{"stale (same size)", func() error { return f.anchor(addr("alice"), lk, d[:7], 7, t) }, types.ErrNotNewer},
		{"signed by another key of the same origin", func() error { return f.anchor(addr("alice"), wrongKey, d[:12], 7, t) }, types.ErrInvalidCheckpoint},
		{"checkpoint of another origin", func() error {
			_, err := f.msgs.AnchorCheckpoint(f.ctx, &types.MsgAnchorCheckpoint{Operator: addr("alice"), LogId: lk.origin, Checkpoint: stranger.sign(t, d[:12]), ConsistencyProof: consistency(7, d[:12])})
			return err
		}, types.ErrInvalidCheckpoint},
		{"non-operator", func() error { return f.anchor(addr("bob"), lk, d[:12], 7, t) }, types.ErrNotOperator},
		{"unknown log", func() error { return f.anchor(addr("alice"), stranger, d[:12], 0, t) }, types.ErrLogNotFound},
		{"garbage note", func() error {
			_, err := f.msgs.AnchorCheckpoint(f.ctx, &types.MsgAnchorCheckpoint{Operator: addr("alice"), LogId: lk.origin, Checkpoint: []byte("not a note")})
			return err
		}, types.ErrInvalidCheckpoint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); !errorsmod.IsOf(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			latest, err := f.k.Latest.Get(f.ctx, lk.origin)
			if err != nil || latest.TreeSize != 7 || !bytes.Equal(latest.Root, mth(d[:7])) {
				t.Fatalf("a rejected anchor changed the latest checkpoint: %+v %v", latest, err)
			}
		})
	}
	f.endBlock(t)

	// Parameters bound the proof length.
	p, _ := f.k.Params.Get(f.ctx)
	p.MaxProofHashes = 1
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: addr(authority), Params: p}); err != nil {
		t.Fatal(err)
	}
	if err := f.anchor(addr("alice"), lk, d[:20], 7, t); !errorsmod.IsOf(err, types.ErrProofTooLong) {
		t.Fatalf("long proof: %v", err)
	}
	p.MaxProofHashes = 64
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: addr(authority), Params: p}); err != nil {
		t.Fatal(err)
	}
	h3 := f.ctx.BlockHeight()
	if err := f.anchor(addr("alice"), lk, d[:20], 7, t); err != nil {
		t.Fatal(err)
	}
	f.endBlock(t)

	// Queries: latest, and the checkpoint in force at each height.
	latest, err := f.q.LatestCheckpoint(f.ctx, &types.QueryLatestCheckpointRequest{LogId: lk.origin})
	if err != nil || latest.Checkpoint.TreeSize != 20 || latest.Checkpoint.Height != h3 || !bytes.Equal(latest.Checkpoint.Root, mth(d)) {
		t.Fatalf("latest: %+v %v", latest, err)
	}
	for _, c := range []struct {
		height int64
		size   uint64
	}{{h1, 3}, {h2 - 1 + 1, 7}, {h3 - 1, 7}, {h3, 20}, {h3 + 100, 20}} {
		res, err := f.q.CheckpointAtHeight(f.ctx, &types.QueryCheckpointAtHeightRequest{LogId: lk.origin, Height: c.height})
		if err != nil || res.Checkpoint.TreeSize != c.size {
			t.Errorf("checkpoint at height %d: %+v %v, want size %d", c.height, res, err, c.size)
		}
	}
	if _, err := f.q.CheckpointAtHeight(f.ctx, &types.QueryCheckpointAtHeightRequest{LogId: lk.origin, Height: h1 - 1}); err == nil {
		t.Error("a checkpoint before the first anchor")
	}
	for size, prefix := range map[uint64][][]byte{3: d[:3], 7: d[:7], 20: d} {
		if root, err := f.k.Roots.Get(f.ctx, joinSize(lk.origin, size)); err != nil || !bytes.Equal(root, mth(prefix)) {
			t.Errorf("root of size %d: %x %v", size, root, err)
		}
	}
}

func TestUpdateParamsAuthority(t *testing.T) {
	f := newFixture(t)
	p := types.DefaultParams()
	p.MaxProofHashes = 10
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: addr("alice"), Params: p}); !errorsmod.IsOf(err, types.ErrInvalidAuthority) {
		t.Fatalf("non-authority: %v", err)
	}
	bad := p
	bad.EquivocationSlashFraction = sdkmath.LegacyNewDec(2)
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: addr(authority), Params: bad}); !errorsmod.IsOf(err, types.ErrInvalidParams) {
		t.Fatalf("bad params: %v", err)
	}
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: addr(authority), Params: p}); err != nil {
		t.Fatal(err)
	}
	got, err := f.q.Params(f.ctx, &types.QueryParamsRequest{})
	if err != nil || got.Params.MaxProofHashes != 10 {
		t.Fatalf("params: %+v %v", got, err)
	}
}
