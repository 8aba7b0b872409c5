package fingerprint

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// hfFile is one file of a Hugging Face cache snapshot.
type hfFile struct {
	path string // relative to the snapshot
	data []byte
}

// writeHFCache lays out a cache repository folder as huggingface_hub does
// (file_download.py): blobs/<oid> holds the bytes, refs/main the revision,
// and snapshots/<rev>/<path> is a relative link to ../../blobs/<oid> (one
// more ../ per directory level of path). It returns the snapshot folder.
func writeHFCache(t *testing.T, cache, repo string, files []hfFile) string {
	t.Helper()
	const rev = "3f1b6a0d2c4e5f60718293a4b5c6d7e8f9012345"
	base := filepath.Join(cache, repo)
	snap := filepath.Join(base, "snapshots", rev)
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		oid := hex.EncodeToString(sum[:])
		if err := os.MkdirAll(filepath.Join(base, "blobs"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(base, "blobs", oid), f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(snap, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			t.Fatal(err)
		}
		up := strings.Repeat("../", strings.Count(f.path, "/")+2)
		if err := os.Symlink(up+"blobs/"+oid, link); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(base, "refs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "refs", "main"), []byte(rev), 0o644); err != nil {
		t.Fatal(err)
	}
	return snap
}

func TestHuggingFaceCache(t *testing.T) {
	files := []hfFile{
		{"config.json", []byte(`{"hidden": 8}`)},
		{"model.safetensors", patternBytes(5000)},
		{"tokenizer/tokenizer.json", []byte(`{"vocab": {}}`)},
	}
	cache := filepath.Join(t.TempDir(), "hub")
	snap := writeHFCache(t, cache, "models--org--tiny", files)
	plain := filepath.Join(t.TempDir(), "tiny")
	for _, f := range files {
		writeBytes(t, filepath.Join(plain, filepath.FromSlash(f.path)), f.data)
	}

	for _, o := range []Options{{}, {Algorithm: SHA256}, {ShardSize: 1000}} {
		got := mustFingerprint(t, snap, o)
		want := mustFingerprint(t, plain, o)
		if got.Digest != want.Digest || len(Compare(want, got)) != 0 {
			t.Fatalf("%+v: snapshot %s %v, plain copy %s", o, got.Digest, Compare(want, got), want.Digest)
		}
		// model_signing hashes the snapshot only with allow_symlinks.
		if !got.Serialization.AllowSymlinks || want.Serialization.AllowSymlinks {
			t.Errorf("allow_symlinks: snapshot %v, copy %v", got.Serialization.AllowSymlinks, want.Serialization.AllowSymlinks)
		}
		got.Serialization.AllowSymlinks = false
		got.Name = want.Name
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: manifests differ:\n%+v\n%+v", o, got, want)
		}
	}
	// A folder inside the snapshot is a cache root too.
	sub := mustFingerprint(t, filepath.Join(snap, "tokenizer"), Options{})
	if plainSub := mustFingerprint(t, filepath.Join(plain, "tokenizer"), Options{}); sub.Digest != plainSub.Digest {
		t.Errorf("nested root: %s, plain %s", sub.Digest, plainSub.Digest)
	}
	// The skip policy still leaves links out.
	if m := mustFingerprint(t, snap, Options{Symlinks: SymlinkSkip}); len(m.Resources) != 0 {
		t.Errorf("skip: %q", names(m))
	}
	// Outside a cache layout the same links are refused.
	moved := filepath.Join(cache, "models--org--tiny", "other")
	if err := os.MkdirAll(moved, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../blobs/"+hex.EncodeToString(sha256Sum(files[0].data)), filepath.Join(moved, "config.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := Fingerprint(t.Context(), moved, Options{}); !errors.Is(err, ErrSymlink) {
		t.Errorf("link outside snapshots/: err = %v, want ErrSymlink", err)
	}
}

func TestHuggingFaceCacheRefusesOutsideLinks(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "hub")
	files := []hfFile{{"config.json", []byte("{}")}}
	other := writeHFCache(t, cache, "models--org--other", []hfFile{{"secret.bin", []byte("other repo")}})
	outside := filepath.Join(t.TempDir(), "outside.bin")
	writeBytes(t, outside, []byte("outside"))

	tests := []struct {
		name   string
		target string // relative to the snapshot
	}{
		{"outside the cache", outside},
		{"another repository", filepath.Join("..", "..", "..", "models--org--other", "snapshots", filepath.Base(other), "secret.bin")},
		{"another repository's blob", filepath.Join("..", "..", "..", "models--org--other", "blobs", hex.EncodeToString(sha256Sum([]byte("other repo"))))},
		{"the cache folder", filepath.Join("..", "..", "..")},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := "models--org--m" + string(rune('a'+i))
			snap := writeHFCache(t, cache, repo, files)
			if err := os.Symlink(tt.target, filepath.Join(snap, "extra")); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(snap, "extra")); err != nil {
				t.Fatalf("test link does not resolve: %v", err)
			}
			_, err := Fingerprint(t.Context(), snap, Options{})
			if !errors.Is(err, ErrSymlink) || !strings.Contains(err.Error(), "extra -> ") {
				t.Fatalf("err = %v, want ErrSymlink naming the link", err)
			}
			// The follow policy hashes it, as before.
			if _, err := Fingerprint(t.Context(), snap, Options{Symlinks: SymlinkFollow}); err != nil && tt.name != "the cache folder" {
				t.Fatalf("follow: %v", err)
			}
		})
	}
}

func TestCacheRepo(t *testing.T) {
	dir := t.TempDir()
	repo := filepath.Join(dir, "datasets--org--d")
	rev := filepath.Join(repo, "snapshots", "abc")
	if err := os.MkdirAll(filepath.Join(rev, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(repo)
	for path, want := range map[string]string{
		rev:                                  real,
		filepath.Join(rev, "sub"):            real,
		filepath.Join(repo, "snapshots"):     "",
		repo:                                 "",
		dir:                                  "",
		filepath.Join(dir, "snapshots", "x"): "",
	} {
		if got := HFCacheRepo(path); got != want {
			t.Errorf("HFCacheRepo(%s) = %q, want %q", path, got, want)
		}
	}
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

func writeBytes(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
