package bom

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zeebo/blake3"
)

// HashFiles reads each file named by rels (slash-separated, relative to
// root) once and returns it with its size, SHA-256 and BLAKE3. rels must
// stay inside root. If root is a file, pass rels = ["."]: the file is then
// named by its base name. This is the one place a BOM's hashes come from,
// so every hash in it is the hash of a file's bytes.
func HashFiles(root string, rels []string) ([]File, error) {
	out := make([]File, 0, len(rels))
	for _, rel := range rels {
		if !fs.ValidPath(rel) {
			return nil, fmt.Errorf("%w: file path %q is not a relative path inside %s", ErrInvalidLineage, rel, root)
		}
		path, name := filepath.Join(root, filepath.FromSlash(rel)), rel
		if rel == "." {
			name = filepath.Base(root)
		}
		f, err := hashFile(path)
		if err != nil {
			return nil, err
		}
		f.Path = name
		out = append(out, f)
	}
	return out, nil
}

func hashFile(path string) (File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer fh.Close()
	s, b := sha256.New(), blake3.New()
	n, err := io.Copy(io.MultiWriter(s, b), fh)
	if err != nil {
		return File{}, fmt.Errorf("hash %s: %w", path, err)
	}
	return File{Size: n, SHA256: hex.EncodeToString(s.Sum(nil)), BLAKE3: hex.EncodeToString(b.Sum(nil))}, nil
}
