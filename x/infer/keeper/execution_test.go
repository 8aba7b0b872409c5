package keeper_test

import (
	"bytes"
	"strings"
	"testing"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/onnxint/onnxtest"
	"github.com/prova-network/prova/x/infer/types"
)

func TestRegisterExecutable(t *testing.T) {
	f := newFixture(t)
	id, m := f.realModel(t)
	e, err := f.k.Executables.Get(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := f.k.Skeletons.Get(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := onnxint.LoadSkeleton(sk)
	if err != nil || loaded.TraceSize() != m.TraceSize() || loaded.TensorRoot() != m.TensorRoot() {
		t.Fatalf("stored skeleton: %v", err)
	}
	if e.Initializers != uint64(len(m.Initializers())) || e.Owner != addr("alice") {
		t.Fatalf("executable %+v", e)
	}

	// A big model registers its skeleton and tensor root; it cannot run on
	// chain. Its ID is not the file's own, which is allowed and recorded.
	big := modelID(2)
	f.owners[big] = addr("bob")
	root := m.TensorRoot()
	res, err := f.msgs.RegisterExecutable(f.ctx, &types.MsgRegisterExecutable{Owner: addr("bob"), ModelId: big, Skeleton: sk, TensorRoot: root[:]})
	if err != nil || res.HasFile || res.FileMatchesId || res.TraceSize != m.TraceSize() {
		t.Fatalf("skeleton registration: %+v, %v", res, err)
	}
	x := onnxint.Encode(testInput(3))
	before := f.state(t)
	_, err = f.msgs.RunModel(f.ctx, &types.MsgRunModel{Sender: addr("carol"), ModelId: big, Inputs: x})
	f.refused(t, before, err, types.ErrNoModelFile)

	// A file registered under a multi-file ID is stored but not matched.
	other := modelID(3)
	f.owners[other] = addr("bob")
	if res, err := f.msgs.RegisterExecutable(f.ctx, &types.MsgRegisterExecutable{Owner: addr("bob"), ModelId: other, Onnx: testModel(t)}); err != nil || res.FileMatchesId || !res.HasFile {
		t.Fatalf("file under another ID: %+v, %v", res, err)
	}

	unsupported := onnxtest.NewGraph(13)
	unsupported.Input("x", onnxtest.Float, 1, 4)
	unsupported.Node("Softmax", "sm", []string{"x"}, []string{"y"})
	unsupported.Output("y", onnxtest.Float, 1, 4)
	badID := singleFileID(t, unsupported.Bytes())
	f.owners[badID] = addr("bob")
	f.owners[modelID(4)] = addr("bob")

	before = f.state(t)
	for _, c := range []struct {
		name string
		msg  *types.MsgRegisterExecutable
		want error
		text string
	}{
		{"unknown model", &types.MsgRegisterExecutable{Owner: addr("bob"), ModelId: modelID(5), Onnx: testModel(t)}, types.ErrUnknownModel, ""},
		{"not the owner", &types.MsgRegisterExecutable{Owner: addr("carol"), ModelId: modelID(4), Onnx: testModel(t)}, types.ErrNotModelOwner, ""},
		{"already executable", &types.MsgRegisterExecutable{Owner: addr("alice"), ModelId: id, Onnx: testModel(t)}, types.ErrExecutableExists, ""},
		{"not ONNX", &types.MsgRegisterExecutable{Owner: addr("bob"), ModelId: modelID(4), Onnx: []byte("not a model")}, types.ErrInvalidModel, ""},
		{"unsupported operator", &types.MsgRegisterExecutable{Owner: addr("bob"), ModelId: badID, Onnx: unsupported.Bytes()}, types.ErrInvalidModel, "Softmax"},
		{"bad skeleton", &types.MsgRegisterExecutable{Owner: addr("bob"), ModelId: modelID(4), Skeleton: []byte{1, 2, 3}, TensorRoot: root[:]}, types.ErrInvalidModel, ""},
		{"skeleton without root", &types.MsgRegisterExecutable{Owner: addr("bob"), ModelId: modelID(4), Skeleton: sk}, types.ErrInvalidModel, ""},
		{"nothing", &types.MsgRegisterExecutable{Owner: addr("bob"), ModelId: modelID(4)}, types.ErrInvalidModel, ""},
		{"bad model id", &types.MsgRegisterExecutable{Owner: addr("bob"), ModelId: "blake3:xyz", Onnx: testModel(t)}, types.ErrInvalidModel, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.msgs.RegisterExecutable(f.ctx, c.msg)
			f.refused(t, before, err, c.want)
			if !strings.Contains(err.Error(), c.text) {
				t.Fatalf("error %q does not name %q", err, c.text)
			}
		})
	}
	// Over the parameter cap: the file must go as a skeleton.
	p := testParams()
	p.MaxModelBytes = 100
	if err := f.k.Params.Set(f.ctx, p); err != nil {
		t.Fatal(err)
	}
	before = f.state(t)
	_, err = f.msgs.RegisterExecutable(f.ctx, &types.MsgRegisterExecutable{Owner: addr("bob"), ModelId: modelID(4), Onnx: testModel(t)})
	f.refused(t, before, err, types.ErrModelTooLarge)
}

func TestRunModel(t *testing.T) {
	f := newFixture(t)
	id, m := f.realModel(t)
	x := testInput(7)
	want := run(t, m, x)
	var outputs [][]byte
	for i := range 2 {
		meter := storetypes.NewInfiniteGasMeter()
		ctx := f.ctx.WithGasMeter(meter)
		res, err := f.msgs.RunModel(ctx, &types.MsgRunModel{Sender: addr("carol"), ModelId: id, Inputs: onnxint.Encode(x)})
		if err != nil {
			t.Fatal(err)
		}
		if d := onnxint.Digest(want.Outputs...); !bytes.Equal(res.OutputDigest, d[:]) || !bytes.Equal(res.TraceRoot, want.Root[:]) {
			t.Fatalf("run %d: output digest %x, trace root %x; the runtime gives %x, %x", i, res.OutputDigest, res.TraceRoot, d, want.Root)
		}
		if res.RunId != uint64(i+1) {
			t.Fatalf("run id %d", res.RunId)
		}
		if meter.GasConsumed() < uint64(m.Cost())*testParams().GasPerMac {
			t.Fatalf("consumed %d gas for a cost of %d", meter.GasConsumed(), m.Cost())
		}
		q, err := f.q.Run(f.ctx, &types.QueryRunRequest{RunId: res.RunId})
		if err != nil || !bytes.Equal(q.Run.Outputs, res.Outputs) || !bytes.Equal(q.Run.InputDigest, digestOf(x)) {
			t.Fatalf("query run %d: %+v, %v", res.RunId, q, err)
		}
		outputs = append(outputs, res.Outputs)
	}
	if !bytes.Equal(outputs[0], outputs[1]) {
		t.Fatal("two runs on the same input differ")
	}

	// Gas is charged before the model runs: too little gas stops it.
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Fatal("ran with too little gas")
			} else if _, ok := r.(storetypes.ErrorOutOfGas); !ok {
				panic(r)
			}
		}()
		ctx := f.ctx.WithGasMeter(storetypes.NewGasMeter(uint64(m.Cost()) / 2))
		_, _ = f.msgs.RunModel(ctx, &types.MsgRunModel{Sender: addr("carol"), ModelId: id, Inputs: onnxint.Encode(x)})
	}()

	wrongShape := onnxint.Encode(&onnxint.Tensor{Type: onnxint.Uint8, Dims: []int64{1, 7}, I: make([]int32, 7)})
	before := f.state(t)
	for _, c := range []struct {
		name   string
		msg    *types.MsgRunModel
		want   error
		params func(*types.Params)
	}{
		{"not executable", &types.MsgRunModel{Sender: addr("carol"), ModelId: modelID(5), Inputs: onnxint.Encode(x)}, types.ErrNoExecutable, nil},
		{"two inputs", &types.MsgRunModel{Sender: addr("carol"), ModelId: id, Inputs: append(onnxint.Encode(x), onnxint.Encode(x)...)}, types.ErrInvalidInput, nil},
		{"truncated", &types.MsgRunModel{Sender: addr("carol"), ModelId: id, Inputs: onnxint.Encode(x)[:20]}, types.ErrInvalidInput, nil},
		{"wrong shape", &types.MsgRunModel{Sender: addr("carol"), ModelId: id, Inputs: wrongShape}, types.ErrRunFailed, nil},
		{"empty", &types.MsgRunModel{Sender: addr("carol"), ModelId: id}, types.ErrInvalidInput, nil},
		{"too costly", &types.MsgRunModel{Sender: addr("carol"), ModelId: id, Inputs: onnxint.Encode(x)}, types.ErrCostTooHigh, func(p *types.Params) { p.MaxRunCost = 1000 }},
		{"inputs too large", &types.MsgRunModel{Sender: addr("carol"), ModelId: id, Inputs: onnxint.Encode(x)}, types.ErrInvalidInput, func(p *types.Params) { p.MaxInputBytes = 10 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.params != nil {
				p := testParams()
				c.params(&p)
				if err := f.k.Params.Set(f.ctx, p); err != nil {
					t.Fatal(err)
				}
				defer func() { _ = f.k.Params.Set(f.ctx, testParams()) }()
				before := f.state(t)
				_, err := f.msgs.RunModel(f.ctx, c.msg)
				f.refused(t, before, err, c.want)
				return
			}
			_, err := f.msgs.RunModel(f.ctx, c.msg)
			f.refused(t, before, err, c.want)
		})
	}
}

func digestOf(ts ...*onnxint.Tensor) []byte {
	d := onnxint.Digest(ts...)
	return d[:]
}
