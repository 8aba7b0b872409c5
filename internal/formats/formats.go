// Package formats inspects model files without reading their weights: it
// recognizes safetensors (single file or sharded with an index) and GGUF, and
// summarizes them in one shape — tensor and parameter counts, a dtype
// histogram, metadata, lineage hints, and the architecture fingerprint (see
// ArchitectureDigest).
package formats

import (
	"cmp"
	"errors"
	"slices"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/formats/gguf"
	"github.com/prova-network/prova/internal/formats/safetensors"
)

// Format names a model file format.
type Format string

// Formats Inspect recognizes.
const (
	Safetensors Format = "safetensors"
	GGUF        Format = "gguf"
	ONNX        Format = "onnx"
)

// Errors of the façade itself; errors of a recognized but invalid file wrap
// the safetensors or gguf package's sentinels.
var (
	// ErrUnknownFormat: the file is neither safetensors nor GGUF.
	ErrUnknownFormat = errors.New("unknown model format")
	// ErrNoModel: the directory holds no safetensors or GGUF file.
	ErrNoModel = errors.New("no model file found")
	// ErrAmbiguous: the directory holds several model files and nothing says
	// how they fit together.
	ErrAmbiguous = errors.New("several model files and no index")
)

// Tensor is one tensor in format-neutral form.
type Tensor struct {
	Name  string   `json:"name"`
	DType string   `json:"dtype"`
	Shape []uint64 `json:"shape"`
}

// DTypeCount is one bar of the dtype histogram.
type DTypeCount struct {
	DType      string `json:"dtype"`
	Tensors    int    `json:"tensors"`
	Parameters uint64 `json:"parameters"`
}

// Ref is a lineage hint: a base model or dataset named by the files. Hints
// are claims made by whoever wrote the files, not verified facts.
type Ref struct {
	Name         string `json:"name,omitempty"`
	Author       string `json:"author,omitempty"`
	Version      string `json:"version,omitempty"`
	Organization string `json:"organization,omitempty"`
	Description  string `json:"description,omitempty"`
	URL          string `json:"url,omitempty"`
	DOI          string `json:"doi,omitempty"`
	UUID         string `json:"uuid,omitempty"`
	RepoURL      string `json:"repo_url,omitempty"`
	// Source says where the hint was found ("gguf", "README.md",
	// "adapter_config.json").
	Source string `json:"source"`
}

// Summary describes a model file or directory.
type Summary struct {
	Format Format `json:"format"`
	// Files are the model files read, relative to the inspected directory
	// (or the file's base name).
	Files []string `json:"files"`
	// Architecture is GGUF's general.architecture, or config.json's
	// model_type (falling back to architectures[0]) next to safetensors.
	Architecture string `json:"architecture,omitempty"`
	// FileType is the GGUF quantization ("Q4_K_M"); empty for safetensors.
	FileType    string       `json:"file_type,omitempty"`
	TensorCount int          `json:"tensor_count"`
	Parameters  uint64       `json:"parameters"`
	DTypes      []DTypeCount `json:"dtypes"`
	// Metadata is safetensors __metadata__ (merged across shards, first
	// shard wins) or GGUF metadata as text.
	Metadata   map[string]string `json:"metadata,omitempty"`
	BaseModels []Ref             `json:"base_models,omitempty"`
	Datasets   []Ref             `json:"datasets,omitempty"`
	// Tensors are sorted by name.
	Tensors []Tensor `json:"tensors"`
	// ArchitectureDigest is ArchitectureDigest(Tensors).
	ArchitectureDigest fingerprint.Digest `json:"architecture_digest"`
}

// finish computes the derived fields from Tensors.
func (s *Summary) finish(elements func(i int) uint64) {
	slices.SortFunc(s.Tensors, func(a, b Tensor) int { return cmp.Compare(a.Name, b.Name) })
	hist := map[string]*DTypeCount{}
	s.TensorCount = len(s.Tensors)
	s.Parameters = 0
	for i, t := range s.Tensors {
		n := elements(i)
		s.Parameters += n
		c := hist[t.DType]
		if c == nil {
			c = &DTypeCount{DType: t.DType}
			hist[t.DType] = c
		}
		c.Tensors++
		c.Parameters += n
	}
	// Empty lists, not absent ones: JSON readers get "tensors": [] for a
	// file without tensors (llama.cpp's vocabulary-only GGUF files).
	if s.Tensors == nil {
		s.Tensors = []Tensor{}
	}
	s.DTypes = []DTypeCount{}
	for _, c := range hist {
		s.DTypes = append(s.DTypes, *c)
	}
	slices.SortFunc(s.DTypes, func(a, b DTypeCount) int { return cmp.Compare(a.DType, b.DType) })
	s.ArchitectureDigest = ArchitectureDigest(s.Tensors)
}

// fromSafetensors builds a summary from validated headers.
func fromSafetensors(files []string, headers []*safetensors.Header) *Summary {
	s := &Summary{Format: Safetensors, Files: files}
	for _, h := range headers {
		for k, v := range h.Metadata {
			if s.Metadata == nil {
				s.Metadata = map[string]string{}
			}
			if _, ok := s.Metadata[k]; !ok {
				s.Metadata[k] = v
			}
		}
		for _, t := range h.Tensors {
			s.Tensors = append(s.Tensors, Tensor{Name: t.Name, DType: string(t.DType), Shape: t.Shape})
		}
	}
	s.finish(func(i int) uint64 {
		return safetensors.Tensor{Shape: s.Tensors[i].Shape}.Elements()
	})
	return s
}

// fromGGUF builds a summary from a parsed GGUF file; its files are the
// splits read.
func fromGGUF(f *gguf.File) *Summary {
	s := &Summary{
		Format:       GGUF,
		Files:        f.Splits,
		Architecture: f.Architecture,
		FileType:     f.FileType,
		Metadata:     f.Metadata,
	}
	for _, t := range f.Tensors {
		s.Tensors = append(s.Tensors, Tensor{Name: t.Name, DType: t.Type, Shape: t.Shape})
	}
	s.finish(func(i int) uint64 {
		n := uint64(1)
		for _, d := range s.Tensors[i].Shape {
			n *= d // the gguf adapter rejects shapes whose product overflows
		}
		return n
	})
	for _, l := range f.BaseModels {
		s.BaseModels = append(s.BaseModels, refFromGGUF(l))
	}
	for _, l := range f.Datasets {
		s.Datasets = append(s.Datasets, refFromGGUF(l))
	}
	return s
}

func refFromGGUF(l gguf.Lineage) Ref {
	return Ref{
		Name: l.Name, Author: l.Author, Version: l.Version, Organization: l.Organization,
		Description: l.Description, URL: l.URL, DOI: l.DOI, UUID: l.UUID, RepoURL: l.RepoURL,
		Source: "gguf",
	}
}
