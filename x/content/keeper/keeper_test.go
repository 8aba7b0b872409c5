package keeper_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	_ "github.com/prova-network/prova/app" // bech32 prefixes
	"github.com/prova-network/prova/internal/phash"
	"github.com/prova-network/prova/x/content/keeper"
	"github.com/prova-network/prova/x/content/types"
	regtypes "github.com/prova-network/prova/x/registry/types"
)

// fakeModels stands in for x/registry.
type fakeModels map[string]regtypes.Model

func (f fakeModels) GetModel(_ context.Context, id string) (regtypes.Model, error) {
	m, ok := f[id]
	if !ok {
		return m, errorsmod.Wrapf(regtypes.ErrNotFound, "no model %s", id)
	}
	return m, nil
}

type fixture struct {
	t      *testing.T
	ctx    sdk.Context
	k      keeper.Keeper
	msgs   types.MsgServer
	query  types.QueryServer
	near   *keeper.NearIndex
	models fakeModels
	key    *storetypes.KVStoreKey
}

var (
	gov          = authtypes.NewModuleAddress("gov").String()
	goodModel    = fmt.Sprintf("blake3:%064x", 1)
	flaggedModel = fmt.Sprintf("blake3:%064x", 2)
	missingModel = fmt.Sprintf("blake3:%064x", 3)
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	ctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("t")).Ctx.
		WithBlockHeader(cmtproto.Header{Height: 10, Time: time.Unix(1_700_000_000, 0)})
	models := fakeModels{
		goodModel:    {Info: regtypes.ModelInfo{Id: goodModel}},
		flaggedModel: {Info: regtypes.ModelInfo{Id: flaggedModel}, Status: regtypes.ModelStatus_MODEL_STATUS_FLAGGED, StatusReason: "unsafe", StatusHeight: 7},
	}
	logs := func(_ context.Context, id string) (bool, error) { return id == "log-1", nil }
	k := keeper.NewKeeper(codec.NewProtoCodec(codectypes.NewInterfaceRegistry()), runtime.NewKVStoreService(key), models, logs, gov)
	if err := k.InitGenesis(ctx, types.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	near := keeper.NewNearIndex()
	return &fixture{t: t, ctx: ctx, k: k, msgs: keeper.NewMsgServer(k), query: keeper.NewQueryServerWithIndex(k, near), near: near, models: models, key: key}
}

// nextBlock checks the invariants, as after a block, and advances the height.
func (f *fixture) nextBlock() {
	f.t.Helper()
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		f.t.Fatalf("invariant broken at height %d: %v", f.ctx.BlockHeight(), err)
	}
	f.ctx = f.ctx.WithBlockHeight(f.ctx.BlockHeight() + 1)
}

func creator(n int) string { return sdk.AccAddress(fmt.Sprintf("creator-%012d", n)).String() }

// aiImage is AI-generated PNG content number n with perceptual hash h.
func aiImage(n int, h phash.Hash64) types.ContentInfo {
	return types.ContentInfo{
		Sha256: fmt.Sprintf("%064x", 0x5000+n), Blake3: fmt.Sprintf("%064x", 0xb000+n),
		MediaType: "image/png", DigitalSourceType: types.TrainedAlgorithmicMedia, ModelId: goodModel,
		Receipt:      &types.ReceiptRef{LogId: "log-1", Index: uint64(n)},
		SoftBindings: []types.SoftBinding{{Algorithm: phash.Algorithm, Value: h.String()}},
	}
}

func (f *fixture) register(info types.ContentInfo) (*types.MsgRegisterContentResponse, error) {
	return f.msgs.RegisterContent(f.ctx, &types.MsgRegisterContent{Creator: creator(1), Info: info})
}

func (f *fixture) mustRegister(info types.ContentInfo) uint64 {
	f.t.Helper()
	res, err := f.register(info)
	if err != nil {
		f.t.Fatalf("register %s: %v", info.ID(), err)
	}
	f.nextBlock()
	return res.Seq
}

func TestRegisterAIGenerated(t *testing.T) {
	f := newFixture(t)
	info := aiImage(1, 0x0123456789abcdef)
	res, err := f.register(info)
	if err != nil {
		t.Fatal(err)
	}
	if res.Id != "sha256:"+info.Sha256 || res.Seq != 1 {
		t.Fatalf("response %+v", res)
	}
	var found bool
	for _, ev := range f.ctx.EventManager().Events() {
		if ev.Type != types.EventTypeContentRegistered {
			continue
		}
		found = true
		attrs := map[string]string{}
		for _, a := range ev.Attributes {
			attrs[a.Key] = a.Value
		}
		if attrs[types.AttributeKeyID] != res.Id || attrs[types.AttributeKeyModelID] != goodModel || attrs[types.AttributeKeyPerceptualHash] != "0123456789abcdef" {
			t.Fatalf("event attributes %v", attrs)
		}
	}
	if !found {
		t.Fatal("no content_registered event")
	}
	f.nextBlock()
	for _, d := range []string{res.Id, "blake3:" + info.Blake3} {
		got, err := f.query.ByDigest(f.ctx, &types.QueryByDigestRequest{Digest: d})
		if err != nil {
			t.Fatalf("by-digest %s: %v", d, err)
		}
		c := got.Content
		if c.Id != res.Id || c.Creator != creator(1) || c.RegisteredHeight != 10 || c.Info.ModelId != goodModel || c.Info.Receipt.Index != 1 {
			t.Fatalf("by-digest %s returned %+v", d, c)
		}
	}
}

