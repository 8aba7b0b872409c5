package keeper_test

import (
	"math"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/prova-network/prova/x/registry/types"
)

// lineageFixture registers a lineage wide and deep enough for paging:
// model 1 trained on dataset 100 has 12 direct children (2..13), and a
// chain 13 <- 14 <- ... <- 20 (so 20 has 8 ancestors and 1 has 19
// descendants); models 2..6 also train on dataset 100.
func lineageFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := newFixture(tb)
	o := addr(1)
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(f.registerDataset(o, dataset(100)))
	must(f.registerModel(o, model(1, nil, []int{100})))
	for n := 2; n <= 13; n++ {
		var ds []int
		if n <= 6 {
			ds = []int{100}
		}
		must(f.registerModel(o, model(n, []int{1}, ds)))
	}
	for n := 14; n <= 20; n++ {
		must(f.registerModel(o, model(n, []int{n - 1}, nil)))
	}
	return f
}

// window is the part of a list of n items that offset and limit select,
// computed without overflow; limit 0 means the handlers' default of 100.
func window(n int, offset, limit uint64) (lo, hi int) {
	if limit == 0 {
		limit = 100
	}
	if offset >= uint64(n) {
		return n, n
	}
	lo = int(offset)
	if limit >= uint64(n-lo) {
		return lo, n
	}
	return lo, lo + int(limit)
}

// FuzzLineagePagination checks the lineage and dataset-use queries for any
// page request: no panic, and either an InvalidArgument error or a page of
// at most limit entries that is the matching window of the full list, with
// a total that counts the full list when asked for.
func FuzzLineagePagination(f *testing.F) {
	for _, seed := range []struct {
		offset, limit uint64
		count         bool
	}{
		{0, 0, false}, {1, 2, true}, {5, 100, false}, {25, 1, true},
		{1, math.MaxUint64, false}, // reported: offset+limit overflowed and panicked
		{math.MaxUint64, math.MaxUint64, true}, {math.MaxUint64, 1, false}, {0, math.MaxUint64, true},
	} {
		f.Add(seed.offset, seed.limit, seed.count, uint8(0))
		f.Add(seed.offset, seed.limit, seed.count, uint8(1))
		f.Add(seed.offset, seed.limit, seed.count, uint8(2))
	}
	fx := lineageFixture(f)
	qs := fx.query
	full := map[uint8][]string{}
	anc, err := fx.k.Ancestors(fx.ctx, digest(20), 1000)
	if err != nil {
		f.Fatal(err)
	}
	desc, err := fx.k.Descendants(fx.ctx, digest(1), 1000)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range anc {
		full[0] = append(full[0], e.ModelId)
	}
	for _, e := range desc {
		full[1] = append(full[1], e.ModelId)
	}
	for n := 1; n <= 6; n++ {
		full[2] = append(full[2], digest(n))
	}
	if len(full[0]) != 8 || len(full[1]) != 19 {
		f.Fatalf("fixture lineage: %d ancestors, %d descendants", len(full[0]), len(full[1]))
	}

	f.Fuzz(func(t *testing.T, offset, limit uint64, count bool, which uint8) {
		which %= 3
		page := &query.PageRequest{Offset: offset, Limit: limit, CountTotal: count}
		var got []string
		var res *query.PageResponse
		var err error
		switch which {
		case 0, 1:
			req := &types.QueryLineageRequest{Id: digest(20), MaxDepth: 1000, Pagination: page}
			var r *types.QueryLineageResponse
			if which == 0 {
				r, err = qs.Ancestors(fx.ctx, req)
			} else {
				req.Id = digest(1)
				r, err = qs.Descendants(fx.ctx, req)
			}
			if err == nil {
				for _, e := range r.Entries {
					got = append(got, e.ModelId)
				}
				res = r.Pagination
			}
		case 2:
			var r *types.QueryModelsByDatasetResponse
			r, err = qs.ModelsByDataset(fx.ctx, &types.QueryModelsByDatasetRequest{DatasetId: digest(100), Pagination: page})
			if err == nil {
				for _, u := range r.Uses {
					got = append(got, u.ModelId)
				}
				res = r.Pagination
			}
		}
		if err != nil {
			if status.Code(err) != codes.InvalidArgument {
				t.Fatalf("query %d offset %d limit %d: %v, want InvalidArgument or a page", which, offset, limit, err)
			}
			return
		}
		all := full[which]
		lo, hi := window(len(all), offset, limit)
		if (limit != 0 && uint64(len(got)) > limit) || len(got) > 100 && limit == 0 {
			t.Fatalf("query %d offset %d limit %d: %d entries", which, offset, limit, len(got))
		}
		if len(got) != hi-lo {
			t.Fatalf("query %d offset %d limit %d: %d entries, want %d", which, offset, limit, len(got), hi-lo)
		}
		for i := range got {
			if got[i] != all[lo+i] {
				t.Fatalf("query %d offset %d limit %d: entry %d is %s, want %s", which, offset, limit, i, got[i], all[lo+i])
			}
		}
		// The SDK's collection paging reports offset+count as the total, so
		// the dataset query's total is only meaningful for offsets in range.
		if count && (which != 2 || offset <= uint64(len(all))) && res.GetTotal() != uint64(len(all)) {
			t.Fatalf("query %d: total %d, want %d", which, res.GetTotal(), len(all))
		}
	})
}
