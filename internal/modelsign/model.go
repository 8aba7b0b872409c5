package modelsign

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/prova-network/prova/internal/fingerprint"
)

// ModelResult is a verified bundle and how the model compared with it.
type ModelResult struct {
	*Result
	// Files is the number of resources (files or shards) hashed.
	Files int `json:"files"`
	// Mismatches lists the resources that differ, are missing or are not
	// signed; empty when the model matches.
	Mismatches []fingerprint.Mismatch `json:"-"`
}

// VerifyModel verifies the bundle with t (see Verify) and then checks the
// model at modelPath against the signed statement (see MatchModel).
func VerifyModel(ctx context.Context, modelPath, sigPath string, b *Bundle, t Trust, workers int) (*ModelResult, error) {
	r, err := Verify(b, t)
	if err != nil {
		return nil, err
	}
	return MatchModel(ctx, r, modelPath, sigPath, workers)
}

// MatchModel hashes the model at modelPath (a directory or one file) the
// way r's statement says it was hashed: the same algorithm, serialization
// method, shard size, symlink policy and ignored paths, with the signature
// file itself left out when it lies inside the model (sigPath, may be
// empty). It fails with ErrModelMismatch, and returns the differences in
// the result, unless every signed file matches and no other file is there.
// workers is fingerprint.Options.Workers (0: the default).
func MatchModel(ctx context.Context, r *Result, modelPath, sigPath string, workers int) (*ModelResult, error) {
	want := r.Manifest
	opts, err := hashOptions(want.Serialization, modelPath, sigPath)
	if err != nil {
		return nil, err
	}
	opts.Workers = workers
	got, err := fingerprint.Fingerprint(ctx, modelPath, opts)
	if err != nil {
		return nil, err
	}
	mr := &ModelResult{Result: r, Files: len(got.Resources), Mismatches: fingerprint.Compare(want, got)}
	if n := len(mr.Mismatches); n > 0 {
		parts := make([]string, 0, min(n, 5))
		for _, m := range mr.Mismatches[:min(n, 5)] {
			parts = append(parts, m.String())
		}
		more := ""
		if n > 5 {
			more = fmt.Sprintf("; and %d more", n-5)
		}
		return mr, fmt.Errorf("%w: %d differences from the %d signed files: %s%s", ErrModelMismatch, n, len(want.Resources), strings.Join(parts, "; "), more)
	}
	return mr, nil
}

// hashOptions are the options model_signing's verifier hashes with
// (fingerprint.OptionsFromSerialization), plus the signature file when it
// lies inside the model, as model_signing's CLI leaves it out.
func hashOptions(s fingerprint.Serialization, modelPath, sigPath string) (fingerprint.Options, error) {
	o, err := fingerprint.OptionsFromSerialization(s)
	if err != nil {
		return o, fmt.Errorf("%w: %w", ErrPayload, err)
	}
	if rel, ok := inside(modelPath, sigPath); ok {
		o.IgnorePaths = append(o.IgnorePaths, "/"+globQuote(rel))
	}
	return o, nil
}

// globQuote quotes the path.Match metacharacters of a literal path, so
// that it is an ignore pattern matching only itself.
func globQuote(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`\*?[`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// inside returns sig's slash-separated path relative to the directory root
// if sig lies inside it.
func inside(root, sig string) (string, bool) {
	if sig == "" {
		return "", false
	}
	ra, err1 := filepath.Abs(root)
	sa, err2 := filepath.Abs(sig)
	if err1 != nil || err2 != nil {
		return "", false
	}
	rel, err := filepath.Rel(ra, sa)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}
