package fingerprint

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"
)

// fileEntry is one regular file found by the walk.
type fileEntry struct {
	rel  string      // slash-separated path relative to the root (base name when the root is a file)
	abs  string      // path to open
	info os.FileInfo // from the walk; hashing checks the opened file is still this one
}

// walk lists the regular files under root, in no particular order (the
// manifest sorts resources itself). It applies the ignore patterns and the
// symlink policy of o, which has been through withDefaults. The returned name
// is the model name: the last element of root.
func walk(root string, o Options) (string, []fileEntry, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", nil, err
	}
	name := filepath.Base(abs)
	// The root itself is followed even if it is a link: the caller named it.
	info, err := os.Stat(abs)
	if err != nil {
		return "", nil, err
	}
	switch {
	case info.Mode().IsRegular():
		if !utf8.ValidString(name) {
			return "", nil, fmt.Errorf("%w: file name %q is not valid UTF-8", ErrUnsupportedFile, name)
		}
		return name, []fileEntry{{rel: name, abs: abs, info: info}}, nil
	case info.IsDir():
	default:
		return "", nil, fmt.Errorf("%w: %s is a %v", ErrUnsupportedFile, root, info.Mode().Type())
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", nil, err
	}
	w := walker{o: o, ancestors: map[string]bool{}}
	if err := w.dir(abs, "", real); err != nil {
		return "", nil, err
	}
	if len(w.files) == 0 {
		return "", nil, fmt.Errorf("%w: %s has no files (after ignoring %v)", ErrEmpty, root, o.IgnorePaths)
	}
	return name, w.files, nil
}

type walker struct {
	o         Options
	files     []fileEntry
	ancestors map[string]bool // resolved paths of the directories being walked, for loop detection
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

// symlink applies the symlink policy to the link at abs.
func (w *walker) symlink(abs, rel string) error {
	switch w.o.Symlinks {
	case SymlinkSkip:
		return nil
	case SymlinkError:
		target, _ := os.Readlink(abs)
		return fmt.Errorf("%w: %s -> %s (use the follow or skip symlink policy to hash or leave out links)", ErrSymlink, rel, target)
	}
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
