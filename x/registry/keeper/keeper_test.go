package keeper_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	_ "github.com/prova-network/prova/app" // bech32 prefixes
	"github.com/prova-network/prova/x/registry/keeper"
	"github.com/prova-network/prova/x/registry/types"
)

type fixture struct {
	t     testing.TB
	ctx   sdk.Context
	k     keeper.Keeper
	msgs  types.MsgServer
	query types.QueryServer
	gov   string
	key   *storetypes.KVStoreKey
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	tctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("t"))
	ctx := tctx.Ctx.WithBlockHeader(cmtproto.Header{Height: 10, Time: time.Unix(1_700_000_000, 0)})
	reg := codectypes.NewInterfaceRegistry()
	types.RegisterInterfaces(reg)
	gov := authtypes.NewModuleAddress("gov").String()
	k := keeper.NewKeeper(codec.NewProtoCodec(reg), runtime.NewKVStoreService(key), gov)
	if err := k.InitGenesis(ctx, types.DefaultGenesis()); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, ctx: ctx, k: k, msgs: keeper.NewMsgServer(k), query: keeper.NewQueryServer(k), gov: gov, key: key}
}

// nextBlock advances the height and checks the invariants, as after a block.
func (f *fixture) nextBlock() {
	f.t.Helper()
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		f.t.Fatalf("invariant broken at height %d: %v", f.ctx.BlockHeight(), err)
	}
	f.ctx = f.ctx.WithBlockHeight(f.ctx.BlockHeight() + 1)
}

func addr(n int) string { return sdk.AccAddress(fmt.Sprintf("addr-%015d", n)).String() }

func digest(n int) string { return fmt.Sprintf("blake3:%064x", n) }

func dataset(n int) types.DatasetInfo {
	return types.DatasetInfo{
		Id: digest(n), Name: fmt.Sprintf("dataset-%d", n), License: "CC-BY-4.0",
		Usage:        types.UsageTerms{Use: types.Use_USE_COMMERCIAL, Attribution: true},
		Contributors: []types.Contributor{{Address: addr(1), ShareBps: 6000}, {Address: addr(2), ShareBps: 4000}},
		RecordRoot:   make([]byte, 32), RecordCount: 3,
	}
}

func model(n int, parents []int, datasets []int) types.ModelInfo {
	m := types.ModelInfo{Id: digest(n), Name: fmt.Sprintf("model-%d", n), Format: "safetensors", License: "Apache-2.0"}
	for _, p := range parents {
		m.Parents = append(m.Parents, types.ParentLink{ModelId: digest(p), Relation: types.ParentRelation_PARENT_RELATION_FINETUNE})
	}
	for _, d := range datasets {
		m.Datasets = append(m.Datasets, types.DatasetLink{DatasetId: digest(d), Relation: types.DatasetRelation_DATASET_RELATION_TRAINED_ON})
	}
	return m
}

func (f *fixture) registerDataset(owner string, d types.DatasetInfo) error {
	_, err := f.msgs.RegisterDataset(f.ctx, &types.MsgRegisterDataset{Owner: owner, Dataset: d})
	return err
}

func (f *fixture) registerModel(owner string, m types.ModelInfo) error {
	_, err := f.msgs.RegisterModel(f.ctx, &types.MsgRegisterModel{Owner: owner, Model: m})
	return err
}

