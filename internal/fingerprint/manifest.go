package fingerprint

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Serialization methods, recorded in the manifest so that a verifier can
// recompute it the same way.
const (
	// MethodFiles: one resource per file, named by its path. Identical to
	// model_signing's "files" serialization.
	MethodFiles = "files"
	// MethodShards: every non-empty file split into "path:start:end" shards;
	// empty files left out. Identical to model_signing's "shards".
	MethodShards = "shards"
	// MethodFilesAndShards is Prova's default when a file exceeds the shard
	// size: files up to the shard size are whole-file resources named by
	// their path (so a SHA-256 resource is the file's Hugging Face LFS oid),
	// larger files are "path:start:end" shards. model_signing does not know
	// this method name and rejects it rather than misreading the names.
	MethodFilesAndShards = "files+shards"
)

// Serialization describes how a manifest was computed, in the layout of
// model_signing's predicate "serialization" object.
type Serialization struct {
	Method string `json:"method"`
	// HashType is the resource algorithm ("blake3" or "sha256").
	HashType      string `json:"hash_type"`
	AllowSymlinks bool   `json:"allow_symlinks"`
	// ShardSize is set for the shards and files+shards methods.
	ShardSize   int64    `json:"shard_size,omitempty"`
	IgnorePaths []string `json:"ignore_paths,omitempty"`
}

// Resource is one file or shard of a file and its digest.
type Resource struct {
	// Name is the slash-separated path relative to the model root, with
	// ":start:end" (byte offsets, end exclusive) appended for a shard.
	Name   string `json:"name"`
	Digest Digest `json:"digest"`
	// Size is the number of bytes hashed. It is informational: a manifest
	// read back from an in-toto statement knows it only for shards, and
	// leaves it zero for whole files.
	Size int64 `json:"size"`
}

// Shard splits a shard resource name "path:start:end" into its parts. ok is
// false for a whole-file name.
func (r Resource) Shard() (path string, start, end int64, ok bool) {
	return parseShardName(r.Name)
}

// Manifest is the fingerprint of a file or directory: every resource with its
// digest, in canonical order, and the subject digest over them.
type Manifest struct {
	// Name is the model name: the last element of the fingerprinted path. It
	// is informational and not covered by Digest.
	Name string `json:"name"`
	// Digest is the subject digest: the hash, with Algorithm, of the
	// concatenated raw resource digests in resource order (see
	// SubjectDigest). This is the artifact ID ("blake3:…").
	Digest    Digest    `json:"digest"`
	Algorithm Algorithm `json:"algorithm"`
	// Size is the total number of bytes hashed (see Resource.Size).
	Size          int64         `json:"size"`
	Serialization Serialization `json:"serialization"`
	// Resources are sorted in model_signing's order: by path compared element
	// by element, then shard start, then shard end (numerically). That is not
	// plain string order: "a/b" sorts before "a.b", and "f:2:3" before
	// "f:10:11".
	Resources []Resource `json:"resources"`
}

// SubjectDigest computes the subject digest over resources, in the order
// given: alg(d₁ ‖ d₂ ‖ … ‖ dₙ), where dᵢ are the raw 32-byte resource digests
// (not hex) and ‖ is concatenation. Resource names and sizes are not part of
// it. This is model_signing's root digest construction (which always uses
// SHA-256: SubjectDigest(SHA256, …) equals the OMS subject digest for the
// same resources); Prova uses the manifest's own algorithm, so a BLAKE3
// manifest has a BLAKE3 ID.
func SubjectDigest(alg Algorithm, resources []Resource) (Digest, error) {
	if !alg.Valid() {
		return Digest{}, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, string(alg))
	}
	h := alg.newHash()
	for _, r := range resources {
		h.Write(r.Digest.Sum[:])
	}
	d := Digest{Algorithm: alg}
	copy(d.Sum[:], h.Sum(nil))
	return d, nil
}

// resourceKey is the sort key of a resource name.
type resourceKey struct {
	path       string
	start, end int64
}

func compareKeys(a, b resourceKey) int {
	if c := comparePaths(a.path, b.path); c != 0 {
		return c
	}
	if c := cmp.Compare(a.start, b.start); c != 0 {
		return c
	}
	return cmp.Compare(a.end, b.end)
}

// comparePaths orders slash-separated paths element by element, as Python's
// PurePosixPath does (OMS sorts pathlib paths).
func comparePaths(a, b string) int {
	for {
		ai, arest, amore := strings.Cut(a, "/")
		bi, brest, bmore := strings.Cut(b, "/")
		if c := strings.Compare(ai, bi); c != 0 {
			return c
		}
		switch {
		case !amore && !bmore:
			return 0
		case !amore:
			return -1
		case !bmore:
			return 1
		}
		a, b = arest, brest
	}
}

// parseShardName parses "path:start:end" with canonical decimal offsets and
// start < end.
func parseShardName(name string) (string, int64, int64, bool) {
	i := strings.LastIndexByte(name, ':')
	if i < 0 {
		return "", 0, 0, false
	}
	j := strings.LastIndexByte(name[:i], ':')
	if j <= 0 {
		return "", 0, 0, false
	}
	start, ok1 := parseOffset(name[j+1 : i])
	end, ok2 := parseOffset(name[i+1:])
	if !ok1 || !ok2 || start >= end {
		return "", 0, 0, false
	}
	return name[:j], start, end, true
}

