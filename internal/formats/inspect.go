package formats

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/prova-network/prova/internal/formats/gguf"
	"github.com/prova-network/prova/internal/formats/lfs"
	"github.com/prova-network/prova/internal/formats/safetensors"
)

// Inspect summarizes the model at path, reading headers only.
//
// A file is recognized by its magic: GGUF files start with "GGUF";
// safetensors files with a little-endian length followed by '{', after
// optional whitespace (or end in ".safetensors"). A Git LFS pointer, of any
// name, is an error saying so (errors.Is(err, lfs.ErrPointer)). A file ending in ".safetensors.index.json" is read as a
// sharded-model index. A directory is searched, in this order, for
// model.safetensors.index.json (or a single *.safetensors.index.json), a
// single *.safetensors file, and a single GGUF model (one file or the first
// split of "name-0000k-of-0000n.gguf"). One split of a GGUF model, named
// directly or found in a directory, reads every split of it, as llama.cpp
// loads it: a missing split is an error naming it. Next to the model, README.md front
// matter (base_model, datasets), adapter_config.json (base_model_name_or_path)
// and config.json (model_type) add lineage hints and the architecture name.
//
// Symbolic links in a directory are not followed, except in a Hugging Face
// cache snapshot (see hfcache.go); a cache repository folder
// (models--org--name) is read at the snapshot refs/main names.
func Inspect(path string) (*Summary, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return inspectFile(path)
	}
	snapshot, err := cacheSnapshot(path)
	if err != nil {
		return nil, err
	}
	if snapshot != "" {
		path = snapshot
	}
	s, err := inspectDir(path)
	if err != nil {
		return nil, err
	}
	addDirHints(s, path)
	return s, nil
}

// inspectFile recognizes and reads one file.
func inspectFile(path string) (*Summary, error) {
	name := filepath.Base(path)
	if strings.HasSuffix(name, ".safetensors.index.json") {
		return inspectSharded(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, lfs.MaxPointerSize)
	n, _ := io.ReadFull(f, head)
	f.Close()
	head = head[:n]
	if p := lfs.Parse(head); p != nil {
		return nil, fmt.Errorf("%s: %w", name, p) // whatever its name says it is
	}
	switch {
	case n >= 4 && string(head[:4]) == "GGUF":
		return inspectGGUF(path)
	case strings.HasSuffix(name, ".onnx"):
		return inspectONNX(path)
	case strings.HasSuffix(name, ".safetensors"), looksLikeSafetensors(head):
		h, err := safetensors.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return fromSafetensors([]string{name}, []*safetensors.Header{h}), nil
	}
	return nil, fmt.Errorf("%w: %s is neither safetensors, GGUF nor ONNX (.onnx)", ErrUnknownFormat, name)
}

// looksLikeSafetensors reports whether head, the start of a file, is a
// plausible header length followed by '{', after the JSON whitespace that
// the reference reader allows before it.
func looksLikeSafetensors(head []byte) bool {
	if len(head) < 9 || binary.LittleEndian.Uint64(head[:8]) > safetensors.MaxHeaderSize {
		return false
	}
	body := bytes.TrimLeft(head[8:], " \t\r\n")
	return len(body) > 0 && body[0] == '{'
}

func inspectGGUF(path string) (*Summary, error) {
	g, err := gguf.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return fromGGUF(g), nil
}

func inspectSharded(indexPath string) (*Summary, error) {
	sh, err := safetensors.ReadSharded(indexPath)
	if err != nil {
		return nil, err
	}
	files := []string{filepath.Base(indexPath)}
	var headers []*safetensors.Header
	for _, s := range sh.Shards {
		files = append(files, s.File)
		headers = append(headers, s.Header)
	}
	return fromSafetensors(files, headers), nil
}

// splitGGUF matches the first split of a split GGUF model.
var splitGGUF = regexp.MustCompile(`-00001-of-[0-9]{5}\.gguf$`)

// anySplitGGUF matches any split.
var anySplitGGUF = regexp.MustCompile(`-[0-9]{5}-of-[0-9]{5}\.gguf$`)

// inspectDir finds the model in a directory (not recursively). The files
// the model is read from (shards an index names, a split model's splits)
// are held to the same link rule as the file chosen: a link among them
// that is not followed makes the result an error.
func inspectDir(dir string) (*Summary, error) {
	links := newLinkPolicy(dir)
	s, err := findModel(dir, links)
	if err != nil {
		return nil, err
	}
	for _, f := range s.Files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSymlink != 0 && !links.follow(p) {
			return nil, fmt.Errorf("%w: %s is a symbolic link, which is not followed outside a Hugging Face cache snapshot (or out of it): inspect the file it points to",
				ErrNoModel, f)
		}
	}
	return s, nil
}

