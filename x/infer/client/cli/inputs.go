package cli

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/tensorio"
	"github.com/prova-network/prova/x/infer/types"
)

// readInputs reads a model's inputs for a transaction: a .npy file or JSON
// (what `provad infer run` reads) is converted to canonical tensor
// encodings with the input types and shapes of the executable's skeleton,
// queried from the chain; any other file is taken as the encodings
// themselves (docs/INFERENCE.md §1).
func readInputs(cmd *cobra.Command, clientCtx client.Context, modelID, path string) ([]byte, error) {
	b, err := readFile(path, types.MaxInputBytes, "inputs file")
	if err != nil {
		return nil, err
	}
	t := bytes.TrimSpace(b)
	isNPY := bytes.HasPrefix(b, []byte("\x93NUMPY"))
	isJSON := len(t) > 0 && (t[0] == '[' || t[0] == '{')
	if !isNPY && !isJSON {
		return b, nil
	}
	res, err := types.NewQueryClient(clientCtx).Executable(cmd.Context(), &types.QueryExecutableRequest{ModelId: modelID, IncludeSkeleton: true})
	if err != nil {
		return nil, fmt.Errorf("reading the input types of %s from the chain: %w", modelID, err)
	}
	m, err := onnxint.LoadSkeleton(res.Skeleton)
	if err != nil {
		return nil, fmt.Errorf("the skeleton of %s: %w", modelID, err)
	}
	var want []tensorio.Input
	for _, v := range m.Inputs() {
		want = append(want, tensorio.Input{Name: v.Name, Type: v.Type, Dims: v.Dims})
	}
	ts, err := tensorio.ReadInputs(b, want)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var enc []byte
	for _, t := range ts {
		enc = append(enc, onnxint.Encode(t)...)
	}
	return enc, nil
}
