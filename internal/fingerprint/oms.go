package fingerprint

import (
	"fmt"
	"path"
	"strings"
)

// OptionsFromSerialization returns the options that recompute a manifest
// with serialization s the way model_signing's verifier does (v1.x,
// model_signing/verifying.py): "files" hashes every file whole, "shards"
// shards every non-empty file at s.ShardSize, the hash type is s.HashType,
// allow_symlinks follows links (otherwise a link is an error), and every
// ignore path is a literal path relative to the root, leaving out that file
// or directory at the root only. The git paths (.git, .gitattributes,
// .github, .gitignore) are left out at the root as well, as model_signing's
// verifier always does; Prova's own default leaves them out at any depth.
//
// Prova's "files+shards" method maps to the default sharding at s.ShardSize.
// Ignore patterns recorded by Prova are read as literal paths too, so a
// manifest made with glob patterns, or with a name pattern that matched below
// the root, is not recomputed by these options; verify it with the options it
// was made with.
func OptionsFromSerialization(s Serialization) (Options, error) {
	alg, err := ParseAlgorithm(s.HashType)
	if err != nil {
		return Options{}, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
	}
	o := Options{Algorithm: alg, IncludeGitPaths: true}
	switch s.Method {
	case MethodFiles:
		o.WholeFiles = true
	case MethodShards, MethodFilesAndShards:
		if s.ShardSize <= 0 {
			return Options{}, fmt.Errorf("%w: %s serialization with shard size %d", ErrInvalidOptions, s.Method, s.ShardSize)
		}
		o.ShardSize = s.ShardSize
		o.ShardAll = s.Method == MethodShards
	default:
		return Options{}, fmt.Errorf("%w: unknown serialization method %q", ErrInvalidOptions, s.Method)
	}
	if s.AllowSymlinks {
		o.Symlinks = SymlinkFollow
	}
	for _, p := range append(append([]string(nil), DefaultIgnorePaths...), s.IgnorePaths...) {
		lit, ok, err := literalIgnorePath(p)
		if err != nil {
			return Options{}, err
		}
		if ok {
			o.IgnorePaths = append(o.IgnorePaths, lit)
		}
	}
	return o, nil
}

// literalIgnorePath turns a model_signing ignore path (a path relative to the
// model root, matched literally) into an anchored pattern. ok is false for a
// path that model_signing resolves outside the root or that can never match
// (absolute, or with a ".." element): it ignores nothing. A path naming the
// root itself is refused: model_signing would leave out the whole model.
func literalIgnorePath(p string) (string, bool, error) {
	if strings.HasPrefix(p, "/") {
		return "", false, nil
	}
	var elems []string
	for e := range strings.SplitSeq(p, "/") {
		switch e {
		case "", ".":
			continue
		case "..":
			return "", false, nil
		}
		elems = append(elems, escapeGlob(e))
	}
	if len(elems) == 0 {
		return "", false, fmt.Errorf("%w: ignore path %q names the model root", ErrInvalidOptions, p)
	}
	return "/" + path.Join(elems...), true, nil
}

// escapeGlob quotes the path.Match metacharacters of s.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '\\', '*', '?', '[':
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// OMS returns m in a serialization that model_signing knows, for export as
// an in-toto statement. A "files" or "shards" manifest is m itself. A
// "files+shards" manifest (Prova's default when a file exceeds the shard
// size) becomes the "shards" manifest model_signing computes for the same
// files and shard size: every whole-file resource "p" becomes "p:0:size"
// (the same bytes, so the same digest) and empty files, which the shards
// method does not list, are left out. The resource order does not change,
// so the subject digest stays the ID of m unless m lists empty files.
//
// ok is false when m is a files+shards manifest whose whole-file sizes are
// unknown (read back from a statement): it cannot be converted.
func (m *Manifest) OMS() (*Manifest, bool) {
	if m.Serialization.Method != MethodFilesAndShards {
		return m, true
	}
	empty, _ := m.Algorithm.Sum(nil)
	out := *m
	out.Serialization.Method = MethodShards
	out.Resources = make([]Resource, 0, len(m.Resources))
	for _, r := range m.Resources {
		if _, _, _, ok := r.Shard(); ok {
			out.Resources = append(out.Resources, r)
			continue
		}
		if r.Size == 0 {
			if r.Digest != empty {
				return m, false
			}
			continue
		}
		r.Name = fmt.Sprintf("%s:0:%d", r.Name, r.Size)
		out.Resources = append(out.Resources, r)
	}
	out.Digest, _ = SubjectDigest(m.Algorithm, out.Resources)
	return &out, true
}