func parseOffset(s string) (int64, bool) {
	if s == "" || (len(s) > 1 && s[0] == '0') || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// key returns the sort key of r under method.
func (r Resource) key(method string) (resourceKey, error) {
	if method == MethodFiles {
		return resourceKey{path: r.Name}, nil
	}
	p, start, end, ok := parseShardName(r.Name)
	switch {
	case ok:
		return resourceKey{path: p, start: start, end: end}, nil
	case method == MethodShards:
		return resourceKey{}, fmt.Errorf("%w: resource %q is not a shard name (path:start:end)", ErrInvalidManifest, r.Name)
	}
	return resourceKey{path: r.Name}, nil
}

// Validate checks that m is internally consistent: a known algorithm and
// method, every resource digest of the manifest's
// algorithm, names unique and in canonical order, shard sizes matching their
// offsets, and Digest equal to SubjectDigest of the resources. It returns an
// error wrapping ErrInvalidManifest.
func (m *Manifest) Validate() error {
	if !m.Algorithm.Valid() {
		return fmt.Errorf("%w: %w: %q", ErrInvalidManifest, ErrUnknownAlgorithm, string(m.Algorithm))
	}
	switch m.Serialization.Method {
	case MethodFiles, MethodShards, MethodFilesAndShards:
	default:
		return fmt.Errorf("%w: unknown serialization method %q", ErrInvalidManifest, m.Serialization.Method)
	}
	var prev resourceKey
	var total int64
	for i, r := range m.Resources {
		if r.Name == "" {
			return fmt.Errorf("%w: resource %d has no name", ErrInvalidManifest, i)
		}
		if r.Digest.Algorithm != m.Algorithm {
			return fmt.Errorf("%w: resource %q has a %q digest in a %q manifest", ErrInvalidManifest, r.Name, r.Digest.Algorithm, m.Algorithm)
		}
		if r.Size < 0 || r.Size > math.MaxInt64-total {
			return fmt.Errorf("%w: resource %q has size %d, negative or past an int64 total", ErrInvalidManifest, r.Name, r.Size)
		}
		k, err := r.key(m.Serialization.Method)
		if err != nil {
			return err
		}
		if k.end > 0 && r.Size != 0 && r.Size != k.end-k.start {
			return fmt.Errorf("%w: shard %q has size %d", ErrInvalidManifest, r.Name, r.Size)
		}
		if i > 0 && compareKeys(prev, k) >= 0 {
			return fmt.Errorf("%w: resource %q is out of order or repeated", ErrInvalidManifest, r.Name)
		}
		prev = k
		total += r.Size
	}
	if total != m.Size {
		return fmt.Errorf("%w: size %d is not the sum of resource sizes %d", ErrInvalidManifest, m.Size, total)
	}
	want, _ := SubjectDigest(m.Algorithm, m.Resources)
	if m.Digest != want {
		return fmt.Errorf("%w: subject digest %s does not match its resources (%s)", ErrInvalidManifest, m.Digest, want)
	}
	return nil
}

// MaxManifestSize bounds the JSON accepted by ParseManifest and
// ParseStatement.
const MaxManifestSize = 64 << 20

// ParseManifest decodes a manifest written by json.Marshal of a Manifest and
// validates it.
func ParseManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestSize {
		return nil, fmt.Errorf("%w: %d bytes is over the %d byte limit", ErrInvalidManifest, len(data), MaxManifestSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidManifest, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the manifest", ErrInvalidManifest)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Mismatch is one difference between an expected and an actual manifest.
type Mismatch struct {
	Name string
	// Want and Got are the zero Digest when the resource is missing from
	// that side.
	Want, Got Digest
}

// Missing reports whether the resource is expected but was not found.
func (m Mismatch) Missing() bool { return m.Got.IsZero() }

// Extra reports whether the resource was found but is not expected.
func (m Mismatch) Extra() bool { return m.Want.IsZero() }

// String describes the mismatch for a person.
func (m Mismatch) String() string {
	switch {
	case m.Got.IsZero():
		return m.Name + ": missing"
	case m.Want.IsZero():
		return m.Name + ": unexpected"
	}
	return fmt.Sprintf("%s: digest %s, expected %s", m.Name, m.Got, m.Want)
}

// Compare lists the resources whose digests differ between want and got,
// sorted by name: changed (both digests set), missing from got (Missing) and
// not in want (Extra). It is empty when the manifests describe the same
// content (names and digests, algorithm included; the model name, sizes and
// serialization are not compared), which is model_signing's manifest
// equality.
func Compare(want, got *Manifest) []Mismatch {
	w := make(map[string]Digest, len(want.Resources))
	for _, r := range want.Resources {
		w[r.Name] = r.Digest
	}
	var out []Mismatch
	seen := make(map[string]bool, len(got.Resources))
	for _, r := range got.Resources {
		seen[r.Name] = true
		if d, ok := w[r.Name]; !ok || d != r.Digest {
			out = append(out, Mismatch{Name: r.Name, Want: d, Got: r.Digest})
		}
	}
	for _, r := range want.Resources {
		if !seen[r.Name] {
			out = append(out, Mismatch{Name: r.Name, Want: r.Digest})
		}
	}
	slices.SortFunc(out, func(a, b Mismatch) int { return strings.Compare(a.Name, b.Name) })
	return out
}
