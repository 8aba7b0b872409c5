package formats

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/formats/lfs"
	"github.com/prova-network/prova/internal/formats/safetensors"
)

const lfsPointer = "version https://git-lfs.github.com/spec/v1\n" +
	"oid sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n" +
	"size 4943163488\n"

// TestInspectLFSPointer: a Git LFS pointer left by a clone without git-lfs
// is reported as one, with its oid and size and how to fetch the file,
// whatever the file is named and however it is reached.
func TestInspectLFSPointer(t *testing.T) {
	write := func(dir, name, data string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	single := t.TempDir()
	write(single, "model.safetensors", lfsPointer)
	ggufDir := t.TempDir()
	write(ggufDir, "model-Q4_K_M.gguf", lfsPointer)
	sharded := t.TempDir()
	writeST(t, filepath.Join(sharded, "model-00001-of-00002.safetensors"), model[:3], nil)
	write(sharded, "model-00002-of-00002.safetensors", lfsPointer)
	index := `{"weight_map":{`
	for i, tn := range model {
		if i > 0 {
			index += ","
		}
		shard := "model-00001-of-00002.safetensors"
		if i >= 3 {
			shard = "model-00002-of-00002.safetensors"
		}
		index += `"` + tn.Name + `":"` + shard + `"`
	}
	write(sharded, safetensors.IndexFileName, index+"}}")
	lfsIndex := t.TempDir()
	write(lfsIndex, safetensors.IndexFileName, lfsPointer)

	for _, tt := range []struct {
		name, path, prefix string
	}{
		{"safetensors file", filepath.Join(single, "model.safetensors"), "model.safetensors: "},
		{"gguf file", filepath.Join(ggufDir, "model-Q4_K_M.gguf"), "model-Q4_K_M.gguf: "},
		{"any name", write(t.TempDir(), "pytorch_model.bin", lfsPointer), "pytorch_model.bin: "},
		{"directory with a safetensors pointer", single, "model.safetensors: "},
		{"directory with a gguf pointer", ggufDir, "model-Q4_K_M.gguf: "},
		{"a shard", sharded, "shard model-00002-of-00002.safetensors: "},
		{"the index", lfsIndex, safetensors.IndexFileName + ": "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Inspect(tt.path)
			if !errors.Is(err, lfs.ErrPointer) {
				t.Fatalf("err = %v, want %v", err, lfs.ErrPointer)
			}
			want := tt.prefix + "this is a Git LFS pointer (oid sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824, size 4943163488): fetch the file with git lfs pull"
			if err.Error() != want {
				t.Errorf("message\n%q\nwant\n%q", err, want)
			}
		})
	}
}

// TestInspectSniffWhitespace: a safetensors file without the extension whose
// header starts with whitespace (the reference reader accepts it) is still
// recognized, with the newer dtypes.
func TestInspectSniffWhitespace(t *testing.T) {
	header := `  {"a":{"dtype":"F8_E5M2FNUZ","shape":[2,2],"data_offsets":[0,4]},"b":{"dtype":"F4","shape":[4],"data_offsets":[4,6]}}`
	file := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	file = append(file, header...)
	file = append(file, make([]byte, 6)...)
	path := filepath.Join(t.TempDir(), "weights")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	s := inspect(t, path)
	if s.Format != Safetensors || s.Parameters != 8 || len(s.DTypes) != 2 || s.DTypes[1].DType != "F8_E5M2FNUZ" {
		t.Fatalf("summary %+v", s)
	}
	if !strings.HasPrefix(s.Tensors[0].Name, "a") {
		t.Errorf("tensors %+v", s.Tensors)
	}
}
