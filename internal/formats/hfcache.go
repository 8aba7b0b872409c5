package formats

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/prova-network/prova/internal/fingerprint"
)

// The Hugging Face cache.
//
// huggingface_hub downloads a repository into
// ~/.cache/huggingface/hub/<type>s--<org>--<name>/ ("models--", "datasets--"
// or "spaces--"): blobs/<etag> hold the contents, refs/<branch> the commit a
// branch pointed at, and snapshots/<commit>/ the repository's tree, in which
// every file is a relative symbolic link into ../../blobs/ (one "../" more
// per subfolder).
//
// Inspect does not follow symbolic links in a directory, since a link can
// point anywhere; in a snapshot it follows exactly those that resolve to a
// regular file inside the same repository folder, which is where
// huggingface_hub points them. A link out of the folder is still not
// followed.
//
// Which folder that is, is fingerprint.HFCacheRepo's answer: hashing and
// inspecting follow the same links.

// cacheRepoName matches a cache repository folder's name.
var cacheRepoName = regexp.MustCompile(`^(models|datasets|spaces)--[^/\\]+$`)

// cacheSnapshot returns the snapshot to inspect for a cache repository
// folder: the one refs/main names, or the only one. It returns "" and no
// error when dir is not a cache repository folder.
func cacheSnapshot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil || !cacheRepoName.MatchString(filepath.Base(abs)) {
		return "", nil
	}
	snapshots := filepath.Join(dir, "snapshots")
	entries, err := os.ReadDir(snapshots)
	if err != nil {
		return "", nil // not laid out as a cache repository
	}
	if ref, err := os.ReadFile(filepath.Join(dir, "refs", "main")); err == nil {
		rev := strings.TrimSpace(string(ref))
		if rev == "" || rev == "." || rev == ".." || strings.ContainsAny(rev, `/\`) {
			return "", fmt.Errorf("%s: refs/main holds %q, not a commit", dir, rev)
		}
		return filepath.Join(snapshots, rev), nil
	}
	var revs []string
	for _, e := range entries {
		if e.IsDir() {
			revs = append(revs, e.Name())
		}
	}
	if len(revs) == 1 {
		return filepath.Join(snapshots, revs[0]), nil
	}
	return "", fmt.Errorf("%w: %s has %d snapshots and no refs/main: inspect one of %s", ErrAmbiguous, dir, len(revs), filepath.Join(snapshots, "<commit>"))
}

// linkPolicy decides which symbolic links inspectDir follows.
type linkPolicy struct {
	// repo is the cache repository folder with its own links resolved, or
	// "" outside the cache (no link is followed).
	repo string
}

func newLinkPolicy(dir string) linkPolicy {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return linkPolicy{}
	}
	dirs := []string{abs}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		dirs = append([]string{real}, abs)
	}
	return linkPolicy{repo: fingerprint.HFCacheRepo(dirs...)}
}

// follow reports whether the link at path resolves to a regular file inside
// the cache repository folder.
func (p linkPolicy) follow(path string) bool {
	if p.repo == "" {
		return false
	}
	// EvalSymlinks keeps a relative path relative; the repository is
	// absolute.
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	target, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(p.repo, target)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return false
	}
	info, err := os.Stat(target)
	return err == nil && info.Mode().IsRegular()
}
