package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/x/infer/types"
)

// Bond escrows amount into the provider's bond, binds the receipt key if
// one is given (once per provider, and each key to one provider), and sets
// the provider's endpoint if one is given.
func (s msgServer) Bond(ctx context.Context, m *types.MsgBond) (*types.MsgBondResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if m.Amount.Denom != p.Denom() {
		return nil, types.ErrInvalidAmount.Wrapf("bonds are in %s, not %s", p.Denom(), m.Amount.Denom)
	}
	provider, err := s.account("provider", m.Provider)
	if err != nil {
		return nil, err
	}
	b, _, err := s.bond(ctx, m.Provider, p.Denom())
	if err != nil {
		return nil, err
	}
	if m.ReceiptKey != "" {
		pub, err := types.ParseReceiptKey(m.ReceiptKey)
		if err != nil {
			return nil, err
		}
		id := receipt.KeyID(pub)
		if b.ReceiptKeyId != "" && b.ReceiptKeyId != id {
			return nil, types.ErrReceiptKeyTaken.Wrapf("provider %s already signs receipts with %s; a bond keeps its key", m.Provider, b.ReceiptKeyId)
		}
		owner, err := s.ReceiptKeys.Get(ctx, id)
		switch {
		case err == nil && owner != m.Provider:
			return nil, types.ErrReceiptKeyTaken.Wrapf("receipt key %s is bound to %s", id, owner)
		case err != nil && !errors.Is(err, collections.ErrNotFound):
			return nil, err
		}
		b.ReceiptKey, b.ReceiptKeyId = pub, id
	}
	if m.Endpoint != "" {
		b.Endpoint = m.Endpoint
	}
	if err := s.bank.SendCoinsFromAccountToModule(ctx, provider, types.ModuleName, sdk.NewCoins(m.Amount)); err != nil {
		return nil, err
	}
	if b.ReceiptKeyId != "" {
		if err := s.ReceiptKeys.Set(ctx, b.ReceiptKeyId, m.Provider); err != nil {
			return nil, err
		}
	}
	b.Amount = b.Amount.Add(m.Amount)
	if err := s.Bonds.Set(ctx, m.Provider, b); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeBonded, types.AttributeKeyProvider, m.Provider, types.AttributeKeyAmount, m.Amount.String(),
		types.AttributeKeyBond, b.Amount.String(), types.AttributeKeyReceiptKeyID, b.ReceiptKeyId, types.AttributeKeyEndpoint, b.Endpoint)
	return &types.MsgBondResponse{Bond: b.Amount}, nil
}

// Unbond moves part of the free bond (not locked in disputes) into an
// unbonding entry, paid out after params.unbonding_blocks. Until then a
// dispute over the provider's claims can take it back.
func (s msgServer) Unbond(ctx context.Context, m *types.MsgUnbond) (*types.MsgUnbondResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if m.Amount.Denom != p.Denom() {
		return nil, types.ErrInvalidAmount.Wrapf("bonds are in %s, not %s", p.Denom(), m.Amount.Denom)
	}
	b, found, err := s.bond(ctx, m.Provider, p.Denom())
	if err != nil {
		return nil, err
	}
	if free := b.Amount.Amount.Sub(b.Locked); !found || m.Amount.Amount.GT(free) {
		return nil, types.ErrInsufficientBond.Wrapf("%s is bonded with %s free (%s locked in disputes); cannot unbond %s", m.Provider, free, b.Locked, m.Amount)
	}
	b.Amount = b.Amount.Sub(m.Amount)
	if err := s.putBond(ctx, b); err != nil {
		return nil, err
	}
	id, err := nextID(ctx, s.UnbondingSeq)
	if err != nil {
		return nil, err
	}
	u := types.Unbonding{Id: id, Provider: m.Provider, Amount: m.Amount, ReleaseHeight: height(ctx) + int64(p.UnbondingBlocks)}
	if err := s.addUnbonding(ctx, u); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeUnbonding, types.AttributeKeyProvider, m.Provider, types.AttributeKeyAmount, m.Amount.String(),
		types.AttributeKeyUnbondingID, u64(id), types.AttributeKeyReleaseHeight, i64(u.ReleaseHeight))
	return &types.MsgUnbondResponse{UnbondingId: id, ReleaseHeight: u.ReleaseHeight}, nil
}

// bond returns provider's bond, or an empty one in denom and false.
func (k Keeper) bond(ctx context.Context, provider, denom string) (types.Bond, bool, error) {
	b, err := k.Bonds.Get(ctx, provider)
	if errors.Is(err, collections.ErrNotFound) {
		return types.Bond{Provider: provider, Amount: sdk.NewCoin(denom, sdkmath.ZeroInt()), Locked: sdkmath.ZeroInt()}, false, nil
	}
	return b, err == nil, err
}

// putBond stores b, or deletes it once it holds nothing and binds no key.
func (k Keeper) putBond(ctx context.Context, b types.Bond) error {
	if b.Amount.IsZero() && b.Locked.IsZero() && b.ReceiptKeyId == "" {
		return k.Bonds.Remove(ctx, b.Provider)
	}
	return k.Bonds.Set(ctx, b.Provider, b)
}

