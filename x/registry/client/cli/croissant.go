package cli

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/prova-network/prova/internal/croissant"
	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/records"
	"github.com/prova-network/prova/x/registry/types"
)

// croissantDataset is Croissant metadata read for registration, with its
// distribution files found and checked.
type croissantDataset struct {
	path  string // the metadata file
	meta  *croissant.Dataset
	files []croissant.LocalFile
}

// readCroissant parses the metadata at path and checks every distribution
// file against its checksum.
func readCroissant(cmd *cobra.Command, path, dataDir string) (*croissantDataset, error) {
	doc, err := croissant.ReadFile(path)
	if err != nil {
		return nil, err
	}
	meta, err := croissant.Parse(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	files, err := croissant.Locate(meta, filepath.Dir(path), dataDir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	w := cmd.ErrOrStderr()
	fmt.Fprintf(w, "croissant: %q, %d local files checked\n", meta.Name, len(files))
	for _, f := range files {
		fmt.Fprintf(w, "  %s  %s (%d bytes, sha256 %s)\n", f.FileID, f.Path, f.Size, f.SHA256)
	}
	for _, f := range meta.Files {
		if len(f.ContainedIn) > 0 {
			fmt.Fprintf(w, "  %s  inside %s, not checked\n", f.ID, strings.Join(f.ContainedIn, ", "))
		}
	}
	return &croissantDataset{path: path, meta: meta, files: files}, nil
}

// dataRoot is the directory holding every distribution file, which is then
// the dataset registered. It must hold nothing else: the artifact ID covers
// a directory's files, so an extra file would be registered as part of the
// dataset without being in the metadata.
func (c *croissantDataset) dataRoot(cmd *cobra.Command) (string, error) {
	if len(c.files) == 0 {
		return "", fmt.Errorf("%s: no distribution file is on disk by itself (all are inside archives); give the dataset's PATH", c.path)
	}
	abs := make([]string, len(c.files))
	for i, f := range c.files {
		var err error
		if abs[i], err = filepath.Abs(f.Path); err != nil {
			return "", err
		}
	}
	root := filepath.Dir(abs[0])
	for _, p := range abs[1:] {
		for !within(root, p) {
			up := filepath.Dir(root)
			if up == root { // no common directory (another volume)
				return "", fmt.Errorf("%s: the distribution files share no directory; give the dataset's PATH", c.path)
			}
			root = up
		}
	}
	// List before anything is hashed: a root far above the data (files
	// found through --data-dir elsewhere) is refused at its first extra
	// files, not after hashing a whole tree.
	want := map[string]bool{}
	for _, p := range abs {
		rel, _ := filepath.Rel(root, p)
		want[filepath.ToSlash(rel)] = true
	}
	var extra []string
	const maxListed = 5
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel != "." && slices.Contains(fingerprint.DefaultIgnorePaths, e.Name()) {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil // left out of the ID too
		}
		if e.IsDir() || want[rel] {
			return nil
		}
		if extra = append(extra, rel); len(extra) > maxListed {
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if len(extra) > 0 {
		shown := strings.Join(extra[:min(len(extra), maxListed)], ", ")
		if len(extra) > maxListed {
			shown += ", …"
		}
		return "", fmt.Errorf("%s holds files the Croissant metadata does not name (%s): give the dataset's PATH, or move them out", root, shown)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "dataset: %s (the directory holding the distribution files)\n", root)
	return root, nil
}

// within reports whether p is inside dir.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// fill sets what the flags left empty from the metadata: name, version,
// license (mapped to SPDX) and the metadata digest.
func (c *croissantDataset) fill(cmd *cobra.Command, info *types.DatasetInfo) error {
	if info.Name == "" {
		info.Name = c.meta.Name
	}
	if info.Version == "" {
		info.Version = c.meta.Version
	}
	if info.License == "" {
		lic, err := croissantLicense(c.meta.License)
		if err != nil {
			return fmt.Errorf("%s: %w", c.path, err)
		}
		info.License = lic
	}
	digest, err := fingerprintPath(cmd, c.path)
	if err != nil {
		return err
	}
	info.MetadataDigest = digest
	return nil
}

// croissantLicense maps the metadata's license to an SPDX expression: a
// Creative Commons or spdx.org URL, a Hugging Face Hub identifier (as on
// Hub datasets, e.g. "afl-3.0") or an SPDX expression.
func croissantLicense(ls []string) (string, error) {
	if len(ls) != 1 {
		return "", fmt.Errorf("the metadata names %d licenses (%s); pass --license with one SPDX expression", len(ls), strings.Join(ls, ", "))
	}
	if spdx, ok := croissant.LicenseFromURL(ls[0]); ok {
		return spdx, nil
	}
	spdx, _, err := cardLicense(ls[0], "")
	if err != nil || spdx == "" {
		return "", fmt.Errorf("license %q is not an SPDX expression, a Hugging Face Hub license identifier or a Creative Commons URL; pass --license", ls[0])
	}
	return spdx, nil
}

// recordTree commits to the records of a record set as mlcroissant yields
// them: each record's JSON line (croissant.Record.MarshalJSON), the JSONL
// record form of internal/records, so that provad dataset records' output
// is the copy provad dataset prove reads.
func (c *croissantDataset) recordTree(cmd *cobra.Command, set, dataDir string) (*records.Tree, error) {
	doc, err := croissant.Open(c.path, dataDir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.path, err)
	}
	tree := new(records.Tree)
	for r, err := range doc.Records(cmd.Context(), set, croissant.RecordOptions{}) {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.path, err)
		}
		line, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("%s: record set %q: %w", c.path, set, err)
		}
		if len(line) > records.MaxRecordSize {
			return nil, fmt.Errorf("%s: record set %q: record %d is %d bytes, over the record cap of %d", c.path, set, tree.Size(), len(line), records.MaxRecordSize)
		}
		tree.Append(line)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "record set %q: %d records, each committed as its JSON line (provad dataset records)\n", set, tree.Size())
	return tree, nil
}