func TestRegisterAndReject(t *testing.T) {
	f := newFixture(t)
	owner := addr(1)
	if err := f.registerDataset(owner, dataset(100)); err != nil {
		t.Fatal(err)
	}
	f.nextBlock()
	if err := f.registerModel(owner, model(1, nil, []int{100})); err != nil {
		t.Fatal(err)
	}
	f.nextBlock()

	badShares := dataset(101)
	badShares.Contributors[1].ShareBps = 3999
	badLicense := dataset(102)
	badLicense.License = "Apache-2.0 OR NOT-A-LICENSE"
	cases := []struct {
		name string
		run  func() error
		want *errorsmod.Error
		text string
	}{
		{"duplicate dataset names the existing record", func() error { return f.registerDataset(owner, dataset(100)) }, types.ErrAlreadyRegistered, "dataset \"dataset-100\" owned by"},
		{"model digest taken by a dataset", func() error { return f.registerModel(owner, model(100, nil, nil)) }, types.ErrAlreadyRegistered, "dataset"},
		{"shares not summing to 10000", func() error { return f.registerDataset(owner, badShares) }, types.ErrInvalidShares, "9999"},
		{"invalid SPDX", func() error { return f.registerDataset(owner, badLicense) }, types.ErrInvalidLicense, "NOT-A-LICENSE"},
		{"unknown parent", func() error { return f.registerModel(owner, model(2, []int{99}, nil)) }, types.ErrUnknownParent, digest(99)},
		{"unknown dataset", func() error { return f.registerModel(owner, model(2, nil, []int{99})) }, types.ErrUnknownDataset, digest(99)},
		{"update by non-owner", func() error {
			_, err := f.msgs.UpdateMetadata(f.ctx, &types.MsgUpdateMetadata{Owner: addr(9), Id: digest(1), Name: "stolen"})
			return err
		}, types.ErrNotOwner, owner},
		{"transfer by non-owner", func() error {
			_, err := f.msgs.TransferOwnership(f.ctx, &types.MsgTransferOwnership{Owner: addr(9), Id: digest(100), NewOwner: addr(9)})
			return err
		}, types.ErrNotOwner, ""},
		{"params by non-authority", func() error {
			_, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: owner, Params: types.DefaultParams()})
			return err
		}, types.ErrInvalidAuthority, ""},
		{"too many parents for params", func() error {
			p := types.DefaultParams()
			p.MaxParents = 1
			if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.gov, Params: p}); err != nil {
				return err
			}
			defer f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.gov, Params: types.DefaultParams()}) //nolint:errcheck
			if err := f.registerModel(owner, model(3, nil, nil)); err != nil {
				return err
			}
			return f.registerModel(owner, model(4, []int{1, 3}, nil))
		}, types.ErrTooManyLinks, "limit 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := f.k.ExportGenesis(f.ctx)
			err := tc.run()
			if !errorsmod.IsOf(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %q does not mention %q", err, tc.text)
			}
			if tc.name == "too many parents for params" {
				return // registered model 3 on purpose
			}
			after, _ := f.k.ExportGenesis(f.ctx)
			if before.String() != after.String() {
				t.Fatal("a rejected message changed state")
			}
		})
	}
	f.nextBlock()

	// Owner updates and transfers.
	if _, err := f.msgs.UpdateMetadata(f.ctx, &types.MsgUpdateMetadata{Owner: owner, Id: digest(1), Name: "renamed", Uri: "https://example.org/card"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.msgs.TransferOwnership(f.ctx, &types.MsgTransferOwnership{Owner: owner, Id: digest(1), NewOwner: addr(5)}); err != nil {
		t.Fatal(err)
	}
	m, err := f.k.GetModel(f.ctx, digest(1))
	if err != nil {
		t.Fatal(err)
	}
	if m.Info.Name != "renamed" || m.Info.CardUri != "https://example.org/card" || m.Owner != addr(5) || len(m.Info.Datasets) != 1 {
		t.Fatalf("unexpected model after update: %+v", m)
	}
	f.nextBlock()
}

// TestLineage builds a small DAG and checks the walks, depth limits,
// pagination, dataset uses, and a genesis round trip.
func TestLineage(t *testing.T) {
	f := newFixture(t)
	o := addr(1)
	// 1 <- 2 <- 3 <- 5 ; 1 <- 4 <- 5 (merge) ; 5 <- 6
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.registerDataset(o, dataset(100)))
	must(f.registerModel(o, model(1, nil, []int{100})))
	must(f.registerModel(o, model(2, []int{1}, nil)))
	must(f.registerModel(o, model(3, []int{2}, []int{100})))
	must(f.registerModel(o, model(4, []int{1}, nil)))
	must(f.registerModel(o, model(5, []int{3, 4}, nil)))
	must(f.registerModel(o, model(6, []int{5}, nil)))
	f.nextBlock()

	anc, err := f.query.Ancestors(f.ctx, &types.QueryLineageRequest{Id: digest(6)})
	must(err)
	got := lineageString(anc.Entries)
	// Model 1 is reached first via 4, at depth 3 (6->5->4->1).
	want := fmt.Sprintf("%s@1 %s@2 %s@2 %s@3 %s@3", short(5), short(3), short(4), short(2), short(1))
	if got != want {
		t.Fatalf("ancestors of 6: %s, want %s", got, want)
	}
	anc, err = f.query.Ancestors(f.ctx, &types.QueryLineageRequest{Id: digest(6), MaxDepth: 2})
	must(err)
	if got := lineageString(anc.Entries); got != fmt.Sprintf("%s@1 %s@2 %s@2", short(5), short(3), short(4)) {
		t.Fatalf("depth 2: %s", got)
	}
	page, err := f.query.Ancestors(f.ctx, &types.QueryLineageRequest{Id: digest(6), Pagination: &query.PageRequest{Offset: 1, Limit: 2, CountTotal: true}})
	must(err)
	if len(page.Entries) != 2 || page.Entries[0].ModelId != digest(3) || page.Pagination.Total != 5 || page.Pagination.NextKey == nil {
		t.Fatalf("page: %+v %+v", page.Entries, page.Pagination)
	}
	desc, err := f.query.Descendants(f.ctx, &types.QueryLineageRequest{Id: digest(1)})
	must(err)
	// Model 5 is reached via 4 at depth 2 before 3's link is followed.
	if got := lineageString(desc.Entries); got != fmt.Sprintf("%s@1 %s@1 %s@2 %s@2 %s@3", short(2), short(4), short(3), short(5), short(6)) {
		t.Fatalf("descendants of 1: %s", got)
	}
	uses, err := f.query.ModelsByDataset(f.ctx, &types.QueryModelsByDatasetRequest{DatasetId: digest(100)})
	must(err)
	if len(uses.Uses) != 2 || uses.Uses[0].ModelId != digest(1) || uses.Uses[1].ModelId != digest(3) {
		t.Fatalf("uses: %+v", uses.Uses)
	}
	if _, err := f.query.Ancestors(f.ctx, &types.QueryLineageRequest{Id: digest(77)}); err == nil {
		t.Fatal("ancestors of an unknown model succeeded")
	}

	// Genesis round trip into a fresh store reproduces the same state.
	gs, err := f.k.ExportGenesis(f.ctx)
	must(err)
	must(gs.Validate())
	g := newFixture(t)
	must(g.k.InitGenesis(g.ctx, gs))
	g.nextBlock()
	gs2, err := g.k.ExportGenesis(g.ctx)
	must(err)
	if gs.String() != gs2.String() {
		t.Fatal("genesis export differs after import")
	}
}

