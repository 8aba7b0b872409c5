// Package gguf summarizes GGUF model files (llama.cpp's format): architecture,
// quantization, parameter count, tensor list, and the lineage keys of the
// GGUF naming convention (general.base_model.* and general.dataset.*).
//
// Parsing is done by github.com/gpustack/gguf-parser-go. This package is the
// adapter around it: it checks the magic and version itself, reads only the
// header (large metadata arrays such as the tokenizer vocabulary are
// skipped), turns every parser error into an *Error with one of this
// package's sentinels, and recovers from parser panics on corrupt input so
// that a bad file is an error, never a crash.
package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	parser "github.com/gpustack/gguf-parser-go"

	"github.com/prova-network/prova/internal/formats/lfs"
)

// Tensor is one tensor of the file.
type Tensor struct {
	Name string
	// Type is the ggml type name, such as "F16", "Q4_K" or "Q8_0".
	Type string
	// Shape is the list of dimensions in GGUF order: ne[0], the innermost
	// (fastest-varying) dimension, first. This is the reverse of the
	// PyTorch/safetensors order.
	Shape []uint64
}

// Lineage is one entry of general.base_model.N.* or general.dataset.N.*.
type Lineage struct {
	Index        int    `json:"index"`
	Name         string `json:"name,omitempty"`
	Author       string `json:"author,omitempty"`
	Version      string `json:"version,omitempty"`
	Organization string `json:"organization,omitempty"`
	Description  string `json:"description,omitempty"`
	URL          string `json:"url,omitempty"`
	DOI          string `json:"doi,omitempty"`
	UUID         string `json:"uuid,omitempty"`
	RepoURL      string `json:"repo_url,omitempty"`
}

// File is the summary of a GGUF file (or of all files of a split model, when
// the path is named like "model-00001-of-00003.gguf").
type File struct {
	Version uint32
	// Architecture is general.architecture ("llama", "qwen2", …).
	Architecture string
	// Name is general.name.
	Name string
	// FileType is the quantization of most tensors, such as "Q4_K_M" or
	// "F16" (from general.file_type, or guessed from the tensors); empty
	// when unknown.
	FileType string
	// QuantizationVersion is general.quantization_version (0 if absent).
	QuantizationVersion uint32
	// Parameters is the total element count of all tensors.
	Parameters uint64
	// Tensors are sorted by name.
	Tensors []Tensor
	// Metadata holds every metadata key as text. Arrays are summarized as
	// "[N x type]"; long strings are cut at MaxMetadataValue bytes.
	Metadata map[string]string
	// BaseModels and Datasets are the lineage entries, by index.
	BaseModels []Lineage
	Datasets   []Lineage
	// Splits are the base names of the files read, in split order: the
	// file itself, or every split of a split model.
	Splits []string
}

// MaxMetadataValue bounds each metadata value in File.Metadata (chat
// templates can be many kilobytes).
const MaxMetadataValue = 4096

// ReadFile parses the GGUF file at path. A path named like a split
// ("name-00002-of-00003.gguf") reads every split of the model, which must
// all be there (see split.go).
func ReadFile(path string) (_ *File, err error) {
	if err := checkMagic(path); err != nil {
		return nil, err
	}
	// The parser panics on some corrupt inputs (and so do its value
	// accessors, when a key holds an unexpected type); turn that into an
	// error covering both parsing and extraction.
	defer func() {
		if r := recover(); r != nil {
			err = newError(ErrCorrupt, "parser panic: %v", r)
		}
	}()
	paths, err := splitPaths(path)
	if err != nil {
		return nil, err
	}
	gf, err := parser.ParseGGUFFile(path, parser.SkipLargeMetadata())
	if err != nil {
		return nil, classify(err)
	}
	if err := checkBounds(gf); err != nil {
		return nil, err
	}
	if err := checkSplitMetadata(gf, filepath.Base(path), len(paths)); err != nil {
		return nil, err
	}
	out := summarize(gf)
	out.Splits = []string{filepath.Base(path)}
	if paths != nil {
		out.Splits = out.Splits[:0]
		for _, p := range paths {
			out.Splits = append(out.Splits, filepath.Base(p))
		}
	}
	for i := 1; i < len(out.Tensors); i++ {
		if out.Tensors[i].Name == out.Tensors[i-1].Name {
			return nil, newError(ErrCorrupt, "tensor %q appears twice", out.Tensors[i].Name)
		}
	}
	return out, nil
}