// findModel is inspectDir before the link check of the files read.
func findModel(dir string, links linkPolicy) (*Summary, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var indexes, tensors, ggufs, onnxs, skipped []string
	for _, e := range entries {
		n := e.Name()
		if e.Type()&os.ModeSymlink != 0 && isModelName(n) && !links.follow(filepath.Join(dir, n)) {
			skipped = append(skipped, n)
			continue
		}
		if !e.Type().IsRegular() && e.Type()&os.ModeSymlink == 0 {
			continue
		}
		switch {
		case strings.HasSuffix(n, ".safetensors.index.json"):
			indexes = append(indexes, n)
		case strings.HasSuffix(n, ".safetensors"):
			tensors = append(tensors, n)
		case strings.HasSuffix(n, ".gguf"):
			ggufs = append(ggufs, n)
		case strings.HasSuffix(n, ".onnx"):
			onnxs = append(onnxs, n)
		}
	}
	switch {
	case slices.Contains(indexes, safetensors.IndexFileName):
		return inspectSharded(filepath.Join(dir, safetensors.IndexFileName))
	case len(indexes) == 1:
		return inspectSharded(filepath.Join(dir, indexes[0]))
	case len(indexes) > 1:
		return nil, fmt.Errorf("%w: %s has several indexes %v and no %s", ErrAmbiguous, dir, indexes, safetensors.IndexFileName)
	case len(tensors) == 1:
		h, err := safetensors.ReadFile(filepath.Join(dir, tensors[0]))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tensors[0], err)
		}
		return fromSafetensors(tensors, []*safetensors.Header{h}), nil
	case len(tensors) > 1:
		return nil, fmt.Errorf("%w: %s holds %d safetensors files but no %s; inspect one file", ErrAmbiguous, dir, len(tensors), safetensors.IndexFileName)
	case len(ggufs) == 1:
		s, err := inspectGGUF(filepath.Join(dir, ggufs[0]))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ggufs[0], err)
		}
		return s, nil
	case len(ggufs) > 1:
		var firsts []string
		allSplits := true
		for _, g := range ggufs {
			if splitGGUF.MatchString(g) {
				firsts = append(firsts, g)
			}
			allSplits = allSplits && anySplitGGUF.MatchString(g)
		}
		if allSplits && len(firsts) == 1 {
			return inspectGGUF(filepath.Join(dir, firsts[0])) // reads every split
		}
		return nil, fmt.Errorf("%w: %s holds %d GGUF files (%s); inspect one file", ErrAmbiguous, dir, len(ggufs), strings.Join(ggufs, ", "))
	}
	switch {
	case len(onnxs) == 1:
		s, err := inspectONNX(filepath.Join(dir, onnxs[0]))
		if err != nil {
			return nil, err
		}
		return s, nil
	case len(onnxs) > 1:
		return nil, fmt.Errorf("%w: %s holds %d ONNX files (%s); inspect one file", ErrAmbiguous, dir, len(onnxs), strings.Join(onnxs, ", "))
	}
	if len(skipped) > 0 {
		return nil, fmt.Errorf("%w: %s has no .safetensors or .gguf file but symbolic links (%s), which are not followed outside a Hugging Face cache snapshot: inspect the files they point to",
			ErrNoModel, dir, strings.Join(skipped, ", "))
	}
	return nil, fmt.Errorf("%w: %s has no .safetensors, .gguf or .onnx file", ErrNoModel, dir)
}

// isModelName reports whether a directory entry's name is one inspectDir
// looks for.
func isModelName(n string) bool {
	return strings.HasSuffix(n, ".safetensors") || strings.HasSuffix(n, ".safetensors.index.json") || strings.HasSuffix(n, ".gguf") || strings.HasSuffix(n, ".onnx")
}
