package formats

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/formats/gguf/gguftest"
	"github.com/prova-network/prova/internal/formats/safetensors"
	"github.com/prova-network/prova/internal/formats/safetensors/safetensorstest"
)

// hfCache lays out one repository as huggingface_hub's cache does
// (file_download.py): blobs named by the file's etag (the sha256 of an LFS
// file, the git blob id of a small one), refs/main holding the commit, and
// snapshots/<commit>/ with a relative link into ../../blobs/ per file.
type hfCache struct {
	t    *testing.T
	hub  string // the hub folder, ~/.cache/huggingface/hub
	repo string // hub/models--org--name
	rev  string
}

func newHFCache(t *testing.T, repoID string) *hfCache {
	c := &hfCache{t: t, hub: t.TempDir(), rev: "0123456789abcdef0123456789abcdef01234567"}
	c.repo = filepath.Join(c.hub, "models--"+strings.ReplaceAll(repoID, "/", "--"))
	for _, d := range []string{"blobs", "refs", filepath.Join("snapshots", c.rev)} {
		if err := os.MkdirAll(filepath.Join(c.repo, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(c.repo, "refs", "main"), []byte(c.rev), 0o644); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *hfCache) snapshot() string { return filepath.Join(c.repo, "snapshots", c.rev) }

// add stores data as a blob and links snapshots/<rev>/name to it.
func (c *hfCache) add(name string, data []byte, lfs bool) {
	c.t.Helper()
	var etag string
	if lfs {
		sum := sha256.Sum256(data)
		etag = hex.EncodeToString(sum[:])
	} else {
		sum := sha1.Sum(append(fmt.Appendf(nil, "blob %d\x00", len(data)), data...))
		etag = hex.EncodeToString(sum[:])
	}
	if err := os.WriteFile(filepath.Join(c.repo, "blobs", etag), data, 0o644); err != nil {
		c.t.Fatal(err)
	}
	link := filepath.Join(c.snapshot(), name)
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		c.t.Fatal(err)
	}
	up := strings.Repeat("../", strings.Count(name, "/")+2)
	if err := os.Symlink(up+"blobs/"+etag, link); err != nil {
		c.t.Fatal(err)
	}
}

func encodeST(t *testing.T, tensors []safetensorstest.Tensor, meta map[string]string) []byte {
	t.Helper()
	b, err := safetensorstest.Encode(tensors, meta)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInspectHFCache inspects a sharded safetensors model in the cache, by
// its snapshot and by its repository folder; links are followed, and the
// summary equals that of the same files copied into a plain directory.
func TestInspectHFCache(t *testing.T) {
	c := newHFCache(t, "example-org/tiny-llama")
	first, second := model[:4], model[4:]
	weightMap := map[string]string{}
	for _, tn := range first {
		weightMap[tn.Name] = "model-00001-of-00002.safetensors"
	}
	for _, tn := range second {
		weightMap[tn.Name] = "model-00002-of-00002.safetensors"
	}
	plain := t.TempDir()
	if err := safetensorstest.WriteIndex(filepath.Join(plain, safetensors.IndexFileName), weightMap, 864); err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(plain, safetensors.IndexFileName))
	if err != nil {
		t.Fatal(err)
	}
	c.add(safetensors.IndexFileName, index, false)
	c.add("model-00001-of-00002.safetensors", encodeST(t, first, map[string]string{"format": "pt"}), true)
	c.add("model-00002-of-00002.safetensors", encodeST(t, second, nil), true)
	c.add("config.json", []byte(`{"model_type":"llama"}`), false)
	c.add("README.md", []byte("---\nbase_model: example-org/base\n---\n"), false)
	c.add("original/params.json", []byte(`{}`), false) // a subfolder: ../../../blobs

	writeST(t, filepath.Join(plain, "model-00001-of-00002.safetensors"), first, map[string]string{"format": "pt"})
	writeST(t, filepath.Join(plain, "model-00002-of-00002.safetensors"), second, nil)
	want := inspect(t, plain)

	// Relative paths too, as typed at a shell.
	t.Chdir(c.hub)
	relSnapshot, err := filepath.Rel(c.hub, c.snapshot())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{c.snapshot(), c.repo, relSnapshot, filepath.Base(c.repo)} {
		s := inspect(t, p)
		if s.ArchitectureDigest != want.ArchitectureDigest || s.Parameters != want.Parameters || !slices.Equal(s.Files, want.Files) {
			t.Errorf("%s: %+v, want %+v", p, s, want)
		}
		if s.Architecture != "llama" || len(s.BaseModels) != 1 || s.BaseModels[0].Name != "example-org/base" {
			t.Errorf("%s: hints %q %+v", p, s.Architecture, s.BaseModels)
		}
	}
}

// TestInspectHFCacheGGUF: a split GGUF model in the cache.
func TestInspectHFCacheGGUF(t *testing.T) {
	c := newHFCache(t, "example-org/tiny-GGUF")
	for i, n := range []uint64{8, 4} {
		data, err := gguftest.Encode([]gguftest.KV{
			{Key: "general.architecture", Value: "llama"},
			{Key: "split.no", Value: uint16(i)},
			{Key: "split.count", Value: uint16(2)},
			{Key: "split.tensors.count", Value: int32(2)},
		}, []gguftest.Tensor{{Name: fmt.Sprintf("t%d", i), Type: gguftest.TypeF32, Dims: []uint64{n}}})
		if err != nil {
			t.Fatal(err)
		}
		c.add(fmt.Sprintf("Q8_0/tiny-Q8_0-%05d-of-00002.gguf", i+1), data, true)
	}
	s := inspect(t, filepath.Join(c.snapshot(), "Q8_0"))
	if s.Format != GGUF || s.Parameters != 12 || !slices.Equal(s.Files, []string{"tiny-Q8_0-00001-of-00002.gguf", "tiny-Q8_0-00002-of-00002.gguf"}) {
		t.Fatalf("summary %+v", s)
	}
}

// TestInspectLinksPolicy: only links that resolve inside the same cache
// repository folder are followed; elsewhere, links are not followed and the
// error names them.
func TestInspectLinksPolicy(t *testing.T) {
	weights := encodeST(t, model[:1], nil)

	// A snapshot whose link leaves the repository folder, into another
	// repository's blobs.
	c := newHFCache(t, "example-org/a")
	other := filepath.Join(c.hub, "models--example-org--b", "blobs")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "deadbeef"), weights, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../models--example-org--b/blobs/deadbeef", filepath.Join(c.snapshot(), "model.safetensors")); err != nil {
		t.Fatal(err)
	}
	// A plain directory linking to a file beside it.
	plain := t.TempDir()
	if err := os.WriteFile(filepath.Join(plain, "weights.bin"), weights, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("weights.bin", filepath.Join(plain, "model.safetensors")); err != nil {
		t.Fatal(err)
	}
	// A snapshot link to a folder of the repository, and a dangling one.
	d := newHFCache(t, "example-org/d")
	if err := os.Symlink("../../blobs", filepath.Join(d.snapshot(), "model.safetensors")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../blobs/missing", filepath.Join(d.snapshot(), "x.gguf")); err != nil {
		t.Fatal(err)
	}

	for _, dir := range []string{c.snapshot(), plain, d.snapshot()} {
		_, err := Inspect(dir)
		if !errors.Is(err, ErrNoModel) || !strings.Contains(err.Error(), "symbolic links (") || !strings.Contains(err.Error(), "model.safetensors") {
			t.Errorf("%s: err = %v, want %v naming the link", dir, err, ErrNoModel)
		}
	}
	// Named directly, a link is still followed, as before.
	if s := inspect(t, filepath.Join(plain, "model.safetensors")); s.TensorCount != 1 {
		t.Errorf("file through a link: %+v", s)
	}
}

