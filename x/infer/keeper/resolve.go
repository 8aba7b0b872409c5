package keeper

import (
	"bytes"
	"context"
	"crypto/sha256"

	errorsmod "cosmossdk.io/errors"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/x/infer/types"
)

// ResolveStep settles a dispute whose bisection has narrowed to one leaf
// (hi = lo + 1): the sender gives the compact range of the agreed prefix,
// the states the step reads (proven against the agreed prefix root) and
// the initializers it uses (proven against the model's tensor root). The
// chain rebuilds the program from the stored skeleton, charges the step's
// cost in gas, re-executes leaf lo with onnxint.ExecStep, appends the leaf
// to the range and compares the root of size hi with both parties' roots:
// a party whose root differs loses. Anyone may send it.
func (s msgServer) ResolveStep(ctx context.Context, m *types.MsgResolveStep) (*types.MsgResolveStepResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	d, err := s.openDisputeFor(ctx, m.DisputeId, types.DisputePhase_DISPUTE_PHASE_RESOLVE_STEP)
	if err != nil {
		return nil, err
	}
	agreed, err := onnxint.RangeRoot(d.Lo, m.Range)
	if err != nil || !bytes.Equal(agreed[:], d.LoRoot) {
		return nil, types.ErrInvalidProof.Wrapf("the compact range does not hash to the agreed root of size %d", d.Lo)
	}
	e, err := s.Executables.Get(ctx, d.ModelId)
	if err != nil {
		return nil, err
	}
	skeleton, err := s.Skeletons.Get(ctx, d.ModelId)
	if err != nil {
		return nil, err
	}
	model, err := loadModel(skeleton, true)
	if err != nil {
		return nil, err
	}
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	leafIndex := int(d.Lo) // the leaf appended to the agreed prefix
	if steps := model.Steps(); leafIndex <= len(steps) {
		if err := chargeCost(ctx, steps[leafIndex-1].Cost, p, "infer: resolve step"); err != nil {
			return nil, err
		}
	}
	states, err := provenStates(m.States, d.Lo, agreed)
	if err != nil {
		return nil, err
	}
	weights, err := provenWeights(m.Weights, model.Initializers(), e.TensorRoot)
	if err != nil {
		return nil, err
	}
	var leaf [32]byte
	if err := runtimeCall(func() (err error) { leaf, _, err = model.ExecStep(leafIndex, states, weights); return err }); err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidStep, "leaf %d: %v", leafIndex, err)
	}
	root, err := onnxint.AppendRoot(d.Lo, m.Range, leaf)
	if err != nil {
		return nil, types.ErrInvalidProof.Wrap(err.Error())
	}
	defenderRight, challengerRight := bytes.Equal(root[:], d.DefenderHiRoot), bytes.Equal(root[:], d.ChallengerHiRoot)
	outcome, reason := types.Outcome_OUTCOME_BOTH_LOST, "the re-executed leaf matches neither party's root"
	switch {
	case defenderRight && !challengerRight:
		outcome, reason = types.Outcome_OUTCOME_DEFENDER_WON, "the re-executed leaf matches the defender's root"
	case challengerRight && !defenderRight:
		outcome, reason = types.Outcome_OUTCOME_CHALLENGER_WON, "the re-executed leaf matches the challenger's root"
	}
	d.Moves = append(d.Moves, types.Move{Kind: moveResolveStep, Sender: m.Sender, Party: partyOf(d, m.Sender), PrefixSize: d.Hi, Root: root[:], Height: height(ctx)})
	if err := s.settle(ctx, d, outcome, reason); err != nil {
		return nil, err
	}
	return &types.MsgResolveStepResponse{Outcome: outcome, Leaf: leaf[:], Root: root[:]}, nil
}

// provenStates decodes each state and checks its leaf (the digest of its
// tensors) against the agreed prefix root of size lo.
func provenStates(in []types.StateProof, lo uint64, agreed [32]byte) (map[int][]*onnxint.Tensor, error) {
	out := make(map[int][]*onnxint.Tensor, len(in))
	for _, sp := range in {
		if sp.LeafIndex >= lo {
			return nil, types.ErrInvalidProof.Wrapf("state of leaf %d is outside the agreed prefix of size %d", sp.LeafIndex, lo)
		}
		ts, err := decodeTensors(sp.Tensors)
		if err != nil {
			return nil, types.ErrInvalidStep.Wrapf("state of leaf %d: %v", sp.LeafIndex, err)
		}
		leaf := onnxint.Digest(ts...)
		if err := onnxint.VerifyInclusion(leaf, sp.LeafIndex, lo, sp.Proof, agreed); err != nil {
			return nil, types.ErrInvalidProof.Wrapf("state of leaf %d: %v", sp.LeafIndex, err)
		}
		out[int(sp.LeafIndex)] = ts
	}
	return out, nil
}

// provenWeights decodes each initializer and checks its leaf,
// SHA-256(name ‖ 0x00 ‖ encoding), against the model's tensor root.
func provenWeights(in []types.WeightProof, inits []onnxint.InitializerInfo, tensorRoot []byte) (map[int]*onnxint.Tensor, error) {
	var root [32]byte
	copy(root[:], tensorRoot)
	out := make(map[int]*onnxint.Tensor, len(in))
	for _, wp := range in {
		if wp.Index >= uint64(len(inits)) {
			return nil, types.ErrInvalidProof.Wrapf("initializer %d of %d", wp.Index, len(inits))
		}
		t, n, err := onnxint.Decode(wp.Tensor)
		if err != nil || n != len(wp.Tensor) {
			return nil, types.ErrInvalidStep.Wrapf("initializer %d is not one canonical tensor", wp.Index)
		}
		info := inits[wp.Index]
		h := sha256.New()
		h.Write([]byte(info.Name))
		h.Write([]byte{0})
		h.Write(wp.Tensor)
		var leaf [32]byte
		h.Sum(leaf[:0])
		if err := onnxint.VerifyInclusion(leaf, wp.Index, uint64(len(inits)), wp.Proof, root); err != nil {
			return nil, types.ErrInvalidProof.Wrapf("initializer %d (%s): %v", wp.Index, info.Name, err)
		}
		out[int(wp.Index)] = t
	}
	return out, nil
}
