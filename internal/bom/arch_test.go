package bom

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// realDTypes are the element types of huggingface/safetensors' sample
// files (shared/realdata/README.md): nine, more than the seven parts the
// summary used to keep before it silently stopped.
var realDTypes = []DTypeCount{{"F16", 1}, {"F32", 1}, {"F64", 1}, {"I16", 1}, {"I32", 1}, {"I8", 1}, {"U16", 1}, {"U32", 1}, {"U8", 1}}

func TestArchSummary(t *testing.T) {
	tests := []struct {
		name, arch, fileType string
		tensors              int
		dtypes               []DTypeCount
		maxLen               int
		want, wantArch       string
	}{
		{"gguf", "llama", "Q4_K_M", 291, []DTypeCount{{"F32", 65}, {"Q4_K", 193}, {"Q6_K", 33}}, 256,
			"llama, Q4_K_M, 291 tensors, F32×65, Q4_K×193, Q6_K×33", "llama"},
		{"all nine dtypes", "", "", 9, realDTypes, 256,
			"9 tensors, F16×1, F32×1, F64×1, I16×1, I32×1, I8×1, U16×1, U32×1, U8×1", ""},
		{"dtypes that do not fit are counted", "bert", "", 9, realDTypes, 50,
			"bert, 9 tensors, F16×1, F32×1, +7 more dtypes", "bert"},
		{"no dtype fits", "bert", "", 9, realDTypes, 31, "bert, 9 tensors, +9 more dtypes", "bert"},
		{"config.json architectures fallback", "LlamaForCausalLM", "", 2, []DTypeCount{{"BF16", 2}}, 256,
			"LlamaForCausalLM, 2 tensors, BF16×2", "LlamaForCausalLM"},
		{"file type without architecture", "", "Q8_0", 3, []DTypeCount{{"Q8_0", 3}}, 256, "Q8_0, 3 tensors, Q8_0×3", ""},
		{"comma in a name", "my,arch", "", 1, nil, 256, "myarch, 1 tensors", "myarch"},
		{"head too long", strings.Repeat("é", 20), "", 1, realDTypes, 16, "éééééé…", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ArchSummary(tc.arch, tc.fileType, tc.tensors, tc.dtypes, tc.maxLen)
			if got != tc.want || len(got) > tc.maxLen || !utf8.ValidString(got) {
				t.Fatalf("ArchSummary = %q (%d bytes), want %q", got, len(got), tc.want)
			}
			if a := ArchitectureFromSummary(got); a != tc.wantArch {
				t.Fatalf("ArchitectureFromSummary(%q) = %q, want %q", got, a, tc.wantArch)
			}
		})
	}
}

// TestArchitectureFromSummary reads summaries registered by older provad
// versions and free text.
func TestArchitectureFromSummary(t *testing.T) {
	for summary, want := range map[string]string{
		"4 tensors":                              "", // the summary that used to be exported as the architecture family
		"4 tensors, F32×2, BF16×2":               "",
		"gpt2, 0 tensors":                        "gpt2",
		"llama, MOSTLY_Q4_0, 10 tensors, Q4_0×7": "llama",
		"MOSTLY_Q4_0, 10 tensors":                "",
		"a transformer with 4 tensors":           "",
		"":                                       "",
		"qwen2, Q4_K_M, 291 tensors, +3 more dtypes": "qwen2",
	} {
		if got := ArchitectureFromSummary(summary); got != want {
			t.Errorf("ArchitectureFromSummary(%q) = %q, want %q", summary, got, want)
		}
	}
}

// FuzzArchSummary: a summary fits its cap and is valid UTF-8, and the
// architecture read back is the one written, whenever the name is one
// (has a lower-case letter, no "×") and the head fits.
func FuzzArchSummary(f *testing.F) {
	f.Add("llama", "Q4_K_M", 291, "F32", 65, 256)
	f.Add("", "", 0, "", 0, 0)
	f.Add("bert", "", 9, "U8", 1, 20)
	f.Fuzz(func(t *testing.T, arch, fileType string, tensors int, dtype string, n, maxLen int) {
		if !utf8.ValidString(arch) || !utf8.ValidString(fileType) || !utf8.ValidString(dtype) || maxLen < 0 || maxLen > 1<<12 || tensors < 0 {
			return
		}
		dtypes := []DTypeCount{{dtype, n}, {dtype + "x", n + 1}}
		s := ArchSummary(arch, fileType, tensors, dtypes, maxLen)
		if len(s) > maxLen || !utf8.ValidString(s) {
			t.Fatalf("summary %q: %d bytes, cap %d", s, len(s), maxLen)
		}
		clean := strings.TrimSpace(strings.ReplaceAll(arch, ",", ""))
		head := ArchSummary(arch, fileType, tensors, nil, 1<<13)
		if len(head) > maxLen || strings.Contains(clean, "×") || strings.Contains(clean, ", ") ||
			!strings.ContainsFunc(clean, func(r rune) bool { return 'a' <= r && r <= 'z' }) ||
			strings.Contains(fileType, " tensors") || strings.Contains(clean, " tensors") {
			return
		}
		if got := ArchitectureFromSummary(s); got != clean {
			t.Fatalf("ArchitectureFromSummary(%q) = %q, want %q", s, got, clean)
		}
	})
}