func (k Keeper) addUnbonding(ctx context.Context, u types.Unbonding) error {
	if err := k.Unbondings.Set(ctx, u.Id, u); err != nil {
		return err
	}
	if err := k.UnbondingQueue.Set(ctx, collections.Join(u.ReleaseHeight, u.Id)); err != nil {
		return err
	}
	return k.ProviderUnbond.Set(ctx, collections.Join(u.Provider, u.Id))
}

func (k Keeper) removeUnbonding(ctx context.Context, u types.Unbonding) error {
	if err := k.Unbondings.Remove(ctx, u.Id); err != nil {
		return err
	}
	if err := k.UnbondingQueue.Remove(ctx, collections.Join(u.ReleaseHeight, u.Id)); err != nil {
		return err
	}
	return k.ProviderUnbond.Remove(ctx, collections.Join(u.Provider, u.Id))
}

// lockStake locks up to want of provider's bond for a dispute or a
// penalty and returns what it locked (zero when the provider has nothing
// free). When the free bond falls short, unbonding entries, newest first,
// are taken back into the bond: they stay slashable until released.
func (k Keeper) lockStake(ctx context.Context, provider string, want sdkmath.Int, denom string) (sdkmath.Int, error) {
	b, _, err := k.bond(ctx, provider, denom)
	if err != nil {
		return sdkmath.Int{}, err
	}
	if free := b.Amount.Amount.Sub(b.Locked); free.LT(want) {
		rng := collections.NewPrefixedPairRange[string, uint64](provider).Descending()
		it, err := k.ProviderUnbond.Iterate(ctx, rng)
		if err != nil {
			return sdkmath.Int{}, err
		}
		var ids []uint64
		for ; it.Valid(); it.Next() {
			key, err := it.Key()
			if err != nil {
				it.Close()
				return sdkmath.Int{}, err
			}
			ids = append(ids, key.K2())
		}
		it.Close()
		for _, id := range ids {
			if b.Amount.Amount.Sub(b.Locked).GTE(want) {
				break
			}
			u, err := k.Unbondings.Get(ctx, id)
			if err != nil {
				return sdkmath.Int{}, err
			}
			need := want.Sub(b.Amount.Amount.Sub(b.Locked))
			take := sdkmath.MinInt(need, u.Amount.Amount)
			b.Amount = b.Amount.AddAmount(take)
			if err := k.removeUnbonding(ctx, u); err != nil {
				return sdkmath.Int{}, err
			}
			if rest := u.Amount.Amount.Sub(take); rest.IsPositive() {
				u.Amount = sdk.NewCoin(u.Amount.Denom, rest)
				if err := k.addUnbonding(ctx, u); err != nil {
					return sdkmath.Int{}, err
				}
			}
		}
	}
	stake := sdkmath.MinInt(want, b.Amount.Amount.Sub(b.Locked))
	b.Locked = b.Locked.Add(stake)
	return stake, k.putBond(ctx, b)
}

// unlock releases stake locked in provider's bond.
func (k Keeper) unlock(ctx context.Context, provider string, stake sdkmath.Int, denom string) error {
	b, _, err := k.bond(ctx, provider, denom)
	if err != nil {
		return err
	}
	if b.Locked.LT(stake) {
		return types.ErrInvariant.Wrapf("%s has %s locked, releasing %s", provider, b.Locked, stake)
	}
	b.Locked = b.Locked.Sub(stake)
	return k.putBond(ctx, b)
}

// forfeit takes locked stake out of provider's bond: it is paid to winner
// (empty: nobody) less the burned share, which it returns with the reward.
func (k Keeper) forfeit(ctx context.Context, provider string, stake sdkmath.Int, winner string, p types.Params) (reward, burned sdkmath.Int, err error) {
	b, _, err := k.bond(ctx, provider, p.Denom())
	if err != nil {
		return reward, burned, err
	}
	if b.Locked.LT(stake) || b.Amount.Amount.LT(stake) {
		return reward, burned, types.ErrInvariant.Wrapf("%s has %s locked of %s, forfeiting %s", provider, b.Locked, b.Amount, stake)
	}
	b.Locked = b.Locked.Sub(stake)
	b.Amount = b.Amount.SubAmount(stake)
	if err := k.putBond(ctx, b); err != nil {
		return reward, burned, err
	}
	return k.payOut(ctx, stake, winner, p)
}

// payOut pays amount, held in the module account, to winner less the
// burned share; with no winner all of it is burned.
func (k Keeper) payOut(ctx context.Context, amount sdkmath.Int, winner string, p types.Params) (reward, burned sdkmath.Int, err error) {
	burned = p.BurnShare.MulInt(amount).TruncateInt()
	if winner == "" {
		burned = amount
	}
	reward = amount.Sub(burned)
	if reward.IsPositive() {
		if err := k.send(ctx, winner, sdk.NewCoin(p.Denom(), reward)); err != nil {
			return reward, burned, err
		}
	}
	if burned.IsPositive() {
		if err := k.bank.BurnCoins(ctx, types.ModuleName, sdk.NewCoins(sdk.NewCoin(p.Denom(), burned))); err != nil {
			return reward, burned, err
		}
	}
	return reward, burned, nil
}

// send pays c from the module account to addr.
func (k Keeper) send(ctx context.Context, addr string, c sdk.Coin) error {
	if !c.IsPositive() {
		return nil
	}
	to, err := k.account("recipient", addr)
	if err != nil {
		return err
	}
	return k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, to, sdk.NewCoins(c))
}
