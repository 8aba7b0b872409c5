package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/prova-network/prova/internal/formats"
)

func inspectCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inspect PATH",
		Short: "Inspect model weights (safetensors, GGUF, ONNX): tensors, parameters, architecture fingerprint",
		Long: `Read the headers of a safetensors file, a sharded safetensors directory
(model.safetensors.index.json), a GGUF file or an ONNX model (.onnx: its
initializers are the tensors; producer, opset and operators are shown as
metadata), validate them, and print the
tensor count, parameter count, dtype histogram, lineage hints (GGUF
general.base_model.* / general.dataset.*, model card front matter) and the
architecture fingerprint: a digest over the sorted (name, dtype, shape) list
that survives resharding and metadata edits. Tensor data is never read.

One split of a split GGUF model (name-00001-of-00003.gguf) reads every
split, as llama.cpp does; a missing split is an error naming it. In a
Hugging Face cache (~/.cache/huggingface/hub), a snapshot directory or a
models--org--name folder is read through its links into the same folder.

A corrupt file (header length past the end, bad JSON, overlapping or
out-of-range offsets, a header over 100 MB, ...) is reported with the exact
problem and a non-zero exit status; a Git LFS pointer left in place of the
file is reported as one.`,
		Args:              cobra.ExactArgs(1),
		PersistentPreRunE: localOnly,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := formats.Inspect(args[0])
			if err != nil {
				return err
			}
			if o, _ := cmd.Flags().GetString(flags.FlagOutput); o == flags.OutputFormatJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			}
			printSummary(cmd.OutOrStdout(), s)
			return nil
		},
	}
	cmd.Flags().StringP(flags.FlagOutput, "o", "text", "output format (text|json; json lists every tensor)")
	return cmd
}

// maxListedFiles bounds the file names printed on the "files" line.
const maxListedFiles = 6

func printSummary(w io.Writer, s *formats.Summary) {
	fmt.Fprintf(w, "format        %s\n", s.Format)
	// A split or sharded model names the files counted, so that a reader
	// sees the summary covers all of them.
	switch n := len(s.Files); {
	case n == 1:
		fmt.Fprintf(w, "files         1\n")
	case n <= maxListedFiles:
		fmt.Fprintf(w, "files         %d (%s)\n", n, strings.Join(s.Files, ", "))
	default:
		fmt.Fprintf(w, "files         %d (%s, … %d more; -o json lists them)\n", n, strings.Join(s.Files[:maxListedFiles-1], ", "), n-maxListedFiles+1)
	}
	if s.Architecture != "" {
		fmt.Fprintf(w, "architecture  %s\n", s.Architecture)
	}
	if s.FileType != "" {
		fmt.Fprintf(w, "quantization  %s\n", s.FileType)
	}
	fmt.Fprintf(w, "tensors       %d\nparameters    %d\n", s.TensorCount, s.Parameters)
	for _, d := range s.DTypes {
		fmt.Fprintf(w, "  %-10s %6d tensors %14d parameters\n", d.DType, d.Tensors, d.Parameters)
	}
	fmt.Fprintf(w, "fingerprint   %s (architecture)\n", s.ArchitectureDigest)
	for _, r := range s.BaseModels {
		fmt.Fprintf(w, "base model    %s %s %s (from %s)\n", r.Name, r.Organization, r.RepoURL, r.Source)
	}
	for _, r := range s.Datasets {
		fmt.Fprintf(w, "dataset       %s %s %s (from %s)\n", r.Name, r.Organization, r.RepoURL, r.Source)
	}
	keys := make([]string, 0, len(s.Metadata))
	for k := range s.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i == 12 {
			fmt.Fprintf(w, "  … %d more metadata keys (-o json)\n", len(keys)-i)
			break
		}
		v := s.Metadata[k]
		if len(v) > 80 {
			v = v[:80] + "…"
		}
		fmt.Fprintf(w, "  %s = %s\n", k, v)
	}
}
