package onnxint

import (
	"errors"
	"fmt"

	"github.com/prova-network/prova/internal/onnx/onnxpb"
)

// Load parses and lowers an ONNX model with the default limits.
func Load(b []byte) (*Model, error) { return LoadWithLimits(b, DefaultLimits()) }

// LoadWithLimits parses and lowers an ONNX model.
func LoadWithLimits(b []byte, lim Limits) (*Model, error) {
	return load(b, lim, false)
}

// LoadSkeleton loads a model whose initializers carry no data (see
// Skeleton): its program is the full model's, ExecStep works when given the
// weights, and Run fails with ErrNoWeights.
func LoadSkeleton(b []byte) (*Model, error) { return load(b, DefaultLimits(), true) }

func load(b []byte, lim Limits, skeleton bool) (*Model, error) {
	if int64(len(b)) > lim.MaxBytes {
		return nil, fmt.Errorf("model is %d bytes, limit %d", len(b), lim.MaxBytes)
	}
	mp := &onnxpb.ModelProto{}
	if err := mp.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("parse onnx model: %w", err)
	}
	return nil, errors.New("not implemented")
}

// Skeleton returns the model's ONNX bytes with every initializer's data
// removed (names, types and dims kept).
func (m *Model) Skeleton() ([]byte, error) {
	return nil, errors.New("not implemented")
}

func fromProto(p *onnxpb.TensorProto, limit int64) (*Tensor, error) {
	return nil, errors.New("not implemented")
}