// TestInspectHFCacheRepoFolder: refs/main chooses the snapshot; without it,
// a lone snapshot is used and several are ambiguous.
func TestInspectHFCacheRepoFolder(t *testing.T) {
	c := newHFCache(t, "example-org/r")
	c.add("model.safetensors", encodeST(t, model[:2], nil), true)
	old := filepath.Join(c.repo, "snapshots", "ffffffffffffffffffffffffffffffffffffffff")
	if err := os.MkdirAll(old, 0o755); err != nil {
		t.Fatal(err)
	}
	if s := inspect(t, c.repo); s.TensorCount != 2 {
		t.Fatalf("summary %+v", s)
	}
	if err := os.Remove(filepath.Join(c.repo, "refs", "main")); err != nil {
		t.Fatal(err)
	}
	if _, err := Inspect(c.repo); !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("two snapshots, no refs/main: err = %v", err)
	}
	if err := os.Remove(old); err != nil {
		t.Fatal(err)
	}
	if s := inspect(t, c.repo); s.TensorCount != 2 {
		t.Fatalf("one snapshot: %+v", s)
	}
	if err := os.WriteFile(filepath.Join(c.repo, "refs", "main"), []byte("../../etc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Inspect(c.repo); err == nil || !strings.Contains(err.Error(), "not a commit") {
		t.Fatalf("bad refs/main: err = %v", err)
	}
}

// TestInspectShardThroughLink: a shard that an index names is held to the
// link rule too; outside a cache snapshot, a shard that is a link makes the
// inspection an error instead of reading through it.
func TestInspectShardThroughLink(t *testing.T) {
	weights := encodeST(t, model[:1], nil)
	outside := filepath.Join(t.TempDir(), "elsewhere.safetensors")
	if err := os.WriteFile(outside, weights, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	index := `{"metadata": {}, "weight_map": {"` + model[0].Name + `": "model-00001-of-00001.safetensors"}}`
	if err := os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	shard := filepath.Join(dir, "model-00001-of-00001.safetensors")
	if err := os.WriteFile(shard, weights, 0o644); err != nil {
		t.Fatal(err)
	}
	if s := inspect(t, dir); s.TensorCount != 1 {
		t.Fatalf("plain shard: %+v", s)
	}
	if err := os.Remove(shard); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, shard); err != nil {
		t.Skip(err)
	}
	if _, err := Inspect(dir); !errors.Is(err, ErrNoModel) || !strings.Contains(err.Error(), "model-00001-of-00001.safetensors is a symbolic link") {
		t.Fatalf("shard through a link: err = %v", err)
	}
}
