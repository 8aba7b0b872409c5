package croissant

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// LocalFile is a distribution file found on disk.
type LocalFile struct {
	// FileID is the @id of the FileObject or FileSet it belongs to.
	FileID string
	// Path is the file on disk.
	Path   string
	Size   int64
	SHA256 string // lower-case hex of the file's bytes
}

// Locate finds the local files of d: a FileObject with a relative
// contentUrl at that path under baseDir (the metadata file's directory); one
// whose contentUrl is a URL by its file name in dataDir (baseDir/data when
// dataDir is ""); a FileSet's files by its globs under baseDir. Files
// extracted from an archive (containedIn) are inside it and are not looked
// for. Each FileObject is hashed and compared with its checksums. The
// result is sorted by path.
func Locate(d *Dataset, baseDir, dataDir string) ([]LocalFile, error) {
	if dataDir == "" {
		dataDir = filepath.Join(baseDir, "data")
	}
	var out []LocalFile
	for _, f := range d.Files {
		if len(f.ContainedIn) > 0 {
			continue
		}
		p := filepath.Join(baseDir, filepath.FromSlash(f.Path))
		dir := baseDir
		if f.Remote {
			p, dir = filepath.Join(dataDir, f.RemoteName), dataDir
		}
		if err := within(dir, p); err != nil {
			return nil, fmt.Errorf("%w: file %q: %w", ErrUnsafePath, f.ID, err)
		}
		lf, err := checkFile(f, p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				if f.Remote {
					return nil, fmt.Errorf("%w: file %q: contentUrl %s is a URL; looked for %s in %s: not there (download it there, or name the directory holding it with --data-dir)",
						ErrMissingFile, f.ID, f.ContentURL, f.RemoteName, dataDir)
				}
				return nil, fmt.Errorf("%w: file %q: %s does not exist", ErrMissingFile, f.ID, p)
			}
			return nil, err
		}
		out = append(out, lf)
	}
	for _, s := range d.FileSets {
		if len(s.ContainedIn) > 0 {
			continue
		}
		files, err := matchFileSet(s, baseDir)
		if err != nil {
			return nil, err
		}
		out = append(out, files...)
	}
	slices.SortFunc(out, func(a, b LocalFile) int { return strings.Compare(a.Path, b.Path) })
	for i := 1; i < len(out); i++ {
		if out[i].Path == out[i-1].Path {
			return nil, fmt.Errorf("%w: %s is named by both %q and %q", ErrInvalid, out[i].Path, out[i-1].FileID, out[i].FileID)
		}
	}
	return out, nil
}

// within checks that the directory holding p, with its symbolic links
// resolved, is dir or below it: a relative contentUrl cannot leave the
// metadata's directory through a linked subdirectory. (The file itself
// must not be a link; checkFile refuses one.) A missing directory is left
// for checkFile to report.
func within(dir, p string) error {
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil
	}
	realParent, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		return nil
	}
	rel, err := filepath.Rel(realDir, realParent)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return fmt.Errorf("%s is outside %s (through a symbolic link)", p, dir)
	}
	return nil
}

// checkFile hashes the regular file at p and compares it with f's
// checksums.
func checkFile(f FileObject, p string) (LocalFile, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return LocalFile{}, err
	}
	if !fi.Mode().IsRegular() {
		return LocalFile{}, fmt.Errorf("%w: file %q: %s is not a regular file (symbolic links are not followed)", ErrUnsafePath, f.ID, p)
	}
	lf, sums, err := hashFile(p, f.MD5 != "")
	if err != nil {
		return LocalFile{}, err
	}
	lf.FileID = f.ID
	for _, c := range []struct{ alg, want string }{{"sha256", f.SHA256}, {"md5", f.MD5}} {
		if c.want != "" && sums[c.alg] != c.want {
			return LocalFile{}, &ChecksumError{FileID: f.ID, Path: p, Algorithm: c.alg, Want: c.want, Got: sums[c.alg]}
		}
	}
	return lf, nil
}

func hashFile(p string, withMD5 bool) (LocalFile, map[string]string, error) {
	fh, err := os.Open(p)
	if err != nil {
		return LocalFile{}, nil, err
	}
	defer fh.Close()
	hs := map[string]hash.Hash{"sha256": sha256.New()}
	if withMD5 {
		hs["md5"] = md5.New() // only to check a checksum the metadata gives
	}
	ws := make([]io.Writer, 0, len(hs))
	for _, h := range hs {
		ws = append(ws, h)
	}
	n, err := io.Copy(io.MultiWriter(ws...), fh)
	if err != nil {
		return LocalFile{}, nil, fmt.Errorf("read %s: %w", p, err)
	}
	sums := map[string]string{}
	for alg, h := range hs {
		sums[alg] = hex.EncodeToString(h.Sum(nil))
	}
	return LocalFile{Path: p, Size: n, SHA256: sums["sha256"]}, sums, nil
}

// matchFileSet lists the regular files under baseDir that match one of s's
// includes and none of its excludes.
func matchFileSet(s FileSet, baseDir string) ([]LocalFile, error) {
	var out []LocalFile
	err := filepath.WalkDir(baseDir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(baseDir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !matchAny(s.Includes, rel) || matchAny(s.Excludes, rel) {
			return nil
		}
		lf, _, err := hashFile(p, false)
		if err != nil {
			return err
		}
		lf.FileID = s.ID
		out = append(out, lf)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: file set %q: no file under %s matches %q", ErrMissingFile, s.ID, baseDir, s.Includes)
	}
	return out, nil
}

func matchAny(globs []string, rel string) bool {
	for _, g := range globs {
		if matchGlob(strings.Split(g, "/"), strings.Split(rel, "/")) {
			return true
		}
	}
	return false
}

// matchGlob matches path elements against glob elements, where "**"
// matches any number of elements (as Croissant's globs, which follow
// Python's glob with recursive=True) and every other element is a
// path.Match pattern.
func matchGlob(glob, elems []string) bool {
	if len(glob) == 0 {
		return len(elems) == 0
	}
	if glob[0] == "**" {
		for i := 0; i <= len(elems); i++ {
			if matchGlob(glob[1:], elems[i:]) {
				return true
			}
		}
		return false
	}
	if len(elems) == 0 {
		return false
	}
	ok, _ := path.Match(glob[0], elems[0]) // patterns were checked by Parse
	return ok && matchGlob(glob[1:], elems[1:])
}