func short(n int) string { return digest(n)[len(digest(n))-4:] }

func lineageString(es []types.LineageEntry) string {
	var parts []string
	for _, e := range es {
		parts = append(parts, fmt.Sprintf("%s@%d", e.ModelId[len(e.ModelId)-4:], e.Depth))
	}
	return strings.Join(parts, " ")
}

func TestSetModelStatus(t *testing.T) {
	f := newFixture(t)
	if err := f.registerModel(addr(1), model(1, nil, nil)); err != nil {
		t.Fatal(err)
	}
	flag := &types.MsgSetModelStatus{Authority: f.gov, ModelId: digest(1), Status: types.ModelStatus_MODEL_STATUS_FLAGGED, Reason: "produces unsafe output"}

	nonGov := *flag
	nonGov.Authority = addr(1)
	if _, err := f.msgs.SetModelStatus(f.ctx, &nonGov); !errorsmod.IsOf(err, types.ErrInvalidAuthority) {
		t.Fatalf("non-authority status change: %v", err)
	}
	unknown := *flag
	unknown.ModelId = digest(2)
	if _, err := f.msgs.SetModelStatus(f.ctx, &unknown); !errorsmod.IsOf(err, types.ErrNotFound) {
		t.Fatalf("unknown model: %v", err)
	}
	noReason := *flag
	noReason.Reason = ""
	if _, err := f.msgs.SetModelStatus(f.ctx, &noReason); !errorsmod.IsOf(err, types.ErrInvalidField) {
		t.Fatalf("flag without reason: %v", err)
	}
	if m, _ := f.k.GetModel(f.ctx, digest(1)); m.Status != types.ModelStatus_MODEL_STATUS_UNSPECIFIED {
		t.Fatal("a rejected status change took effect")
	}
	if _, err := f.msgs.SetModelStatus(f.ctx, flag); err != nil {
		t.Fatal(err)
	}
	m, err := f.k.GetModel(f.ctx, digest(1))
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != types.ModelStatus_MODEL_STATUS_FLAGGED || m.StatusReason != flag.Reason || m.StatusHeight != f.ctx.BlockHeight() {
		t.Fatalf("status not recorded: %+v", m)
	}
	f.nextBlock()
}
