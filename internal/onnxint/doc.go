// Package onnxint is Prova's deterministic, pure-integer executor for
// integer-quantized ONNX models (docs/INFERENCE.md).
package onnxint
