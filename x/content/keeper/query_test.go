package keeper_test

import (
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/prova-network/prova/internal/phash"
	"github.com/prova-network/prova/x/content/keeper"
	"github.com/prova-network/prova/x/content/types"
)

func TestByDigestErrors(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		digest string
		code   codes.Code
	}{
		{"sha256:" + fmt.Sprintf("%064x", 1), codes.NotFound},
		{"blake3:" + fmt.Sprintf("%064x", 1), codes.NotFound},
		{"md5:abc", codes.InvalidArgument},
		{"", codes.InvalidArgument},
	} {
		_, err := f.query.ByDigest(f.ctx, &types.QueryByDigestRequest{Digest: tc.digest})
		if status.Code(err) != tc.code {
			t.Errorf("%q: got %v, want %v", tc.digest, err, tc.code)
		}
	}
}

func near(t *testing.T, f *fixture, h phash.Hash64, dist, limit uint32) *types.QueryNearResponse {
	t.Helper()
	res, err := f.query.Near(f.ctx, &types.QueryNearRequest{Phash: h.String(), MaxDistance: dist, Limit: limit})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestNearCatchesUp(t *testing.T) {
	f := newFixture(t)
	const base phash.Hash64 = 0xf0f0_1234_abcd_0f0f
	f.mustRegister(aiImage(1, base))
	f.mustRegister(aiImage(2, base^0b111))        // distance 3
	f.mustRegister(aiImage(3, ^base))             // distance 64
	f.mustRegister(aiImage(4, base^0xff00000000)) // distance 8

	res := near(t, f, base, 10, 0)
	if res.Indexed != 4 || f.near.Len() != 4 || res.Algorithm != phash.Algorithm {
		t.Fatalf("indexed %d (len %d), algorithm %q", res.Indexed, f.near.Len(), res.Algorithm)
	}
	want := []struct {
		n    int
		dist uint32
	}{{1, 0}, {2, 3}, {4, 8}}
	if len(res.Matches) != len(want) {
		t.Fatalf("got %d matches, want %d: %+v", len(res.Matches), len(want), res.Matches)
	}
	for i, w := range want {
		m := res.Matches[i]
		if m.Content.Id != aiImage(w.n, 0).ID() || m.Distance != w.dist {
			t.Fatalf("match %d = %s at %d, want image %d at %d", i, m.Content.Id, m.Distance, w.n, w.dist)
		}
	}

	// A registration after the first query is picked up incrementally.
	f.mustRegister(aiImage(5, base^1))
	res = near(t, f, base, 2, 0)
	if res.Indexed != 5 || len(res.Matches) != 2 || res.Matches[1].Content.Id != aiImage(5, 0).ID() || res.Matches[1].Distance != 1 {
		t.Fatalf("after a new registration: indexed %d, matches %+v", res.Indexed, res.Matches)
	}
	// Content without a perceptual hash is read but not indexed.
	text := aiImage(6, 0)
	text.MediaType, text.SoftBindings = "text/plain", nil
	f.mustRegister(text)
	if res = near(t, f, base, 0, 0); res.Indexed != 6 || f.near.Len() != 5 || len(res.Matches) != 1 {
		t.Fatalf("after text: indexed %d, len %d, matches %d", res.Indexed, f.near.Len(), len(res.Matches))
	}
	// Limit caps the results, nearest first.
	if res = near(t, f, base, 10, 1); len(res.Matches) != 1 || res.Matches[0].Distance != 0 {
		t.Fatalf("limit 1: %+v", res.Matches)
	}
}

func TestNearAtOlderStateSkipsNewerRecords(t *testing.T) {
	f := newFixture(t)
	older := f.ctx
	// Register in a branch: the index catches up to it, the older state
	// (the parent) never sees the record.
	f.ctx, _ = older.CacheContext()
	f.mustRegister(aiImage(1, 42))
	if res := near(t, f, 42, 0, 0); len(res.Matches) != 1 {
		t.Fatalf("newer state: %d matches", len(res.Matches))
	}
	res, err := f.query.Near(older, &types.QueryNearRequest{Phash: phash.Hash64(42).String()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != 0 || f.near.Len() != 1 {
		t.Fatalf("older state returned %+v (index len %d)", res.Matches, f.near.Len())
	}
}

func TestNearRejectsBadRequests(t *testing.T) {
	f := newFixture(t)
	for name, req := range map[string]*types.QueryNearRequest{
		"nil":           nil,
		"short hash":    {Phash: "abc"},
		"not hex":       {Phash: "zzzzzzzzzzzzzzzz"},
		"too far":       {Phash: "0000000000000000", MaxDistance: keeper.MaxNearDistance + 1},
		"other algo":    {Phash: "0000000000000000", Algorithm: "dhash"},
		"empty request": {},
	} {
		if _, err := f.query.Near(f.ctx, req); status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: got %v, want InvalidArgument", name, err)
		}
	}
}
