package records

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// gitPaths are left out of a directory unless Options.IncludeGitPaths is set;
// they match at any depth (the fingerprint package's default ignore list).
var gitPaths = []string{".git", ".gitattributes", ".github", ".gitignore"}

// dirFiles returns the slash-separated relative paths of the regular files
// under root, sorted bytewise. Sorting whole paths, not each directory's
// entries, is what makes "a.txt" come before "a/b".
func dirFiles(root string, o Options) ([]string, error) {
	var rels []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		if !o.IncludeGitPaths && slices.Contains(gitPaths, d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch t := d.Type(); {
		case t.IsDir():
			return nil
		case t&fs.ModeSymlink != 0:
			return fmt.Errorf("%w: %s is a symbolic link; replace it with the file or remove it", ErrUnsupportedFile, p)
		case !t.IsRegular():
			return fmt.Errorf("%w: %s is not a regular file (%s)", ErrUnsupportedFile, p, t)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if len(rel)+1+sha256.Size > o.MaxRecordSize {
			return fmt.Errorf("%w: path %s is %d bytes, the cap is %d with its digest", ErrRecordTooLarge, rel, len(rel), o.MaxRecordSize)
		}
		rels = append(rels, rel)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(rels)
	return rels, nil
}

func eachDir(root string, o Options, fn func(uint64, []byte) error) error {
	rels, err := dirFiles(root, o)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	var rec []byte
	for i, rel := range rels {
		digest, err := fileDigest(root, rel, buf)
		if err != nil {
			return err
		}
		rec = appendDirRecord(rec[:0], rel, digest)
		if err := fn(uint64(i), rec); err != nil {
			return err
		}
	}
	return nil
}

// FileRecord returns the record bytes of the file at the slash-separated
// relative path rel under the dataset directory root: rel, 0x00, and the
// SHA-256 digest of the file. rel must be a clean relative path (fs.ValidPath)
// naming a regular file.
func FileRecord(root, rel string) ([]byte, error) {
	if !fs.ValidPath(rel) || rel == "." {
		return nil, fmt.Errorf("%w: %q is not a clean slash-separated relative path", ErrInvalidOptions, rel)
	}
	fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file (%s)", ErrUnsupportedFile, rel, fi.Mode().Type())
	}
	digest, err := fileDigest(root, rel, make([]byte, 1<<20))
	if err != nil {
		return nil, err
	}
	return appendDirRecord(nil, rel, digest), nil
}

// SplitFileRecord splits a directory record into its relative path and
// SHA-256 digest. ok is false if b is not a directory record.
func SplitFileRecord(b []byte) (rel string, digest []byte, ok bool) {
	i := bytes.IndexByte(b, 0)
	if i <= 0 || len(b)-i-1 != sha256.Size || !fs.ValidPath(string(b[:i])) {
		return "", nil, false
	}
	return string(b[:i]), b[i+1:], true
}

func appendDirRecord(dst []byte, rel string, digest [sha256.Size]byte) []byte {
	dst = append(dst, rel...)
	dst = append(dst, 0)
	return append(dst, digest[:]...)
}

func fileDigest(root, rel string, buf []byte) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, f, buf); err != nil {
		return sum, err
	}
	h.Sum(sum[:0])
	return sum, nil
}

// findDir looks a directory record up by its path, hashing only that file.
func findDir(root string, o Options, record []byte) (uint64, error) {
	rel, digest, ok := SplitFileRecord(record)
	if !ok {
		return 0, fmt.Errorf("%w: not a directory record (path, 0x00, 32-byte sha-256)", ErrRecordNotFound)
	}
	rels, err := dirFiles(root, o)
	if err != nil {
		return 0, err
	}
	i, found := slices.BinarySearch(rels, rel)
	if !found {
		return 0, fmt.Errorf("%w: no file %s", ErrRecordNotFound, rel)
	}
	sum, err := fileDigest(root, rel, make([]byte, 1<<20))
	if err != nil {
		return 0, err
	}
	if !bytes.Equal(sum[:], digest) {
		return 0, fmt.Errorf("%w: file %s has sha-256 %x, the record says %x", ErrRecordNotFound, rel, sum, digest)
	}
	return uint64(i), nil
}

// dirRecordAt returns the record of the index-th file, hashing only it.
func dirRecordAt(root string, o Options, index uint64) ([]byte, error) {
	rels, err := dirFiles(root, o)
	if err != nil {
		return nil, err
	}
	if index >= uint64(len(rels)) {
		return nil, fmt.Errorf("%w: index %d, dataset has %d records", ErrIndexOutOfRange, index, len(rels))
	}
	rel := rels[index]
	sum, err := fileDigest(root, rel, make([]byte, 1<<20))
	if err != nil {
		return nil, err
	}
	return appendDirRecord(nil, rel, sum), nil
}
