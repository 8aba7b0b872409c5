package fingerprint

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Vectors for spans longer than one 16 MiB piece, so that hashSpans splits
// them across workers and joins the pieces. Produced with b3sum 1.2.0 and
// sha256sum on pattern files (see patternBytes):
//
//	python3 -c "import sys; sys.stdout.buffer.write(bytes(i%251 for i in range(N)))" | b3sum
var pieceVectors = []struct {
	size           int
	blake3, sha256 string
}{
	{16 << 20, "869b1292c8bed5bdb2e0075e0c50ccf8b24b33a0f81071c86206bd8fdb269579", ""},   // exactly one piece
	{32<<20 + 1, "afecfe49a931b4641b0590b05fa687cbe0c5a6777d82b2e538ac96e49aaf48e0", ""}, // two pieces and one byte
	{40<<20 + 5, "6560fd812a3cd07f2a4735b26e11ef0e2af9bd1a76c058b26a93282507266f98", "f1069078857be895841cb3874961379fac077b43b5e1a6e95b0ca03aa9b09d36"},
}

func TestKnownAnswerPieces(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 90 MB")
	}
	dir := t.TempDir()
	for _, v := range pieceVectors {
		path := filepath.Join(dir, "f")
		writePattern(t, path, v.size)
		for _, workers := range []int{1, 2, 5} {
			for _, buf := range []int{0, 100_000} { // 100,000: reads that straddle groups and pieces
				m := mustFingerprint(t, path, Options{Workers: workers, BufferSize: buf})
				if got := m.Resources[0].Digest.Hex(); got != v.blake3 {
					t.Errorf("size %d workers %d buffer %d: %s, want %s", v.size, workers, buf, got, v.blake3)
				}
			}
		}
		if v.sha256 != "" {
			m := mustFingerprint(t, path, Options{Algorithm: SHA256})
			if got := m.Resources[0].Digest.Hex(); got != v.sha256 {
				t.Errorf("sha256 size %d: %s, want %s", v.size, got, v.sha256)
			}
		}
	}
}

// TestPiecedShards checks shards longer than a piece and not a multiple of
// one (20,000,000 bytes), with several large files hashed at once, against
// the reference implementation on the same bytes, for every worker count.
func TestPiecedShards(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100 MB")
	}
	dir := t.TempDir()
	sizes := map[string]int{"a.bin": 40<<20 + 5, "b.bin": 17 << 20, "c.bin": 20_000_000, "d.bin": 3}
	for name, n := range sizes {
		writePattern(t, filepath.Join(dir, name), n)
	}
	const shard = 20_000_000
	want := map[string]Digest{}
	for name, n := range sizes {
		data := patternBytes(n)
		if n <= shard {
			want[name] = Digest{Algorithm: BLAKE3, Sum: reference(data)}
			continue
		}
		for start := 0; start < n; start += shard {
			end := min(start+shard, n)
			want[fmt.Sprintf("%s:%d:%d", name, start, end)] = Digest{Algorithm: BLAKE3, Sum: reference(data[start:end])}
		}
	}
	var first *Manifest
	for _, workers := range []int{1, 2, 3, 7} {
		m := mustFingerprint(t, dir, Options{ShardSize: shard, Workers: workers})
		if len(m.Resources) != len(want) {
			t.Fatalf("workers %d: %d resources, want %d", workers, len(m.Resources), len(want))
		}
		for _, r := range m.Resources {
			if w, ok := want[r.Name]; !ok || r.Digest != w {
				t.Errorf("workers %d: %s = %s, want %s", workers, r.Name, r.Digest, w)
			}
		}
		if first == nil {
			first = m
		} else if m.Digest != first.Digest {
			t.Errorf("workers %d: subject %s, workers 1: %s", workers, m.Digest, first.Digest)
		}
	}
}

// TestPieceFileChanged: a multi-piece file that shrinks after the walk
// fails with ErrFileChanged instead of joining pieces of different files.
func TestPieceFileChanged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a")
	writePattern(t, path, 40<<20)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	files := []fileEntry{{rel: "a", abs: path, info: info}}
	if err := os.Truncate(path, 20<<20); err != nil {
		t.Fatal(err)
	}
	o, _ := Options{}.withDefaults()
	if _, err := hashSpans(t.Context(), files, plan(files, o), o); !errors.Is(err, ErrFileChanged) {
		t.Fatalf("shrunk file: err = %v", err)
	}
}

func TestCutPieces(t *testing.T) {
	spans := []span{
		{file: 0, start: 0, end: 0},
		{file: 1, start: 0, end: pieceSize},
		{file: 2, start: 1000, end: 1000 + 2*pieceSize + 1, shard: true},
	}
	got := cutPieces(spans, BLAKE3)
	want := []piece{
		{span: 0, start: 0, end: 0, last: true},
		{span: 1, start: 0, end: pieceSize, last: true},
		{span: 2, start: 1000, end: 1000 + pieceSize},
		{span: 2, start: 1000 + pieceSize, end: 1000 + 2*pieceSize},
		{span: 2, start: 1000 + 2*pieceSize, end: 1000 + 2*pieceSize + 1, last: true},
	}
	if len(got) != len(want) {
		t.Fatalf("%d pieces, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("piece %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got := cutPieces(spans, SHA256); len(got) != 3 || !got[2].last || got[2].end-got[2].start != 2*pieceSize+1 {
		t.Errorf("sha256 pieces %+v: want one per span", got)
	}
}

func TestScheduler(t *testing.T) {
	// Sequential: the first worker starts at 0 and continues; the second
	// starts in the middle of the rest; a worker whose next position is
	// taken moves to the middle of the longest free run.
	s := &scheduler{taken: make([]bool, 10), free: 10, sequential: true}
	a, _ := s.next(-1)
	b, _ := s.next(-1)
	if a != 0 || b != 5 {
		t.Fatalf("starts %d, %d; want 0, 5", a, b)
	}
	for _, want := range []int{1, 2, 3, 4} {
		if a, _ = s.next(a); a != want {
			t.Fatalf("a continued to %d, want %d", a, want)
		}
	}
	if a, _ = s.next(a); a != 8 { // 5 taken; free run 6..9, b is reading into it
		t.Fatalf("a moved to %d, want 8", a)
	}
	if b, _ = s.next(b); b != 6 {
		t.Fatalf("b continued to %d, want 6", b)
	}
	var got []int
	for {
		p, ok := s.next(b)
		if !ok {
			break
		}
		got, b = append(got, p), p
	}
	if len(got) != 2 || got[0] != 7 || got[1] != 9 {
		t.Fatalf("rest %v, want [7 9]", got)
	}

	// Not sequential: plain order.
	s = &scheduler{taken: make([]bool, 3), free: 3}
	for want := range 3 {
		if p, ok := s.next(2); !ok || p != want {
			t.Fatalf("got %d %v, want %d", p, ok, want)
		}
	}
	if _, ok := s.next(-1); ok {
		t.Fatal("handed out more positions than there are")
	}

	// Concurrent workers get every position exactly once.
	const n = 1000
	s = &scheduler{taken: make([]bool, n), free: n, sequential: true}
	var mu sync.Mutex
	seen := make([]int, n)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for p := -1; ; {
				var ok bool
				if p, ok = s.next(p); !ok {
					return
				}
				mu.Lock()
				seen[p]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("position %d handed out %d times", i, c)
		}
	}
}
