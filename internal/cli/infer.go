package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/tensorio"
	infertypes "github.com/prova-network/prova/x/infer/types"
)

func inferCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "infer",
		Short: "Run integer ONNX models bit-exactly, serve and check inference claims",
		Long: `Run integer-quantized ONNX models with Prova's deterministic runtime, which
gives the same output and trace root on every machine, inside the state
machine (MsgRunModel) and when one step of a disputed inference is re-executed
on chain.

The messages (register a model for execution, run it on chain, bond, claim,
challenge, bisect, resolve) are under 'provad tx infer'; the state under
'provad q infer'.`,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(inferRunCommand(), inferServeCommand(), inferWatchCommand())
	return cmd
}

func inferRunCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run MODEL INPUT",
		Short: "Run a model locally: output, trace root and timing",
		Long: `Run an integer-quantized ONNX model on one input with Prova's runtime.

MODEL is an ONNX file, or the ID of a model registered for execution whose
file is stored on chain (fetched from --node). INPUT is a NumPy .npy file
(for a model with one input) or JSON: a nested array for a model with one input, or an object from
input names to nested arrays ("-" reads standard input).

The run prints the outputs, the input and output digests and the trace root:
the RFC 6962 root over the states after each step, which a claim or receipt
commits to and a dispute bisects over (docs/INFERENCE.md). The same model
and input give the same digests and root on every machine.

The runtime executes QuantizeLinear/DequantizeLinear, QLinearMatMul,
QLinearConv, MatMulInteger, ConvInteger and the QDQ form around MatMul, Gemm,
Conv, Add and AveragePool, plus Relu, Clip, MaxPool, AveragePool, Reshape,
Flatten, Transpose and Add on integers; any other op is refused by name.`,
		Example: `  provad infer run mlp-int8.onnx digit.npy
  provad infer run mlp-int8.onnx input.json -o json
  echo '{"input": [[0, 0.5, 1, ...]]}' | provad infer run model.onnx -
  provad infer run blake3:6d0f… digit.npy --node tcp://localhost:26657`,
		Args:              cobra.ExactArgs(2),
		PersistentPreRunE: localOnly,
		RunE: func(cmd *cobra.Command, args []string) error {
			modelBytes, err := readModel(cmd, args)
			if err != nil {
				return err
			}
			m, err := onnxint.Load(modelBytes)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			inBytes, err := readLimited(args[1], 1<<30, cmd.InOrStdin())
			if err != nil {
				return err
			}
			inputs, err := tensorio.ReadInputs(inBytes, modelInputs(m))
			if err != nil {
				return fmt.Errorf("%s: %w", args[1], err)
			}
			start := time.Now()
			res, err := m.Run(inputs, onnxint.Options{Trace: true})
			elapsed := time.Since(start)
			if err != nil {
				return err
			}
			rep := inferReport{
				Model:        args[0],
				ModelDigest:  digestID(sha256.Sum256(modelBytes)),
				Outputs:      map[string]tensorio.Output{},
				InputDigest:  digestID(onnxint.Digest(inputs...)),
				OutputDigest: digestID(onnxint.Digest(res.Outputs...)),
				TraceRoot:    digestID(res.Root),
				TraceSize:    m.TraceSize(),
				Cost:         res.Cost,
				ElapsedMS:    float64(elapsed.Microseconds()) / 1000,
			}
			for i, o := range m.Outputs() {
				rep.Outputs[o.Name] = tensorio.ToOutput(res.Outputs[i])
				rep.order = append(rep.order, o.Name)
			}
			if len(res.Outputs) == 1 && res.Outputs[0].Len() > 1 {
				a := tensorio.Argmax(res.Outputs[0])
				rep.Argmax = &a
			}
			out := cmd.OutOrStdout()
			if o, _ := cmd.Flags().GetString(flags.FlagOutput); o == flags.OutputFormatJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			rep.print(out)
			return nil
		},
	}
	flags.AddQueryFlagsToCmd(cmd)
	return cmd
}

