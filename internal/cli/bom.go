package cli

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/prova-network/prova/internal/bom"
	regtypes "github.com/prova-network/prova/x/registry/types"
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
			pv, err := fetchProvenance(cmd.Context(), lc, id, 0)
			if err != nil {
				return err
			}
			if pv.Subject.Kind != "model" {
				return fmt.Errorf("%s is a dataset; a BOM is exported for a model", id)
			}
			lineage, err := lineageForBOM(pv)
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

func lineageForBOM(pv *Provenance) (bom.Lineage, error) {
	appHash, err := hex.DecodeString(pv.AppHash)
	if err != nil {
		return bom.Lineage{}, err
	}
	l := bom.Lineage{ChainID: pv.ChainID, Height: pv.Height, AppHash: appHash, Subject: bomModel(pv.Subject.Model)}
	if pv.Subject.Proof != nil {
		l.Time = pv.Subject.Proof.HeaderTime
	}
	for _, a := range pv.Ancestors {
		l.Ancestors = append(l.Ancestors, bomModel(a.Model))
	}
	for _, d := range pv.Datasets {
		l.Datasets = append(l.Datasets, bomDataset(d.Dataset))
	}
	return l, nil
}

func bomModel(m *regtypes.Model) bom.Model {
	out := bom.Model{
		ID: m.Info.Id, Name: m.Info.Name, Version: m.Info.Version, Format: m.Info.Format,
		License: m.Info.License, Owner: m.Owner, Architecture: m.Info.ArchSummary,
		ArchFingerprint: m.Info.ArchFingerprint, ParameterCount: m.Info.ParameterCount,
		CardURI: m.Info.CardUri, CardDigest: m.Info.CardDigest, Contributors: bomContributors(m.Info.Contributors),
	}
	if m.Status != regtypes.ModelStatus_MODEL_STATUS_UNSPECIFIED {
		out.Status = m.Status.Short()
		if m.Status == regtypes.ModelStatus_MODEL_STATUS_FLAGGED {
			out.Flag = m.StatusReason
		}
	}
	for _, p := range m.Info.Parents {
		out.Parents = append(out.Parents, bom.Parent{Model: p.ModelId, Relation: bom.ParentRelation(p.Relation.Short())})
	}
	for _, d := range m.Info.Datasets {
		out.Datasets = append(out.Datasets, bom.DatasetLink{Dataset: d.DatasetId, Relation: bom.DatasetRelation(d.Relation.Short())})
	}
	return out
}

func bomDataset(d *regtypes.Dataset) bom.Dataset {
	return bom.Dataset{
		ID: d.Info.Id, Name: d.Info.Name, Version: d.Info.Version, License: d.Info.License, Owner: d.Owner,
		UsageTerms:   bom.UsageTerms{Use: useName(d.Info.Usage.Use), Attribution: d.Info.Usage.Attribution, ShareAlike: d.Info.Usage.ShareAlike},
		Contributors: bomContributors(d.Info.Contributors), RecordRoot: d.Info.RecordRoot, RecordCount: d.Info.RecordCount,
		MetadataURI: d.Info.MetadataUri, MetadataDigest: d.Info.MetadataDigest,
	}
}

func bomContributors(cs []regtypes.Contributor) []bom.Contributor {
	out := make([]bom.Contributor, 0, len(cs))
	for _, c := range cs {
		out = append(out, bom.Contributor{Address: c.Address, ShareBps: c.ShareBps})
	}
	return out
}
