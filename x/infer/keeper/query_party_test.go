package keeper_test

import (
	"encoding/hex"
	"slices"
	"testing"

	"cosmossdk.io/collections"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/x/infer/types"
)

// pageAll calls list page by page (limit 1, so every page boundary is
// crossed) and returns the IDs of all pages.
func pageAll(t *testing.T, list func(p *query.PageRequest) ([]uint64, *query.PageResponse, error)) []uint64 {
	t.Helper()
	var ids []uint64
	var key []byte
	for {
		got, res, err := list(&query.PageRequest{Key: key, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got...)
		if res == nil || len(res.NextKey) == 0 {
			return ids
		}
		key = res.NextKey
	}
}

func disputeIDs(ds []types.Dispute) []uint64 {
	out := []uint64{}
	for _, d := range ds {
		out = append(out, d.Id)
	}
	return out
}

func claimIDs(cs []types.Claim) []uint64 {
	out := []uint64{}
	for _, c := range cs {
		out = append(out, c.Id)
	}
	return out
}

// byDefender lists the disputes of who as defender, paging through all.
func (f *fixture) byDefender(t *testing.T, who string, open bool) []uint64 {
	t.Helper()
	return pageAll(t, func(p *query.PageRequest) ([]uint64, *query.PageResponse, error) {
		res, err := f.q.DisputesByDefender(f.ctx, &types.QueryDisputesByDefenderRequest{Defender: addr(who), OpenOnly: open, Pagination: p})
		if err != nil {
			return nil, nil, err
		}
		return disputeIDs(res.Disputes), res.Pagination, nil
	})
}

func (f *fixture) byChallenger(t *testing.T, who string, open bool) []uint64 {
	t.Helper()
	return pageAll(t, func(p *query.PageRequest) ([]uint64, *query.PageResponse, error) {
		res, err := f.q.DisputesByChallenger(f.ctx, &types.QueryDisputesByChallengerRequest{Challenger: addr(who), OpenOnly: open, Pagination: p})
		if err != nil {
			return nil, nil, err
		}
		return disputeIDs(res.Disputes), res.Pagination, nil
	})
}

func (f *fixture) byProvider(t *testing.T, who string) []uint64 {
	t.Helper()
	return pageAll(t, func(p *query.PageRequest) ([]uint64, *query.PageResponse, error) {
		res, err := f.q.ClaimsByProvider(f.ctx, &types.QueryClaimsByProviderRequest{Provider: addr(who), Pagination: p})
		if err != nil {
			return nil, nil, err
		}
		return claimIDs(res.Claims), res.Pagination, nil
	})
}

// openInputs lists the claims with open input requests on who's claims,
// checking that each answer pairs a claim with its own open request.
func (f *fixture) openInputs(t *testing.T, who string) []uint64 {
	t.Helper()
	return pageAll(t, func(p *query.PageRequest) ([]uint64, *query.PageResponse, error) {
		res, err := f.q.OpenInputRequests(f.ctx, &types.QueryOpenInputRequestsRequest{Provider: addr(who), Pagination: p})
		if err != nil {
			return nil, nil, err
		}
		var ids []uint64
		for _, r := range res.Requests {
			if r.Claim.Id != r.Request.ClaimId || r.Claim.Provider != addr(who) || r.Request.Status != types.InputRequestStatus_INPUT_REQUEST_STATUS_OPEN {
				t.Fatalf("open input request %+v", r)
			}
			ids = append(ids, r.Claim.Id)
		}
		return ids, res.Pagination, nil
	})
}

func want(t *testing.T, what string, got []uint64, ids ...uint64) {
	t.Helper()
	if ids == nil {
		ids = []uint64{}
	}
	if got == nil {
		got = []uint64{}
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("%s: %v, want %v", what, got, ids)
	}
}

// TestQueriesByAccount: the queries by account return exactly the records
// of that account, in ID order and across pages, and follow disputes and
// input requests from opening to settlement.
func TestQueriesByAccount(t *testing.T) {
	f := newFixture(t)
	pub, _ := receiptKey("bob's receipts")
	f.bond(t, "bob", 4*minBond, hex.EncodeToString(pub))
	f.bond(t, "carol", 2*minBond, "")
	c1 := f.postClaim(t, "bob", lying(3))
	c2 := f.postClaim(t, "bob", lying(5))
	c3 := f.postClaim(t, "carol", lying(4))
	c4 := f.postClaim(t, "bob", honest())
	d1 := f.challenge(t, "carol", c1, honest())
	f.endBlocks(t, 3)
	d2 := f.challenge(t, "dave", c2, honest())
	d3 := f.challenge(t, "bob", c3, honest())
	if _, err := f.msgs.RequestInput(f.ctx, &types.MsgRequestInput{Challenger: addr("carol"), Claim: types.ClaimRef{ClaimId: c4}}); err != nil {
		t.Fatal(err)
	}

	want(t, "claims of bob", f.byProvider(t, "bob"), c1, c2, c4)
	want(t, "claims of carol", f.byProvider(t, "carol"), c3)
	want(t, "claims of dave", f.byProvider(t, "dave"))
	want(t, "disputes defended by bob", f.byDefender(t, "bob", false), d1, d2)
	want(t, "open disputes defended by bob", f.byDefender(t, "bob", true), d1, d2)
	want(t, "disputes defended by carol", f.byDefender(t, "carol", false), d3)
	want(t, "disputes defended by dave", f.byDefender(t, "dave", false))
	want(t, "disputes opened by carol", f.byChallenger(t, "carol", false), d1)
	want(t, "disputes opened by bob", f.byChallenger(t, "bob", true), d3)
	want(t, "disputes opened by dave", f.byChallenger(t, "dave", true), d2)
	want(t, "open inputs of bob", f.openInputs(t, "bob"), c4)
	want(t, "open inputs of carol", f.openInputs(t, "carol"))

	// Offsets page the same index.
	res, err := f.q.ClaimsByProvider(f.ctx, &types.QueryClaimsByProviderRequest{Provider: addr("bob"), Pagination: &query.PageRequest{Offset: 1}})
	if err != nil {
		t.Fatal(err)
	}
	want(t, "claims of bob from offset 1", claimIDs(res.Claims), c2, c4)

	// Bob misses its first move in d1 (due 3 blocks before the others):
	// d1 settles and leaves the open indexes only.
	f.endBlocks(t, timeout+1-3)
	if got := f.dispute(t, d1).Phase; got != types.DisputePhase_DISPUTE_PHASE_SETTLED {
		t.Fatalf("dispute %d is %s", d1, got)
	}
	want(t, "disputes defended by bob", f.byDefender(t, "bob", false), d1, d2)
	want(t, "open disputes defended by bob", f.byDefender(t, "bob", true), d2)
	want(t, "disputes opened by carol", f.byChallenger(t, "carol", false), d1)
	want(t, "open disputes opened by carol", f.byChallenger(t, "carol", true))
	want(t, "open disputes opened by dave", f.byChallenger(t, "dave", true), d2)
	want(t, "open inputs of bob", f.openInputs(t, "bob"), c4)

	// Then everything else times out: nothing open is left, and the
	// unanswered input request left the index when it expired.
	f.endBlocks(t, 3)
	want(t, "open disputes defended by bob", f.byDefender(t, "bob", true))
	want(t, "open disputes defended by carol", f.byDefender(t, "carol", true))
	want(t, "open disputes opened by bob", f.byChallenger(t, "bob", true))
	want(t, "disputes defended by bob", f.byDefender(t, "bob", false), d1, d2)
	want(t, "disputes opened by bob", f.byChallenger(t, "bob", false), d3)
	want(t, "open inputs of bob", f.openInputs(t, "bob"))
	if r, err := f.k.InputRequests.Get(f.ctx, c4); err != nil || r.Status != types.InputRequestStatus_INPUT_REQUEST_STATUS_EXPIRED {
		t.Fatalf("input request %+v, %v", r, err)
	}
	want(t, "claims of bob", f.byProvider(t, "bob"), c1, c2, c4)

	// The bond that binds a receipt key is found by the key's ID.
	b, err := f.q.BondByReceiptKey(f.ctx, &types.QueryBondByReceiptKeyRequest{KeyId: receipt.KeyID(pub)})
	if err != nil || b.Bond.Provider != addr("bob") {
		t.Fatalf("bond by receipt key: %+v, %v", b, err)
	}

	for name, c := range map[string]struct {
		call func() error
		code codes.Code
	}{
		"no defender": {func() error {
			_, err := f.q.DisputesByDefender(f.ctx, &types.QueryDisputesByDefenderRequest{})
			return err
		}, codes.InvalidArgument},
		"bad challenger": {func() error {
			_, err := f.q.DisputesByChallenger(f.ctx, &types.QueryDisputesByChallengerRequest{Challenger: "bob"})
			return err
		}, codes.InvalidArgument},
		"nil claims request": {func() error { _, err := f.q.ClaimsByProvider(f.ctx, nil); return err }, codes.InvalidArgument},
		"bad provider": {func() error {
			_, err := f.q.OpenInputRequests(f.ctx, &types.QueryOpenInputRequestsRequest{Provider: "x"})
			return err
		}, codes.InvalidArgument},
		"offset and key": {func() error {
			_, err := f.q.ClaimsByProvider(f.ctx, &types.QueryClaimsByProviderRequest{Provider: addr("bob"), Pagination: &query.PageRequest{Offset: 1, Key: []byte{1}}})
			return err
		}, codes.InvalidArgument},
		"unbound key": {func() error {
			_, err := f.q.BondByReceiptKey(f.ctx, &types.QueryBondByReceiptKeyRequest{KeyId: "ed25519:00"})
			return err
		}, codes.NotFound},
		"no key": {func() error { _, err := f.q.BondByReceiptKey(f.ctx, &types.QueryBondByReceiptKeyRequest{}); return err }, codes.InvalidArgument},
	} {
		if err := c.call(); status.Code(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}

// TestIndexInvariant: CheckInvariants notices an index entry without its
// record, and a record missing from its index.
func TestIndexInvariant(t *testing.T) {
	f := newFixture(t)
	f.bond(t, "bob", minBond, "")
	id := f.challenge(t, "carol", f.postClaim(t, "bob", lying(3)), honest())
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		t.Fatal(err)
	}
	d := f.dispute(t, id)
	if err := f.k.ChallengerOpen.Remove(f.ctx, collections.Join(d.Challenger, d.Id)); err != nil {
		t.Fatal(err)
	}
	if err := f.k.CheckInvariants(f.ctx); err == nil {
		t.Fatal("invariants passed with a running dispute missing from the open index")
	}
	if err := f.k.ChallengerOpen.Set(f.ctx, collections.Join(d.Challenger, d.Id)); err != nil {
		t.Fatal(err)
	}
	if err := f.k.ProviderClaims.Set(f.ctx, collections.Join(addr("dave"), uint64(77))); err != nil {
		t.Fatal(err)
	}
	if err := f.k.CheckInvariants(f.ctx); err == nil {
		t.Fatal("invariants passed with an index entry of no claim")
	}
}
