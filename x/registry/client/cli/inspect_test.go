package cli

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/prova-network/prova/internal/bom"
	"github.com/prova-network/prova/internal/formats/safetensors/safetensorstest"
	"github.com/prova-network/prova/x/registry/types"
)

// TestInspectSummaryKeepsEveryDType is the regression test for the
// architecture summary that stopped after seven parts, so a model with many
// element types lost the last ones without a word; and for the BOM reading
// the architecture name back from it.
func TestInspectSummaryKeepsEveryDType(t *testing.T) {
	dir := t.TempDir()
	dtypes := []string{"BF16", "BOOL", "F16", "F32", "F64", "I16", "I32", "I64", "I8", "U8"}
	var tensors []safetensorstest.Tensor
	for _, d := range dtypes {
		tensors = append(tensors, safetensorstest.Tensor{Name: "t." + d, DType: d, Shape: []uint64{2}})
	}
	if err := safetensorstest.Write(filepath.Join(dir, "model.safetensors"), tensors, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type":"bert","architectures":["BertModel"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var info types.ModelInfo
	if err := inspectInto(&info, dir, ""); err != nil {
		t.Fatal(err)
	}
	want := "bert, 10 tensors, BF16×1, BOOL×1, F16×1, F32×1, F64×1, I16×1, I32×1, I64×1, I8×1, U8×1"
	if info.ArchSummary != want {
		t.Fatalf("summary %q\nwant    %q", info.ArchSummary, want)
	}
	if len(info.ArchSummary) > types.MaxSummaryLen {
		t.Fatalf("summary is %d bytes", len(info.ArchSummary))
	}
	if a := bom.ArchitectureFromSummary(info.ArchSummary); a != "bert" {
		t.Fatalf("architecture read back %q, want bert", a)
	}
}

// TestInspectSummaryRealGGUF reads llama.cpp's GGUF files: the architecture
// in the summary is general.architecture as gguf-py reads it
// (shared/realdata/README.md).
func TestInspectSummaryRealGGUF(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "..", "shared", "realdata", "gguf")
	for file, arch := range map[string]string{
		"ggml-vocab-bert-bge.gguf": "bert", "ggml-vocab-gpt-2.gguf": "gpt2", "ggml-vocab-llama-spm.gguf": "llama",
		"ggml-vocab-phi-3.gguf": "phi3", "ggml-vocab-starcoder.gguf": "starcoder2",
	} {
		path := filepath.Join(dir, file)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			t.Skip("realdata not present")
		}
		var info types.ModelInfo
		if err := inspectInto(&info, path, ""); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if got := bom.ArchitectureFromSummary(info.ArchSummary); got != arch {
			t.Errorf("%s: summary %q gives architecture %q, want %q", file, info.ArchSummary, got, arch)
		}
	}
}
