package fingerprint

import (
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"
)

// Defaults for Options. A zero Options means all of them.
const (
	// DefaultAlgorithm is the resource hash.
	DefaultAlgorithm = BLAKE3
	// DefaultShardSize is the largest file hashed as one resource; larger
	// files are split into shards of this size. It equals model_signing's
	// default (10^9 bytes, not 2^30) so that sharded manifests line up with
	// OMS ones.
	DefaultShardSize int64 = 1_000_000_000
	// DefaultSymlinks refuses symbolic links, like model_signing's default
	// allow_symlinks=false: a link can silently point outside the model.
	DefaultSymlinks = SymlinkError
	// DefaultBufferSize is the read buffer of each worker. Reads go into a
	// fixed buffer and are hashed from there while it is still in the
	// core's L2 cache, so memory is Workers × DefaultBufferSize however
	// large the files are. On the reference machine 256 KiB and 1 MiB cost
	// the same CPU time per GiB (0.24 s, BLAKE3 from a warm page cache);
	// the smaller buffer is kept for its footprint.
	DefaultBufferSize = 256 << 10
)

// DefaultIgnorePaths are left out unless Options.IncludeGitPaths is set. They
// are model_signing's defaults (git metadata), but they match at any depth
// where model_signing leaves them out at the root only: a model with git
// metadata in a subdirectory has different resources under the two tools.
// Prova keeps its rule so that registered IDs do not change;
// OptionsFromSerialization reproduces model_signing's.
var DefaultIgnorePaths = []string{".git", ".gitattributes", ".github", ".gitignore"}

// DefaultWorkers is the number of hashing goroutines when Options.Workers is
// zero: four per usable CPU. Each worker reads its own sequential stretch of
// the data, so on a cold page cache more workers are more read streams in
// flight at once (each with the kernel's read-ahead window), which is what
// the disk needs to deliver its full rate; and while some workers wait for
// the disk in pread, the runtime gives the CPUs to others that have data to
// hash. With a warm cache the extra workers cost nothing measurable (they
// take turns on the CPUs); memory grows by one buffer per worker. On the
// reference machine (2 CPUs, virtual disk) a cold 4 GiB file took a median
// 1.14, 1.05 and 0.96 s with 2, 4 and 8 workers, in the same interleaved
// runs; warm, 0.32–0.33 s with each (docs/PERFORMANCE.md, Fingerprint).
func DefaultWorkers() int { return 4 * runtime.GOMAXPROCS(0) }

// SymlinkPolicy says what to do with a symbolic link inside a directory.
type SymlinkPolicy int

// Symlink policies.
const (
	// SymlinkError fails with ErrSymlink naming the link (default).
	SymlinkError SymlinkPolicy = iota
	// SymlinkFollow hashes what the link points to, under the link's own
	// name. A link to a directory is walked; a loop fails with
	// ErrSymlinkLoop.
	SymlinkFollow
	// SymlinkSkip leaves the link out of the manifest.
	SymlinkSkip
)

// String returns "error", "follow" or "skip".
func (p SymlinkPolicy) String() string {
	switch p {
	case SymlinkError:
		return "error"
	case SymlinkFollow:
		return "follow"
	case SymlinkSkip:
		return "skip"
	}
	return fmt.Sprintf("SymlinkPolicy(%d)", int(p))
}

