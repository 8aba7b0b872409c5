package keeper_test

import (
	"encoding/hex"
	"testing"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/x/infer/types"
)

// activity leaves one of everything: executables (whole, fake), a run,
// bonds with and without a receipt key, an unbonding entry, final,
// refuted and disputed claims, a batch, receipt claims (one recorded by an
// input request), input requests answered and open, running and settled
// disputes, a bond with an endpoint.
func activity(t *testing.T, f *fixture) {
	t.Helper()
	model, m := f.realModel(t)
	x := testInput(4)
	if _, err := f.msgs.RunModel(f.ctx, &types.MsgRunModel{Sender: addr("dave"), ModelId: model, Inputs: onnxint.Encode(x)}); err != nil {
		t.Fatal(err)
	}
	pub, priv := receiptKey("bob")
	f.bond(t, "bob", 3*minBond, hex.EncodeToString(pub))
	if _, err := f.msgs.Bond(f.ctx, &types.MsgBond{Provider: addr("alice"), Amount: coin(minBond), Endpoint: "https://alice.example/infer"}); err != nil {
		t.Fatal(err)
	}
	f.postClaim(t, "alice", honest()) // final at the end
	if _, err := f.msgs.Unbond(f.ctx, &types.MsgUnbond{Provider: addr("alice"), Amount: coin(minBond / 2)}); err != nil {
		t.Fatal(err)
	}
	refuted := f.postClaim(t, "bob", lying(2))
	f.challenge(t, "carol", refuted, honest())
	honestRun := run(t, m, x)
	answered := f.claimTrace(t, "bob", model, honestRun.Leaves)
	if _, err := f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: answered}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.msgs.PostInput(f.ctx, &types.MsgPostInput{Provider: addr("bob"), ClaimId: answered, Inputs: onnxint.Encode(x)}); err != nil {
		t.Fatal(err)
	}
	f.endBlocks(t, timeout+1) // bob misses its first move: refuted
	disputed := f.postClaim(t, "bob", lying(5))
	id := f.challenge(t, "dave", disputed, honest())
	if _, err := f.msgs.Bisect(f.ctx, &types.MsgBisect{Sender: addr("bob"), DisputeId: id, Root: lying(5).prefix(f.dispute(t, id).Mid)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: disputed}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.msgs.PostClaimBatch(f.ctx, &types.MsgPostClaimBatch{Provider: addr("bob"), Root: hash("root"), Count: 7}); err != nil {
		t.Fatal(err)
	}
	requested := f.anchorPair(signedReceipt(t, priv, lying(6), fakeTraceSize, false))
	if _, err := f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("dave"), Receipt: receiptRef(requested)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.msgs.ChallengeReceipt(f.ctx, f.anchorPair(signedReceipt(t, priv, lying(3), fakeTraceSize, false))); err != nil {
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
	if len(gs.Executables) != 2 || len(gs.Runs) != 1 || len(gs.Bonds) != 2 || len(gs.Unbondings) != 1 || len(gs.Claims) != 6 ||
		len(gs.Batches) != 1 || len(gs.InputRequests) != 3 || len(gs.Disputes) != 3 || gs.LastDisputeId != 3 {
		t.Fatalf("exported %d executables, %d runs, %d bonds, %d unbondings, %d claims, %d batches, %d requests, %d disputes",
			len(gs.Executables), len(gs.Runs), len(gs.Bonds), len(gs.Unbondings), len(gs.Claims), len(gs.Batches), len(gs.InputRequests), len(gs.Disputes))
	}
	if err := gs.Validate(); err != nil {
		t.Fatal(err)
	}
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	bz := cdc.MustMarshalJSON(gs)

	g := newFixture(t)
	g.ctx = g.ctx.WithBlockHeight(f.ctx.BlockHeight())
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
	// The imported chain carries on: the same blocks settle the same way.
	f.endBlocks(t, 40)
	g.endBlocks(t, 40)
	a, _ := f.k.ExportGenesis(f.ctx)
	b, _ := g.k.ExportGenesis(g.ctx)
	if string(cdc.MustMarshalJSON(a)) != string(cdc.MustMarshalJSON(b)) {
		t.Fatal("the original and the imported chain diverged")
	}

	// The escrow invariant notices money that no bond accounts for.
	g.bank.bal["module:"+types.ModuleName] = g.bank.bal["module:"+types.ModuleName].Add(coin(1))
	if err := g.k.CheckInvariants(g.ctx); err == nil {
		t.Fatal("invariants passed with an unaccounted coin in escrow")
	}
}

func TestGenesisValidateRejects(t *testing.T) {
	f := newFixture(t)
	activity(t, f)
	for name, mutate := range map[string]func(gs *types.GenesisState){
		"duplicate executable": func(gs *types.GenesisState) { gs.Executables = append(gs.Executables, gs.Executables[0]) },
		"skeleton digest":      func(gs *types.GenesisState) { gs.Executables[0].Skeleton = []byte("x") },
		"file flag": func(gs *types.GenesisState) {
			for i := range gs.Executables {
				gs.Executables[i].File = nil
			}
		},
		"run beyond sequence":    func(gs *types.GenesisState) { gs.LastRunId = 0 },
		"bond in another denom":  func(gs *types.GenesisState) { gs.Bonds[0].Amount.Denom = "stake" },
		"locked over amount":     func(gs *types.GenesisState) { gs.Bonds[0].Locked = gs.Bonds[0].Amount.Amount.AddRaw(1) },
		"receipt key id":         func(gs *types.GenesisState) { gs.Bonds[1].ReceiptKeyId = "ed25519:00" },
		"unbonding of nothing":   func(gs *types.GenesisState) { gs.Unbondings[0].Amount = coin(0) },
		"claim trace size":       func(gs *types.GenesisState) { gs.Claims[0].TraceSize++ },
		"claim of no model":      func(gs *types.GenesisState) { gs.Claims[0].ModelId = modelID(7) },
		"duplicate claim":        func(gs *types.GenesisState) { gs.Claims = append(gs.Claims, gs.Claims[0]) },
		"answered wrong inputs":  func(gs *types.GenesisState) { gs.InputRequests[0].Inputs = []byte("x") },
		"request of no claim":    func(gs *types.GenesisState) { gs.InputRequests[0].ClaimId = 99 },
		"dispute of no claim":    func(gs *types.GenesisState) { gs.Disputes[0].ClaimId = 99 },
		"running without claim":  func(gs *types.GenesisState) { gs.Claims[len(gs.Claims)-1].OpenDispute = 0 },
		"settled without result": func(gs *types.GenesisState) { gs.Disputes[0].Outcome = types.Outcome_OUTCOME_UNSPECIFIED },
		"bad bisection range":    func(gs *types.GenesisState) { gs.Disputes[2].Lo = gs.Disputes[2].Hi },
		"bad params":             func(gs *types.GenesisState) { gs.Params.UnbondingBlocks = 1 },
		"bad endpoint":           func(gs *types.GenesisState) { gs.Bonds[0].Endpoint = "ftp://alice.example" },
		"receipt window before its anchoring": func(gs *types.GenesisState) {
			gs.Claims[len(gs.Claims)-1].WindowEnd = gs.Claims[len(gs.Claims)-1].AnchoredHeight - 1
		},
		"anchored height of a claim": func(gs *types.GenesisState) { gs.Claims[0].AnchoredHeight = 3 },
	} {
		t.Run(name, func(t *testing.T) {
			gs, err := f.k.ExportGenesis(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			mutate(gs)
			if err := gs.Validate(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestQueries(t *testing.T) {
	f := newFixture(t)
	activity(t, f)
	var ids []uint64
	var key []byte
	for {
		res, err := f.q.Claims(f.ctx, &types.QueryClaimsRequest{Pagination: &query.PageRequest{Limit: 2, Key: key}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Claims {
			ids = append(ids, c.Id)
		}
		if key = res.Pagination.NextKey; key == nil {
			break
		}
	}
	if len(ids) != 6 || ids[0] != 1 || ids[5] != 6 {
		t.Fatalf("paged claims %v", ids)
	}
	ds, err := f.q.Disputes(f.ctx, &types.QueryDisputesRequest{})
	if err != nil || len(ds.Disputes) != 3 {
		t.Fatalf("disputes %v, %v", ds, err)
	}
	b, err := f.q.Bond(f.ctx, &types.QueryBondRequest{Provider: addr("alice")})
	if err != nil || len(b.Unbondings) != 1 || b.Bond.Amount.Amount.Int64() != minBond/2 {
		t.Fatalf("bond %+v, %v", b, err)
	}
	e, err := f.q.Executable(f.ctx, &types.QueryExecutableRequest{ModelId: fakeModelID, IncludeSkeleton: true, IncludeFile: true})
	if err != nil || len(e.Skeleton) == 0 || len(e.File) != 0 {
		t.Fatalf("executable %+v, %v", e, err)
	}
	if _, err := f.q.Params(f.ctx, &types.QueryParamsRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.q.Batch(f.ctx, &types.QueryBatchRequest{BatchId: 1}); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"claim 0":        func() error { _, err := f.q.Claim(f.ctx, &types.QueryClaimRequest{}); return err },
		"claim 99":       func() error { _, err := f.q.Claim(f.ctx, &types.QueryClaimRequest{ClaimId: 99}); return err },
		"dispute 99":     func() error { _, err := f.q.Dispute(f.ctx, &types.QueryDisputeRequest{DisputeId: 99}); return err },
		"run 99":         func() error { _, err := f.q.Run(f.ctx, &types.QueryRunRequest{RunId: 99}); return err },
		"bond of nobody": func() error { _, err := f.q.Bond(f.ctx, &types.QueryBondRequest{Provider: addr("nobody")}); return err },
		"bad address":    func() error { _, err := f.q.Bond(f.ctx, &types.QueryBondRequest{Provider: "x"}); return err },
		"no executable": func() error {
			_, err := f.q.Executable(f.ctx, &types.QueryExecutableRequest{ModelId: modelID(8)})
			return err
		},
		"no request": func() error {
			_, err := f.q.InputRequest(f.ctx, &types.QueryInputRequestRequest{ClaimId: 1})
			return err
		},
		"nil": func() error { _, err := f.q.Batch(f.ctx, nil); return err },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: answered", name)
		}
	}
}
