package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/prova-network/prova/internal/bom"
	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/formats"
	"github.com/prova-network/prova/internal/verify/proven"
)

const (
	flagBOMFormat = "format"
	flagOutFile   = "output-file"
)

func bomCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bom MODEL_ID|PATH",
		Short: "Export a model's proven lineage as a CycloneDX 1.6 ML-BOM",
		Long: `Export an AI bill of materials for a registered model: the model (with a
modelCard), its ancestors as pedigree, and the datasets used, with licenses,
hashes, owners and contributors. Every record in it is first proven against a
light-client-verified header (as in provad verify); the chain ID, height and
app hash it was proven at are recorded as prova:* properties.

Artifact IDs are manifest digests over an artifact's files, so they are the
prova:artifact-id property, never a CycloneDX hash. Given the model's PATH
rather than its ID, the BOM also carries the hashes of its files (SHA-256 and
BLAKE3 of each file's bytes: on the model for a one-file model, one file
component each otherwise) and the architecture name read from the weights.
Given an ID alone, it has no file hashes.`,
		Example: `  provad bom blake3:1f2e... --trust-genesis --home ~/.prova-dev --output-file model.cdx.json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f, _ := cmd.Flags().GetString(flagBOMFormat); f != "cyclonedx" {
				return fmt.Errorf("--format %q is not supported; use cyclonedx", f)
			}
			id, files, arch, err := bomSubject(cmd, args[0])
			if err != nil {
				return err
			}
			lc, _, err := lightClientFromCmd(cmd)
			if err != nil {
				return err
			}
			defer lc.Close()
			pv, err := readerFor(lc, 0).Provenance(cmd.Context(), id)
			if err != nil {
				return err
			}
			if pv.Subject.Kind != "model" {
				return fmt.Errorf("%s is a dataset; a BOM is exported for a model", id)
			}
			lineage, err := proven.BOMLineage(pv)
			if err != nil {
				return err
			}
			lineage.Subject.Files = files
			if arch != "" {
				lineage.Subject.Architecture = arch
			}
			var w io.Writer = cmd.OutOrStdout()
			if path, _ := cmd.Flags().GetString(flagOutFile); path != "" {
				f, err := os.Create(path)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
				defer fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s (%d records proven at height %d)\n", path, pv.Count(), pv.Height)
			}
			return bom.Export(lineage, w)
		},
	}
	cmd.Flags().String(flagBOMFormat, "cyclonedx", "BOM format (cyclonedx: CycloneDX 1.6 JSON)")
	cmd.Flags().String(flagOutFile, "", "write the BOM to this file instead of stdout")
	addFingerprintFlags(cmd)
	addTrustFlags(cmd)
	return cmd
}

// bomSubject returns the artifact ID of arg (a path or an ID) and, for a
// path, the model's files with their digests and the architecture name its
// weights give (empty where they give none, or are in a format provad does
// not read). The files are those the ID covers.
func bomSubject(cmd *cobra.Command, arg string) (id string, files []bom.File, arch string, err error) {
	if _, err := os.Stat(arg); err != nil {
		id, err := artifactID(cmd, arg)
		return id, nil, "", err
	}
	opts, err := fingerprintOptions(cmd)
	if err != nil {
		return "", nil, "", err
	}
	bar := newProgressBar(cmd.ErrOrStderr(), "hashing")
	opts.Progress = bar.update
	m, err := fingerprint.Fingerprint(cmd.Context(), arg, opts)
	bar.done()
	if err != nil {
		return "", nil, "", err
	}
	var rels []string
	for _, r := range m.Resources {
		rel := r.Name
		if p, _, _, ok := r.Shard(); ok {
			rel = p
		}
		if len(rels) == 0 || rels[len(rels)-1] != rel { // shards of a file are adjacent
			rels = append(rels, rel)
		}
	}
	if files, err = bom.HashFiles(arg, rels); err != nil {
		return "", nil, "", err
	}
	if s, err := formats.Inspect(arg); err == nil {
		arch = s.Architecture
	}
	return m.Digest.String(), files, arch, nil
}
