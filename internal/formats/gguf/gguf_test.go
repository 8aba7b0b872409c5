package gguf

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prova-network/prova/internal/formats/gguf/gguftest"
	"github.com/prova-network/prova/internal/formats/lfs"
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

// kvStringArray is a metadata entry holding an array of strings, given as
// raw bytes after the array header so tests can lie about lengths.
func kvStringArray(key string, n uint64, items []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(key)))
	b = append(b, key...)
	b = binary.LittleEndian.AppendUint32(b, 9) // array
	b = binary.LittleEndian.AppendUint32(b, 8) // of strings
	b = binary.LittleEndian.AppendUint64(b, n)
	return append(b, items...)
}

// hugeStringInArray is the input the fuzzer found: a string array whose first
// string claims 0x3030303030303030 bytes ("00000000"). The parser skips string
// arrays by seeking, and the seek fails with the operating system's
// "seek <path>: invalid argument", which once reached the caller raw.
func hugeStringInArray() []byte {
	return cat(header(3, 0, 1), kvStringArray("tokenizer.ggml.tokens", 2, []byte("00000000")), make([]byte, 64))
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

// TestNoTensorsNoPadding reads a file with metadata only that ends right
// after it, without padding to the alignment: there is no tensor data to
// align. llama.cpp writes its vocabulary-only files (models/ggml-vocab-*.gguf)
// so, and its loader and gguf-py read them.
func TestNoTensorsNoPadding(t *testing.T) {
	data := cat(header(3, 0, 1), kvString("general.architecture", "gpt2"))
	if len(data)%32 == 0 {
		t.Fatal("the file must end off the alignment")
	}
	f, err := ReadFile(writeTemp(t, data))
	if err != nil {
		t.Fatal(err)
	}
	if f.Architecture != "gpt2" || len(f.Tensors) != 0 || f.Parameters != 0 {
		t.Fatalf("%+v", f)
	}
	// With a tensor, the data it needs must be there.
	data = cat(header(3, 1, 1), kvString("general.architecture", "gpt2"), tensorInfo("w", []uint64{1}, 0, 0))
	if _, err := ReadFile(writeTemp(t, data)); !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want %v", err, ErrTruncated)
	}
}

// TestRealVocabFiles reads llama.cpp's vocabulary-only GGUF files from the
// workspace's shared real data (skipped when absent). The architectures and
// key counts are gguf-py's (the reference reader), as listed in the data's
// README.md.
func TestRealVocabFiles(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "realdata", "gguf")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no real data: %v", err)
	}
	for _, tt := range []struct {
		file, arch string
		keys       int
	}{
		{"ggml-vocab-baichuan.gguf", "baichuan", 18},
		{"ggml-vocab-bert-bge.gguf", "bert", 20},
		{"ggml-vocab-gpt-2.gguf", "gpt2", 16},
		{"ggml-vocab-llama-spm.gguf", "llama", 22},
		{"ggml-vocab-phi-3.gguf", "phi3", 26},
		{"ggml-vocab-starcoder.gguf", "starcoder2", 19},
	} {
		t.Run(tt.file, func(t *testing.T) {
			f, err := ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if f.Version != 3 || f.Architecture != tt.arch || len(f.Metadata) != tt.keys || len(f.Tensors) != 0 {
				t.Fatalf("version %d, architecture %q, %d keys, %d tensors; want 3, %q, %d, 0",
					f.Version, f.Architecture, len(f.Metadata), len(f.Tensors), tt.arch, tt.keys)
			}
		})
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
		{"string in array longer than any file", hugeStringInArray(), ErrCorrupt},
		{"string in array past the end", cat(header(3, 0, 2), kvStringArray("a", 1, binary.LittleEndian.AppendUint64(nil, 1<<20)), kvStringArray("b", 1, nil), make([]byte, 64)), ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.data)
			_, err := ReadFile(path)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %T is not *Error", err)
			}
			// A corrupt file is described by its contents; the path is
			// the caller's to print.
			if strings.Contains(err.Error(), filepath.Dir(path)) {
				t.Fatalf("err %q names the file's directory", err)
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

// FuzzRead runs the adapter on arbitrary bytes. It must never panic; every
// error must be an *Error of one of the package's sentinels that does not
// name the file's directory; and every success must be self-consistent
// (see checkConsistent) and reproducible: a second read gives the same File.
// The seeds include hugeStringInArray, an input the fuzzer found.
func FuzzRead(f *testing.F) {
	f.Add(handBuilt())
	f.Add(gguftest.Tiny())
	small, _ := gguftest.Encode([]gguftest.KV{{Key: "general.alignment", Value: uint32(64)}, {Key: "general.file_type", Value: uint32(1)}},
		[]gguftest.Tensor{{Name: "a", Type: gguftest.TypeF16, Dims: []uint64{3, 2}}, {Name: "b", Type: gguftest.TypeI8, Dims: []uint64{5}}})
	f.Add(small)
	f.Add(header(3, 0, 0))
	f.Add(header(2, 1, 1))
	f.Add([]byte("GGUF"))
	f.Add(hugeStringInArray())
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
		if errors.Is(err, lfs.ErrPointer) {
			return // text a clone without git-lfs leaves; see TestLFSPointer
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *Error", err, err)
			}
			if !slices.ContainsFunc([]error{ErrNotGGUF, ErrUnsupportedVersion, ErrTruncated, ErrCorrupt, ErrSplitName}, func(s error) bool { return errors.Is(err, s) }) {
				t.Fatalf("error %v is none of the sentinels", err)
			}
			if strings.Contains(err.Error(), dir) {
				t.Fatalf("error %q names the file's directory", err)
			}
			return
		}
		checkConsistent(t, data, gf)
		again, err := ReadFile(path)
		if err != nil {
			t.Fatalf("second read failed: %v", err)
		}
		if !reflect.DeepEqual(gf, again) {
			t.Fatalf("second read differs:\n%+v\n%+v", gf, again)
		}
	})
}

