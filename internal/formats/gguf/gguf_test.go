package gguf

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prova-network/prova/internal/formats/gguf/gguftest"
)

func writeTemp(t testing.TB, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "model.gguf")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadTiny(t *testing.T) {
	f, err := ReadFile(writeTemp(t, gguftest.Tiny()))
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 3 || f.Architecture != "llama" || f.Name != "Tiny Test" || f.FileType != "Q8_0" || f.QuantizationVersion != 2 {
		t.Errorf("header fields: %+v", f)
	}
	// 32×4 + 32×32 + 32 elements.
	if f.Parameters != 1184 {
		t.Errorf("parameters %d, want 1184", f.Parameters)
	}
	want := []Tensor{
		{"blk.0.attn_q.weight", "Q8_0", []uint64{32, 32}},
		{"output_norm.weight", "F32", []uint64{32}},
		{"token_embd.weight", "Q8_0", []uint64{32, 4}},
	}
	if len(f.Tensors) != len(want) {
		t.Fatalf("tensors %+v", f.Tensors)
	}
	for i, w := range want {
		g := f.Tensors[i]
		if g.Name != w.Name || g.Type != w.Type || !slices.Equal(g.Shape, w.Shape) {
			t.Errorf("tensor %d = %+v, want %+v", i, g, w)
		}
	}
	if len(f.BaseModels) != 1 || f.BaseModels[0] != (Lineage{Name: "Tiny Base", Organization: "Example Org", RepoURL: "https://huggingface.co/example/tiny-base"}) {
		t.Errorf("base models %+v", f.BaseModels)
	}
	if len(f.Datasets) != 1 || f.Datasets[0] != (Lineage{Name: "Tiny Corpus", Version: "v1", URL: "https://example.org/tiny-corpus"}) {
		t.Errorf("datasets %+v", f.Datasets)
	}
	for k, v := range map[string]string{
		"general.license":          "apache-2.0",
		"general.file_type":        "7",
		"llama.context_length":     "128",
		"general.base_model.count": "1",
		"tokenizer.ggml.tokens":    "[3 x string]",
	} {
		if f.Metadata[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, f.Metadata[k], v)
		}
	}
}

func TestLineageOrderAndGaps(t *testing.T) {
	data, err := gguftest.Encode([]gguftest.KV{
		{Key: "general.architecture", Value: "qwen2"},
		{Key: "general.base_model.count", Value: uint32(3)},
		{Key: "general.base_model.2.name", Value: "C"},
		{Key: "general.base_model.0.name", Value: "A"},
		{Key: "general.base_model.0.doi", Value: "10.1/x"},
		{Key: "general.base_model.1.uuid", Value: uint32(5)}, // wrong type: ignored
		{Key: "general.base_model.01.name", Value: "not canonical"},
		{Key: "general.dataset.count", Value: uint32(0)},
	}, []gguftest.Tensor{{Name: "blk.0.w.weight", Type: gguftest.TypeF16, Dims: []uint64{4}}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(writeTemp(t, data))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.BaseModels) != 2 || f.BaseModels[0].Name != "A" || f.BaseModels[0].DOI != "10.1/x" || f.BaseModels[1].Index != 2 || f.BaseModels[1].Name != "C" {
		t.Errorf("base models %+v", f.BaseModels)
	}
	if len(f.Datasets) != 0 {
		t.Errorf("datasets %+v", f.Datasets)
	}
	if f.FileType != "F16" || f.Architecture != "qwen2" {
		t.Errorf("file type %q arch %q", f.FileType, f.Architecture)
	}
}

func TestNoArchitecture(t *testing.T) {
	data, _ := gguftest.Encode(nil, []gguftest.Tensor{{Name: "w", Type: gguftest.TypeF32, Dims: []uint64{2, 2}}})
	f, err := ReadFile(writeTemp(t, data))
	if err != nil {
		t.Fatal(err)
	}
	if f.Architecture != "" || f.Parameters != 4 {
		t.Errorf("%+v", f)
	}
}

// header builds the fixed start of a v3 file with the given counts.
func header(version uint32, tensors, kvs uint64) []byte {
	b := []byte("GGUF")
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint64(b, tensors)
	return binary.LittleEndian.AppendUint64(b, kvs)
}

func kvString(key, val string) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(key)))
	b = append(b, key...)
	b = binary.LittleEndian.AppendUint32(b, 8)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(val)))
	return append(b, val...)
}

