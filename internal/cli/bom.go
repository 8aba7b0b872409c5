package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/prova-network/prova/internal/bom"
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
app hash it was proven at are recorded as prova:* properties.`,
		Example: `  provad bom blake3:1f2e... --trust-genesis --home ~/.prova-dev --output-file model.cdx.json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f, _ := cmd.Flags().GetString(flagBOMFormat); f != "cyclonedx" {
				return fmt.Errorf("--format %q is not supported; use cyclonedx", f)
			}
			id, err := artifactID(cmd, args[0])
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
