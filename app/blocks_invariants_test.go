package app

// The invariants TestBlocksRandomTxs checks after every block: each Prova
// keeper's CheckInvariants, and the conservation checks the SDK modules
// registered with x/crisis before v0.55 removed it.

import (
	"bytes"
	"context"
	"fmt"
	"reflect"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
)

// invariant is one named check over committed state.
type invariant struct {
	name  string
	check func(sdk.Context) error
}

// invariantChecker is what Prova's keepers implement (x/*/keeper
// CheckInvariants). SDK v0.55 has no invariant registry any more (x/crisis
// is gone and module.Manager.RegisterInvariants registers nothing), so the
// collector finds the checks on the App's keeper fields by their method:
// a module that adds CheckInvariants is picked up without a change here.
type invariantChecker interface {
	CheckInvariants(context.Context) error
}

// appInvariants collects every keeper invariant of a, and the SDK-level
// conservation checks the SDK modules used to register with x/crisis.
func appInvariants(a *App) []invariant {
	var out []invariant
	v := reflect.ValueOf(a).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		if fv.Kind() != reflect.Pointer && fv.CanAddr() {
			fv = fv.Addr() // value keepers with pointer methods
		}
		if c, ok := fv.Interface().(invariantChecker); ok {
			out = append(out, invariant{f.Name, func(ctx sdk.Context) error { return c.CheckInvariants(ctx) }})
		}
	}
	return append(out,
		invariant{"bank/total-supply", a.bankSupplyInvariant},
		invariant{"staking/pools", a.stakingPoolsInvariant},
		invariant{"gov/deposits", a.govDepositsInvariant},
		invariant{"distribution/module-account", a.distrInvariant},
	)
}

// checkInvariants runs invs on ctx and returns every broken one.
func checkInvariants(ctx sdk.Context, invs []invariant) error {
	var broken []string
	for _, inv := range invs {
		if err := inv.check(ctx); err != nil {
			broken = append(broken, fmt.Sprintf("%s: %v", inv.name, err))
		}
	}
	if len(broken) > 0 {
		return fmt.Errorf("broken invariants:\n  %s", joinLines(broken))
	}
	return nil
}

func joinLines(s []string) string {
	var b bytes.Buffer
	for i, l := range s {
		if i > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString(l)
	}
	return b.String()
}

// bankSupplyInvariant: the recorded supply of each denom is the sum of all
// balances, and no balance is negative (x/bank's old TotalSupply and
// NonnegativeBalance invariants).
func (a *App) bankSupplyInvariant(ctx sdk.Context) error {
	sum := sdk.NewCoins()
	var err error
	a.BankKeeper.IterateAllBalances(ctx, func(addr sdk.AccAddress, c sdk.Coin) bool {
		if c.IsNegative() {
			err = fmt.Errorf("%s holds %s", addr, c)
			return true
		}
		sum = sum.Add(c)
		return false
	})
	if err != nil {
		return err
	}
	supply := sdk.NewCoins()
	a.BankKeeper.IterateTotalSupply(ctx, func(c sdk.Coin) bool { supply = supply.Add(c); return false })
	if !sum.Equal(supply) {
		return fmt.Errorf("balances add up to %s; supply is %s", sum, supply)
	}
	return nil
}

// stakingPoolsInvariant: the bonded pool holds the tokens of bonded
// validators; the not-bonded pool those of the others plus unbonding
// entries (x/staking's old ModuleAccountInvariants).
func (a *App) stakingPoolsInvariant(ctx sdk.Context) error {
	bonded, notBonded := sdkmath.ZeroInt(), sdkmath.ZeroInt()
	vals, err := a.StakingKeeper.GetAllValidators(ctx)
	if err != nil {
		return err
	}
	for _, v := range vals {
		if v.IsBonded() {
			bonded = bonded.Add(v.Tokens)
		} else {
			notBonded = notBonded.Add(v.Tokens)
		}
	}
	if err := a.StakingKeeper.IterateUnbondingDelegations(ctx, func(_ int64, ubd stakingtypes.UnbondingDelegation) bool {
		for _, e := range ubd.Entries {
			notBonded = notBonded.Add(e.Balance)
		}
		return false
	}); err != nil {
		return err
	}
	denom, err := a.StakingKeeper.BondDenom(ctx)
	if err != nil {
		return err
	}
	if have := a.BankKeeper.GetBalance(ctx, a.StakingKeeper.GetBondedPool(ctx).GetAddress(), denom).Amount; !have.Equal(bonded) {
		return fmt.Errorf("bonded pool holds %s; bonded validators have %s", have, bonded)
	}
	if have := a.BankKeeper.GetBalance(ctx, a.StakingKeeper.GetNotBondedPool(ctx).GetAddress(), denom).Amount; !have.Equal(notBonded) {
		return fmt.Errorf("not-bonded pool holds %s; unbonded validators and unbonding entries have %s", have, notBonded)
	}
	return nil
}

// govDepositsInvariant: the gov module account holds exactly the deposits
// of the proposals still in deposit or voting (x/gov's old invariant).
func (a *App) govDepositsInvariant(ctx sdk.Context) error {
	want := sdk.NewCoins()
	if err := a.GovKeeper.Deposits.Walk(ctx, nil, func(_ collections.Pair[uint64, sdk.AccAddress], d govv1.Deposit) (bool, error) {
		want = want.Add(d.Amount...)
		return false, nil
	}); err != nil {
		return err
	}
	if have := a.BankKeeper.GetAllBalances(ctx, authtypes.NewModuleAddress("gov")); !have.Equal(want) {
		return fmt.Errorf("gov module holds %s; deposits add up to %s", have, want)
	}
	return nil
}

// distrInvariant: the distribution module account holds the validators'
// outstanding rewards plus the community pool, truncated (x/distribution's
// old ModuleAccountInvariant).
func (a *App) distrInvariant(ctx sdk.Context) error {
	want := sdk.DecCoins{}
	a.DistrKeeper.IterateValidatorOutstandingRewards(ctx, func(_ sdk.ValAddress, r distrtypes.ValidatorOutstandingRewards) bool {
		want = want.Add(r.Rewards...)
		return false
	})
	fp, err := a.DistrKeeper.FeePool.Get(ctx)
	if err != nil {
		return err
	}
	wantInt, _ := want.Add(fp.CommunityPool...).TruncateDecimal()
	if have := a.BankKeeper.GetAllBalances(ctx, authtypes.NewModuleAddress(distrtypes.ModuleName)); !have.Equal(wantInt) {
		return fmt.Errorf("distribution module holds %s; outstanding rewards and community pool add up to %s", have, wantInt)
	}
	return nil
}
