package fingerprint

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// names lists the resource names of m.
func names(m *Manifest) []string {
	var out []string
	for _, r := range m.Resources {
		out = append(out, r.Name)
	}
	return out
}

func mustFingerprint(t *testing.T, root string, o Options) *Manifest {
	t.Helper()
	m, err := Fingerprint(t.Context(), root, o)
	if err != nil {
		t.Fatalf("Fingerprint(%s): %v", root, err)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("Fingerprint(%s) returned an invalid manifest: %v", root, err)
	}
	return m
}

func TestIgnorePaths(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{
		"model.safetensors", "config.json", "notes.tmp", "sub/notes.tmp", "sub/keep.bin",
		".git/HEAD", ".git/objects/aa", "sub/.git/config", ".gitattributes",
		"logs/run1/out.txt", "logs/keep.txt", "cache/x", "cache2/x",
	} {
		writePattern(t, filepath.Join(dir, p), 10)
	}
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"defaults ignore git", Options{}, []string{
			"cache/x", "cache2/x", "config.json", "logs/keep.txt", "logs/run1/out.txt",
			"model.safetensors", "notes.tmp", "sub/keep.bin", "sub/notes.tmp",
		}},
		{"include git", Options{IncludeGitPaths: true}, []string{
			".git/HEAD", ".git/objects/aa", ".gitattributes",
			"cache/x", "cache2/x", "config.json", "logs/keep.txt", "logs/run1/out.txt",
			"model.safetensors", "notes.tmp", "sub/.git/config", "sub/keep.bin", "sub/notes.tmp",
		}},
		{"unanchored glob at any depth", Options{IgnorePaths: []string{"*.tmp"}}, []string{
			"cache/x", "cache2/x", "config.json", "logs/keep.txt", "logs/run1/out.txt",
			"model.safetensors", "sub/keep.bin",
		}},
		{"anchored directory and file", Options{IgnorePaths: []string{"logs/run1", "./cache/", "sub/notes.tmp"}}, []string{
			"cache2/x", "config.json", "logs/keep.txt",
			"model.safetensors", "notes.tmp", "sub/keep.bin",
		}},
		{"anchored glob", Options{IgnorePaths: []string{"logs/*"}}, []string{
			"cache/x", "cache2/x", "config.json",
			"model.safetensors", "notes.tmp", "sub/keep.bin", "sub/notes.tmp",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustFingerprint(t, dir, tt.opts)
			if got := names(m); !slices.Equal(got, tt.want) {
				t.Fatalf("resources\n got %q\nwant %q", got, tt.want)
			}
			if !slices.Contains(m.Serialization.IgnorePaths, "*.tmp") && strings.Contains(tt.name, "unanchored") {
				t.Errorf("ignore paths not recorded: %q", m.Serialization.IgnorePaths)
			}
		})
	}
	t.Run("ignoring changes nothing else", func(t *testing.T) {
		a := mustFingerprint(t, dir, Options{IgnorePaths: []string{"*.tmp"}})
		if err := os.WriteFile(filepath.Join(dir, "sub", "notes.tmp"), []byte("edited"), 0o644); err != nil {
			t.Fatal(err)
		}
		b := mustFingerprint(t, dir, Options{IgnorePaths: []string{"*.tmp"}})
		if a.Digest != b.Digest {
			t.Fatal("editing an ignored file changed the digest")
		}
	})
	t.Run("bad pattern", func(t *testing.T) {
		for _, p := range []string{"[", "", "/", "//abs", ".", "/."} {
			if _, err := Fingerprint(t.Context(), dir, Options{IgnorePaths: []string{p}}); !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("pattern %q: err = %v, want ErrInvalidOptions", p, err)
			}
		}
	})
}

