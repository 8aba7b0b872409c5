package safetensors

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every validation error is an *Error whose Unwrap returns
// one of these, so callers test with errors.Is and read the details (the
// tensor name) with errors.As.
var (
	// ErrTooShort: the file is shorter than the 8-byte header length.
	ErrTooShort = errors.New("file too short for a safetensors header")
	// ErrHeaderTooLarge: the declared header length is over MaxHeaderSize.
	ErrHeaderTooLarge = errors.New("header too large")
	// ErrHeaderPastEOF: the declared header length runs past the end of the
	// file.
	ErrHeaderPastEOF = errors.New("header length past end of file")
	// ErrInvalidJSON: the header is not a JSON object of the expected shape
	// (including duplicate keys and trailing bytes other than space padding).
	ErrInvalidJSON = errors.New("invalid header json")
	// ErrInvalidMetadata: __metadata__ is not a map of strings.
	ErrInvalidMetadata = errors.New("invalid __metadata__")
	// ErrUnknownDType: a tensor dtype is not one safetensors defines.
	ErrUnknownDType = errors.New("unknown dtype")
	// ErrShapeOverflow: the element count or byte size of a shape does not
	// fit in 64 bits.
	ErrShapeOverflow = errors.New("shape overflow")
	// ErrOffsetsOutOfRange: data_offsets are reversed or past the end of the
	// data buffer.
	ErrOffsetsOutOfRange = errors.New("data offsets out of range")
	// ErrSizeMismatch: end-begin differs from dtype size × product(shape), or
	// a sub-byte dtype does not fill whole bytes.
	ErrSizeMismatch = errors.New("tensor size does not match dtype and shape")
	// ErrOverlap: two tensors share bytes of the data buffer.
	ErrOverlap = errors.New("tensor data overlaps")
	// ErrGap: bytes of the data buffer belong to no tensor (the format
	// requires the buffer to be fully covered).
	ErrGap = errors.New("data buffer not fully covered")
	// ErrInvalidIndex: a model.safetensors.index.json is malformed or does not
	// agree with its shards.
	ErrInvalidIndex = errors.New("invalid safetensors index")
)

// Error is a validation error with the tensor it concerns.
type Error struct {
	// Kind is one of the sentinel errors above.
	Kind error
	// Tensor names the tensor, or is empty for file-level problems.
	Tensor string
	// Detail says what exactly is wrong.
	Detail string
}

func (e *Error) Error() string {
	msg := "safetensors: " + e.Kind.Error()
	if e.Tensor != "" {
		msg += fmt.Sprintf(": tensor %q", e.Tensor)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns Kind.
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, tensor, format string, args ...any) *Error {
	return &Error{Kind: kind, Tensor: tensor, Detail: fmt.Sprintf(format, args...)}
}
