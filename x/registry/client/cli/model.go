package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/tx"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/modelsign"
	"github.com/prova-network/prova/x/registry/types"
)

func registerModelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "register-model PATH",
		Short: "Hash and inspect a model (file or directory) and register it with its lineage",
		Long: `Hash PATH into its artifact ID, inspect its weights (safetensors or GGUF: format,
parameter count, architecture fingerprint), and register it with its license,
contributors and lineage.

Lineage names registered IDs: --parent ID:RELATION (finetune, adapter,
quantized, merge, distill) and --dataset ID:RELATION (trained_on,
fine_tuned_on, evaluated_on). Parents and datasets must already be registered.

--card README.md imports a Hugging Face model card's YAML front matter:
license, base_model with base_model_relation, and datasets. Entries that are
Prova IDs become lineage; other names are reported so you can map them.

--signature model.sig first verifies an OpenSSF model signature (model_signing)
over PATH, offline, and refuses to register unless the signature verifies and
every file matches it. Say whom you trust with --key signer.pub, --cert-chain
ca.pem, or --trusted-root trusted_root.json --identity ID --issuer URL, as for
'provad verify --signature'. The signer is printed; it is not stored on chain.
The registered ID is PATH's fingerprint (--algo), which counts every file in
PATH: a file the signature does not cover (the signer's ignore_paths) is
refused, and model.sig itself, if it lies inside PATH, is counted (keep it
beside the model directory if the ID should cover only the signed files).`,
		Example: `  provad tx registry register-model ./llama-ft --license Apache-2.0 \
    --parent blake3:1f2e...:finetune --dataset blake3:9a8b...:fine_tuned_on --from alice
  provad tx registry register-model ./llama-ft --card ./llama-ft/README.md --from alice
  provad tx registry register-model ./llama-ft --signature ./llama-ft.sig --key signer.pub \
    --license Apache-2.0 --from alice
  provad tx registry register-model ./llama-ft --signature ./llama-ft.sig --trusted-root trusted_root.json \
    --identity alice@example.com --issuer https://accounts.google.com --from alice`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			signed, err := verifyModelSignature(cmd, args[0])
			if err != nil {
				return err
			}
			info, err := modelInfoFromFlags(cmd, args[0], signed)
			if err != nil {
				return err
			}
			msg := &types.MsgRegisterModel{Owner: clientCtx.GetFromAddress().String(), Model: *info}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "model id: %s\n", info.Id)
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	cmd.Flags().String(flagName, "", "model name (default: the file or directory name)")
	cmd.Flags().String(flagVersion, "", "model version, e.g. v1.1")
	cmd.Flags().String(flagLicense, "", "SPDX license expression (default: from --card)")
	cmd.Flags().StringArray(flagParent, nil, "ID:RELATION of a base model (repeatable)")
	cmd.Flags().StringArray(flagDataset, nil, "ID:RELATION of a dataset used (repeatable)")
	cmd.Flags().String(flagCard, "", "model card (README.md) whose front matter fills license and lineage")
	cmd.Flags().String(flagCardURI, "", "where the model card is published")
	cmd.Flags().String(flagTrainingRun, "", "digest ID of the training-run record")
	cmd.Flags().String(flagFormat, "", "weights format (default: detected)")
	AddSignatureFlags(cmd, "OpenSSF model signature (model.sig) that PATH must match before it is registered")
	addCommonFlags(cmd)
	return cmd
}

// verifyModelSignature checks --signature, if given, against the files at
// path and prints what it verified; any failure refuses the registration.
func verifyModelSignature(cmd *cobra.Command, path string) (*signedModel, error) {
	sigPath, _ := cmd.Flags().GetString(FlagSignature)
	if sigPath == "" {
		return nil, nil
	}
	trust, err := SignatureTrust(cmd).Load()
	if err != nil {
		return nil, fmt.Errorf("--signature: %w", err)
	}
	b, err := modelsign.ReadBundle(sigPath)
	if err != nil {
		return nil, fmt.Errorf("--signature %s: %w", sigPath, err)
	}
	r, err := modelsign.VerifyModel(cmd.Context(), path, sigPath, b, trust, 0)
	if err != nil {
		return nil, WithSignatureHint(fmt.Errorf("not registering %s: model signature %s: %w", path, sigPath, err))
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "model signature verified (%s): signed by %s, subject %s, %d files match\n",
		r.Method, r.Signer(), r.Manifest.Digest, r.Files)
	return &signedModel{manifest: r.Manifest, sigPath: sigPath}, nil
}

// signedModel is what --signature verified: the signed statement's
// manifest and where the signature file is.
type signedModel struct {
	manifest *fingerprint.Manifest
	sigPath  string
}