func TestSymlinkPolicies(t *testing.T) {
	outside := t.TempDir()
	writePattern(t, filepath.Join(outside, "target.bin"), 100)
	writePattern(t, filepath.Join(outside, "tdir", "inner.bin"), 50)

	dir := t.TempDir()
	writePattern(t, filepath.Join(dir, "real.bin"), 100)
	if err := os.Symlink(filepath.Join(outside, "target.bin"), filepath.Join(dir, "link.bin")); err != nil {
		t.Skipf("symlinks not supported: %v", err)
	}
	if err := os.Symlink(filepath.Join(outside, "tdir"), filepath.Join(dir, "linkdir")); err != nil {
		t.Fatal(err)
	}

	t.Run("error by default", func(t *testing.T) {
		_, err := Fingerprint(t.Context(), dir, Options{})
		if !errors.Is(err, ErrSymlink) {
			t.Fatalf("err = %v, want ErrSymlink", err)
		}
		if msg := err.Error(); !strings.Contains(msg, "link.bin") || !strings.Contains(msg, "follow") {
			t.Errorf("message %q should name the link and the way out", msg)
		}
	})
	t.Run("skip", func(t *testing.T) {
		m := mustFingerprint(t, dir, Options{Symlinks: SymlinkSkip})
		if got := names(m); !slices.Equal(got, []string{"real.bin"}) {
			t.Fatalf("resources %q", got)
		}
		if m.Serialization.AllowSymlinks {
			t.Error("allow_symlinks recorded for skip")
		}
	})
	t.Run("follow", func(t *testing.T) {
		m := mustFingerprint(t, dir, Options{Symlinks: SymlinkFollow})
		if got := names(m); !slices.Equal(got, []string{"link.bin", "linkdir/inner.bin", "real.bin"}) {
			t.Fatalf("resources %q", got)
		}
		// link.bin and real.bin have the same content.
		if m.Resources[0].Digest != m.Resources[2].Digest {
			t.Error("followed link hashed something else than its target")
		}
		if !m.Serialization.AllowSymlinks {
			t.Error("allow_symlinks not recorded")
		}
	})
	t.Run("dangling", func(t *testing.T) {
		d := t.TempDir()
		writePattern(t, filepath.Join(d, "a"), 1)
		if err := os.Symlink(filepath.Join(d, "missing"), filepath.Join(d, "dangling")); err != nil {
			t.Fatal(err)
		}
		if _, err := Fingerprint(t.Context(), d, Options{Symlinks: SymlinkFollow}); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("follow dangling: err = %v", err)
		}
		if m := mustFingerprint(t, d, Options{Symlinks: SymlinkSkip}); len(m.Resources) != 1 {
			t.Errorf("skip dangling: %q", names(m))
		}
	})
	t.Run("loop", func(t *testing.T) {
		d := t.TempDir()
		writePattern(t, filepath.Join(d, "sub", "a"), 1)
		if err := os.Symlink("..", filepath.Join(d, "sub", "up")); err != nil {
			t.Fatal(err)
		}
		if _, err := Fingerprint(t.Context(), d, Options{Symlinks: SymlinkFollow}); !errors.Is(err, ErrSymlinkLoop) {
			t.Errorf("err = %v, want ErrSymlinkLoop", err)
		}
	})
	t.Run("root link is followed", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "rootlink")
		if err := os.Symlink(outside, root); err != nil {
			t.Fatal(err)
		}
		m := mustFingerprint(t, root, Options{})
		if got := names(m); !slices.Equal(got, []string{"target.bin", "tdir/inner.bin"}) {
			t.Fatalf("resources %q", got)
		}
	})
	t.Run("policy strings", func(t *testing.T) {
		for _, p := range []SymlinkPolicy{SymlinkError, SymlinkFollow, SymlinkSkip} {
			back, err := ParseSymlinkPolicy(p.String())
			if err != nil || back != p {
				t.Errorf("%v round trip = %v, %v", p, back, err)
			}
		}
		if _, err := ParseSymlinkPolicy("allow"); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("err = %v", err)
		}
		if _, err := Fingerprint(t.Context(), dir, Options{Symlinks: 7}); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("bad policy err = %v", err)
		}
	})
}

