package keeper_test

import (
	"testing"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/receipts/types"
)

func coin(n int64) sdk.Coins { return sdk.NewCoins(sdk.NewInt64Coin(denom, n)) }

func TestEquivocationSlashes(t *testing.T) {
	f := newFixture(t)
	p, _ := f.k.Params.Get(f.ctx)
	p.EquivocationSlashFraction = sdkmath.LegacyNewDecWithPrec(3, 1) // 0.3
	p.ReporterRewardFraction = sdkmath.LegacyNewDecWithPrec(25, 2)   // 0.25
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: addr(authority), Params: p}); err != nil {
		t.Fatal(err)
	}
	lk := newLogKeys(t, "prova.local/receipts/a")
	bystander := newLogKeys(t, "prova.local/receipts/b")
	f.register(t, addr("alice"), lk, 10_000_001)
	f.register(t, addr("carol"), bystander, 10_000_000)
	f.endBlock(t)
	d := entries(8, "true")
	if err := f.anchor(addr("alice"), lk, d[:4], 0, t); err != nil {
		t.Fatal(err)
	}
	f.endBlock(t)

	forkA := lk.sign(t, entries(6, "view a"))
	forkB := lk.sign(t, entries(6, "view b"))
	report := func(a, b []byte) error {
		_, err := f.msgs.ReportEquivocation(f.ctx, &types.MsgReportEquivocation{Reporter: addr("bob"), LogId: lk.origin, CheckpointA: a, CheckpointB: b})
		return err
	}
	other := newLogKeys(t, lk.origin)
	for _, tc := range []struct {
		name string
		a, b []byte
		want *errorsmod.Error
	}{
		{"same checkpoint twice", forkA, forkA, types.ErrNoEquivocation},
		{"different sizes", forkA, lk.sign(t, d[:5]), types.ErrNoEquivocation},
		{"agrees with the anchored root", lk.sign(t, d[:4]), nil, types.ErrNoEquivocation},
		{"no anchored root of that size", forkA, nil, types.ErrNoEquivocation},
		{"one view signed by another key", forkA, other.sign(t, entries(6, "view b")), types.ErrInvalidCheckpoint},
		{"view of another log", bystander.sign(t, entries(6, "x")), forkB, types.ErrInvalidCheckpoint},
	} {
		if err := report(tc.a, tc.b); !errorsmod.IsOf(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		t.Fatal(err)
	}
	if l, _ := f.k.Logs.Get(f.ctx, lk.origin); l.Frozen {
		t.Fatal("a rejected report froze the log")
	}

	bob0, alice0 := f.bank.bal[addr("bob")], f.bank.bal[addr("alice")]
	res, err := f.msgs.ReportEquivocation(f.ctx, &types.MsgReportEquivocation{Reporter: addr("bob"), LogId: lk.origin, CheckpointA: forkA, CheckpointB: forkB})
	if err != nil {
		t.Fatal(err)
	}
	// bond 10,000,001 × 0.3 = 3,000,000.3 → 3,000,000 slashed; × 0.25 =
	// 750,000 to the reporter; 2,250,000 burned; 7,000,001 refunded.
	if !res.Slashed.Equal(sdk.NewInt64Coin(denom, 3_000_000)) || !res.Reward.Equal(sdk.NewInt64Coin(denom, 750_000)) || !res.Burned.Equal(sdk.NewInt64Coin(denom, 2_250_000)) {
		t.Fatalf("response %+v", res)
	}
	if got := f.bank.bal[addr("bob")].Sub(bob0...); !got.Equal(coin(750_000)) {
		t.Errorf("reporter received %s", got)
	}
	if !f.bank.burned.Equal(coin(2_250_000)) {
		t.Errorf("burned %s", f.bank.burned)
	}
	if got := f.bank.bal[addr("alice")].Sub(alice0...); !got.Equal(coin(7_000_001)) {
		t.Errorf("operator refunded %s", got)
	}
	if got := f.bank.GetAllBalances(f.ctx, moduleAddr); !got.Equal(coin(10_000_000)) {
		t.Errorf("module holds %s; only the bystander's bond should remain", got)
	}
	l, _ := f.k.Logs.Get(f.ctx, lk.origin)
	if !l.Frozen || l.FrozenHeight != f.ctx.BlockHeight() || !l.Bond.IsZero() || !l.Slashed.Equal(sdk.NewInt64Coin(denom, 3_000_000)) {
		t.Fatalf("log after slashing: %+v", l)
	}
	f.endBlock(t)

	if err := f.anchor(addr("alice"), lk, d[:8], 4, t); !errorsmod.IsOf(err, types.ErrLogFrozen) {
		t.Errorf("anchor on a frozen log: %v", err)
	}
	if err := report(forkA, forkB); !errorsmod.IsOf(err, types.ErrLogFrozen) {
		t.Errorf("second report: %v", err)
	}
	f.endBlock(t)
}

// TestEquivocationAgainstAnchor reports one signed checkpoint whose root
// differs from the one anchored for its size; with the default fractions
// half the bond is slashed and half of that rewarded.
func TestEquivocationAgainstAnchor(t *testing.T) {
	f := newFixture(t)
	lk := newLogKeys(t, "prova.local/receipts/a")
	f.register(t, addr("alice"), lk, 10_000_000)
	if err := f.anchor(addr("alice"), lk, entries(5, "true"), 0, t); err != nil {
		t.Fatal(err)
	}
	f.endBlock(t)
	bob0 := f.bank.bal[addr("bob")]
	res, err := f.msgs.ReportEquivocation(f.ctx, &types.MsgReportEquivocation{Reporter: addr("bob"), LogId: lk.origin, CheckpointA: lk.sign(t, entries(5, "other"))})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Slashed.Equal(sdk.NewInt64Coin(denom, 5_000_000)) || !res.Reward.Equal(sdk.NewInt64Coin(denom, 2_500_000)) || !res.Burned.Equal(sdk.NewInt64Coin(denom, 2_500_000)) {
		t.Fatalf("response %+v", res)
	}
	if got := f.bank.bal[addr("bob")].Sub(bob0...); !got.Equal(coin(2_500_000)) {
		t.Errorf("reporter received %s", got)
	}
	if got := f.bank.GetAllBalances(f.ctx, moduleAddr); !got.IsZero() {
		t.Errorf("module still holds %s", got)
	}
	f.endBlock(t)
}
