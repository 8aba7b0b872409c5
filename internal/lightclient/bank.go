package lightclient

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
)

// balanceKeyCodec is the key codec of x/bank's Balances map (keeper/view.go
// in SDK v0.55): a pair of (address, denom). As the non-terminal part of the
// pair, the address is written length-prefixed (one length byte, then the
// bytes); the denom, being last, is written raw.
var balanceKeyCodec = collections.PairKeyCodec(sdk.AccAddressKey, collections.StringKey)

// BalanceKey returns the x/bank store key holding addr's balance of denom:
// BalancesPrefix (0x02) || len(addr) || addr || denom.
func BalanceKey(addr sdk.AccAddress, denom string) ([]byte, error) {
	if len(addr) == 0 {
		return nil, fmt.Errorf("%w: address is empty", ErrInvalidConfig)
	}
	if err := sdk.ValidateDenom(denom); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	key, err := collections.EncodeKeyWithPrefix(banktypes.BalancesPrefix, balanceKeyCodec, collections.Join(addr, denom))
	if err != nil {
		return nil, fmt.Errorf("%w: encoding balance key: %w", ErrInvalidConfig, err)
	}
	return key, nil
}

// DecodeBalance decodes a stored x/bank balance of denom. Since SDK v0.50 a
// balance is stored as the decimal text of a math.Int (sdk.IntValue, e.g.
// "1000"); older state stored a protobuf sdk.Coin, which the keeper still
// reads (banktypes.BalanceValueCodec), so this does too, checking its denom.
func DecodeBalance(bz []byte, denom string) (sdkmath.Int, error) {
	amount, err := sdk.IntValue.Decode(bz)
	if err != nil {
		var coin sdk.Coin
		if cerr := coin.Unmarshal(bz); cerr != nil {
			return sdkmath.Int{}, fmt.Errorf("%w: neither an integer (%w) nor a coin (%w)", ErrBalanceInvalid, err, cerr)
		}
		if coin.Denom != denom {
			return sdkmath.Int{}, fmt.Errorf("%w: stored coin has denom %q, want %q", ErrBalanceInvalid, coin.Denom, denom)
		}
		amount = coin.Amount
	}
	if amount.IsNil() || amount.IsNegative() {
		return sdkmath.Int{}, fmt.Errorf("%w: amount %q is not a non-negative integer", ErrBalanceInvalid, bz)
	}
	return amount, nil
}

// VerifiedBalance returns addr's balance of denom at the latest provable
// height, proven against a verified header. An account without a balance
// gets a zero coin backed by a verified proof of absence.
func (c *Client) VerifiedBalance(ctx context.Context, addr sdk.AccAddress, denom string) (sdk.Coin, *Proof, error) {
	return c.VerifiedBalanceAt(ctx, addr, denom, 0)
}

// VerifiedBalanceAt is VerifiedBalance at a given height (0: latest).
func (c *Client) VerifiedBalanceAt(ctx context.Context, addr sdk.AccAddress, denom string, height int64) (sdk.Coin, *Proof, error) {
	key, err := BalanceKey(addr, denom)
	if err != nil {
		return sdk.Coin{}, nil, err
	}
	bz, proof, err := c.VerifyABCIQuery(ctx, banktypes.StoreKey, key, height)
	if err != nil {
		return sdk.Coin{}, nil, err
	}
	if bz == nil {
		return sdk.NewCoin(denom, sdkmath.ZeroInt()), proof, nil
	}
	amount, err := DecodeBalance(bz, denom)
	if err != nil {
		return sdk.Coin{}, nil, err
	}
	return sdk.Coin{Denom: denom, Amount: amount}, proof, nil
}