// checkConsistent checks a parsed File against the raw bytes it came from
// and against itself.
func checkConsistent(t *testing.T, data []byte, gf *File) {
	t.Helper()
	// The header counts, read here independently of the parser: v1 has u32
	// counts, v2 and v3 u64.
	version := binary.LittleEndian.Uint32(data[4:8])
	var tensors, kvs uint64
	if version == 1 {
		tensors, kvs = uint64(binary.LittleEndian.Uint32(data[8:12])), uint64(binary.LittleEndian.Uint32(data[12:16]))
	} else {
		tensors, kvs = binary.LittleEndian.Uint64(data[8:16]), binary.LittleEndian.Uint64(data[16:24])
	}
	if gf.Version != version {
		t.Fatalf("version %d, header says %d", gf.Version, version)
	}
	if uint64(len(gf.Tensors)) != tensors {
		t.Fatalf("%d tensors, header says %d", len(gf.Tensors), tensors)
	}
	// Keys may repeat (the map keeps one) and split.no is dropped.
	if uint64(len(gf.Metadata)) > kvs {
		t.Fatalf("%d metadata keys, header says %d", len(gf.Metadata), kvs)
	}
	var params uint64
	for i, ti := range gf.Tensors {
		if i > 0 && gf.Tensors[i-1].Name >= ti.Name {
			t.Fatalf("tensors not sorted and unique: %q before %q", gf.Tensors[i-1].Name, ti.Name)
		}
		if len(ti.Shape) == 0 || len(ti.Shape) > 4 {
			t.Fatalf("tensor %q has %d dimensions", ti.Name, len(ti.Shape))
		}
		n := uint64(1)
		for _, d := range ti.Shape {
			hi, lo := bits.Mul64(n, d)
			if hi != 0 {
				t.Fatalf("tensor %q: element count overflows", ti.Name)
			}
			n = lo
		}
		if params+n < params {
			t.Fatal("parameter count overflows")
		}
		params += n
	}
	if gf.Parameters != params {
		t.Fatalf("parameters %d, tensors hold %d", gf.Parameters, params)
	}
	for k, v := range gf.Metadata {
		if len(v) > MaxMetadataValue+len("…") {
			t.Fatalf("metadata %q: %d bytes", k, len(v))
		}
	}
	for _, ls := range [][]Lineage{gf.BaseModels, gf.Datasets} {
		for i := 1; i < len(ls); i++ {
			if ls[i-1].Index >= ls[i].Index {
				t.Fatalf("lineage indexes not sorted and unique: %+v", ls)
			}
		}
	}
}

// TestLFSPointer: a clone without git-lfs leaves a text pointer in place of
// the model; the error says so and how to fetch it, for a single file and
// for one split of a split model.
func TestLFSPointer(t *testing.T) {
	ptr := []byte("version https://git-lfs.github.com/spec/v1\n" +
		"oid sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n" +
		"size 4920733984\n")
	_, err := ReadFile(writeTemp(t, ptr))
	const want = "this is a Git LFS pointer (oid sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824, size 4920733984): fetch the file with git lfs pull"
	if !errors.Is(err, lfs.ErrPointer) || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}

	dir := writeSplits(t, threeSplits())
	if err := os.WriteFile(filepath.Join(dir, "m-00003-of-00003.gguf"), ptr, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFile(filepath.Join(dir, "m-00001-of-00003.gguf"))
	if !errors.Is(err, lfs.ErrPointer) || !strings.HasPrefix(err.Error(), "split m-00003-of-00003.gguf: this is a Git LFS pointer") {
		t.Fatalf("split: err = %v", err)
	}
}
