package formats

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/formats/gguf"
	"github.com/prova-network/prova/internal/formats/gguf/gguftest"
	"github.com/prova-network/prova/internal/formats/safetensors"
	"github.com/prova-network/prova/internal/formats/safetensors/safetensorstest"
)

// model is a small transformer-like tensor list.
var model = []safetensorstest.Tensor{
	{Name: "model.embed_tokens.weight", DType: "BF16", Shape: []uint64{16, 8}},
	{Name: "model.layers.0.self_attn.q_proj.weight", DType: "BF16", Shape: []uint64{8, 8}},
	{Name: "model.layers.0.self_attn.k_proj.weight", DType: "BF16", Shape: []uint64{4, 8}},
	{Name: "model.layers.0.input_layernorm.weight", DType: "F32", Shape: []uint64{8}},
	{Name: "model.layers.1.self_attn.q_proj.weight", DType: "BF16", Shape: []uint64{8, 8}},
	{Name: "model.norm.weight", DType: "F32", Shape: []uint64{8}},
	{Name: "lm_head.weight", DType: "BF16", Shape: []uint64{16, 8}},
}

func writeST(t *testing.T, path string, tensors []safetensorstest.Tensor, meta map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := safetensorstest.Write(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
}

func inspect(t *testing.T, path string) *Summary {
	t.Helper()
	s, err := Inspect(path)
	if err != nil {
		t.Fatalf("Inspect(%s): %v", path, err)
	}
	return s
}

func TestInspectSafetensorsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	writeST(t, path, model, map[string]string{"format": "pt"})
	s := inspect(t, path)
	if s.Format != Safetensors || !slices.Equal(s.Files, []string{"model.safetensors"}) || s.TensorCount != 7 {
		t.Fatalf("summary %+v", s)
	}
	// 128+64+32+8+64+8+128
	if s.Parameters != 432 {
		t.Errorf("parameters %d, want 432", s.Parameters)
	}
	want := []DTypeCount{{"BF16", 5, 416}, {"F32", 2, 16}}
	if !slices.Equal(s.DTypes, want) {
		t.Errorf("dtypes %+v, want %+v", s.DTypes, want)
	}
	if s.Metadata["format"] != "pt" || s.Tensors[0].Name != "lm_head.weight" {
		t.Errorf("metadata %v, first tensor %q", s.Metadata, s.Tensors[0].Name)
	}
	if s.ArchitectureDigest != ArchitectureDigest(s.Tensors) || s.ArchitectureDigest.IsZero() {
		t.Errorf("architecture digest %v", s.ArchitectureDigest)
	}
	// Recognized by magic without the extension.
	bare := filepath.Join(t.TempDir(), "weights.bin")
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(bare, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if b := inspect(t, bare); b.ArchitectureDigest != s.ArchitectureDigest || b.Format != Safetensors {
		t.Errorf("sniffed file: %+v", b)
	}
}

// TestReshardedSameFingerprint splits the model over two shards with an
// index, in another tensor order and with other metadata: the architecture
// fingerprint must not change.
func TestReshardedSameFingerprint(t *testing.T) {
	single := filepath.Join(t.TempDir(), "model.safetensors")
	writeST(t, single, model, map[string]string{"format": "pt"})
	want := inspect(t, single)

	dir := t.TempDir()
	first := []safetensorstest.Tensor{model[6], model[0], model[3]}
	second := []safetensorstest.Tensor{model[5], model[4], model[2], model[1]}
	writeST(t, filepath.Join(dir, "model-00001-of-00002.safetensors"), first, map[string]string{"format": "pt", "note": "edited"})
	writeST(t, filepath.Join(dir, "model-00002-of-00002.safetensors"), second, nil)
	weightMap := map[string]string{}
	for _, tn := range first {
		weightMap[tn.Name] = "model-00001-of-00002.safetensors"
	}
	for _, tn := range second {
		weightMap[tn.Name] = "model-00002-of-00002.safetensors"
	}
	if err := safetensorstest.WriteIndex(filepath.Join(dir, safetensors.IndexFileName), weightMap, 864); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dir, filepath.Join(dir, safetensors.IndexFileName)} {
		got := inspect(t, path)
		if got.ArchitectureDigest != want.ArchitectureDigest {
			t.Errorf("%s: resharded fingerprint %s, single file %s", path, got.ArchitectureDigest, want.ArchitectureDigest)
		}
		if got.Parameters != want.Parameters || !slices.Equal(got.DTypes, want.DTypes) || got.TensorCount != want.TensorCount {
			t.Errorf("%s: counts differ: %+v", path, got)
		}
		if !slices.Equal(got.Files, []string{safetensors.IndexFileName, "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
			t.Errorf("files %q", got.Files)
		}
		if got.Metadata["note"] != "edited" {
			t.Errorf("metadata %v", got.Metadata)
		}
	}
}

func TestArchitectureDigestChanges(t *testing.T) {
	base := make([]Tensor, len(model))
	for i, m := range model {
		base[i] = Tensor{Name: m.Name, DType: m.DType, Shape: m.Shape}
	}
	ref := ArchitectureDigest(base)
	mutations := map[string]func(ts []Tensor) []Tensor{
		"rename":        func(ts []Tensor) []Tensor { ts[0].Name += "x"; return ts },
		"retype":        func(ts []Tensor) []Tensor { ts[0].DType = "F16"; return ts },
		"transpose":     func(ts []Tensor) []Tensor { ts[2].Shape = []uint64{8, 4}; return ts },
		"flatten":       func(ts []Tensor) []Tensor { ts[2].Shape = []uint64{32}; return ts },
		"drop a tensor": func(ts []Tensor) []Tensor { return ts[1:] },
		"add a tensor":  func(ts []Tensor) []Tensor { return append(ts, Tensor{Name: "extra", DType: "F32"}) },
		"move name bytes into dtype": func(ts []Tensor) []Tensor {
			ts[3].Name, ts[3].DType = ts[3].Name[:len(ts[3].Name)-1], ts[3].Name[len(ts[3].Name)-1:]+ts[3].DType
			return ts
		},
	}
	for name, mutate := range mutations {
		ts := make([]Tensor, len(base))
		for i := range base {
			ts[i] = Tensor{Name: base[i].Name, DType: base[i].DType, Shape: slices.Clone(base[i].Shape)}
		}
		if ArchitectureDigest(mutate(ts)) == ref {
			t.Errorf("%s: fingerprint unchanged", name)
		}
	}
	reversed := slices.Clone(base)
	slices.Reverse(reversed)
	if ArchitectureDigest(reversed) != ref {
		t.Error("tensor order changed the fingerprint")
	}
}

// TestArchitectureDigestKnownAnswer checks the canonical encoding against
// bytes built independently and hashed by b3sum:
//
//	python3 -c "import struct,sys
//	b=b'prova/architecture/v1\x00'+struct.pack('>Q',2)
//	for name,dt,shape in [(b'a',b'F16',[2,3]),(b'b.weight',b'Q4_K',[256])]:
//	  b+=struct.pack('>Q',len(name))+name+struct.pack('>Q',len(dt))+dt+struct.pack('>Q',len(shape))+b''.join(struct.pack('>Q',d) for d in shape)
//	sys.stdout.buffer.write(b)" | b3sum
func TestArchitectureDigestKnownAnswer(t *testing.T) {
	got := ArchitectureDigest([]Tensor{
		{Name: "b.weight", DType: "Q4_K", Shape: []uint64{256}},
		{Name: "a", DType: "F16", Shape: []uint64{2, 3}},
	})
	if want := "blake3:f44a1315e466b81fcaa50718eaca6ead0d4966c95fa0762a36a5531d3657e879"; got.String() != want {
		t.Fatalf("digest %s, want %s", got, want)
	}
}

func TestInspectDirectoryHints(t *testing.T) {
	dir := t.TempDir()
	writeST(t, filepath.Join(dir, "model.safetensors"), model, nil)
	files := map[string]string{
		"config.json":         `{"architectures":["LlamaForCausalLM"],"model_type":"llama"}`,
		"adapter_config.json": `{"base_model_name_or_path":"meta-llama/Llama-3.1-8B","r":8}`,
		"README.md":           "---\nlicense: apache-2.0\nbase_model: [\"org/base-a\", org/base-b]\ndatasets:\n  - org/data-1\n  - 'org/data-2'\n  - name: nested\ntags:\n  - not-a-dataset\n---\n# Model\ndatasets:\n  - ignored/after-front-matter\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := inspect(t, dir)
	if s.Architecture != "llama" {
		t.Errorf("architecture %q", s.Architecture)
	}
	var bases, datasets []string
	for _, r := range s.BaseModels {
		bases = append(bases, r.Source+":"+r.Name)
	}
	for _, r := range s.Datasets {
		datasets = append(datasets, r.Source+":"+r.Name)
	}
	if want := []string{"adapter_config.json:meta-llama/Llama-3.1-8B", "README.md:org/base-a", "README.md:org/base-b"}; !slices.Equal(bases, want) {
		t.Errorf("base models %q, want %q", bases, want)
	}
	if want := []string{"README.md:org/data-1", "README.md:org/data-2"}; !slices.Equal(datasets, want) {
		t.Errorf("datasets %q, want %q", datasets, want)
	}

	// Malformed hint files add nothing and are not errors.
	for name := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{not json\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if s := inspect(t, dir); s.Architecture != "" || len(s.BaseModels) != 0 || len(s.Datasets) != 0 {
		t.Errorf("hints from malformed files: %+v", s)
	}
}

func TestInspectGGUF(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny-Q8_0.gguf")
	if err := os.WriteFile(path, gguftest.Tiny(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, dir} {
		s := inspect(t, p)
		if s.Format != GGUF || s.Architecture != "llama" || s.FileType != "Q8_0" || s.Parameters != 1184 || s.TensorCount != 3 {
			t.Fatalf("%s: summary %+v", p, s)
		}
		if want := []DTypeCount{{"F32", 1, 32}, {"Q8_0", 2, 1152}}; !slices.Equal(s.DTypes, want) {
			t.Errorf("dtypes %+v", s.DTypes)
		}
		if len(s.BaseModels) != 1 || s.BaseModels[0].Name != "Tiny Base" || s.BaseModels[0].Source != "gguf" ||
			len(s.Datasets) != 1 || s.Datasets[0].URL != "https://example.org/tiny-corpus" {
			t.Errorf("lineage %+v %+v", s.BaseModels, s.Datasets)
		}
		if s.Metadata["general.name"] != "Tiny Test" {
			t.Errorf("metadata %v", s.Metadata)
		}
	}
}

func TestInspectSplitGGUF(t *testing.T) {
	dir := t.TempDir()
	kvs := func(no uint16) []gguftest.KV {
		return []gguftest.KV{
			{Key: "general.architecture", Value: "llama"},
			{Key: "split.no", Value: no},
			{Key: "split.count", Value: uint16(2)},
			{Key: "split.tensors.count", Value: int32(2)},
		}
	}
	if err := gguftest.Write(filepath.Join(dir, "m-00001-of-00002.gguf"), kvs(0), []gguftest.Tensor{{Name: "a.weight", Type: gguftest.TypeF16, Dims: []uint64{8, 2}}}); err != nil {
		t.Fatal(err)
	}
	if err := gguftest.Write(filepath.Join(dir, "m-00002-of-00002.gguf"), kvs(1), []gguftest.Tensor{{Name: "b.weight", Type: gguftest.TypeF16, Dims: []uint64{4}}}); err != nil {
		t.Fatal(err)
	}
	// The directory, or either split named alone, is the whole model; the
	// files reported are the files counted.
	both := []string{"m-00001-of-00002.gguf", "m-00002-of-00002.gguf"}
	for _, p := range []string{dir, filepath.Join(dir, both[0]), filepath.Join(dir, both[1])} {
		s := inspect(t, p)
		if s.TensorCount != 2 || s.Parameters != 20 || !slices.Equal(s.Files, both) {
			t.Fatalf("%s: split summary %+v", p, s)
		}
	}
	// A stray split of another model beside them is not counted.
	if err := os.WriteFile(filepath.Join(dir, "other-00002-of-00002.gguf"), gguftest.Tiny(), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := inspect(t, dir); !slices.Equal(s.Files, both) {
		t.Errorf("files %v, want %v", s.Files, both)
	}
	// Without its second split, the model is refused with the missing
	// file's name, rather than summarized from half its tensors.
	if err := os.Remove(filepath.Join(dir, both[1])); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, filepath.Join(dir, both[0])} {
		_, err := Inspect(p)
		if !errors.Is(err, gguf.ErrMissingSplit) || !strings.Contains(err.Error(), both[1]) {
			t.Errorf("%s: err = %v, want %v naming %s", p, err, gguf.ErrMissingSplit, both[1])
		}
	}
}

// TestJSONEmptyLists: a model without tensors (llama.cpp's vocabulary-only
// GGUF files) has "tensors": [] and "dtypes": [] in JSON, not null.
func TestJSONEmptyLists(t *testing.T) {
	data, err := gguftest.Encode([]gguftest.KV{{Key: "general.architecture", Value: "gpt2"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vocab.gguf")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(inspect(t, path))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"tensors":[]`, `"dtypes":[]`, `"files":["vocab.gguf"]`, `"tensor_count":0`} {
		if !strings.Contains(string(out), w) {
			t.Errorf("json %s lacks %s", out, w)
		}
	}
	if strings.Contains(string(out), "null") {
		t.Errorf("json %s has a null", out)
	}
}

func TestInspectErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("hello world"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Inspect(text); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("text file: %v", err)
	}
	if _, err := Inspect(dir); !errors.Is(err, ErrNoModel) {
		t.Errorf("no model: %v", err)
	}
	if _, err := Inspect(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}

	two := t.TempDir()
	writeST(t, filepath.Join(two, "a.safetensors"), model[:1], nil)
	writeST(t, filepath.Join(two, "b.safetensors"), model[1:2], nil)
	if _, err := Inspect(two); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("two files: %v", err)
	}
	ggufs := t.TempDir()
	for _, n := range []string{"a.gguf", "b.gguf"} {
		if err := os.WriteFile(filepath.Join(ggufs, n), gguftest.Tiny(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Inspect(ggufs); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("two gguf files: %v", err)
	}

	bad := t.TempDir()
	corrupt := safetensorstest.EncodeRaw([]byte(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`), make([]byte, 8))
	if err := os.WriteFile(filepath.Join(bad, "model.safetensors"), corrupt, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Inspect(bad); !errors.Is(err, safetensors.ErrGap) {
		t.Errorf("corrupt safetensors: %v", err)
	}
	badGGUF := filepath.Join(t.TempDir(), "x.gguf")
	if err := os.WriteFile(badGGUF, gguftest.Tiny()[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Inspect(badGGUF); !errors.Is(err, gguf.ErrCorrupt) { // counts that cannot fit the rest of the file
		t.Errorf("corrupt gguf: %v", err)
	}
}