// readModel reads MODEL: a file, or else the stored file of a model
// registered for execution, from the chain.
func readModel(cmd *cobra.Command, args []string) ([]byte, error) {
	limit := onnxint.DefaultLimits().MaxBytes
	if _, err := os.Stat(args[0]); err == nil || args[0] == "-" || strings.ContainsAny(args[0], "/\\") || strings.HasSuffix(args[0], ".onnx") {
		return readLimited(args[0], limit, cmd.InOrStdin())
	}
	// Not a file: a model ID. This command skips the client set-up that
	// chain commands get (it runs offline for files); do it now.
	if pre := cmd.Root().PersistentPreRunE; pre != nil {
		if err := pre(cmd, args); err != nil {
			return nil, err
		}
	}
	clientCtx, err := client.GetClientQueryContext(cmd)
	if err != nil {
		return nil, err
	}
	res, err := infertypes.NewQueryClient(clientCtx).Executable(cmd.Context(), &infertypes.QueryExecutableRequest{ModelId: args[0], IncludeFile: true})
	if err != nil {
		return nil, fmt.Errorf("%s is not a file, and the chain at %s has no executable model of that ID: %w", args[0], clientCtx.NodeURI, err)
	}
	if len(res.File) == 0 {
		return nil, fmt.Errorf("model %s is executable by its skeleton only: its weights are not on chain; give its ONNX file", args[0])
	}
	return res.File, nil
}

// inferReport is what `provad infer run` prints; its JSON form is
// {"outputs": {NAME: {"dtype", "shape", "data"}}, "trace_root": …, …}.
type inferReport struct {
	Model        string                     `json:"model"`
	ModelDigest  string                     `json:"model_digest"`
	Outputs      map[string]tensorio.Output `json:"outputs"`
	Argmax       *int                       `json:"argmax,omitempty"`
	InputDigest  string                     `json:"input_digest"`
	OutputDigest string                     `json:"output_digest"`
	TraceRoot    string                     `json:"trace_root"`
	TraceSize    uint64                     `json:"trace_size"`
	Cost         int64                      `json:"cost"`
	ElapsedMS    float64                    `json:"elapsed_ms"`
	order        []string
}

func (r inferReport) print(w io.Writer) {
	fmt.Fprintf(w, "model          %s (%s)\n", r.Model, r.ModelDigest)
	for _, name := range r.order {
		o := r.Outputs[name]
		data := string(o.Data)
		if len(data) > 400 {
			data = data[:400] + " …]"
		}
		fmt.Fprintf(w, "output         %s %s %v\n               %s\n", name, o.DType, o.Shape, data)
	}
	if r.Argmax != nil {
		fmt.Fprintf(w, "argmax         %d\n", *r.Argmax)
	}
	fmt.Fprintf(w, "input digest   %s\noutput digest  %s\n", r.InputDigest, r.OutputDigest)
	fmt.Fprintf(w, "trace root     %s (%d leaves)\n", r.TraceRoot, r.TraceSize)
	fmt.Fprintf(w, "cost           %d multiply-accumulates and element operations\n", r.Cost)
	fmt.Fprintf(w, "time           %.3f ms\n", r.ElapsedMS)
}

// modelInputs is what tensorio needs to read a model's inputs.
func modelInputs(m *onnxint.Model) []tensorio.Input {
	var in []tensorio.Input
	for _, v := range m.Inputs() {
		in = append(in, tensorio.Input{Name: v.Name, Type: v.Type, Dims: v.Dims})
	}
	return in
}

func digestID(d [32]byte) string { return "sha256:" + hex.EncodeToString(d[:]) }

// readLimited reads a file ("-" is stdin) of at most limit bytes.
func readLimited(path string, limit int64, stdin io.Reader) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", strings.TrimPrefix(path, "-"), limit)
	}
	return b, nil
}
