package keeper_test

import (
	"testing"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/prova-network/prova/x/receipts/types"
)

// activity registers three logs, anchors several checkpoints, slashes one
// log and records an inference.
func activity(t *testing.T, f *fixture) {
	t.Helper()
	a, b, c := newLogKeys(t, "prova.local/receipts/a"), newLogKeys(t, "prova.local/receipts/b"), newLogKeys(t, "prova.local/receipts/c")
	f.register(t, addr("alice"), a, 10_000_000)
	f.register(t, addr("bob"), b, 20_000_000)
	f.register(t, addr("carol"), c, 30_000_000)
	f.endBlock(t)
	d := entries(9, "a")
	for i, size := range []int{2, 5, 9} {
		from := []int{0, 2, 5}[i]
		if err := f.anchor(addr("alice"), a, d[:size], from, t); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if err := f.anchor(addr("bob"), b, entries(4, "b"), 0, t); err != nil {
				t.Fatal(err)
			}
		}
		f.endBlock(t)
	}
	if _, err := f.msgs.ReportEquivocation(f.ctx, &types.MsgReportEquivocation{Reporter: addr("carol"), LogId: b.origin, CheckpointA: b.sign(t, entries(4, "fork"))}); err != nil {
		t.Fatal(err)
	}
	pub, priv := providerKey("provider")
	env := signedReceipt(t, priv, model(1), 1)
	if _, err := f.msgs.RecordInference(f.ctx, &types.MsgRecordInference{Provider: addr("alice"), Envelope: env.Canonical(), ProviderKey: pub}); err != nil {
		t.Fatal(err)
	}
	f.endBlock(t)
}

func TestGenesisRoundTrip(t *testing.T) {
	f := newFixture(t)
	activity(t, f)
	gs, err := f.k.ExportGenesis(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs.Logs) != 3 || len(gs.Latest) != 2 || len(gs.History) != 4 || len(gs.Roots) != 4 || len(gs.Inferences) != 1 {
		t.Fatalf("exported %d logs, %d latest, %d history, %d roots, %d inferences", len(gs.Logs), len(gs.Latest), len(gs.History), len(gs.Roots), len(gs.Inferences))
	}
	if err := gs.Validate(); err != nil {
		t.Fatal(err)
	}
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	bz := cdc.MustMarshalJSON(gs)

	g := newFixture(t)
	g.bank.bal["module:"+types.ModuleName] = f.bank.bal["module:"+types.ModuleName]
	var in types.GenesisState
	cdc.MustUnmarshalJSON(bz, &in)
	if err := g.k.InitGenesis(g.ctx, &in); err != nil {
		t.Fatal(err)
	}
	if err := g.k.CheckInvariants(g.ctx); err != nil {
		t.Fatal(err)
	}
	again, err := g.k.ExportGenesis(g.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(cdc.MustMarshalJSON(again)) != string(bz) {
		t.Fatalf("export after import differs:\n%s\n%s", cdc.MustMarshalJSON(again), bz)
	}

	// The bond escrow invariant notices money that no live log accounts for.
	g.bank.bal["module:"+types.ModuleName] = g.bank.bal["module:"+types.ModuleName].Add(coin(1)...)
	if err := g.k.CheckInvariants(g.ctx); err == nil {
		t.Fatal("invariants passed with an unaccounted coin in escrow")
	}
}

func TestGenesisValidateRejects(t *testing.T) {
	f := newFixture(t)
	activity(t, f)
	good, err := f.k.ExportGenesis(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(gs *types.GenesisState){
		"duplicate log":          func(gs *types.GenesisState) { gs.Logs = append(gs.Logs, gs.Logs[0]) },
		"log under another name": func(gs *types.GenesisState) { gs.Logs[0].Id = "prova.local/receipts/x" },
		"frozen log with a bond": func(gs *types.GenesisState) { gs.Logs[1].Bond = gs.Logs[0].Bond },
		"orphan checkpoint":      func(gs *types.GenesisState) { gs.Latest[0].LogId = "nobody" },
		"shrinking history":      func(gs *types.GenesisState) { gs.History[1].TreeSize = 1 },
		"latest not last":        func(gs *types.GenesisState) { gs.Latest[0].TreeSize = 3 },
		"short root":             func(gs *types.GenesisState) { gs.Roots[0].Root = gs.Roots[0].Root[:5] },
		"duplicate inference":    func(gs *types.GenesisState) { gs.Inferences = append(gs.Inferences, gs.Inferences[0]) },
		"bad params":             func(gs *types.GenesisState) { gs.Params.MaxProofHashes = 0 },
	} {
		t.Run(name, func(t *testing.T) {
			gs, _ := f.k.ExportGenesis(f.ctx)
			mutate(gs)
			if err := gs.Validate(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLogsPagination(t *testing.T) {
	f := newFixture(t)
	activity(t, f)
	var ids []string
	var key []byte
	for {
		res, err := f.q.Logs(f.ctx, &types.QueryLogsRequest{Pagination: &query.PageRequest{Limit: 2, Key: key}})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range res.Logs {
			ids = append(ids, l.Id)
		}
		if key = res.Pagination.NextKey; key == nil {
			break
		}
	}
	if len(ids) != 3 || ids[0] != "prova.local/receipts/a" || ids[2] != "prova.local/receipts/c" {
		t.Fatalf("paged logs %v", ids)
	}
}