// A receipt reference must name a registered receipt log.
func TestRegisterUnknownLog(t *testing.T) {
	f := newFixture(t)
	info := aiImage(1, 0x0123456789abcdef)
	info.Receipt.LogId = "no-such-log"
	if _, err := f.register(info); !errors.Is(err, types.ErrUnknownLog) {
		t.Fatalf("got %v, want ErrUnknownLog", err)
	}
	if _, err := f.query.ByDigest(f.ctx, &types.QueryByDigestRequest{Digest: info.ID()}); err == nil {
		t.Fatal("refused content was stored")
	}
	f.nextBlock()
}

func TestRegisterHumanMade(t *testing.T) {
	f := newFixture(t)
	info := types.ContentInfo{
		Sha256: fmt.Sprintf("%064x", 7), Blake3: fmt.Sprintf("%064x", 8), MediaType: "image/jpeg",
		DigitalSourceType: "digitalCapture", Attestation: "photographed by me on 2024-05-01",
	}
	f.mustRegister(info)
	c, err := f.k.GetContent(f.ctx, info.ID())
	if err != nil || c.Info.Attestation != info.Attestation {
		t.Fatalf("got %+v, %v", c, err)
	}
}

func TestRegisterRefusals(t *testing.T) {
	f := newFixture(t)
	first := aiImage(1, 1)
	f.mustRegister(first)

	sameBlake := aiImage(2, 2)
	sameBlake.Blake3 = first.Blake3
	unknown := aiImage(3, 3)
	unknown.ModelId = missingModel
	flagged := aiImage(4, 4)
	flagged.ModelId = flaggedModel
	badOrigin := aiImage(5, 5)
	badOrigin.DigitalSourceType = "aiGenerated"
	noModel := aiImage(6, 6)
	noModel.ModelId, noModel.Receipt = "", nil
	humanNoAttest := aiImage(7, 7)
	humanNoAttest.DigitalSourceType, humanNoAttest.ModelId, humanNoAttest.Receipt = "humanEdits", "", nil
	humanWithModel := aiImage(8, 8)
	humanWithModel.DigitalSourceType, humanWithModel.Attestation = "digitalCapture", "mine"
	phashOnText := aiImage(9, 9)
	phashOnText.MediaType = "text/plain"
	tooMany := aiImage(10, 10)
	for i := range types.DefaultMaxSoftBindings {
		tooMany.SoftBindings = append(tooMany.SoftBindings, types.SoftBinding{Algorithm: fmt.Sprintf("alg-%d", i), Value: "x"})
	}
	upperHash := aiImage(11, 11)
	upperHash.SoftBindings[0].Value = "00000000000000AB"

	cases := []struct {
		name string
		info types.ContentInfo
		want *errorsmod.Error
		msg  string
	}{
		{"duplicate sha256", first, types.ErrAlreadyRegistered, "already registered as trainedAlgorithmicMedia by " + creator(1) + " at height 10"},
		{"duplicate blake3", sameBlake, types.ErrAlreadyRegistered, first.ID()},
		{"unknown model", unknown, types.ErrUnknownModel, missingModel},
		{"flagged model", flagged, types.ErrModelFlagged, "unsafe"},
		{"bad origin", badOrigin, types.ErrInvalidOrigin, "aiGenerated"},
		{"ai without model", noModel, types.ErrUnknownModel, "must name the registered model"},
		{"human-made without attestation", humanNoAttest, types.ErrInvalidAttestation, "attestation"},
		{"human-made naming a model", humanWithModel, types.ErrInvalidOrigin, "cannot name a model"},
		{"perceptual hash on text", phashOnText, types.ErrInvalidSoftBinding, "text/plain"},
		{"too many soft bindings", tooMany, types.ErrInvalidSoftBinding, "at most 4"},
		{"upper-case phash", upperHash, types.ErrInvalidSoftBinding, "lower-case"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := f.k.NextSeq.Peek(f.ctx)
			_, err := f.register(tc.info)
			if !tc.want.Is(err) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %q does not mention %q", err, tc.msg)
			}
			after, _ := f.k.NextSeq.Peek(f.ctx)
			if after != before {
				t.Fatalf("refused registration moved the sequence %d -> %d", before, after)
			}
			if tc.name != "duplicate sha256" {
				if ok, _ := f.k.Contents.Has(f.ctx, tc.info.ID()); ok {
					t.Fatal("refused content was stored")
				}
			}
			f.nextBlock()
		})
	}
}

