package fingerprint

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// fileEntry is one regular file found by the walk.
type fileEntry struct {
	rel  string      // slash-separated path relative to the root ("." when the root is a file)
	abs  string      // path to open
	info os.FileInfo // from the walk; hashing checks the opened file is still this one
}

// label names the file in error messages.
func (f fileEntry) label() string {
	if f.rel == "." {
		return filepath.Base(f.abs)
	}
	return f.rel
}

// tree is what the walk found.
type tree struct {
	name     string      // the model name: the last element of the root
	files    []fileEntry // in no particular order (the manifest sorts resources)
	followed bool        // a symbolic link was followed
}

// walk lists the regular files under root. It applies the ignore patterns
// and the symlink policy of o, which has been through withDefaults.
//
// A root inside a Hugging Face cache snapshot
// (…/models--org--name/snapshots/<rev>[/sub]; also datasets-- and spaces--)
// is a tree of relative links into the repository's blobs/ folder. Under the
// default policy (SymlinkError), links that resolve inside that repository
// folder are followed: the bytes they point to are hashed under the link's
// name, so a snapshot hashes like a plain copy of its files. Any other link
// there gets the policy as usual.
func walk(root string, o Options) (tree, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return tree{}, err
	}
	name := filepath.Base(abs)
	// The root itself is followed even if it is a link: the caller named it.
	info, err := os.Stat(abs)
	if err != nil {
		return tree{}, err
	}
	switch {
	case info.Mode().IsRegular():
		if !utf8.ValidString(name) {
			return tree{}, fmt.Errorf("%w: file name %q is not valid UTF-8", ErrUnsupportedFile, name)
		}
		// model_signing names the one resource of a file model by its
		// path relative to the model path: ".".
		return tree{name: name, files: []fileEntry{{rel: ".", abs: abs, info: info}}}, nil
	case info.IsDir():
	default:
		return tree{}, fmt.Errorf("%w: %s is a %v", ErrUnsupportedFile, root, info.Mode().Type())
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return tree{}, err
	}
	w := walker{o: o, ancestors: map[string]bool{}}
	if o.Symlinks == SymlinkError {
		w.cacheRepo = HFCacheRepo(real, abs)
	}
	if err := w.dir(abs, "", real); err != nil {
		return tree{}, err
	}
	return tree{name: name, files: w.files, followed: w.followed}, nil
}

// cacheRepoPrefixes are the folder name prefixes of huggingface_hub's cache
// repositories (models, datasets, spaces).
var cacheRepoPrefixes = []string{"models--", "datasets--", "spaces--"}

// HFCacheRepo returns the resolved path of the Hugging Face cache
// repository folder (models--ORG--NAME, datasets--…, spaces--…) whose
// snapshots hold the first of the absolute paths dirs that is at or below
// <repo>/snapshots/<rev>, or "" if none is. Links that resolve inside that
// folder are the ones followed in a snapshot (here and by
// internal/formats' inspect).
func HFCacheRepo(dirs ...string) string {
	for _, dir := range dirs {
		for d := filepath.Clean(dir); ; {
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			if filepath.Base(parent) == "snapshots" {
				repo := filepath.Dir(parent)
				base := filepath.Base(repo)
				for _, p := range cacheRepoPrefixes {
					if strings.HasPrefix(base, p) && len(base) > len(p) {
						if r, err := filepath.EvalSymlinks(repo); err == nil {
							return r
						}
					}
				}
			}
			d = parent
		}
	}
	return ""
}

// within reports whether the resolved path p is dir or below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

type walker struct {
	o         Options
	files     []fileEntry
	ancestors map[string]bool // resolved paths of the directories being walked, for loop detection
	cacheRepo string          // resolved Hugging Face cache repository folder of the root, or ""
	followed  bool            // a link was followed
}

// dir walks the directory at abs, whose relative path is rel ("" for the
// root) and whose symlink-free path is real.
func (w *walker) dir(abs, rel, real string) error {
	w.ancestors[real] = true
	defer delete(w.ancestors, real)

	entries, err := os.ReadDir(abs)
	if err != nil {
		return err
	}
	for _, e := range entries {
		childRel := e.Name()
		if rel != "" {
			childRel = rel + "/" + e.Name()
		}
		if ignored(childRel, w.o.IgnorePaths) {
			continue
		}
		if !utf8.ValidString(e.Name()) {
			// JSON would replace the bad bytes, so two files could get one name.
			return fmt.Errorf("%w: file name %q is not valid UTF-8", ErrUnsupportedFile, childRel)
		}
		childAbs := filepath.Join(abs, e.Name())
		switch t := e.Type(); {
		case t&fs.ModeSymlink != 0:
			if err := w.symlink(childAbs, childRel); err != nil {
				return err
			}
		case t.IsDir():
			if err := w.dir(childAbs, childRel, filepath.Join(real, e.Name())); err != nil {
				return err
			}
		case t.IsRegular():
			info, err := e.Info()
			if err != nil {
				return err
			}
			w.files = append(w.files, fileEntry{rel: childRel, abs: childAbs, info: info})
		default:
			return fmt.Errorf("%w: %s is a %v", ErrUnsupportedFile, childRel, t)
		}
	}
	return nil
}

// inCacheRepo reports whether the link at abs resolves inside the Hugging
// Face cache repository folder of the root.
func (w *walker) inCacheRepo(abs string) bool {
	if w.cacheRepo == "" {
		return false
	}
	target, err := filepath.EvalSymlinks(abs)
	return err == nil && within(target, w.cacheRepo)
}

// symlink applies the symlink policy to the link at abs.
func (w *walker) symlink(abs, rel string) error {
	switch w.o.Symlinks {
	case SymlinkSkip:
		return nil
	case SymlinkError:
		if !w.inCacheRepo(abs) {
			target, _ := os.Readlink(abs)
			return fmt.Errorf("%w: %s -> %s (use the follow or skip symlink policy to hash or leave out links)", ErrSymlink, rel, target)
		}
	}
	w.followed = true
	info, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("follow symbolic link %s: %w", rel, err)
	}
	switch {
	case info.Mode().IsRegular():
		w.files = append(w.files, fileEntry{rel: rel, abs: abs, info: info})
		return nil
	case info.IsDir():
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return fmt.Errorf("follow symbolic link %s: %w", rel, err)
		}
		if w.ancestors[real] {
			return fmt.Errorf("%w: %s points to %s, which contains it", ErrSymlinkLoop, rel, real)
		}
		return w.dir(abs, rel, real)
	default:
		return fmt.Errorf("%w: %s points to a %v", ErrUnsupportedFile, rel, info.Mode().Type())
	}
}
