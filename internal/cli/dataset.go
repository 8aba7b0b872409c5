package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/prova-network/prova/internal/croissant"
	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/records"
	"github.com/prova-network/prova/internal/verify/proven"
)

const (
	flagDatasetID = "dataset"
	flagRecordsAt = "records"
	flagIndex     = "index"
)

func datasetCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dataset",
		Short: "Prove that a record is in a registered dataset, and check such proofs",
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(datasetProveCommand(), datasetVerifyProofCommand(), datasetCroissantCommand(), datasetRecordsCommand())
	return cmd
}

const flagMetadata = "metadata"

func datasetCroissantCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "croissant ID",
		Short: "Write Croissant (JSON-LD) metadata for a registered dataset, with its proven record root and contributors",
		Long: `Read the dataset's record, proven against a light-client-verified header, and
write it as Croissant metadata (JSON-LD): the artifact ID as schema.org
identifier and prova:artifactId, the contributors as creators (schema.org
Person nodes named by account, with prova:shareBps), and the record root,
record count, owner and the chain, height and app hash it was proven at as
prova: properties.

The chain holds no file list. With --metadata, the registered Croissant
document (its artifact ID must be the dataset's metadata digest) is written
whole with those facts added, distribution and record sets included.`,
		Example: `  provad dataset croissant blake3:5231... --metadata titanic/metadata.json --trust-genesis > croissant.json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := fingerprint.ParseDigest(args[0])
			if err != nil {
				return err
			}
			var doc []byte
			metaPath, _ := cmd.Flags().GetString(flagMetadata)
			if metaPath != "" {
				if doc, err = croissant.ReadFile(metaPath); err != nil {
					return err
				}
				if _, err := croissant.Parse(doc); err != nil {
					return fmt.Errorf("%s: %w", metaPath, err)
				}
			}
			lc, _, err := lightClientFromCmd(cmd)
			if err != nil {
				return err
			}
			defer lc.Close()
			pv, err := readerFor(lc, 0).Provenance(cmd.Context(), id.String())
			if err != nil {
				return err
			}
			if pv.Subject.Kind != "dataset" {
				return fmt.Errorf("%s is a %s, not a dataset", id, pv.Subject.Kind)
			}
			ds := pv.Subject.Dataset
			facts := croissant.Facts{
				ID: ds.Info.Id, Name: ds.Info.Name, Version: ds.Info.Version, License: ds.Info.License, Owner: ds.Owner,
				RecordRoot: ds.Info.RecordRoot, RecordCount: ds.Info.RecordCount,
				MetadataURI: ds.Info.MetadataUri, MetadataDigest: ds.Info.MetadataDigest,
				ChainID: pv.ChainID, Height: pv.Height, AppHash: pv.AppHash,
			}
			for _, c := range ds.Info.Contributors {
				facts.Contributors = append(facts.Contributors, croissant.Contributor{Address: c.Address, ShareBps: c.ShareBps})
			}
			var out []byte
			if doc == nil {
				out, err = croissant.Describe(facts)
			} else {
				if err := checkMetadataDigest(cmd, metaPath, ds.Info.MetadataDigest); err != nil {
					return err
				}
				out, err = croissant.Annotate(doc, facts)
			}
			if err != nil {
				return err
			}
			if path, _ := cmd.Flags().GetString(flagOutFile); path != "" {
				return os.WriteFile(path, out, 0o644)
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().String(flagMetadata, "", "the registered Croissant metadata file, to write whole with Prova's facts added")
	cmd.Flags().String(flagOutFile, "", "write the metadata to this file instead of stdout")
	addTrustFlags(cmd)
	return cmd
}

// checkMetadataDigest checks that the file at path is the metadata document
// the dataset registered: its artifact ID, with the registered digest's
// algorithm, is that digest.
func checkMetadataDigest(cmd *cobra.Command, path, registered string) error {
	if registered == "" {
		return fmt.Errorf("the dataset registered no metadata digest, so %s cannot be shown to be its metadata; leave out --metadata", path)
	}
	want, err := fingerprint.ParseDigest(registered)
	if err != nil {
		return fmt.Errorf("registered metadata digest: %w", err)
	}
	m, err := fingerprint.Fingerprint(cmd.Context(), path, fingerprint.Options{Algorithm: want.Algorithm})
	if err != nil {
		return err
	}
	if m.Digest != want {
		return fmt.Errorf("%s has artifact ID %s, but the dataset registered metadata %s: this is not the registered metadata", path, m.Digest, want)
	}
	return nil
}

func datasetProveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prove --dataset ID --records PATH (RECORD | --index N)",
		Short: "Emit an inclusion proof (JSON) for one record of a registered dataset",
		Long: `Rebuild the dataset's record tree from your copy (--records), check that its root
