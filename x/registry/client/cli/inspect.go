package cli

import (
	"errors"
	"fmt"

	"github.com/prova-network/prova/internal/bom"
	"github.com/prova-network/prova/internal/formats"
	"github.com/prova-network/prova/x/registry/types"
)

// inspectInto fills format and architecture fields from the weights at
// path. A corrupt weights file is an error, so nothing is registered for
// it. With a declared format other than safetensors or gguf, the weights
// are not inspected.
func inspectInto(info *types.ModelInfo, path, declared string) error {
	if declared != "" && declared != string(formats.Safetensors) && declared != string(formats.GGUF) {
		info.Format = declared
		return nil
	}
	s, err := formats.Inspect(path)
	if err != nil {
		if errors.Is(err, formats.ErrNoModel) || errors.Is(err, formats.ErrUnknownFormat) {
			return fmt.Errorf("inspect %s: %w (pass --format onnx|other to register weights Prova cannot inspect)", path, err)
		}
		return fmt.Errorf("inspect %s: %w", path, err)
	}
	info.Format = string(s.Format)
	info.ParameterCount = s.Parameters
	info.ArchFingerprint = s.ArchitectureDigest.String()
	dtypes := make([]bom.DTypeCount, len(s.DTypes))
	for i, d := range s.DTypes {
		dtypes[i] = bom.DTypeCount{DType: d.DType, Tensors: d.Tensors}
	}
	// The architecture name leads the summary, where the BOM export reads
	// it back (bom.ArchitectureFromSummary); every dtype is listed, or
	// counted where the field's cap leaves no room.
	info.ArchSummary = bom.ArchSummary(s.Architecture, s.FileType, s.TensorCount, dtypes, types.MaxSummaryLen)
	return nil
}