// checkBounds checks that tensor data lies inside the file. The parser skips
// its own check when the padded header already runs past the end of the file,
// and never checks single tensors.
//
// A file without tensors has no data to align, and may end right after its
// metadata: llama.cpp's vocabulary-only files (models/ggml-vocab-*.gguf) do,
// and llama.cpp and gguf-py read them.
func checkBounds(gf *parser.GGUFFile) error {
	if len(gf.TensorInfos) == 0 {
		return nil
	}
	for i, start := range gf.SplitTensorDataStartOffsets {
		if i < len(gf.SplitSizes) && start > int64(gf.SplitSizes[i]) {
			return newError(ErrTruncated, "tensor data would start at byte %d of a %d byte file", start, int64(gf.SplitSizes[i]))
		}
	}
	if len(gf.SplitSizes) != 1 {
		return nil // offsets of a split model are per file; the parser does not say which
	}
	held := uint64(int64(gf.Size) - gf.TensorDataStartOffset)
	for _, ti := range gf.TensorInfos {
		size := ti.Bytes() // panics on overflow; ReadFile recovers
		if ti.Offset > held || size > held-ti.Offset {
			return newError(ErrTruncated, "tensor %q needs bytes [%d, %d) of tensor data but the file holds %d", ti.Name, ti.Offset, ti.Offset+size, held)
		}
	}
	return nil
}

// checkMagic reads the first 8 bytes: the magic and the version. A Git LFS
// pointer in place of the file is an *lfs.PointerError, which says how to
// fetch the file.
func checkMagic(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var head [8]byte
	n, _ := io.ReadFull(f, head[:])
	if lfs.HasPrefix(head[:n]) {
		if err := lfs.Check(f); err != nil {
			return err
		}
	}
	if n < 4 || string(head[:4]) != "GGUF" {
		return newError(ErrNotGGUF, "magic %q", head[:n])
	}
	if n < 8 {
		return newError(ErrTruncated, "%d byte file", n)
	}
	// GGUF files are little-endian; a big-endian one has a byte-swapped
	// version, which the parser supports only through another magic.
	if v := binary.LittleEndian.Uint32(head[4:]); v < 1 || v > 3 {
		return newError(ErrUnsupportedVersion, "version %d (supported: 1 to 3)", v)
	}
	return nil
}

// classify maps a parser error to one of ours. Errors opening a file (a
// missing split) stay as they are so errors.Is(err, fs.ErrNotExist) works.
//
// A failed seek is the file's fault, not the file system's: the parser skips
// strings by seeking over their declared length, and the kernel refuses an
// offset past the largest file it can hold ("seek <path>: invalid argument";
// a string of 0x3030303030303030 bytes did it). That is a corrupt file, and
// its detail leaves out the path, which the caller has and may not want
// printed.
func classify(err error) error {
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe) && pe.Op == "seek":
		return newError(ErrCorrupt, "%s", strings.Replace(err.Error(), pe.Error(), "offset beyond any file", 1))
	case errors.As(err, &pe):
		return fmt.Errorf("gguf: %w", err)
	case errors.Is(err, parser.ErrGGUFFileInvalidFormat):
		return newError(ErrNotGGUF, "%v", err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		// The parser's "tensor data needs N bytes but only M follow the
		// header" is not a typed error; its words are the only handle.
		strings.Contains(err.Error(), "tensor data needs"):
		return newError(ErrTruncated, "%v", err)
	}
	return newError(ErrCorrupt, "%v", err)
}

