// Package fingerprint computes the artifact digest of a file or directory as
// an OpenSSF model-signing (model_signing/signature/v1.0) manifest.
//
// Every file becomes one resource with the digest of its bytes; a file larger
// than the shard size becomes several resources named "path:start:end", one
// per shard, as in model_signing's shard serialization. The subject digest
// (the artifact ID, "blake3:<hex>" or "sha256:<hex>") is the hash of the raw
// resource digests concatenated in canonical resource order; see
// SubjectDigest. BLAKE3 is the default; with SHA-256 the digest of a whole
// file equals its Hugging Face LFS oid and the subject digest equals
// model_signing's.
//
// Mixing whole files and shards (MethodFilesAndShards) is Prova's own
// default and its IDs are registered on chain, so it stays; model_signing
// knows only "files" (every file whole, Options.WholeFiles) and "shards"
// (every file sharded, Options.ShardAll). A statement (Manifest.Statement)
// is always written in one of those: a files+shards manifest as the shards
// manifest of the same files (Manifest.OMS), which has the same subject
// digest unless the model holds empty files. OptionsFromSerialization gives
// the options that recompute a statement's manifest as model_signing does.
//
// Hashing streams each file through a fixed buffer per worker, or for files
// of 1 MiB and more through read-only memory maps of 4 MiB per worker at a
// time, and runs in parallel across files, across the shards of one file
// and, for BLAKE3, across 16 MiB pieces of one shard (joined as subtrees of
// its hash tree), so memory stays bounded by the worker count whatever the
// model size. A manifest
// converts to an in-toto Statement v1 with the model_signing predicate
// (Manifest.Statement) and back (ParseStatement).
package fingerprint

import (
	"context"
	"fmt"
	"slices"
)

// Fingerprint hashes the file or directory at root and returns its manifest.
//
// A directory is walked recursively; paths matching the ignore patterns are
// left out, symbolic links are handled by the symlink policy, and other
// non-regular files are an error (ErrUnsupportedFile). A directory with
// nothing to hash has a manifest with no resources, whose digest is the hash
// of the empty string, as model_signing computes it. When root is a single
// file the manifest has one resource (or its shards) named ".", as in
// model_signing, and the model name is the file's base name. Cancel ctx to
// stop early; the error is then the context's cause.
func Fingerprint(ctx context.Context, root string, opts Options) (*Manifest, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	t, err := walk(root, o)
	if err != nil {
		return nil, err
	}
	files := t.files
	spans := plan(files, o)
	method := MethodFiles
	switch {
	case o.ShardAll:
		method = MethodShards
	case hasShard(spans):
		method = MethodFilesAndShards
	}
	if method != MethodFiles {
		// A file named like a shard ("x:0:10") would make resource names
		// ambiguous once shards are in the manifest.
		for _, f := range files {
			if _, _, _, ok := parseShardName(f.rel); ok {
				return nil, fmt.Errorf("%w: file name %q looks like a shard name; rename it or raise the shard size", ErrUnsupportedFile, f.rel)
			}
		}
	}

	digests, err := hashSpans(ctx, files, spans, o)
	if err != nil {
		return nil, err
	}
	m := buildManifest(t.name, files, spans, digests, method, o)
	// model_signing needs allow_symlinks to hash links; say so when links
	// were followed, also those the cache rule follows (see walk).
	m.Serialization.AllowSymlinks = m.Serialization.AllowSymlinks || t.followed
	return m, nil
}

func hasShard(spans []span) bool {
	for _, s := range spans {
		if s.shard {
			return true
		}
	}
	return false
}

// buildManifest assembles the sorted resources and the subject digest.
func buildManifest(name string, files []fileEntry, spans []span, digests []Digest, method string, o Options) *Manifest {
	type keyed struct {
		k resourceKey
		r Resource
	}
	ks := make([]keyed, len(spans))
	var total int64
	for i, s := range spans {
		rel := files[s.file].rel
		k := resourceKey{path: rel}
		r := Resource{Name: rel, Digest: digests[i], Size: s.end - s.start}
		if s.shard {
			k.start, k.end = s.start, s.end
			r.Name = fmt.Sprintf("%s:%d:%d", rel, s.start, s.end)
		}
		ks[i] = keyed{k, r}
		total += r.Size
	}
	slices.SortFunc(ks, func(a, b keyed) int { return compareKeys(a.k, b.k) })

	m := &Manifest{
		Name:      name,
		Algorithm: o.Algorithm,
		Size:      total,
		Serialization: Serialization{
			Method:        method,
			HashType:      string(o.Algorithm),
			AllowSymlinks: o.Symlinks == SymlinkFollow,
			IgnorePaths:   serializedIgnorePaths(o.IgnorePaths),
		},
		Resources: make([]Resource, len(ks)),
	}
	if method != MethodFiles {
		m.Serialization.ShardSize = o.ShardSize
	}
	for i, k := range ks {
		m.Resources[i] = k.r
	}
	m.Digest, _ = SubjectDigest(o.Algorithm, m.Resources) // algorithm validated in withDefaults
	return m
}
