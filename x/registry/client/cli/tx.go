// Package cli holds provad's registry transaction commands. Registering
// starts from files: the commands hash and inspect them and fill the
// message, so nobody types a digest by hand.
package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/records"
	"github.com/prova-network/prova/x/registry/types"
)

const (
	flagName        = "name"
	flagVersion     = "artifact-version"
	flagLicense     = "license"
	flagUse         = "use"
	flagAttribution = "attribution"
	flagShareAlike  = "share-alike"
	flagContributor = "contributor"
	flagRecords     = "records"
	flagMetaURI     = "metadata-uri"
	flagMetaDigest  = "metadata-digest"
	flagAlgo        = "algo"
	flagParent      = "parent"
	flagDataset     = "dataset"
	flagCard        = "card"
	flagCardURI     = "card-uri"
	flagTrainingRun = "training-run-digest"
	flagFormat      = "format"
	flagDryRun      = "print-only"
	flagCroissant   = "croissant"
	flagRecordSet   = "record-set"
	flagDataDir     = "data-dir"
)

// GetTxCmd returns `provad tx registry`.
func GetTxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        types.ModuleName,
		Short:                      "Register datasets and models and manage their records",
		DisableFlagParsing:         false,
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(registerDatasetCmd(), registerModelCmd(), updateMetadataCmd(), transferOwnershipCmd())
	return cmd
}

func registerDatasetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "register-dataset [PATH]",
		Short: "Hash a dataset (file or directory) and register it",
		Long: `Hash PATH into its artifact ID and register it with its license, usage terms
and contributors. With --records, the dataset also commits to its records
(JSONL lines, CSV rows, or the files of a directory) with an RFC 6962 Merkle
root, so each record's membership can later be proven on its own.

With --croissant, the name, version and license come from Croissant metadata
(flags override them), every distribution file is checked against its sha256
or md5 (files are relative to the metadata file's directory; a contentUrl
that is a URL is looked for by its file name in data/ there, or in
--data-dir), and the metadata digest is the metadata file's artifact ID.
Without PATH, the dataset is the directory holding all the distribution
files, which must hold nothing else (titanic/data for a metadata file whose
files are data/*.csv). With --record-set, the dataset commits to that
record set's records as Croissant's loader yields them, each as the JSON
line provad dataset records prints, instead of --records.`,
		Example: `  provad tx registry register-dataset ./corpus.jsonl --name my-corpus --license CC-BY-4.0 \
    --use commercial --attribution --records ./corpus.jsonl \
    --contributor prova1...:6000 --contributor prova1...:4000 --from alice
  provad tx registry register-dataset --croissant titanic/metadata.json --records titanic/data/titanic.csv --from alice
  provad tx registry register-dataset --croissant titanic/metadata.json --record-set passengers --from alice`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			var cr *croissantDataset
			if metaPath, _ := cmd.Flags().GetString(flagCroissant); metaPath != "" {
				dataDir, _ := cmd.Flags().GetString(flagDataDir)
				if cr, err = readCroissant(cmd, metaPath, dataDir); err != nil {
					return err
				}
			}
			var path string
			switch {
			case len(args) == 1:
				path = args[0]
			case cr != nil:
				if path, err = cr.dataRoot(cmd); err != nil {
					return err
				}
			default:
				return fmt.Errorf("give the dataset's PATH, or its Croissant metadata with --croissant")
			}
			id, err := fingerprintPath(cmd, path)
			if err != nil {
				return err
			}
			info := types.DatasetInfo{Id: id}
			info.Name, _ = cmd.Flags().GetString(flagName)
			info.Version, _ = cmd.Flags().GetString(flagVersion)
			info.License, _ = cmd.Flags().GetString(flagLicense)
			if cr != nil {
				if err := cr.fill(cmd, &info); err != nil {
					return err
				}
			}
			if info.Name == "" {
				info.Name = baseName(path)
			}
			use, _ := cmd.Flags().GetString(flagUse)
			if info.Usage.Use, err = parseUse(use); err != nil {
				return err
			}
			info.Usage.Attribution, _ = cmd.Flags().GetBool(flagAttribution)
			info.Usage.ShareAlike, _ = cmd.Flags().GetBool(flagShareAlike)
			if info.Contributors, err = contributorsFromFlags(cmd); err != nil {
				return err
			}
			src, _ := cmd.Flags().GetString(flagRecords)
			set, _ := cmd.Flags().GetString(flagRecordSet)
			var tree *records.Tree
			switch {
			case set != "" && (cr == nil || src != ""):
				return fmt.Errorf("--%s needs --%s and replaces --%s", flagRecordSet, flagCroissant, flagRecords)
			case set != "":
				dataDir, _ := cmd.Flags().GetString(flagDataDir)
				if tree, err = cr.recordTree(cmd, set, dataDir); err != nil {
					return err
				}
			case src != "":
				if tree, err = records.Build(src, records.Options{}); err != nil {
					return fmt.Errorf("build record root from %s: %w", src, err)
				}
			}
			if tree != nil {
				info.RecordRoot, info.RecordCount = tree.Root(), tree.Size()
				fmt.Fprintf(cmd.ErrOrStderr(), "records: %d, root %X\n", tree.Size(), tree.Root())
			}
			if uri, _ := cmd.Flags().GetString(flagMetaURI); uri != "" {
				info.MetadataUri = uri
			}
			if digest, _ := cmd.Flags().GetString(flagMetaDigest); digest != "" {
				info.MetadataDigest = digest
			}
			msg := &types.MsgRegisterDataset{Owner: clientCtx.GetFromAddress().String(), Dataset: info}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "dataset id: %s\n", id)
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	cmd.Flags().String(flagName, "", "dataset name (default: the file or directory name)")
	cmd.Flags().String(flagVersion, "", "dataset version, e.g. 2024-06 or v2")
	cmd.Flags().String(flagLicense, "", "SPDX license expression, e.g. CC-BY-4.0 (required)")
	cmd.Flags().String(flagUse, "unspecified", "permitted use: commercial, non-commercial, academic or unspecified")
	cmd.Flags().Bool(flagAttribution, false, "the license requires attribution")
	cmd.Flags().Bool(flagShareAlike, false, "the license requires share-alike")
	cmd.Flags().String(flagRecords, "", "commit to the records of this JSONL/CSV file or directory")
	cmd.Flags().String(flagMetaURI, "", "URI of a description (e.g. a Croissant file)")
	cmd.Flags().String(flagMetaDigest, "", "digest ID of that description")
	cmd.Flags().String(flagCroissant, "", "Croissant metadata (JSON-LD) of the dataset: name, license, version and files, each file checked against its checksum")
	cmd.Flags().String(flagRecordSet, "", "with --croissant: commit to this record set's records, one JSON line each as provad dataset records prints them (instead of --records)")
	cmd.Flags().String(flagDataDir, "", "where to look for Croissant files whose contentUrl is a URL (default: data/ next to the metadata)")
	addCommonFlags(cmd)
	return cmd
}

func updateMetadataCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "update-metadata ID",
		Short: "Change the name, version or metadata/card link of a record you own",
		Long:  "Digests, licenses, contributors and lineage are immutable; only descriptive fields change.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			msg := &types.MsgUpdateMetadata{Owner: clientCtx.GetFromAddress().String(), Id: args[0]}
			msg.Name, _ = cmd.Flags().GetString(flagName)
			msg.Version, _ = cmd.Flags().GetString(flagVersion)
			msg.Uri, _ = cmd.Flags().GetString(flagMetaURI)
			msg.Digest, _ = cmd.Flags().GetString(flagMetaDigest)
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	cmd.Flags().String(flagName, "", "new name")
	cmd.Flags().String(flagVersion, "", "new artifact version")
	cmd.Flags().String(flagMetaURI, "", "new metadata (dataset) or card (model) URI")
	cmd.Flags().String(flagMetaDigest, "", "digest ID of the new metadata or card")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func transferOwnershipCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "transfer-ownership ID NEW_OWNER",
		Short: "Hand a dataset or model you own to another account",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			msg := &types.MsgTransferOwnership{Owner: clientCtx.GetFromAddress().String(), Id: args[0], NewOwner: args[1]}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func addCommonFlags(cmd *cobra.Command) {
	cmd.Flags().StringArray(flagContributor, nil, "ADDRESS:SHARE_BPS (repeatable; shares sum to 10000)")
	cmd.Flags().String(flagAlgo, string(fingerprint.BLAKE3), "digest algorithm for the ID: blake3 or sha256")
	flags.AddTxFlagsToCmd(cmd)
}

func fingerprintPath(cmd *cobra.Command, path string) (string, error) {
	m, err := fingerprintManifest(cmd, path)
	if err != nil {
		return "", err
	}
	return m.Digest.String(), nil
}

// fingerprintManifest hashes the artifact at path to be registered (--algo).
// Nothing to hash is refused: every empty directory has the same ID, the
// hash of no bytes, and a half-downloaded or mistyped path should not take
// it.
func fingerprintManifest(cmd *cobra.Command, path string) (*fingerprint.Manifest, error) {
	algo, _ := cmd.Flags().GetString(flagAlgo)
	a, err := fingerprint.ParseAlgorithm(algo)
	if err != nil {
		return nil, err
	}
	m, err := fingerprint.Fingerprint(cmd.Context(), path, fingerprint.Options{Algorithm: a})
	if err != nil {
		return nil, err
	}
	if len(m.Resources) == 0 {
		return nil, fmt.Errorf("%w: %s has no files to register (.git files are left out, and links outside a Hugging Face cache snapshot are refused)", fingerprint.ErrEmpty, path)
	}
	return m, nil
}

func contributorsFromFlags(cmd *cobra.Command) ([]types.Contributor, error) {
	vals, _ := cmd.Flags().GetStringArray(flagContributor)
	out := make([]types.Contributor, 0, len(vals))
	for _, v := range vals {
		addr, share, ok := strings.Cut(v, ":")
		bps, err := strconv.ParseUint(share, 10, 32)
		if !ok || err != nil {
			return nil, fmt.Errorf("--contributor %q: want ADDRESS:SHARE_BPS, e.g. prova1...:2500", v)
		}
		out = append(out, types.Contributor{Address: addr, ShareBps: uint32(bps)})
	}
	return out, nil
}

func parseUse(s string) (types.Use, error) {
	switch strings.ToLower(strings.ReplaceAll(s, "_", "-")) {
	case "", "unspecified":
		return types.Use_USE_UNSPECIFIED, nil
	case "commercial":
		return types.Use_USE_COMMERCIAL, nil
	case "non-commercial", "noncommercial":
		return types.Use_USE_NON_COMMERCIAL, nil
	case "academic", "research":
		return types.Use_USE_ACADEMIC, nil
	}
	return 0, fmt.Errorf("--use %q: want commercial, non-commercial, academic or unspecified", s)
}

func baseName(path string) string {
	path = strings.TrimRight(path, "/")
	if i := strings.LastIndex(path, "/"); i >= 0 {
		return path[i+1:]
	}
	return path
}
