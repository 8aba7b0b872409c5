package types_test

import (
	"strings"
	"testing"

	"cosmossdk.io/collections"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/eval/types"
)

// FuzzValidateBasic: on any input the stateless checks of every eval
// message return an error or nil, never panic.
func FuzzValidateBasic(f *testing.F) {
	f.Add("prova1xyz", "blake3:00", "accuracy", uint64(10_000), int64(5), int64(1_000_000), uint32(3), uint64(500), uint64(2000), []byte("0123456789abcdef"))
	f.Fuzz(func(t *testing.T, addr, target, metric string, max uint64, blocks, pool int64, minEval uint32, tol, slash uint64, salt []byte) {
		coin := sdk.Coin{Denom: "uprova", Amount: sdkmath.NewInt(pool).Abs()}
		msgs := []interface{ ValidateBasic() error }{
			&types.MsgCreateEvalTask{Creator: addr, TargetId: target, Metric: metric, ScoreMax: max, Pool: coin,
				CommitBlocks: blocks, RevealBlocks: blocks, MinEvaluators: minEval, Tolerance: tol, SlashDistance: slash, BenchmarkDigest: metric},
			&types.MsgCommitScore{Evaluator: addr, TaskId: max, Hash: salt},
			&types.MsgRevealScore{Evaluator: addr, TaskId: max, Score: tol, Salt: salt},
			&types.MsgUpdateParams{Authority: addr, Params: types.Params{
				SlashFractionDeviation: sdkmath.LegacyNewDecWithPrec(int64(tol%2000), 3), SlashFractionNoReveal: sdkmath.LegacyNewDecWithPrec(int64(slash%2000), 3),
				ReputationWindow: uint64(minEval), MaxWindowBlocks: blocks, MinPool: coin}},
			&types.MsgUpdateParams{Authority: addr}, // nil decimals
		}
		for _, m := range msgs {
			_ = m.ValidateBasic()
		}
	})
}

func TestLatestResultKeyMatchesCollections(t *testing.T) {
	target := "blake3:" + strings.Repeat("ab", 32)
	want, err := collections.EncodeKeyWithPrefix(types.LatestPrefix.Bytes(), collections.StringKey, target)
	if err != nil {
		t.Fatal(err)
	}
	if got := types.LatestResultKey(target); string(got) != string(want) {
		t.Fatalf("LatestResultKey = %q, collections writes %q", got, want)
	}
}