// ParseSymlinkPolicy parses "error", "follow" or "skip" (for CLI flags).
func ParseSymlinkPolicy(s string) (SymlinkPolicy, error) {
	for _, p := range []SymlinkPolicy{SymlinkError, SymlinkFollow, SymlinkSkip} {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("%w: symlink policy %q (want error, follow or skip)", ErrInvalidOptions, s)
}

// ProgressFunc receives the number of bytes hashed so far and the total to
// hash. Calls are serialized, done never decreases, and the last call has
// done == total. It runs on a hashing goroutine, so it must return quickly
// (a progress bar should only record the numbers and redraw on its own tick).
type ProgressFunc func(done, total int64)

// Options configure Fingerprint. The zero value is the default configuration.
type Options struct {
	// Algorithm is the resource hash; empty means DefaultAlgorithm.
	Algorithm Algorithm
	// ShardSize: files larger than this are split into resources named
	// "path:start:end" of at most ShardSize bytes each (OMS shard naming),
	// hashed in parallel. Zero means DefaultShardSize.
	ShardSize int64
	// ShardAll shards every file, small ones too, exactly like
	// model_signing's "shards" serialization: every non-empty file becomes
	// "path:0:size" or more shards, and empty files are left out. Use it to
	// produce manifests that OMS tooling verifies byte for byte.
	ShardAll bool
	// WholeFiles never shards: every file is one resource whatever its
	// size, exactly like model_signing's "files" serialization (its
	// default), which hashes large files whole. With SHA-256 a file over
	// the shard size is then hashed by one worker. It cannot be combined
	// with ShardAll. Without either, files up to ShardSize are whole and
	// larger ones are sharded (MethodFilesAndShards), Prova's default.
	WholeFiles bool
	// Workers is the number of files or shards hashed at once; zero means
	// DefaultWorkers().
	Workers int
	// IgnorePaths are extra glob patterns (path.Match syntax) of files and
	// directories to leave out, matched against the slash-separated path
	// relative to the root. A pattern without "/" matches any single path
	// element at any depth (like .gitignore); a pattern with "/" matches the
	// relative path or one of its leading directories, and a leading "/"
	// anchors a one-element pattern at the root ("/model.sig" leaves out
	// model.sig but not sub/model.sig, as model_signing's ignore_paths do).
	// An ignored directory is not descended. Ignore patterns do not apply
	// when the root is a file.
	IgnorePaths []string
	// IncludeGitPaths turns off DefaultIgnorePaths.
	IncludeGitPaths bool
	// Symlinks is the symbolic link policy; the zero value is SymlinkError.
	Symlinks SymlinkPolicy
	// Progress, when set, is told how many bytes are done.
	Progress ProgressFunc
	// BufferSize is the per-worker read buffer; zero means DefaultBufferSize.
	BufferSize int
	// Read says how large files reach the hash: through read-only memory
	// maps or copied by pread into the worker's buffer. The zero value,
	// ReadAuto, measures both on the first large files and keeps the one
	// that costs less CPU time per byte on this machine. The digests are
	// the same either way.
	Read ReadMethod
}

// ReadMethod is how the bytes of files of mmapMinSize or more are read.
type ReadMethod int

// Read methods.
const (
	// ReadAuto hashes the first windows of large files both ways, timing
	// the CPU each costs the thread that does it, and then uses the
	// cheaper one for the rest of the process. Which one wins depends on
	// the machine, not only on the CPU: on a bare-metal Xeon a map saves
	// the copy out of the page cache, while in a virtual machine whose
	// guest memory sits on small host pages every first touch of a mapped
	// page can cost more than the copy (docs/PERFORMANCE.md, Fingerprint,
	// measured 3.6× the user time on the reference VM). Without a
	// per-thread CPU clock (or maps) it reads.
	ReadAuto ReadMethod = iota
	// ReadMmap maps files where the operating system allows (Linux, macOS,
	// the BSDs), mmapWindow bytes per worker at a time, and reads where a
	// file system refuses the map.
	ReadMmap
	// ReadPread copies with pread into the worker's buffer.
	ReadPread
)

// String returns "auto", "mmap" or "pread".
func (m ReadMethod) String() string {
	switch m {
	case ReadAuto:
		return "auto"
	case ReadMmap:
		return "mmap"
	case ReadPread:
		return "pread"
	}
	return fmt.Sprintf("ReadMethod(%d)", int(m))
}

// ParseReadMethod parses "auto", "mmap" or "pread".
func ParseReadMethod(s string) (ReadMethod, error) {
	for _, m := range []ReadMethod{ReadAuto, ReadMmap, ReadPread} {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("%w: read method %q (want auto, mmap or pread)", ErrInvalidOptions, s)
}

// withDefaults returns a copy of o with zero fields replaced by defaults, or
// an error wrapping ErrInvalidOptions.
func (o Options) withDefaults() (Options, error) {
	if o.Algorithm == "" {
		o.Algorithm = DefaultAlgorithm
	}
	if !o.Algorithm.Valid() {
		return o, fmt.Errorf("%w: %w: %q", ErrInvalidOptions, ErrUnknownAlgorithm, string(o.Algorithm))
	}
	if o.ShardSize == 0 {
		o.ShardSize = DefaultShardSize
	}
	if o.ShardSize < 0 {
		return o, fmt.Errorf("%w: shard size %d is negative", ErrInvalidOptions, o.ShardSize)
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers()
	}
	if o.Workers < 0 {
		return o, fmt.Errorf("%w: worker count %d is negative", ErrInvalidOptions, o.Workers)
	}
	if o.BufferSize == 0 {
		o.BufferSize = DefaultBufferSize
	}
	if o.BufferSize < 0 {
		return o, fmt.Errorf("%w: buffer size %d is negative", ErrInvalidOptions, o.BufferSize)
	}
	if o.ShardAll && o.WholeFiles {
		return o, fmt.Errorf("%w: ShardAll and WholeFiles both set", ErrInvalidOptions)
	}
	switch o.Read {
	case ReadAuto, ReadMmap, ReadPread:
	default:
		return o, fmt.Errorf("%w: unknown read method %d", ErrInvalidOptions, int(o.Read))
	}
	switch o.Symlinks {
	case SymlinkError, SymlinkFollow, SymlinkSkip:
	default:
		return o, fmt.Errorf("%w: unknown symlink policy %d", ErrInvalidOptions, int(o.Symlinks))
	}
	var patterns []string
	if !o.IncludeGitPaths {
		patterns = append(patterns, DefaultIgnorePaths...)
	}
	for _, p := range o.IgnorePaths {
		c, err := cleanPattern(p)
		if err != nil {
			return o, err
		}
		patterns = append(patterns, c)
	}
	o.IgnorePaths = patterns
	return o, nil
}

// cleanPattern normalizes an ignore pattern ("./a/b/" → "a/b", "/a/b" →
// "a/b"; "/a" stays anchored) and checks its syntax, so a typo fails up front
// instead of silently matching nothing.
func cleanPattern(p string) (string, error) {
	c, anchored := strings.CutPrefix(p, "/")
	c = strings.TrimPrefix(c, "./")
	c = strings.TrimRight(c, "/")
	if c == "" || c == "." || strings.HasPrefix(c, "/") {
		return "", fmt.Errorf("%w: ignore pattern %q must name a path relative to the root", ErrInvalidOptions, p)
	}
	if _, err := path.Match(c, ""); err != nil {
		return "", fmt.Errorf("%w: ignore pattern %q: %w", ErrInvalidOptions, p, err)
	}
	if anchored && !strings.Contains(c, "/") {
		c = "/" + c // a pattern with an inner "/" is anchored anyway
	}
	return c, nil
}

// serializedIgnorePaths returns the cleaned patterns as a manifest records
// them: without the anchoring "/" (a model_signing ignore path is always
// relative to the root) and with escaped characters unescaped (it is a
// literal path), sorted and without duplicates. A glob pattern is recorded
// as it is, though model_signing reads it as a literal path.
func serializedIgnorePaths(patterns []string) []string {
	out := make([]string, 0, len(patterns))
	for _, p := range patterns {
		p = strings.TrimPrefix(p, "/")
		if strings.Contains(p, `\`) {
			var b strings.Builder
			for i := 0; i < len(p); i++ {
				if p[i] == '\\' && i+1 < len(p) {
					i++
				}
				b.WriteByte(p[i])
			}
			p = b.String()
		}
		out = append(out, p)
	}
	return sortedSet(out)
}

// sortedSet returns ps sorted and without duplicates, or nil if empty.
// model_signing keeps ignore_paths in a set and writes them in no particular
// order; a sorted list keeps our output deterministic.
func sortedSet(ps []string) []string {
	if len(ps) == 0 {
		return nil
	}
	out := slices.Clone(ps)
	slices.Sort(out)
	return slices.Compact(out)
}

// ignored reports whether the slash-separated relative path rel matches one
// of patterns (already cleaned).
func ignored(rel string, patterns []string) bool {
	for _, p := range patterns {
		if strings.Contains(p, "/") {
			// Anchored: the path itself or one of its leading directories.
			p = strings.TrimPrefix(p, "/")
			prefix := rel
			for {
				if ok, _ := path.Match(p, prefix); ok {
					return true
				}
				i := strings.LastIndexByte(prefix, '/')
				if i < 0 {
					break
				}
				prefix = prefix[:i]
			}
			continue
		}
		// Unanchored: any single element.
		for elem := range strings.SplitSeq(rel, "/") {
			if ok, _ := path.Match(p, elem); ok {
				return true
			}
		}
	}
	return false
}
