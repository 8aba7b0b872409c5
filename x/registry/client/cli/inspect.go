package cli

import (
	"errors"
	"fmt"
	"strings"

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
	var parts []string
	if s.Architecture != "" {
		parts = append(parts, s.Architecture)
	}
	if s.FileType != "" {
		parts = append(parts, s.FileType)
	}
	parts = append(parts, fmt.Sprintf("%d tensors", s.TensorCount))
	for _, d := range s.DTypes {
		parts = append(parts, fmt.Sprintf("%s×%d", d.DType, d.Tensors))
		if len(parts) > 6 {
			break
		}
	}
	info.ArchSummary = strings.Join(parts, ", ")
	if len(info.ArchSummary) > types.MaxSummaryLen {
		info.ArchSummary = info.ArchSummary[:types.MaxSummaryLen]
	}
	return nil
}
