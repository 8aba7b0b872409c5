package gguf

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	parser "github.com/gpustack/gguf-parser-go"
)

// Split models.
//
// llama.cpp's gguf-split cuts a model into files named
// PREFIX-00001-of-0000N.gguf … PREFIX-0000N-of-0000N.gguf; every split holds
// split.no (u16, counted from 0), split.count (u16, N) and
// split.tensors.count (i32, the tensors of all splits together). llama.cpp
// loads such a model only whole: from the first split, it derives the other
// files' names from the first one's name, refuses a missing split, a split
// whose split.no is not its place, and a total tensor count other than
// split.tensors.count (llama-model-loader.cpp). A file that says
// split.count > 1 but is not named like a split cannot be loaded at all: its
// siblings cannot be found.
//
// ReadFile follows the same rules, except that any split may be named (an
// inspector has no reason to insist on the first): it reads every split,
// reports them in File.Splits, and refuses an incomplete or inconsistent
// set with a message saying what is missing. A summary therefore always
// describes the whole model and names every file it counted.

// splitPaths returns the paths of every split of the model that path belongs
// to, in split order, or nil when path is not named like a split. The list
// is the one the parser reads (parser.CompleteShardGGUFFilename), so that
// File.Splits names exactly the files counted.
func splitPaths(path string) ([]string, error) {
	base := filepath.Base(path)
	if !parser.IsShardGGUFFilename(base) {
		return nil, nil
	}
	// The parser adds ".gguf" to a name without it and would then read
	// files other than the one named.
	if !strings.HasSuffix(base, ".gguf") {
		return nil, newError(ErrSplitName, "%s is named like a split but lacks the .gguf extension: gguf-split names splits PREFIX-0000k-of-0000n.gguf; rename it so", base)
	}
	m := parser.ShardGGUFFilenameRegex.FindStringSubmatch(base)
	no, _ := strconv.Atoi(m[parser.ShardGGUFFilenameRegex.SubexpIndex("Shard")])
	count, _ := strconv.Atoi(m[parser.ShardGGUFFilenameRegex.SubexpIndex("ShardTotal")])
	if no < 1 || no > count {
		return nil, newError(ErrSplitName, "%s names split %d of %d: gguf-split numbers splits from 1 to their count", base, no, count)
	}
	paths := parser.CompleteShardGGUFFilename(path)
	var missing []string
	for _, p := range paths {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, filepath.Base(p))
		} else if err != nil {
			return nil, fmt.Errorf("gguf: %w", err)
		}
	}
	if len(missing) == 0 {
		// Each split's magic, so that a bad split (a Git LFS pointer
		// left by a partial download, say) is named.
		for _, p := range paths {
			if err := checkMagic(p); err != nil {
				return nil, fmt.Errorf("split %s: %w", filepath.Base(p), err)
			}
		}
	}
	if len(missing) > 0 {
		verb := "is"
		if len(missing) > 1 {
			verb = "are"
		}
		names := strings.Join(missing[:min(len(missing), 5)], ", ")
		if len(missing) > 5 {
			names += fmt.Sprintf(" and %d more", len(missing)-5)
		}
		return nil, newError(ErrMissingSplit, "%s is split %d of %d, and %s %s not beside it: llama.cpp loads a split model only whole; download every split into the same directory",
			base, no, count, names, verb)
	}
	return paths, nil
}

// checkSplitMetadata checks the split keys of a parsed model against the
// files read: count is the number of splits the names say (0 for a file not
// named like a split). The parser keeps every split's keys except split.no,
// so a split's place is taken from its name alone.
func checkSplitMetadata(gf *parser.GGUFFile, base string, count int) error {
	var counts []int64
	tensors := int64(-1)
	for _, kv := range gf.Header.MetadataKV {
		switch kv.Key {
		case "split.count":
			n, ok := intValue(kv.Value)
			if !ok {
				return newError(ErrCorrupt, "split.count holds a %v, not an integer", kv.ValueType)
			}
			counts = append(counts, n)
		case "split.tensors.count":
			n, ok := intValue(kv.Value)
			if !ok {
				return newError(ErrCorrupt, "split.tensors.count holds a %v, not an integer", kv.ValueType)
			}
			if tensors < 0 {
				tensors = n // llama.cpp reads the first split's
			}
		}
	}
	if count == 0 {
		if len(counts) > 0 && counts[0] > 1 {
			return newError(ErrSplitName, "%s says it is one of %d splits (split.count) but is not named like a split, so its siblings cannot be found: name the files as gguf-split does, PREFIX-00001-of-%05d.gguf and so on, side by side",
				base, counts[0], counts[0])
		}
		return nil
	}
	if count > 1 && len(counts) != count {
		return newError(ErrCorrupt, "the %d files named as splits hold split.count %d times; gguf-split writes it in every split", count, len(counts))
	}
	for _, n := range counts {
		if n != int64(count) {
			return newError(ErrCorrupt, "split.count is %d but the files are named as %d splits", n, count)
		}
	}
	if count > 1 && tensors >= 0 && tensors != int64(len(gf.TensorInfos)) {
		return newError(ErrCorrupt, "split.tensors.count is %d but the %d splits hold %d tensors", tensors, count, len(gf.TensorInfos))
	}
	return nil
}

// intValue returns a metadata value of any integer type.
func intValue(v any) (int64, bool) {
	switch v := v.(type) {
	case uint8:
		return int64(v), true
	case int8:
		return int64(v), true
	case uint16:
		return int64(v), true
	case int16:
		return int64(v), true
	case uint32:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case uint64:
		return int64(min(v, math.MaxInt64)), true
	}
	return 0, false
}