func kvU32(key string, v uint32) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(key)))
	b = append(b, key...)
	b = binary.LittleEndian.AppendUint32(b, 4)
	return binary.LittleEndian.AppendUint32(b, v)
}

func tensorInfo(name string, dims []uint64, typ uint32, offset uint64) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(name)))
	b = append(b, name...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(dims)))
	for _, d := range dims {
		b = binary.LittleEndian.AppendUint64(b, d)
	}
	b = binary.LittleEndian.AppendUint32(b, typ)
	return binary.LittleEndian.AppendUint64(b, offset)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// handBuilt is a minimal valid GGUF v3 file assembled byte by byte in the
// test, independently of gguftest: one metadata string, one u32, one F32
// tensor of 4 elements at data offset 0, padded to the default alignment 32.
func handBuilt() []byte {
	b := cat(
		header(3, 1, 2),
		kvString("general.architecture", "llama"),
		kvU32("general.file_type", 0), // MOSTLY_F32
		tensorInfo("output.weight", []uint64{4}, 0, 0),
	)
	b = append(b, make([]byte, (32-len(b)%32)%32)...)
	for _, f := range []uint32{0x3f800000, 0x40000000, 0x40400000, 0x40800000} { // 1, 2, 3, 4
		b = binary.LittleEndian.AppendUint32(b, f)
	}
	return b
}

func TestReadHandBuilt(t *testing.T) {
	f, err := ReadFile(writeTemp(t, handBuilt()))
	if err != nil {
		t.Fatal(err)
	}
	if f.Architecture != "llama" || f.FileType != "F32" || f.Parameters != 4 || len(f.Tensors) != 1 ||
		f.Tensors[0].Type != "F32" || !slices.Equal(f.Tensors[0].Shape, []uint64{4}) {
		t.Fatalf("%+v", f)
	}
}

