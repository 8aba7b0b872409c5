package keeper

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math/bits"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/x/infer/types"
)

// RegisterExecutable commits a registered model for execution. Only the
// x/registry owner may. A whole file (at most params.max_model_bytes) is
// loaded by the runtime, which refuses unsupported operators, and the
// chain derives the skeleton and tensor root itself; otherwise the
// skeleton is loaded and the owner's tensor root recorded as given.
func (s msgServer) RegisterExecutable(ctx context.Context, m *types.MsgRegisterExecutable) (*types.MsgRegisterExecutableResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	owner, found, err := s.modelOwner(ctx, m.ModelId)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, types.ErrUnknownModel.Wrapf("%s is not a registered model; register it with x/registry first", m.ModelId)
	}
	if owner != m.Owner {
		return nil, types.ErrNotModelOwner.Wrapf("model %s is owned by %s", m.ModelId, owner)
	}
	if has, err := s.Executables.Has(ctx, m.ModelId); err != nil {
		return nil, err
	} else if has {
		return nil, types.ErrExecutableExists.Wrapf("model %s is already executable", m.ModelId)
	}
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	e := types.Executable{ModelId: m.ModelId, Owner: m.Owner, RegisteredHeight: height(ctx)}
	var model *onnxint.Model
	var skeleton []byte
	if len(m.Onnx) > 0 {
		if uint64(len(m.Onnx)) > p.MaxModelBytes {
			return nil, types.ErrModelTooLarge.Wrapf("ONNX file is %d bytes; files over %d are registered by skeleton and tensor root", len(m.Onnx), p.MaxModelBytes)
		}
		if model, err = loadModel(m.Onnx, false); err != nil {
			return nil, err
		}
		if err := runtimeCall(func() error { skeleton, err = model.Skeleton(); return err }); err != nil {
			return nil, types.ErrInvalidModel.Wrapf("skeleton: %v", err)
		}
		root := model.TensorRoot()
		e.TensorRoot, e.HasFile, e.FileMatchesId = root[:], true, fileMatchesID(m.ModelId, m.Onnx)
	} else {
		if model, err = loadModel(m.Skeleton, true); err != nil {
			return nil, err
		}
		skeleton, e.TensorRoot = m.Skeleton, m.TensorRoot
	}
	if len(skeleton) > types.MaxSkeletonBytes {
		return nil, types.ErrModelTooLarge.Wrapf("skeleton is %d bytes, at most %d", len(skeleton), types.MaxSkeletonBytes)
	}
	sum := sha256.Sum256(skeleton)
	e.SkeletonDigest = sum[:]
	e.TraceSize, e.Cost, e.Initializers = model.TraceSize(), model.Cost(), uint64(len(model.Initializers()))
	if err := s.Executables.Set(ctx, e.ModelId, e); err != nil {
		return nil, err
	}
	if err := s.Skeletons.Set(ctx, e.ModelId, skeleton); err != nil {
		return nil, err
	}
	if e.HasFile {
		if err := s.Files.Set(ctx, e.ModelId, m.Onnx); err != nil {
			return nil, err
		}
	}
	emit(ctx, types.EventTypeExecutableRegistered, types.AttributeKeyModelID, e.ModelId, types.AttributeKeyOwner, e.Owner,
		types.AttributeKeyTraceSize, u64(e.TraceSize), types.AttributeKeyCost, i64(e.Cost), types.AttributeKeyTensorRoot, hexBytes(e.TensorRoot),
		types.AttributeKeyHasFile, fmt.Sprint(e.HasFile), types.AttributeKeyFileMatchesID, fmt.Sprint(e.FileMatchesId))
	return &types.MsgRegisterExecutableResponse{TraceSize: e.TraceSize, Cost: e.Cost, TensorRoot: e.TensorRoot, HasFile: e.HasFile, FileMatchesId: e.FileMatchesId}, nil
}

// fileMatchesID reports whether the registry's model ID is the
// fingerprint of file alone: a manifest with one whole-file resource,
// hashed with the ID's algorithm (internal/fingerprint's subject digest).
// A model registered as several files has another ID; that is allowed,
// and recorded as false.
func fileMatchesID(id string, file []byte) bool {
	d, err := fingerprint.ParseDigest(id)
	if err != nil {
		return false
	}
	res, err := d.Algorithm.Sum(file)
	if err != nil {
		return false
	}
	subject, err := fingerprint.SubjectDigest(d.Algorithm, []fingerprint.Resource{{Digest: res}})
	return err == nil && bytes.Equal(subject.Sum[:], d.Sum[:])
}

// loadModel loads an ONNX file (or a skeleton) with the runtime, mapping
// its refusals (unsupported operators, malformed files) to ErrInvalidModel.
func loadModel(b []byte, skeleton bool) (*onnxint.Model, error) {
	key := cacheKey(b, skeleton)
	if m := loadedModels.get(key); m != nil {
		return m, nil
	}
	var m *onnxint.Model
	err := runtimeCall(func() (err error) {
		if skeleton {
			m, err = onnxint.LoadSkeleton(b)
		} else {
			m, err = onnxint.Load(b)
		}
		return err
	})
	if err != nil {
		return nil, types.ErrInvalidModel.Wrap(err.Error())
	}
	loadedModels.put(key, m)
	return m, nil
}

