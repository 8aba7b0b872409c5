package types_test

import (
	"testing"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/testutil/msgcheck"
	"github.com/prova-network/prova/x/receipts/types"
)

// The fuzz tests check that ValidateBasic never panics on any field values,
// that it rejects with a registered error, and that whatever it accepts meets
// the limits the handlers rely on, survives a proto round trip and is
// accepted again (checkValidateBasic). The first seed of each is valid.

func FuzzMsgRegisterLogValidateBasic(f *testing.F) {
	build := func(op, org, key, denom string, amount int64) *types.MsgRegisterLog {
		return &types.MsgRegisterLog{Operator: op, Origin: org, VerifierKey: key, Bond: sdk.Coin{Denom: denom, Amount: sdkmath.NewInt(amount)}}
	}
	mustValidate(f, build(addr("a"), origin, verifierKey, "uprova", 1))
	f.Add(addr("a"), origin, verifierKey, "uprova", int64(1))
	f.Add("", "", "", "", int64(-1))
	f.Add(addr("a"), "x", "x+00000000+AQ==", "u", int64(0))
	f.Add(addr("a"), "prova.local/receipts/b", verifierKey, "uprova", int64(1))
	f.Add(addr("a"), origin, verifierKey, "1uprova", int64(1))
	f.Fuzz(func(t *testing.T, op, org, key, denom string, amount int64) {
		m := build(op, org, key, denom, amount)
		if checkValidateBasic(t, m) == nil {
			if err := types.ValidateLogKey(m.Origin, m.VerifierKey); err != nil || !m.Bond.IsPositive() {
				t.Fatalf("accepted %+v", m)
			}
		}
	})
}

func FuzzMsgAnchorCheckpointValidateBasic(f *testing.F) {
	build := func(op, logID string, note, hash []byte, n int) *types.MsgAnchorCheckpoint {
		n %= 80
		if n < 0 {
			n = -n
		}
		proof := make([][]byte, n)
		for i := range proof {
			proof[i] = hash
		}
		return &types.MsgAnchorCheckpoint{Operator: op, LogId: logID, Checkpoint: note, ConsistencyProof: proof}
	}
	mustValidate(f, build(addr("a"), origin, signedNote(f, 3), hash32(), 2))
	f.Add(addr("a"), origin, signedNote(f, 3), hash32(), 2)
	f.Add(addr("a"), origin, signedNote(f, 3), []byte{}, 0)
	f.Add(addr("a"), origin, []byte("x"), make([]byte, 32), 70)
	f.Add(addr("a"), origin, []byte("x"), make([]byte, 31), 1)
	f.Add(addr("a"), "", []byte("x"), []byte{}, 0)
	f.Fuzz(func(t *testing.T, op, logID string, note, hash []byte, n int) {
		m := build(op, logID, note, hash, n)
		if checkValidateBasic(t, m) == nil && (len(m.ConsistencyProof) > types.MaxProofHashes || len(m.Checkpoint) == 0 || (n > 0 && len(hash) != 32)) {
			t.Fatalf("accepted %+v", m)
		}
	})
}

func FuzzMsgReportEquivocationValidateBasic(f *testing.F) {
	mustValidate(f, &types.MsgReportEquivocation{Reporter: addr("a"), LogId: origin, CheckpointA: signedNote(f, 3), CheckpointB: signedNote(f, 4)})
	f.Add(addr("a"), origin, signedNote(f, 3), signedNote(f, 4))
	f.Add(addr("a"), origin, signedNote(f, 3), []byte{})
	f.Add(addr("a"), origin, []byte{}, signedNote(f, 4))
	f.Add("", "", []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, rep, logID string, a, b []byte) {
		m := &types.MsgReportEquivocation{Reporter: rep, LogId: logID, CheckpointA: a, CheckpointB: b}
		if checkValidateBasic(t, m) == nil && (len(a) == 0 || logID == "" || len(logID) > types.MaxLogIDLen) {
			t.Fatalf("accepted %+v", m)
		}
	})
}

func FuzzMsgRecordInferenceValidateBasic(f *testing.F) {
	mustValidate(f, &types.MsgRecordInference{Provider: addr("a"), Envelope: []byte("{}"), ProviderKey: hash32()})
	f.Add(addr("a"), []byte("{}"), hash32())
	f.Add(addr("a"), []byte("{}"), hash32()[:31])
	f.Add("", []byte{}, []byte{1})
	f.Fuzz(func(t *testing.T, prov string, env, key []byte) {
		m := &types.MsgRecordInference{Provider: prov, Envelope: env, ProviderKey: key}
		if checkValidateBasic(t, m) == nil && (len(env) == 0 || len(key) != 32) {
			t.Fatalf("accepted %+v", m)
		}
	})
}

func FuzzMsgUpdateParamsValidateBasic(f *testing.F) {
	build := func(auth, denom string, amount int64, slash, reward string, maxHashes uint32) *types.MsgUpdateParams {
		p := types.Params{MinBond: sdk.Coin{Denom: denom, Amount: sdkmath.NewInt(amount)}, MaxProofHashes: maxHashes}
		if d, err := sdkmath.LegacyNewDecFromStr(slash); err == nil {
			p.EquivocationSlashFraction = d
		}
		if d, err := sdkmath.LegacyNewDecFromStr(reward); err == nil {
			p.ReporterRewardFraction = d
		}
		return &types.MsgUpdateParams{Authority: auth, Params: p}
	}
	mustValidate(f, build(addr("gov"), "uprova", 10, "0.5", "0.5", 64))
	f.Add(addr("gov"), "uprova", int64(10), "0.5", "0.5", uint32(64))
	f.Add(addr("gov"), "uprova", int64(10), "1.000000000000000001", "0", uint32(65))
	f.Add(addr("gov"), "uprova", int64(10), "x", "0.5", uint32(66))
	f.Add("", "", int64(-1), "2", "-1", uint32(0))
	f.Fuzz(func(t *testing.T, auth, denom string, amount int64, slash, reward string, maxHashes uint32) {
		m := build(auth, denom, amount, slash, reward, maxHashes)
		p := m.Params
		if checkValidateBasic(t, m) == nil {
			one := sdkmath.LegacyOneDec()
			if p.EquivocationSlashFraction.GT(one) || p.ReporterRewardFraction.IsNegative() || maxHashes == 0 || maxHashes > types.MaxProofHashes {
				t.Fatalf("accepted %+v", m)
			}
		}
	})
}

// mustValidate fails f unless m, a fuzzer's valid seed, is accepted.
func mustValidate(f *testing.F, m interface{ ValidateBasic() error }) {
	f.Helper()
	if err := m.ValidateBasic(); err != nil {
		f.Fatalf("the valid seed %T is rejected: %v", m, err)
	}
}

// checkValidateBasic checks the property every ValidateBasic fuzzer
// checks (see internal/testutil/msgcheck).
func checkValidateBasic(t *testing.T, m msgcheck.Msg) error {
	t.Helper()
	return msgcheck.ValidateBasic(t, m, types.ModuleName)
}
