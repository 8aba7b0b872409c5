package phash

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/prova-network/prova/internal/phash/phashtest"
)

// bruteForce is the reference linear scan the index must agree with.
func bruteForce(ids []string, hs map[string]Hash64, q Hash64, radius int) []Match {
	var out []Match
	for _, id := range ids {
		if d := Distance(q, hs[id]); d <= radius {
			out = append(out, Match{ID: id, Hash: hs[id], Distance: d})
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		if a.Distance != b.Distance {
			return a.Distance - b.Distance
		}
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}

// flip returns h with k distinct random bits flipped.
func flip(r *rand.Rand, h Hash64, k int) Hash64 {
	for _, i := range r.Perm(64)[:k] {
		h ^= 1 << uint(i)
	}
	return h
}

// TestIndexMatchesBruteForce is the property test: for 5,000 hashes, many
// of them clustered near a few centres and some sharing a hash, every
// search for radius 0..20 (multi-index hashing up to 15, BK-tree above) returns exactly what a linear scan returns, in
// the same order — also after removals.
func TestIndexMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ix := NewIndex()
	hs := make(map[string]Hash64)
	var ids []string
	centres := make([]Hash64, 40)
	for i := range centres {
		centres[i] = Hash64(r.Uint64())
	}
	for i := range 5000 {
		var h Hash64
		switch i % 4 {
		case 0:
			h = Hash64(r.Uint64())
		case 3:
			if len(ids) > 0 {
				h = hs[ids[r.IntN(len(ids))]] // duplicate hash, different ID
				break
			}
			fallthrough
		default:
			h = flip(r, centres[r.IntN(len(centres))], r.IntN(14))
		}
		id := fmt.Sprintf("id-%05d", i)
		ids = append(ids, id)
		hs[id] = h
		ix.Add(id, h)
	}
	check := func(t *testing.T, live []string) {
		t.Helper()
		nonEmpty := map[bool]int{} // multi-index hashing vs BK-tree
		for q := range 60 {
			var query Hash64
			switch q % 3 {
			case 0:
				query = Hash64(r.Uint64())
			case 1:
				query = flip(r, centres[r.IntN(len(centres))], r.IntN(6))
			default:
				query = flip(r, hs[ids[r.IntN(len(ids))]], r.IntN(4))
			}
			for radius := 0; radius <= 20; radius++ {
				got, want := ix.Search(query, radius), bruteForce(live, hs, query, radius)
				if !slices.Equal(got, want) {
					t.Fatalf("query %s radius %d: index %d matches, scan %d", query, radius, len(got), len(want))
				}
				if len(got) > 0 {
					nonEmpty[radius <= mihMaxRadius]++
				}
			}
		}
		// Guard against a vacuous pass: both search paths must have found something.
		if nonEmpty[true] < 100 || nonEmpty[false] < 100 {
			t.Fatalf("too few non-empty results to be meaningful: %v", nonEmpty)
		}
	}
	check(t, ids)
	if ix.Len() != len(ids) {
		t.Fatalf("Len = %d, want %d", ix.Len(), len(ids))
	}

	// Remove a third, re-add some under new hashes, and check again.
	var live []string
	for i, id := range ids {
		switch i % 3 {
		case 0:
			if !ix.Remove(id) {
				t.Fatalf("Remove(%s) = false", id)
			}
			delete(hs, id)
		case 1:
			h := flip(r, hs[id], 1+r.IntN(3))
			hs[id] = h
			ix.Add(id, h)
			live = append(live, id)
		default:
			live = append(live, id)
		}
	}
	if ix.Remove("absent") {
		t.Fatal("Remove of an absent ID reported true")
	}
	ids = live
	check(t, live)
}

func TestIndexFindsEditedCopies(t *testing.T) {
	ix := NewIndex()
	originals := make(map[string]Hash64)
	for seed := range uint64(30) {
		id := fmt.Sprintf("img-%02d", seed)
		h := mustHash(t, phashtest.Synth(seed, 256, 192))
		originals[id] = h
		ix.Add(id, h)
	}
	for seed := range uint64(6) {
		id := fmt.Sprintf("img-%02d", seed)
		img := phashtest.Synth(seed, 256, 192)
		copyHash := mustHashBytes(t, encodeJPEG(t, phashtest.Bilinear(img, 128, 96), 70))
		got := ix.Search(copyHash, 10)
		if len(got) == 0 || got[0].ID != id {
			t.Fatalf("%s: re-encoded, resized copy not the best match: %+v", id, got)
		}
		t.Logf("%s found at distance %d (%d matches within 10)", id, got[0].Distance, len(got))
	}
}

func TestIndexEdgeCases(t *testing.T) {
	ix := NewIndex()
	if got := ix.Search(0, 64); len(got) != 0 {
		t.Fatalf("empty index: %v", got)
	}
	ix.Add("a", 0)
	ix.Add("b", 0)
	ix.Add("a", 0) // idempotent
	ix.Add("c", ^Hash64(0))
	if got := ix.Search(0, -1); got != nil {
		t.Fatalf("negative radius: %v", got)
	}
	want := []Match{{"a", 0, 0}, {"b", 0, 0}, {"c", ^Hash64(0), 64}}
	if got := ix.Search(0, 100); !slices.Equal(got, want) {
		t.Fatalf("Search(0, 100) = %v, want %v", got, want)
	}
	// Removing and re-adding a hash reuses its BK-tree tombstone.
	ix.Remove("a")
	ix.Remove("b")
	if got := ix.Search(0, 10); len(got) != 0 {
		t.Fatalf("after removal: %v", got)
	}
	ix.Add("d", 0)
	if got := ix.Search(1, 10); !slices.Equal(got, []Match{{"d", 0, 1}}) {
		t.Fatalf("after re-add: %v", got)
	}
}

// TestIndexConcurrent runs searches alongside writes; run it with -race.
func TestIndexConcurrent(t *testing.T) {
	ix := NewIndex()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for i := range 500 {
				id := fmt.Sprintf("%d-%d", w, i)
				if w%2 == 0 {
					ix.Add(id, Hash64(r.Uint64()))
					if i%5 == 0 {
						ix.Remove(id)
					}
				} else {
					ix.Search(Hash64(r.Uint64()), i%12)
				}
			}
		}()
	}
	wg.Wait()
	if n := ix.Len(); n != 2*(500-100) {
		t.Fatalf("Len = %d, want %d", n, 2*(500-100))
	}
}

func BenchmarkSearch(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	ix := NewIndex()
	for i := range 100_000 {
		ix.Add(fmt.Sprint(i), Hash64(r.Uint64()))
	}
	for _, radius := range []int{3, 8, 12, 15, 16} {
		b.Run(fmt.Sprint("r", radius), func(b *testing.B) {
			for b.Loop() {
				ix.Search(Hash64(r.Uint64()), radius)
			}
		})
	}
}

// BenchmarkLinearScan is the baseline the index is meant to beat as n grows.
func BenchmarkLinearScan(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	hs := make([]Hash64, 100_000)
	for i := range hs {
		hs[i] = Hash64(r.Uint64())
	}
	for b.Loop() {
		q, n := Hash64(r.Uint64()), 0
		for _, h := range hs {
			if Distance(q, h) <= 8 {
				n++
			}
		}
		_ = n
	}
}