is the one committed on chain (proven), and write the RFC 6962 inclusion proof
of one record: give the record's exact bytes or its --index. A JSONL record is
the line; a CSV record is a data row as written in the file (quotes, separator
and "\r\n" or "\n" as there; the line end may be left off), or the header and
the row. The row is re-encoded under the file's header, as registration does,
and the proof carries that canonical record. Anyone can check the proof with
provad dataset verify-proof without seeing the other records.`,
		Example: `  provad dataset prove --dataset blake3:5231... --records corpus.jsonl '{"text":"b"}' --trust-genesis > proof.json
  provad dataset prove --dataset blake3:9c1e... --records people.csv '"Allen, Elisabeth",29' --trust-genesis > proof.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dsID, _ := cmd.Flags().GetString(flagDatasetID)
			src, _ := cmd.Flags().GetString(flagRecordsAt)
			index, _ := cmd.Flags().GetInt64(flagIndex)
			if dsID == "" || src == "" || (len(args) == 0) == (index < 0) {
				return fmt.Errorf("give --dataset, --records, and either a RECORD argument or --index")
			}
			// The local work comes first: a record that is not in the copy
			// fails before any node is asked.
			tree, err := records.Build(src, records.Options{})
			if err != nil {
				return err
			}
			var rec []byte
			if len(args) == 1 {
				i, committed, err := records.LocateRecord(src, []byte(args[0]), records.Options{})
				if err != nil {
					return err
				}
				index, rec = int64(i), committed
			} else if rec, err = records.RecordAt(src, uint64(index), records.Options{}); err != nil {
				return err
			}
			lc, _, err := lightClientFromCmd(cmd)
			if err != nil {
				return err
			}
			defer lc.Close()
			pv, err := readerFor(lc, 0).Provenance(cmd.Context(), dsID)
			if err != nil {
				return err
			}
			if pv.Subject.Kind != "dataset" || len(pv.Subject.Dataset.Info.RecordRoot) == 0 {
				return fmt.Errorf("%s is not a dataset that commits to its records", dsID)
			}
			onChain := pv.Subject.Dataset.Info.RecordRoot
			if !bytes.Equal(tree.Root(), onChain) {
				return fmt.Errorf("the records in %s have root %X, but the dataset committed to %X: this is not the registered copy", src, tree.Root(), onChain)
			}
			proof, err := records.NewInclusionProof(dsID, tree, uint64(index), rec)
			if err != nil {
				return err
			}
			if path, _ := cmd.Flags().GetString(flagOutFile); path != "" {
				f, err := os.Create(path)
				if err != nil {
					return err
				}
				defer f.Close()
				return proof.Encode(f)
			}
			return proof.Encode(cmd.OutOrStdout())
		},
	}
	cmd.Flags().String(flagDatasetID, "", "registered dataset ID")
	cmd.Flags().String(flagRecordsAt, "", "your copy of the dataset's records (JSONL, CSV or directory)")
	cmd.Flags().Int64(flagIndex, -1, "prove the record at this index instead of naming it")
	cmd.Flags().String(flagOutFile, "", "write the proof to this file instead of stdout")
	addTrustFlags(cmd)
	return cmd
}

func datasetVerifyProofCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify-proof FILE",
		Short: "Check a record inclusion proof against the dataset's root proven on chain",
		Long: `Check an inclusion proof made by provad dataset prove. The proof is checked
offline; the only thing fetched is the dataset's record root and record count,
and those are proven against a light-client-verified header.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			proof, err := records.Decode(f)
			if err != nil {
				return err
			}
			lc, clientCtx, err := lightClientFromCmd(cmd)
			if err != nil {
				return err
			}
			defer lc.Close()
			r := readerFor(lc, 0)
			rec, err := r.DatasetRecord(cmd.Context(), proof)
			if errors.Is(err, proven.ErrRecordRejected) {
				return &ExitError{Code: 1, Err: err}
			}
			if err != nil {
				return err
			}
			d := rec.Dataset.Info
			pv := struct {
				Height  int64
				AppHash string
				ChainID string
			}{rec.Proof.Height, rec.Proof.AppHash.String(), rec.Proof.ChainID}
			res := map[string]any{
				"included": true, "dataset": d.Id, "dataset_name": d.Name, "record_index": proof.RecordIndex,
				"record": string(proof.Record), "record_root": fmt.Sprintf("%X", d.RecordRoot),
				"height": pv.Height, "app_hash": pv.AppHash, "chain_id": pv.ChainID,
			}
			if clientCtx.OutputFormat == flags.OutputFormatJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "included: record %d of dataset %q (%s)\n  record  %s\n  root    %X (%d records), proven at height %d of %s\n",
				proof.RecordIndex, d.Name, d.Id, proof.Record, d.RecordRoot, d.RecordCount, pv.Height, pv.ChainID)
			return nil
		},
	}
	addTrustFlags(cmd)
	return cmd
}
