package safetensors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prova-network/prova/internal/formats/lfs"
)

// IndexFileName is the index of a sharded model written by transformers.
const IndexFileName = "model.safetensors.index.json"

// MaxIndexSize bounds the index JSON read by ReadIndex.
const MaxIndexSize = 64 << 20

// Index is a sharded-model index: which shard file holds each tensor.
type Index struct {
	// Metadata is the free-form "metadata" object (usually total_size).
	Metadata map[string]any `json:"metadata"`
	// WeightMap maps tensor name to shard file name (a base name in the
	// index's directory).
	WeightMap map[string]string `json:"weight_map"`
}

// Files returns the shard file names, sorted and without repeats.
func (ix *Index) Files() []string {
	var files []string
	for _, f := range ix.WeightMap {
		files = append(files, f)
	}
	slices.Sort(files)
	return slices.Compact(files)
}

// ParseIndex decodes and checks an index: a non-empty weight_map whose file
// names are plain names in the same directory (no separators, no "..").
func ParseIndex(data []byte) (*Index, error) {
	if len(data) > MaxIndexSize {
		return nil, newError(ErrInvalidIndex, "", "%d bytes is over the %d byte limit", len(data), MaxIndexSize)
	}
	var ix Index
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&ix); err != nil {
		return nil, newError(ErrInvalidIndex, "", "%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, newError(ErrInvalidIndex, "", "data after the index object")
	}
	if len(ix.WeightMap) == 0 {
		return nil, newError(ErrInvalidIndex, "", "empty or missing weight_map")
	}
	for _, tensor := range sortedKeys(ix.WeightMap) {
		file := ix.WeightMap[tensor]
		if file == "" || file == "." || file == ".." || strings.ContainsAny(file, `/\`) || strings.ContainsRune(file, 0) {
			return nil, newError(ErrInvalidIndex, tensor, "shard file %q must be a plain file name in the index's directory", file)
		}
	}
	return &ix, nil
}

// ReadIndex reads and parses the index file at path. A Git LFS pointer in
// its place is an *lfs.PointerError, prefixed with the file's name.
func ReadIndex(path string) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxIndexSize+1))
	if err != nil {
		return nil, err
	}
	if p := lfs.Parse(data); p != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), p)
	}
	return ParseIndex(data)
}

// Shard is one validated file of a sharded model.
type Shard struct {
	// File is the shard's base name, as written in the index.
	File   string
	Header *Header
}

// Sharded is a validated sharded model.
type Sharded struct {
	Index  *Index
	Shards []Shard // in Index.Files order
}

// Tensors returns the tensors of all shards, sorted by name.
func (s *Sharded) Tensors() []Tensor {
	var all []Tensor
	for _, sh := range s.Shards {
		all = append(all, sh.Header.Tensors...)
	}
	slices.SortFunc(all, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	return all
}

// ReadSharded reads the index at indexPath and the header of every shard it
// names (from the same directory), and checks that they agree: each tensor
// of the weight map is in the shard the map names, and each shard holds only
// tensors the map assigns to it.
func ReadSharded(indexPath string) (*Sharded, error) {
	ix, err := ReadIndex(indexPath)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(indexPath)
	s := &Sharded{Index: ix}
	found := make(map[string]bool, len(ix.WeightMap))
	for _, file := range ix.Files() {
		h, err := ReadFile(filepath.Join(dir, file))
		if err != nil {
			return nil, fmt.Errorf("shard %s: %w", file, err)
		}
		for _, t := range h.Tensors {
			want, ok := ix.WeightMap[t.Name]
			switch {
			case !ok:
				return nil, newError(ErrInvalidIndex, t.Name, "in shard %s but not in the weight_map", file)
			case want != file:
				return nil, newError(ErrInvalidIndex, t.Name, "in shard %s but the weight_map says %s", file, want)
			}
			found[t.Name] = true
		}
		s.Shards = append(s.Shards, Shard{File: file, Header: h})
	}
	for _, tensor := range sortedKeys(ix.WeightMap) {
		if !found[tensor] {
			return nil, newError(ErrInvalidIndex, tensor, "the weight_map puts it in %s, which does not hold it", ix.WeightMap[tensor])
		}
	}
	return s, nil
}

// sortedKeys returns the keys of m in order, so that which error is reported
// first does not depend on map iteration.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
