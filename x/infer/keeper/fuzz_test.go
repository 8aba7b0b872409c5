package keeper_test

import (
	"bytes"
	"crypto/sha256"
	"testing"

	errorsmod "cosmossdk.io/errors"

	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/prova-network/prova/x/infer/types"
)

// FuzzResolveStep feeds forged resolutions of a real dispute (the lying
// provider of TestLyingProviderLosesBisection, narrowed to leaf 3) to
// MsgResolveStep: fuzzed tensors for the state and the weight, a fuzzed
// compact range and proof hashes, a fuzzed leaf index. The handler never
// panics (whatever the runtime is given), refuses with registered errors
// and leaves the dispute as it was; whatever it accepts re-executed the
// honest leaf, so the challenger wins.
func FuzzResolveStep(f *testing.F) {
	fx := newFixture(f)
	model, m := fx.realModel(f)
	fx.bond(f, "bob", minBond, "")
	honest := run(f, m, testInput(11))
	lie := withLeaf(honest.Leaves, 3, sha256.Sum256([]byte("not the state")))
	claim := fx.claimTrace(f, "bob", model, lie)
	id := fx.challengeTrace(f, "carol", claim, honest.Leaves)
	d := fx.bisect(f, id, "bob", "carol", trace{lie}, trace{honest.Leaves})
	good := resolution(f, m, honest.Leaves, honest.States, d.Lo)
	good.Sender, good.DisputeId = addr("dave"), id
	state, weight := good.States[0].Tensors, good.Weights[0].Tensor

	f.Add(state, weight, []byte{}, uint64(good.States[0].LeafIndex), uint8(0))
	f.Add(state[:len(state)-1], weight, []byte{}, uint64(1), uint8(1))
	f.Add(state, weight[:10], bytes.Repeat([]byte{7}, 32), uint64(2), uint8(2))
	f.Add([]byte{3, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 44, 0}, weight, []byte{}, uint64(0), uint8(3))
	f.Add(state, []byte{1, 0, 0, 0, 0, 0}, bytes.Repeat([]byte{1}, 64), uint64(1), uint8(4))
	f.Fuzz(func(t *testing.T, st, w, hashes []byte, leaf uint64, which uint8) {
		msg := resolution(t, m, honest.Leaves, honest.States, d.Lo)
		msg.Sender, msg.DisputeId = addr("dave"), id
		var hs [][]byte
		for len(hashes) >= 32 && len(hs) < 70 {
			hs, hashes = append(hs, hashes[:32]), hashes[32:]
		}
		switch which % 5 {
		case 0:
			msg.States[0].Tensors = st
		case 1:
			msg.States[0].Tensors, msg.States[0].LeafIndex = st, leaf
		case 2:
			msg.Weights[0].Tensor = w
		case 3:
			msg.Range = hs
		case 4:
			msg.States[0].Proof, msg.Weights[0].Proof = hs, hs
		}
		ctx, _ := fx.ctx.CacheContext()
		res, err := fx.msgs.ResolveStep(ctx, msg)
		after, _ := fx.k.Disputes.Get(ctx, id)
		if err != nil {
			if space, code, _ := errorsmod.ABCIInfo(err, false); (space != types.ModuleName && space != sdkerrors.RootCodespace) || code < 2 {
				t.Fatalf("error %q is not registered", err)
			}
			if after.Phase != types.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP || len(after.Moves) != len(d.Moves) {
				t.Fatalf("a refused resolution changed the dispute: %v", err)
			}
			return
		}
		if res.Outcome != types.Outcome_OUTCOME_CHALLENGER_WON || !bytes.Equal(res.Leaf, honest.Leaves[3][:]) {
			t.Fatalf("accepted a resolution giving %s, leaf %x", res.Outcome, res.Leaf)
		}
	})
}