// checkCovers refuses a registered manifest (of the model at path) with
// files the signature did not sign, other than the signature file itself,
// which it reports.
func (s *signedModel) checkCovers(cmd *cobra.Command, path string, registered *fingerprint.Manifest) error {
	signed := map[string]bool{}
	for _, r := range s.manifest.Resources {
		signed[fileOf(r)] = true
	}
	sigRel := ""
	if absModel, err := filepath.Abs(path); err == nil {
		if absSig, err := filepath.Abs(s.sigPath); err == nil {
			if rel, err := filepath.Rel(absModel, absSig); err == nil && filepath.IsLocal(rel) {
				sigRel = filepath.ToSlash(rel)
			}
		}
	}
	var uncovered []string
	for _, r := range registered.Resources {
		name := fileOf(r)
		switch {
		case signed[name]:
		case name == sigRel:
			fmt.Fprintf(cmd.ErrOrStderr(), "note: the registered ID covers the signature file %s, which lies inside %s\n", sigRel, path)
		default:
			uncovered = append(uncovered, name)
		}
		signed[name] = true // each file once, however many shards
	}
	if len(uncovered) > 0 {
		shown := uncovered[:min(len(uncovered), 5)]
		more := ""
		if len(uncovered) > 5 {
			more = fmt.Sprintf(" and %d more", len(uncovered)-5)
		}
		return fmt.Errorf("not registering %s: its ID would cover files the signature does not (the signer left them out): %s%s; move them out of %s",
			path, strings.Join(shown, ", "), more, path)
	}
	return nil
}

// fileOf is the file a manifest resource belongs to (a shard's file).
func fileOf(r fingerprint.Resource) string {
	if p, _, _, ok := r.Shard(); ok {
		return p
	}
	return r.Name
}

// modelInfoFromFlags builds the message body from PATH and the flags.
// signed, if not nil, is what --signature verified: the registered files
// must be among the signed ones.
func modelInfoFromFlags(cmd *cobra.Command, path string, signed *signedModel) (*types.ModelInfo, error) {
	m, err := fingerprintManifest(cmd, path)
	if err != nil {
		return nil, err
	}
	if signed != nil {
		if err := signed.checkCovers(cmd, path, m); err != nil {
			return nil, err
		}
	}
	info := &types.ModelInfo{Id: m.Digest.String()}
	info.Name, _ = cmd.Flags().GetString(flagName)
	if info.Name == "" {
		info.Name = baseName(path)
	}
	info.Version, _ = cmd.Flags().GetString(flagVersion)
	declared, _ := cmd.Flags().GetString(flagFormat)
	if err := inspectInto(info, path, declared); err != nil {
		return nil, err
	}
	if cardPath, _ := cmd.Flags().GetString(flagCard); cardPath != "" {
		card, err := ReadCard(cardPath)
		licenseFlag, _ := cmd.Flags().GetString(flagLicense)
		// A card license we do not recognise is fine when --license says
		// what it is: the rest of the card is still read.
		if err != nil && (card == nil || licenseFlag == "" || !errors.Is(err, ErrCardLicense)) {
			return nil, err
		}
		digest, err := fingerprint.Fingerprint(cmd.Context(), cardPath, fingerprint.Options{Algorithm: fingerprint.SHA256})
		if err != nil {
			return nil, err
		}
		info.CardDigest = digest.Resources[0].Digest.String()
		info.License = card.License
		info.Parents, info.Datasets = card.Parents, card.Datasets
		for _, n := range card.Notes {
			fmt.Fprintf(cmd.ErrOrStderr(), "note: %s\n", n)
		}
		for _, n := range card.Unmapped {
			fmt.Fprintf(cmd.ErrOrStderr(), "note: card names %s, which is not a Prova ID; pass it as --parent/--dataset ID:RELATION once registered\n", n)
		}
	}
	info.CardUri, _ = cmd.Flags().GetString(flagCardURI)
	if l, _ := cmd.Flags().GetString(flagLicense); l != "" {
		info.License = l
	}
	parents, _ := cmd.Flags().GetStringArray(flagParent)
	for _, p := range parents {
		pid, rel, err := splitLink(p)
		if err != nil {
			return nil, fmt.Errorf("--parent %q: %w", p, err)
		}
		r, err := types.ParseParentRelation(rel)
		if err != nil {
			return nil, err
		}
		info.Parents = append(info.Parents, types.ParentLink{ModelId: pid, Relation: r})
	}
	datasets, _ := cmd.Flags().GetStringArray(flagDataset)
	for _, d := range datasets {
		did, rel, err := splitLink(d)
		if err != nil {
			return nil, fmt.Errorf("--dataset %q: %w", d, err)
		}
		r, err := types.ParseDatasetRelation(rel)
		if err != nil {
			return nil, err
		}
		info.Datasets = append(info.Datasets, types.DatasetLink{DatasetId: did, Relation: r})
	}
	info.TrainingRunDigest, _ = cmd.Flags().GetString(flagTrainingRun)
	if info.Contributors, err = contributorsFromFlags(cmd); err != nil {
		return nil, err
	}
	return info, nil
}

// splitLink splits "algo:hex:relation" at its last colon.
func splitLink(s string) (id, rel string, err error) {
	i := strings.LastIndex(s, ":")
	if i <= 0 || strings.Count(s, ":") < 2 {
		return "", "", fmt.Errorf("want ID:RELATION, e.g. blake3:<hex>:finetune")
	}
	return s[:i], s[i+1:], nil
}
