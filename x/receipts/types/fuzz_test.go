package types_test

import (
	"testing"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/receipts/types"
)

// The fuzz tests check that ValidateBasic never panics on any field values
// and that whatever it accepts meets the limits the handlers rely on.

func FuzzMsgRegisterLogValidateBasic(f *testing.F) {
	f.Add(addr("a"), origin, verifierKey, "uprova", int64(1))
	f.Add("", "", "", "", int64(-1))
	f.Add(addr("a"), "x", "x+00000000+AQ==", "u", int64(0))
	f.Fuzz(func(t *testing.T, op, org, key, denom string, amount int64) {
		m := &types.MsgRegisterLog{Operator: op, Origin: org, VerifierKey: key, Bond: sdk.Coin{Denom: denom, Amount: sdkmath.NewInt(amount)}}
		if m.ValidateBasic() == nil {
			if err := types.ValidateLogKey(m.Origin, m.VerifierKey); err != nil || !m.Bond.IsPositive() {
				t.Fatalf("accepted %+v", m)
			}
		}
	})
}

func FuzzMsgAnchorCheckpointValidateBasic(f *testing.F) {
	f.Add(addr("a"), origin, signedNote(f, 3), []byte{}, 0)
	f.Add(addr("a"), origin, []byte("x"), make([]byte, 32), 70)
	f.Fuzz(func(t *testing.T, op, logID string, note, hash []byte, n int) {
		n %= 80
		if n < 0 {
			n = -n
		}
		proof := make([][]byte, n)
		for i := range proof {
			proof[i] = hash
		}
		m := &types.MsgAnchorCheckpoint{Operator: op, LogId: logID, Checkpoint: note, ConsistencyProof: proof}
		if m.ValidateBasic() == nil && (len(m.ConsistencyProof) > types.MaxProofHashes || len(m.Checkpoint) == 0 || (n > 0 && len(hash) != 32)) {
			t.Fatalf("accepted %+v", m)
		}
	})
}

func FuzzMsgReportEquivocationValidateBasic(f *testing.F) {
	f.Add(addr("a"), origin, signedNote(f, 3), signedNote(f, 4))
	f.Add("", "", []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, rep, logID string, a, b []byte) {
		m := &types.MsgReportEquivocation{Reporter: rep, LogId: logID, CheckpointA: a, CheckpointB: b}
		if m.ValidateBasic() == nil && (len(a) == 0 || logID == "") {
			t.Fatalf("accepted %+v", m)
		}
	})
}

func FuzzMsgRecordInferenceValidateBasic(f *testing.F) {
	f.Add(addr("a"), []byte("{}"), hash32())
	f.Add("", []byte{}, []byte{1})
	f.Fuzz(func(t *testing.T, prov string, env, key []byte) {
		m := &types.MsgRecordInference{Provider: prov, Envelope: env, ProviderKey: key}
		if m.ValidateBasic() == nil && (len(env) == 0 || len(key) != 32) {
			t.Fatalf("accepted %+v", m)
		}
	})
}

func FuzzMsgUpdateParamsValidateBasic(f *testing.F) {
	f.Add(addr("gov"), "uprova", int64(10), "0.5", "0.5", uint32(64))
	f.Add("", "", int64(-1), "2", "-1", uint32(0))
	f.Fuzz(func(t *testing.T, auth, denom string, amount int64, slash, reward string, maxHashes uint32) {
		p := types.Params{MinBond: sdk.Coin{Denom: denom, Amount: sdkmath.NewInt(amount)}, MaxProofHashes: maxHashes}
		if d, err := sdkmath.LegacyNewDecFromStr(slash); err == nil {
			p.EquivocationSlashFraction = d
		}
		if d, err := sdkmath.LegacyNewDecFromStr(reward); err == nil {
			p.ReporterRewardFraction = d
		}
		m := &types.MsgUpdateParams{Authority: auth, Params: p}
		if m.ValidateBasic() == nil {
			one := sdkmath.LegacyOneDec()
			if p.EquivocationSlashFraction.GT(one) || p.ReporterRewardFraction.IsNegative() || maxHashes == 0 || maxHashes > types.MaxProofHashes {
				t.Fatalf("accepted %+v", m)
			}
		}
	})
}