// runtimeCall runs f, turning a panic inside the runtime into an error:
// a malformed model or tensor must fail the transaction, not the node.
// It is only ever wrapped around runtime code, never around gas
// consumption, so out-of-gas panics still reach the SDK.
func runtimeCall(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("runtime failure: %v", r)
		}
	}()
	return f()
}

// decodeTensors splits b into canonically encoded tensors.
func decodeTensors(b []byte) ([]*onnxint.Tensor, error) {
	var ts []*onnxint.Tensor
	for len(b) > 0 {
		t, n, err := onnxint.Decode(b)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
		b = b[n:]
	}
	return ts, nil
}

func encodeTensors(ts []*onnxint.Tensor) []byte {
	var out []byte
	for _, t := range ts {
		out = append(out, onnxint.Encode(t)...)
	}
	return out
}

// chargeCost consumes cost × gas_per_mac gas before the runtime does any
// work.
func chargeCost(ctx context.Context, cost int64, p types.Params, what string) error {
	if cost < 0 {
		return types.ErrInvalidModel.Wrapf("negative cost %d", cost)
	}
	hi, gas := bits.Mul64(uint64(cost), p.GasPerMac)
	if hi != 0 {
		return types.ErrCostTooHigh.Wrapf("cost %d overflows gas", cost)
	}
	sdk.UnwrapSDKContext(ctx).GasMeter().ConsumeGas(gas, what)
	return nil
}

// RunModel runs a stored model on the inputs inside the state machine,
// after charging its whole cost in gas, stores the outputs under a new run
// ID and reports the output digest and trace root.
func (s msgServer) RunModel(ctx context.Context, m *types.MsgRunModel) (*types.MsgRunModelResponse, error) {
	if err := m.ValidateBasic(); err != nil {
		return nil, err
	}
	e, err := get(ctx, s.Executables, m.ModelId, types.ErrNoExecutable.Wrapf("model %s is not executable", m.ModelId))
	if err != nil {
		return nil, err
	}
	if !e.HasFile {
		return nil, types.ErrNoModelFile.Wrapf("model %s was registered by skeleton; only models stored whole run on chain", m.ModelId)
	}
	p, err := s.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if e.Cost < 0 || uint64(e.Cost) > p.MaxRunCost {
		return nil, types.ErrCostTooHigh.Wrapf("model %s costs %d, params allow %d on chain", m.ModelId, e.Cost, p.MaxRunCost)
	}
	if uint64(len(m.Inputs)) > p.MaxInputBytes {
		return nil, types.ErrInvalidInput.Wrapf("inputs are %d bytes, at most %d", len(m.Inputs), p.MaxInputBytes)
	}
	if err := chargeCost(ctx, e.Cost, p, "infer: run model"); err != nil {
		return nil, err
	}
	file, err := s.Files.Get(ctx, m.ModelId)
	if err != nil {
		return nil, err
	}
	model, err := loadModel(file, false)
	if err != nil {
		return nil, err
	}
	inputs, err := decodeTensors(m.Inputs)
	if err != nil {
		return nil, types.ErrInvalidInput.Wrap(err.Error())
	}
	if want := len(model.Inputs()); len(inputs) != want {
		return nil, types.ErrInvalidInput.Wrapf("%d input tensors; the model takes %d", len(inputs), want)
	}
	var res *onnxint.Result
	if err := runtimeCall(func() (err error) { res, err = model.Run(inputs, onnxint.Options{Trace: true}); return err }); err != nil {
		return nil, errorsmod.Wrap(types.ErrRunFailed, err.Error())
	}
	inDigest, outDigest := onnxint.Digest(inputs...), onnxint.Digest(res.Outputs...)
	id, err := nextID(ctx, s.RunSeq)
	if err != nil {
		return nil, err
	}
	r := types.RunResult{
		Id: id, ModelId: m.ModelId, Sender: m.Sender, InputDigest: inDigest[:], OutputDigest: outDigest[:],
		TraceRoot: res.Root[:], TraceSize: e.TraceSize, Cost: e.Cost, Height: height(ctx), Outputs: encodeTensors(res.Outputs),
	}
	if err := s.Runs.Set(ctx, id, r); err != nil {
		return nil, err
	}
	emit(ctx, types.EventTypeModelRun, types.AttributeKeyRunID, u64(id), types.AttributeKeyModelID, m.ModelId, types.AttributeKeySender, m.Sender,
		types.AttributeKeyInputDigest, digestText(r.InputDigest), types.AttributeKeyOutputDigest, digestText(r.OutputDigest),
		types.AttributeKeyTraceRoot, digestText(r.TraceRoot), types.AttributeKeyCost, i64(e.Cost))
	return &types.MsgRunModelResponse{RunId: id, OutputDigest: r.OutputDigest, TraceRoot: r.TraceRoot, Outputs: r.Outputs}, nil
}
