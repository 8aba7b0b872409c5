package lightclient

import (
	"bytes"
	"errors"
	"testing"

	"cosmossdk.io/collections"
	"cosmossdk.io/collections/colltest"
	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
)

func TestBalanceKeyKnownAnswer(t *testing.T) {
	addr := sdk.AccAddress{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	got, err := BalanceKey(addr, "uprova")
	if err != nil {
		t.Fatal(err)
	}
	// Written out by hand from the collections encoding: prefix 0x02, the
	// address length (20 = 0x14) and bytes, then the denom's raw bytes.
	want := append(append([]byte{0x02, 0x14}, addr...), "uprova"...)
	if !bytes.Equal(got, want) {
		t.Fatalf("BalanceKey = %X, want %X", got, want)
	}

	for _, tc := range []struct {
		name  string
		addr  sdk.AccAddress
		denom string
	}{{"empty address", nil, "uprova"}, {"bad denom", addr, "1x"}, {"empty denom", addr, ""}} {
		if _, err := BalanceKey(tc.addr, tc.denom); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: got %v, want ErrInvalidConfig", tc.name, err)
		}
	}
}

// TestBalanceEncodingMatchesKeeperSchema writes balances through a
// collections map declared exactly like x/bank's keeper declares Balances
// (same prefix, key codec and value codec) and reads back the raw store.
func TestBalanceEncodingMatchesKeeperSchema(t *testing.T) {
	svc, ctx := colltest.MockStore()
	sb := collections.NewSchemaBuilder(svc)
	balances := collections.NewMap(sb, banktypes.BalancesPrefix, "balances",
		collections.PairKeyCodec(sdk.AccAddressKey, collections.StringKey), banktypes.BalanceValueCodec)
	if _, err := sb.Build(); err != nil {
		t.Fatal(err)
	}
	addr := sdk.AccAddress(bytes.Repeat([]byte{0x42}, 32)) // module accounts use 32-byte addresses
	want := sdkmath.NewIntFromUint64(1 << 63).MulRaw(1000)
	if err := balances.Set(ctx, collections.Join(addr, "ibc/ABCDEF"), want); err != nil {
		t.Fatal(err)
	}

	key, err := BalanceKey(addr, "ibc/ABCDEF")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := svc.OpenKVStore(ctx).Get(key)
	if err != nil || raw == nil {
		t.Fatalf("no value under BalanceKey %X: %v", key, err)
	}
	got, err := DecodeBalance(raw, "ibc/ABCDEF")
	if err != nil || !got.Equal(want) {
		t.Fatalf("DecodeBalance(%q) = %s, %v; want %s", raw, got, err, want)
	}
}

func TestDecodeBalance(t *testing.T) {
	legacy, err := (&sdk.Coin{Denom: "uprova", Amount: sdkmath.NewInt(5)}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		in   []byte
		want int64
		ok   bool
	}{
		{"integer text", []byte("1234"), 1234, true},
		{"zero", []byte("0"), 0, true},
		{"legacy coin", legacy, 5, true},
		{"negative", []byte("-5"), 0, false},
		{"not a number", []byte("12a"), 0, false},
		{"empty", nil, 0, false},
		{"too large", bytes.Repeat([]byte("9"), 100), 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeBalance(tc.in, "uprova")
			if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrBalanceInvalid)) {
				t.Fatalf("DecodeBalance(%q) error %v, want ok=%v", tc.in, err, tc.ok)
			}
			if tc.ok && !got.Equal(sdkmath.NewInt(tc.want)) {
				t.Fatalf("DecodeBalance(%q) = %s, want %d", tc.in, got, tc.want)
			}
		})
	}
	if _, err := DecodeBalance(legacy, "uother"); !errors.Is(err, ErrBalanceInvalid) {
		t.Fatalf("legacy coin of another denom: got %v, want ErrBalanceInvalid", err)
	}
}