func TestReadCorrupt(t *testing.T) {
	tiny := gguftest.Tiny()
	pad := func(b []byte, n int) []byte { return append(b, make([]byte, n)...) }
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrNotGGUF},
		{"short", []byte("GG"), ErrNotGGUF},
		{"safetensors", []byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '}, ErrNotGGUF},
		{"magic only", []byte("GGUF"), ErrTruncated},
		{"version 0", header(0, 0, 0), ErrUnsupportedVersion},
		{"version 4", header(4, 0, 0), ErrUnsupportedVersion},
		{"big-endian version", cat([]byte("GGUF"), []byte{0, 0, 0, 3}, make([]byte, 16)), ErrUnsupportedVersion},
		{"counts missing", tiny[:12], ErrTruncated},
		{"tensor count larger than file", header(3, 1<<40, 0), ErrCorrupt},
		{"kv count larger than file", header(3, 0, 1<<62), ErrCorrupt},
		{"string longer than file", cat(header(3, 0, 1), kvString("general.name", "x")[:24], binary.LittleEndian.AppendUint64(nil, 1<<60)), ErrCorrupt},
		{"array longer than file", cat(header(3, 0, 1), kvString("general.tags", "")[:24-4], binary.LittleEndian.AppendUint32(nil, 9), binary.LittleEndian.AppendUint32(nil, 8), binary.LittleEndian.AppendUint64(nil, 1<<50)), ErrCorrupt},
		{"unknown value type", cat(header(3, 0, 1), binary.LittleEndian.AppendUint64(nil, 1), []byte("k"), binary.LittleEndian.AppendUint32(nil, 99), make([]byte, 16)), ErrCorrupt},
		{"file type of wrong type", pad(cat(header(3, 0, 1), kvString("general.file_type", "Q4")), 32), ErrCorrupt},
		{"alignment zero", pad(cat(header(3, 0, 1), kvU32("general.alignment", 0)), 32), ErrCorrupt},
		{"alignment of wrong type", pad(cat(header(3, 0, 1), kvString("general.alignment", "x")), 32), ErrCorrupt},
		{"five dimensions", pad(cat(header(3, 1, 0), tensorInfo("w", []uint64{1, 1, 1, 1, 1}, 0, 0)), 64), ErrCorrupt},
		{"zero dimensions", pad(cat(header(3, 1, 0), tensorInfo("w", nil, 0, 0)), 64), ErrCorrupt},
		{"unknown tensor type", pad(cat(header(3, 1, 0), tensorInfo("w", []uint64{4}, 999, 0)), 64), ErrCorrupt},
		{"tensor data missing", cat(header(3, 1, 0), tensorInfo("w", []uint64{1024}, 0, 0)), ErrTruncated},
		{"element count overflow", pad(cat(header(3, 1, 0), tensorInfo("w", []uint64{1 << 32, 1 << 32, 1 << 32}, 0, 0)), 64), ErrCorrupt},
		{"duplicate tensor", pad(cat(header(3, 2, 0), tensorInfo("w", []uint64{4}, 0, 0), tensorInfo("w", []uint64{4}, 0, 32)), 96), ErrCorrupt},
		{"tensor offset past data", pad(cat(header(3, 1, 0), tensorInfo("w", []uint64{4}, 0, 4096)), 64), ErrTruncated},
		{"tiny cut short", tiny[:len(tiny)-40], ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFile(writeTemp(t, tt.data))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %T is not *Error", err)
			}
		})
	}
}

// TestEveryPrefixFails cuts the tiny file at every length: each prefix must
// give an error (never a panic, never a success).
func TestEveryPrefixFails(t *testing.T) {
	tiny := gguftest.Tiny()
	dir := t.TempDir()
	path := filepath.Join(dir, "cut.gguf")
	for n := range len(tiny) {
		if err := os.WriteFile(path, tiny[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadFile(path); err == nil {
			t.Fatalf("prefix of %d bytes parsed", n)
		}
	}
}

func TestMissingFile(t *testing.T) {
	if _, err := ReadFile(filepath.Join(t.TempDir(), "none.gguf")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

func TestSplitMissingShard(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m-00001-of-00002.gguf")
	if err := os.WriteFile(path, gguftest.Tiny(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want a missing second split", err)
	}
}

// FuzzRead runs the adapter on arbitrary bytes. It must never panic, and
// every error must be one of ours.
func FuzzRead(f *testing.F) {
	f.Add(handBuilt())
	f.Add(gguftest.Tiny())
	small, _ := gguftest.Encode([]gguftest.KV{{Key: "general.alignment", Value: uint32(64)}, {Key: "general.file_type", Value: uint32(1)}},
		[]gguftest.Tensor{{Name: "a", Type: gguftest.TypeF16, Dims: []uint64{3, 2}}, {Name: "b", Type: gguftest.TypeI8, Dims: []uint64{5}}})
	f.Add(small)
	f.Add(header(3, 0, 0))
	f.Add(header(2, 1, 1))
	f.Add([]byte("GGUF"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.gguf")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		gf, err := ReadFile(path)
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("took %v on %d bytes", d, len(data))
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *Error", err, err)
			}
			return
		}
		for i := 1; i < len(gf.Tensors); i++ {
			if gf.Tensors[i-1].Name > gf.Tensors[i].Name {
				t.Fatal("tensors not sorted")
			}
		}
	})
}
