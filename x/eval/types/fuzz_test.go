package types_test

import (
	"bytes"
	"testing"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/testutil/msgcheck"
	"github.com/prova-network/prova/x/eval/types"
)

// validMsgs returns one valid message of each type.
func validMsgs() []msgcheck.Msg {
	creator := sdk.AccAddress("eval-creator-0000000").String()
	target := "blake3:" + string(bytes.Repeat([]byte("ab"), 32))
	pool := sdk.NewInt64Coin("uprova", 1_000_000)
	return []msgcheck.Msg{
		&types.MsgCreateEvalTask{Creator: creator, TargetId: target, BenchmarkUri: "https://example.com/bench",
			BenchmarkDigest: "sha256:" + string(bytes.Repeat([]byte("cd"), 32)), Metric: "accuracy", ScoreMax: 10_000, Pool: pool,
			CommitBlocks: 5, RevealBlocks: 5, MinEvaluators: 3, Tolerance: 500, SlashDistance: 2000},
		&types.MsgCommitScore{Evaluator: creator, TaskId: 1, Hash: bytes.Repeat([]byte{7}, 32)},
		&types.MsgRevealScore{Evaluator: creator, TaskId: 1, Score: 9000, Salt: []byte("0123456789abcdef")},
		&types.MsgUpdateParams{Authority: creator, Params: types.Params{
			SlashFractionDeviation: sdkmath.LegacyNewDecWithPrec(1, 2), SlashFractionNoReveal: sdkmath.LegacyNewDecWithPrec(5, 2),
			ReputationWindow: 100, MaxWindowBlocks: 1000, MinPool: pool}},
	}
}

// FuzzValidateBasic takes a valid message of each type and sets one field
// (strings, numbers, bytes, coin amounts, decimals; nested ones included)
// to a fuzzed value. The message either still validates, and then keeps the
// invariants the handlers rely on, survives a proto round trip and still
// validates, or ValidateBasic fails with a registered error; it never
// panics.
func FuzzValidateBasic(f *testing.F) {
	for i, m := range validMsgs() {
		if err := m.ValidateBasic(); err != nil {
			f.Fatalf("valid %T rejected: %v", m, err)
		}
		f.Add(uint8(i), uint8(0), "prova1xyz", uint64(0), []byte{})
		f.Add(uint8(i), uint8(1), "blake3:00", uint64(1<<63), []byte("0123456789abcdef"))
		f.Add(uint8(i), uint8(3), "", uint64(2000), make([]byte, 65))
	}
	f.Add(uint8(0), uint8(5), "", uint64(1), []byte{})     // score_max below slash_distance
	f.Add(uint8(0), uint8(9), "", uint64(1<<63), []byte{}) // a negative commit window
	f.Add(uint8(3), uint8(1), "", uint64(1001), []byte{})  // a slash fraction over 1
	f.Fuzz(func(t *testing.T, which, field uint8, s string, n uint64, b []byte) {
		msgs := validMsgs()
		m := msgs[int(which)%len(msgs)]
		msgcheck.Mutate(m, field, s, n, b)
		if checkValidateBasic(t, m) != nil {
			return
		}
		switch m := m.(type) {
		case *types.MsgCreateEvalTask:
			if m.Tolerance > m.SlashDistance || m.SlashDistance > m.ScoreMax || m.CommitBlocks <= 0 || m.RevealBlocks <= 0 ||
				m.MinEvaluators == 0 || !m.Pool.IsPositive() {
				t.Fatalf("accepted %+v", m)
			}
		case *types.MsgCommitScore:
			if len(m.Hash) != 32 {
				t.Fatalf("accepted a %d-byte commit", len(m.Hash))
			}
		case *types.MsgRevealScore:
			if len(m.Salt) < types.MinSaltLen || len(m.Salt) > types.MaxSaltLen {
				t.Fatalf("accepted a %d-byte salt", len(m.Salt))
			}
		case *types.MsgUpdateParams:
			for _, d := range []sdkmath.LegacyDec{m.Params.SlashFractionDeviation, m.Params.SlashFractionNoReveal} {
				if d.IsNegative() || d.GT(sdkmath.LegacyOneDec()) {
					t.Fatalf("accepted slash fraction %s", d)
				}
			}
		}
	})
}

// TestValidateBasicNilDecimals: parameters with unset decimals are refused
// with a registered error, not a panic.
func TestValidateBasicNilDecimals(t *testing.T) {
	m := &types.MsgUpdateParams{Authority: sdk.AccAddress("eval-creator-0000000").String()}
	if err := checkValidateBasic(t, m); err == nil {
		t.Fatal("accepted parameters with nil decimals")
	}
}

// checkValidateBasic checks the property every ValidateBasic fuzzer
// checks (see internal/testutil/msgcheck).
func checkValidateBasic(t *testing.T, m msgcheck.Msg) error {
	t.Helper()
	return msgcheck.ValidateBasic(t, m, types.ModuleName)
}
