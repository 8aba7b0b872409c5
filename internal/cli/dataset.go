package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client/flags"

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
	cmd.AddCommand(datasetProveCommand(), datasetVerifyProofCommand())
	return cmd
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