func TestInvariantsCatchCorruption(t *testing.T) {
	f := newFixture(t)
	f.mustRegister(aiImage(1, 1))
	// A BLAKE3 entry that points at nothing, written below the keeper.
	f.ctx.KVStore(f.key).Set(types.Blake3Key(fmt.Sprintf("%064x", 0xdead)), []byte("sha256:"+fmt.Sprintf("%064x", 0xbeef)))
	if err := f.k.CheckInvariants(f.ctx); err == nil || !strings.Contains(err.Error(), "not registered") {
		t.Fatalf("dangling blake3 entry: got %v", err)
	}
	f2 := newFixture(t)
	f2.mustRegister(aiImage(1, 1))
	seqKey, err := collections.EncodeKeyWithPrefix(types.BySeqPrefix.Bytes(), collections.Uint64Key, 1)
	if err != nil {
		t.Fatal(err)
	}
	f2.ctx.KVStore(f2.key).Delete(seqKey)
	if err := f2.k.CheckInvariants(f2.ctx); err == nil || !strings.Contains(err.Error(), "seq index has 0 entries for 1 records") {
		t.Fatalf("missing seq entry: got %v", err)
	}
}

func TestGenesisRoundTrip(t *testing.T) {
	f := newFixture(t)
	f.mustRegister(aiImage(1, 1))
	f.mustRegister(aiImage(2, 2))
	gs, err := f.k.ExportGenesis(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := gs.Validate(); err != nil {
		t.Fatalf("exported genesis does not validate: %v", err)
	}
	if len(gs.Contents) != 2 || gs.NextSeq != 3 || gs.Contents[0].Seq != 1 {
		t.Fatalf("exported %+v", gs)
	}
	g := newFixture(t)
	if err := g.k.InitGenesis(g.ctx, gs); err != nil {
		t.Fatal(err)
	}
	g.nextBlock()
	again, err := g.k.ExportGenesis(g.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again.String() != gs.String() {
		t.Fatalf("re-export differs:\n%v\n%v", again, gs)
	}
	// The next registration continues the sequence.
	if seq := g.mustRegister(aiImage(3, 3)); seq != 3 {
		t.Fatalf("seq after import = %d, want 3", seq)
	}

	dup := *gs
	dup.Contents = append(dup.Contents, gs.Contents[0])
	if err := dup.Validate(); err == nil {
		t.Fatal("genesis with a duplicate record validated")
	}
	badSeq := *gs
	badSeq.NextSeq = 2
	if err := badSeq.Validate(); err == nil {
		t.Fatal("genesis with seq >= next_seq validated")
	}
}

func TestUpdateParams(t *testing.T) {
	f := newFixture(t)
	first := aiImage(1, 1)
	first.SoftBindings = append(first.SoftBindings, types.SoftBinding{Algorithm: "io.iscc.v0", Value: "KACT4EBWK27737D1"})
	f.mustRegister(first) // two soft bindings
	p := types.DefaultParams()
	p.MaxSoftBindings = 1
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: creator(1), Params: p}); !types.ErrInvalidAuthority.Is(err) {
		t.Fatalf("non-gov update: %v", err)
	}
	bad := p
	bad.MaxSoftBindings = types.CapSoftBindings + 1
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: gov, Params: bad}); !types.ErrInvalidParams.Is(err) {
		t.Fatalf("over-cap update: %v", err)
	}
	if got, _ := f.k.Params.Get(f.ctx); got.MaxSoftBindings != types.DefaultMaxSoftBindings {
		t.Fatalf("refused updates changed params: %+v", got)
	}
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: gov, Params: p}); err != nil {
		t.Fatal(err)
	}
	f.nextBlock()
	two := aiImage(2, 2)
	two.SoftBindings = append(two.SoftBindings, types.SoftBinding{Algorithm: "io.iscc.v0", Value: "KACT4EBWK27737D2"})
	if _, err := f.register(two); !types.ErrInvalidSoftBinding.Is(err) {
		t.Fatalf("two soft bindings under a limit of 1: %v", err)
	}
	// Records registered under the old limits still validate and export.
	gs, err := f.k.ExportGenesis(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := gs.Validate(); err != nil {
		t.Fatalf("export after lowering a limit: %v", err)
	}
	f.nextBlock()
}