func TestEmptyFilesAndDirectories(t *testing.T) {
	t.Run("empty file is a resource", func(t *testing.T) {
		dir := t.TempDir()
		writePattern(t, filepath.Join(dir, "empty"), 0)
		writePattern(t, filepath.Join(dir, "one"), 1)
		m := mustFingerprint(t, dir, Options{})
		if got := names(m); !slices.Equal(got, []string{"empty", "one"}) {
			t.Fatalf("resources %q", got)
		}
		// `printf '' | b3sum`
		if m.Resources[0].Digest.Hex() != "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262" {
			t.Errorf("empty file digest %s", m.Resources[0].Digest)
		}
		// Adding an empty file changes the subject digest.
		writePattern(t, filepath.Join(dir, "empty2"), 0)
		if m2 := mustFingerprint(t, dir, Options{}); m2.Digest == m.Digest {
			t.Error("adding an empty file did not change the digest")
		}
	})
	t.Run("shards method leaves empty files out", func(t *testing.T) {
		dir := t.TempDir()
		writePattern(t, filepath.Join(dir, "empty"), 0)
		writePattern(t, filepath.Join(dir, "one"), 1)
		m := mustFingerprint(t, dir, Options{ShardAll: true})
		if got := names(m); !slices.Equal(got, []string{"one:0:1"}) {
			t.Fatalf("resources %q", got)
		}
		if m.Serialization.Method != MethodShards {
			t.Errorf("method %q", m.Serialization.Method)
		}
		only := t.TempDir()
		writePattern(t, filepath.Join(only, "empty"), 0)
		m = mustFingerprint(t, only, Options{ShardAll: true})
		if len(m.Resources) != 0 || m.Digest.Hex() != emptyDigestHex(BLAKE3) {
			t.Errorf("only empty files with ShardAll: %+v", m)
		}
	})
	// model_signing gives a directory with nothing to hash an empty
	// manifest; its subject digest is the hash of no bytes:
	// `printf '' | b3sum`, `printf '' | sha256sum`.
	t.Run("empty directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, alg := range []Algorithm{BLAKE3, SHA256} {
			m := mustFingerprint(t, dir, Options{Algorithm: alg})
			if len(m.Resources) != 0 || m.Size != 0 || m.Digest.Hex() != emptyDigestHex(alg) {
				t.Fatalf("%s: %+v", alg, m)
			}
			st, err := m.Statement()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(st), `"resources":[]`) {
				t.Errorf("statement %s", st)
			}
			back, err := ParseStatement(st)
			if err != nil || back.Digest != m.Digest || len(back.Resources) != 0 {
				t.Fatalf("round trip: %v %+v", err, back)
			}
		}
	})
	t.Run("only ignored files", func(t *testing.T) {
		dir := t.TempDir()
		writePattern(t, filepath.Join(dir, ".git", "HEAD"), 3)
		if m := mustFingerprint(t, dir, Options{}); len(m.Resources) != 0 {
			t.Fatalf("resources %q", names(m))
		}
	})
	t.Run("missing path", func(t *testing.T) {
		if _, err := Fingerprint(t.Context(), filepath.Join(t.TempDir(), "nope"), Options{}); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestOneByteChangesDigest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "weights.bin")
	writePattern(t, path, 5000)
	writePattern(t, filepath.Join(dir, "config.json"), 10)
	for _, o := range []Options{{}, {Algorithm: SHA256}, {ShardSize: 1024}, {ShardAll: true, ShardSize: 999}} {
		before := mustFingerprint(t, dir, o)
		data := patternBytes(5000)
		for _, off := range []int{0, 1023, 1024, 4999} {
			data[off] ^= 1
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			after := mustFingerprint(t, dir, o)
			if after.Digest == before.Digest {
				t.Errorf("%+v: flipping byte %d did not change the digest", o, off)
			}
			diff := Compare(before, after)
			if len(diff) != 1 || !strings.HasPrefix(diff[0].Name, "sub/weights.bin") {
				t.Errorf("%+v: Compare = %v", o, diff)
			}
			data[off] ^= 1
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if again := mustFingerprint(t, dir, o); again.Digest != before.Digest || len(Compare(before, again)) != 0 {
			t.Errorf("%+v: restoring the file did not restore the digest", o)
		}
	}
	t.Run("rename changes resources but not subject", func(t *testing.T) {
		// The subject digest covers digests, not names (as in model_signing);
		// a rename shows up in the resource list, which the signature covers.
		a := mustFingerprint(t, dir, Options{})
		if err := os.Rename(filepath.Join(dir, "config.json"), filepath.Join(dir, "config2.json")); err != nil {
			t.Fatal(err)
		}
		b := mustFingerprint(t, dir, Options{})
		if len(Compare(a, b)) != 2 {
			t.Errorf("Compare after rename = %v", Compare(a, b))
		}
	})
}

func TestShardsIndependentOfWorkers(t *testing.T) {
	dir := t.TempDir()
	writePattern(t, filepath.Join(dir, "big.bin"), 100_003)
	writePattern(t, filepath.Join(dir, "mid.bin"), 4096)
	writePattern(t, filepath.Join(dir, "small.txt"), 17)
	var ref *Manifest
	for _, workers := range []int{1, 2, 3, 4, 16, 64} {
		for _, buf := range []int{1, 1000, 1 << 20} {
			if workers == 64 && buf == 1 {
				continue // slow and adds nothing
			}
			m := mustFingerprint(t, dir, Options{ShardSize: 4096, Workers: workers, BufferSize: buf})
			if ref == nil {
				ref = m
				if len(m.Resources) != 27 { // ceil(100003/4096)=25 shards + mid + small
					t.Fatalf("%d resources: %q", len(m.Resources), names(m))
				}
				continue
			}
			if m.Digest != ref.Digest || !slices.Equal(m.Resources, ref.Resources) {
				t.Fatalf("workers=%d buffer=%d: manifest differs", workers, buf)
			}
		}
	}
	// Numeric shard order: big.bin:4096:8192 comes before big.bin:40960:45056.
	if ref.Resources[1].Name != "big.bin:4096:8192" || ref.Resources[10].Name != "big.bin:40960:45056" {
		t.Errorf("shard order: %q", names(ref)[:12])
	}
	// mid.bin is exactly the shard size: one whole-file resource.
	if ref.Resources[26].Name != "small.txt" || ref.Resources[25].Name != "mid.bin" {
		t.Errorf("tail: %q", names(ref)[24:])
	}
}

func TestProgress(t *testing.T) {
	dir := t.TempDir()
	writePattern(t, filepath.Join(dir, "a"), 300_000)
	writePattern(t, filepath.Join(dir, "b"), 1)
	writePattern(t, filepath.Join(dir, "c"), 0)
	var mu sync.Mutex
	var calls int
	var last, total int64 = -1, -1
	_, err := Fingerprint(t.Context(), dir, Options{
		ShardSize: 100_000, Workers: 3, BufferSize: 4096,
		Progress: func(done, tot int64) {
			mu.Lock()
			defer mu.Unlock()
			if done < last {
				t.Errorf("progress went back from %d to %d", last, done)
			}
			if total >= 0 && tot != total {
				t.Errorf("total changed from %d to %d", total, tot)
			}
			calls++
			last, total = done, tot
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if total != 300_001 || last != total || calls < 70 {
		t.Fatalf("last=%d total=%d calls=%d", last, total, calls)
	}

	only := t.TempDir()
	writePattern(t, filepath.Join(only, "empty"), 0)
	var got [2]int64
	mustFingerprint(t, only, Options{Progress: func(d, tot int64) { got = [2]int64{d, tot} }})
	if got != [2]int64{0, 0} {
		t.Errorf("only empty files: progress %v", got)
	}
}

func TestCancel(t *testing.T) {
	dir := t.TempDir()
	writePattern(t, filepath.Join(dir, "a"), 1<<20)
	ctx, cancel := context.WithCancel(t.Context())
	_, err := Fingerprint(ctx, dir, Options{BufferSize: 1024, Workers: 1, Progress: func(done, _ int64) {
		if done > 10_000 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestUnsupportedFiles(t *testing.T) {
	t.Run("fifo", func(t *testing.T) {
		dir := t.TempDir()
		writePattern(t, filepath.Join(dir, "a"), 1)
		if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		if _, err := Fingerprint(t.Context(), dir, Options{}); !errors.Is(err, ErrUnsupportedFile) {
			t.Fatalf("err = %v, want ErrUnsupportedFile", err)
		}
		if _, err := Fingerprint(t.Context(), dir, Options{IgnorePaths: []string{"pipe"}}); err != nil {
			t.Fatalf("ignored fifo: %v", err)
		}
	})
	t.Run("invalid utf-8 name", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "bad\xffname"), nil, 0o644); err != nil {
			t.Skipf("file system refuses the name: %v", err)
		}
		if _, err := Fingerprint(t.Context(), dir, Options{}); !errors.Is(err, ErrUnsupportedFile) {
			t.Fatalf("err = %v, want ErrUnsupportedFile", err)
		}
	})
	t.Run("shard-like name when sharding", func(t *testing.T) {
		dir := t.TempDir()
		writePattern(t, filepath.Join(dir, "x:0:10"), 10)
		if m := mustFingerprint(t, dir, Options{}); m.Resources[0].Name != "x:0:10" {
			t.Fatalf("files method: %q", names(m))
		}
		if _, err := Fingerprint(t.Context(), dir, Options{ShardAll: true}); !errors.Is(err, ErrUnsupportedFile) {
			t.Fatalf("shards method: err = %v", err)
		}
	})
}

func TestInvalidOptions(t *testing.T) {
	dir := t.TempDir()
	writePattern(t, filepath.Join(dir, "a"), 1)
	for _, o := range []Options{
		{Algorithm: "md5"},
		{ShardSize: -1},
		{Workers: -1},
		{BufferSize: -1},
	} {
		if _, err := Fingerprint(t.Context(), dir, o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("%+v: err = %v, want ErrInvalidOptions", o, err)
		}
	}
}

func TestFileChangedDetection(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a")
	writePattern(t, path, 10)
	files := []fileEntry{{rel: "a", abs: path}}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	files[0].info = info
	// The file grows after the walk.
	if err := os.WriteFile(path, patternBytes(20), 0o644); err != nil {
		t.Fatal(err)
	}
	o, _ := Options{}.withDefaults()
	if _, err := hashSpans(t.Context(), files, plan(files, o), o); !errors.Is(err, ErrFileChanged) {
		t.Fatalf("grown file: err = %v", err)
	}
	// The file is replaced by another one.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	writePattern(t, path, 10)
	if _, err := hashSpans(t.Context(), files, plan(files, o), o); !errors.Is(err, ErrFileChanged) {
		t.Fatalf("replaced file: err = %v", err)
	}
}

// emptyDigestHex returns the hex digest of the empty string under alg:
// the subject digest of a manifest with no resources.
func emptyDigestHex(alg Algorithm) string {
	if alg == SHA256 {
		return "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	}
	return "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
}