// summarize extracts our view of a parsed file. It may panic on values of
// unexpected types; ReadFile recovers.
func summarize(gf *parser.GGUFFile) *File {
	meta := gf.Metadata()
	out := &File{
		Version:             uint32(gf.Header.Version),
		Architecture:        meta.Architecture,
		Name:                meta.Name,
		QuantizationVersion: meta.QuantizationVersion,
		Parameters:          uint64(gf.ModelParameters),
		Metadata:            make(map[string]string, len(gf.Header.MetadataKV)),
	}
	if meta.FileTypeDescriptor != "Unknown" {
		out.FileType = meta.FileTypeDescriptor
	}
	// The parser defaults a missing architecture to "llama"; report only
	// what the file says.
	if kv, ok := gf.Header.MetadataKV.Get("general.architecture"); !ok || kv.ValueType != parser.GGUFMetadataValueTypeString {
		out.Architecture = ""
	}
	base := map[int]*Lineage{}
	data := map[int]*Lineage{}
	for _, kv := range gf.Header.MetadataKV {
		out.Metadata[kv.Key] = valueText(kv)
		if i, field, ok := lineageKey(kv.Key, "general.base_model."); ok {
			setLineage(base, i, field, kv)
		} else if i, field, ok := lineageKey(kv.Key, "general.dataset."); ok {
			setLineage(data, i, field, kv)
		}
	}
	out.BaseModels = sortedLineage(base)
	out.Datasets = sortedLineage(data)
	for _, ti := range gf.TensorInfos {
		out.Tensors = append(out.Tensors, Tensor{Name: ti.Name, Type: ti.Type.String(), Shape: slices.Clone(ti.Dimensions)})
	}
	slices.SortFunc(out.Tensors, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// valueText renders a metadata value as text, without calling the parser's
// typed accessors (which panic on a type mismatch).
func valueText(kv parser.GGUFMetadataKV) string {
	var s string
	switch v := kv.Value.(type) {
	case string:
		s = v
	case parser.GGUFMetadataKVArrayValue:
		s = fmt.Sprintf("[%d x %s]", v.Len, strings.ToLower(v.Type.String()))
	case float32:
		s = strconv.FormatFloat(float64(v), 'g', -1, 32)
	case float64:
		s = strconv.FormatFloat(v, 'g', -1, 64)
	default:
		s = fmt.Sprint(v)
	}
	if len(s) > MaxMetadataValue {
		s = s[:MaxMetadataValue] + "…"
	}
	return s
}

// lineageKey splits "general.base_model.3.repo_url" into (3, "repo_url").
func lineageKey(key, prefix string) (int, string, bool) {
	rest, ok := strings.CutPrefix(key, prefix)
	if !ok {
		return 0, "", false
	}
	num, field, ok := strings.Cut(rest, ".")
	if !ok {
		return 0, "", false // "count"
	}
	i, err := strconv.Atoi(num)
	if err != nil || i < 0 || i > 1<<20 || strconv.Itoa(i) != num {
		return 0, "", false
	}
	return i, field, true
}

func setLineage(m map[int]*Lineage, i int, field string, kv parser.GGUFMetadataKV) {
	s, ok := kv.Value.(string)
	if !ok {
		return // every lineage field is a string in the convention
	}
	l := m[i]
	if l == nil {
		l = &Lineage{Index: i}
		m[i] = l
	}
	switch field {
	case "name":
		l.Name = s
	case "author":
		l.Author = s
	case "version":
		l.Version = s
	case "organization":
		l.Organization = s
	case "description":
		l.Description = s
	case "url":
		l.URL = s
	case "doi":
		l.DOI = s
	case "uuid":
		l.UUID = s
	case "repo_url":
		l.RepoURL = s
	}
}

func sortedLineage(m map[int]*Lineage) []Lineage {
	var out []Lineage
	for _, l := range m {
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b Lineage) int { return a.Index - b.Index })
	return out
}
