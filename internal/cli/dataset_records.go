package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/prova-network/prova/internal/croissant"
)

const (
	flagRecordSet = "record-set"
	flagDataDir   = "data-dir"
)

// datasetRecordsCommand prints a Croissant record set's records, one JSON
// line each, as mlcroissant yields them. Its name is short on purpose: the
// subcommand list of provad dataset --help is padded to the longest name,
// and help.txtar pins that list.
func datasetRecordsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "records METADATA",
		Short: "Print a Croissant record set's records (JSONL) as Croissant's loader yields them",
		Long: `Read Croissant metadata, check every local distribution file against its
checksum, and print the records of one record set, one JSON object per line,
as mlcroissant (Croissant's reference loader) yields them: field @id to
value, in field order, with the field's data type (sc:Integer and sc:Float as
numbers, sc:Boolean as true/false, sc:Text and sc:URL as strings; a missing
value is null). The lines are written as mlcroissant writes output/*.jsonl.

register-dataset --croissant METADATA --record-set NAME commits to these
lines, so a line printed here is a record provad dataset prove can prove
(save the output as NAME.jsonl and give it as --records).`,
		Example: `  provad dataset records titanic/metadata.json --record-set passengers > passengers.jsonl`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dataDir, _ := cmd.Flags().GetString(flagDataDir)
			name, _ := cmd.Flags().GetString(flagRecordSet)
			doc, err := croissant.Open(args[0], dataDir)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if name == "" {
				if len(doc.RecordSets) != 1 {
					return fmt.Errorf("%s has %d record sets; name one with --%s (%s)", args[0], len(doc.RecordSets), flagRecordSet, recordSetNames(doc))
				}
				name = doc.RecordSets[0].ID
			}
			out := cmd.OutOrStdout()
			if path, _ := cmd.Flags().GetString(flagOutFile); path != "" {
				f, err := os.Create(path)
				if err != nil {
					return err
				}
				defer f.Close()
				out = f
			}
			n, err := writeRecords(cmd, doc, name, out)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "record set %q: %d records\n", name, n)
			return nil
		},
	}
	cmd.Flags().String(flagRecordSet, "", "the record set's @id or name (may be left out when there is one)")
	cmd.Flags().String(flagDataDir, "", "where to look for files whose contentUrl is a URL (default: data/ next to the metadata)")
	cmd.Flags().String(flagOutFile, "", "write the records to this file instead of stdout")
	return cmd
}

func writeRecords(cmd *cobra.Command, doc *croissant.Document, name string, w io.Writer) (int, error) {
	bw := bufio.NewWriter(w)
	var line []byte
	n := 0
	for r, err := range doc.Records(cmd.Context(), name, croissant.RecordOptions{}) {
		if err != nil {
			return n, err
		}
		if line, err = r.AppendLine(line[:0]); err != nil {
			return n, err
		}
		if _, err := bw.Write(line); err != nil {
			return n, err
		}
		n++
	}
	return n, bw.Flush()
}

func recordSetNames(doc *croissant.Document) string {
	s := ""
	for i, rs := range doc.RecordSets {
		if i > 0 {
			s += ", "
		}
		s += rs.ID
	}
	if s == "" {
		return "none"
	}
	return s
}
