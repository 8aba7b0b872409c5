package safetensors

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/prova-network/prova/internal/formats/safetensors/safetensorstest"
)

func writeShards(t *testing.T, dir string, weightMap map[string]string, shards map[string][]safetensorstest.Tensor) string {
	t.Helper()
	for file, tensors := range shards {
		if err := safetensorstest.Write(filepath.Join(dir, file), tensors, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
	}
	index := filepath.Join(dir, IndexFileName)
	if err := safetensorstest.WriteIndex(index, weightMap, 0); err != nil {
		t.Fatal(err)
	}
	return index
}

var (
	shard1 = []safetensorstest.Tensor{{Name: "a", DType: "F16", Shape: []uint64{2}}, {Name: "b", DType: "F16", Shape: []uint64{3}}}
	shard2 = []safetensorstest.Tensor{{Name: "c", DType: "BF16", Shape: []uint64{4, 4}}}
)

func TestReadSharded(t *testing.T) {
	dir := t.TempDir()
	index := writeShards(t, dir,
		map[string]string{"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors"},
		map[string][]safetensorstest.Tensor{"model-00001-of-00002.safetensors": shard1, "model-00002-of-00002.safetensors": shard2})
	s, err := ReadSharded(index)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Shards) != 2 || s.Shards[0].File != "model-00001-of-00002.safetensors" {
		t.Fatalf("shards %+v", s.Shards)
	}
	var names []string
	for _, tn := range s.Tensors() {
		names = append(names, tn.Name)
	}
	if !slices.Equal(names, []string{"a", "b", "c"}) {
		t.Fatalf("tensors %q", names)
	}
	if total, ok := s.Index.Metadata["total_size"].(float64); !ok || total != 0 {
		t.Errorf("metadata %v", s.Index.Metadata)
	}
}

func TestReadShardedMismatch(t *testing.T) {
	both := map[string][]safetensorstest.Tensor{"s1.safetensors": shard1, "s2.safetensors": shard2}
	tests := []struct {
		name      string
		weightMap map[string]string
		want      error
	}{
		{"tensor missing from its shard", map[string]string{"a": "s1.safetensors", "b": "s1.safetensors", "c": "s2.safetensors", "d": "s2.safetensors"}, ErrInvalidIndex},
		{"tensor in the wrong shard", map[string]string{"a": "s1.safetensors", "b": "s2.safetensors", "c": "s2.safetensors"}, ErrInvalidIndex},
		{"tensor not in the map", map[string]string{"a": "s1.safetensors", "c": "s2.safetensors", "b0": "s1.safetensors"}, ErrInvalidIndex},
		{"path traversal", map[string]string{"a": "../s1.safetensors"}, ErrInvalidIndex},
		{"subdirectory", map[string]string{"a": "sub/s1.safetensors"}, ErrInvalidIndex},
		{"empty map", map[string]string{}, ErrInvalidIndex},
		{"missing shard file", map[string]string{"a": "s1.safetensors", "b": "s1.safetensors", "c": "s3.safetensors"}, os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			index := writeShards(t, t.TempDir(), tt.weightMap, both)
			if _, err := ReadSharded(index); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseIndex(t *testing.T) {
	for name, bad := range map[string]string{
		"not json":      `{`,
		"no weight map": `{"metadata":{}}`,
		"wrong type":    `{"weight_map":{"a":1}}`,
		"trailing":      `{"weight_map":{"a":"x"}} {}`,
		"empty name":    `{"weight_map":{"a":""}}`,
		"dot dot":       `{"weight_map":{"a":".."}}`,
		"backslash":     `{"weight_map":{"a":"..\\x"}}`,
	} {
		if _, err := ParseIndex([]byte(bad)); !errors.Is(err, ErrInvalidIndex) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	ix, err := ParseIndex([]byte(`{"metadata":{"total_size":10},"weight_map":{"b":"y","a":"x","c":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.Files(); !slices.Equal(got, []string{"x", "y"}) {
		t.Fatalf("Files = %q", got)
	}
}
