package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/modelsign"
	"github.com/prova-network/prova/internal/verify/proven"
	regcli "github.com/prova-network/prova/x/registry/client/cli"
	regtypes "github.com/prova-network/prova/x/registry/types"
)

func verifyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify PATH|ID",
		Short: "Hash a model or dataset and print its proven provenance, or check its model signature",
		Long: `Hash PATH (a file or directory) the way it was registered, find its record on
chain, and print who registered it, under which license, which base models it
derives from and how, and which datasets it was trained or evaluated on, with
their licenses and contributors.

Every record printed is proven: read at one height H with a Merkle proof
checked against the app hash of header H+1, which the light client verified.
The exit status is 0 only if the artifact is registered and every proof
checks. A file that differs from the registered one by a single byte has
another digest and is reported as not registered.

PATH may also be a registered ID ("blake3:<hex>") to verify without files.

With --signature model.sig, verify instead an OpenSSF model signature
(sigstore/model-transparency's model_signing) offline, without a chain: the
bundle's signature, then every file of PATH against the signed digests, hashed
as the signature says (algorithm, serialization, ignored paths; the signature
file is left out when it lies inside PATH). Say whom you trust:
  --key signer.pub             a key bundle (model_signing sign key)
  --cert-chain ca.pem          a certificate bundle; every certificate in the
                               file(s) is a trust anchor
  --trusted-root trusted_root.json --identity ID --issuer URL
                               a Sigstore bundle: the Fulcio certificate must
                               chain to the root's CA at the time the Rekor
                               entry proves, and name ID (email or URI) from
                               the OIDC issuer URL
The exit status is 0 only if the signature verifies and every file matches;
otherwise the files that differ, are missing or are not signed are listed.`,
		Example: `  provad verify ./my-model --trust-genesis --home ~/.prova-dev
  provad verify ./my-model --trust-height 1200 --trust-hash 5E8A... --node tcp://rpc:26657 --chain-id prova-1 -o json
  provad verify ./my-model --signature ./my-model/model.sig --key signer.pub
  provad verify ./my-model --signature model.sig --cert-chain ca-cert.pem -o json
  provad verify ./my-model --signature model.sig --trusted-root trusted_root.json \
    --identity alice@example.com --issuer https://accounts.google.com`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if sig, _ := cmd.Flags().GetString(regcli.FlagSignature); sig != "" {
				return verifySignature(cmd, args[0], sig)
			}
			id, err := artifactID(cmd, args[0])
			if err != nil {
				return err
			}
			lc, clientCtx, err := lightClientFromCmd(cmd)
			if err != nil {
				return err
			}
			defer lc.Close()
			height, _ := cmd.Flags().GetInt64(flags.FlagHeight)
			pv, err := readerFor(lc, height).Provenance(cmd.Context(), id)
			if err != nil {
				if errors.Is(err, proven.ErrNotRegistered) {
					if clientCtx.OutputFormat == flags.OutputFormatJSON {
						_ = json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]any{"id": id, "registered": false})
					}
					return &ExitError{Code: 1, Err: err}
				}
				return err
			}
			if clientCtx.OutputFormat == flags.OutputFormatJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Registered bool `json:"registered"`
					*proven.Provenance
				}{true, pv})
			}
			printProvenance(cmd.OutOrStdout(), pv)
			return nil
		},
	}
	addFingerprintFlags(cmd)
	addTrustFlags(cmd)
	regcli.AddSignatureFlags(cmd, "OpenSSF model signature (model_signing's model.sig) to verify PATH against, offline")
	return cmd
}

// signatureJSON is the -o json output of the signature mode.
type signatureJSON struct {
	Verified bool `json:"verified"`
	*modelsign.Result
	Signer        string         `json:"signer,omitempty"`
	SubjectDigest string         `json:"subject_digest,omitempty"`
	ModelName     string         `json:"model_name,omitempty"`
	Files         int            `json:"files"`
	Mismatches    []mismatchJSON `json:"mismatches,omitempty"`
	Error         string         `json:"error,omitempty"`
}

type mismatchJSON struct {
	Name   string `json:"name"`
	Status string `json:"status"` // "changed", "missing" or "unexpected"
	Want   string `json:"want,omitempty"`
	Got    string `json:"got,omitempty"`
}

// verifySignature runs the --signature mode: no chain, no light client.
func verifySignature(cmd *cobra.Command, path, sigPath string) error {
	tf := regcli.SignatureTrust(cmd)
	asJSON := false
	if o, _ := cmd.Flags().GetString(flags.FlagOutput); o == flags.OutputFormatJSON {
		asJSON = true
	}
	workers, _ := cmd.Flags().GetInt(flagWorkers)
	r, err := runSignatureCheck(cmd, path, sigPath, tf, workers)
	if asJSON {
		out := signatureJSON{Verified: err == nil}
		if r != nil {
			out.Result, out.Files, out.Signer = r.Result, r.Files, r.Signer()
			out.SubjectDigest, out.ModelName = r.Manifest.Digest.String(), r.Manifest.Name
			for _, m := range r.Mismatches {
				mj := mismatchJSON{Name: m.Name, Status: "changed"}
				switch {
				case m.Missing():
					mj.Status = "missing"
				case m.Extra():
					mj.Status = "unexpected"
				}
				if !m.Want.IsZero() {
					mj.Want = m.Want.String()
				}
				if !m.Got.IsZero() {
					mj.Got = m.Got.String()
				}
				out.Mismatches = append(out.Mismatches, mj)
			}
		}
		if err != nil {
			out.Error = err.Error()
		}
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		if encErr := enc.Encode(out); encErr != nil {
			return encErr
		}
	}
	if err != nil {
		return &ExitError{Code: 1, Err: regcli.WithSignatureHint(err)}
	}
	if !asJSON {
		w := cmd.OutOrStdout()
		fmt.Fprintf(w, "signature  verified (%s)\nsigner     %s\nkey        %s\n", r.Method, r.Signer(), r.KeyFingerprint)
		if !r.SignedAt.IsZero() {
			fmt.Fprintf(w, "signed at  %s (Rekor log index %d)\n", r.SignedAt.UTC().Format(time.RFC3339), r.TlogIndex)
		}
		fmt.Fprintf(w, "subject    %s (%s)\nfiles      %d verified\n", r.Manifest.Digest, r.Manifest.Name, r.Files)
	}
	return nil
}

func runSignatureCheck(cmd *cobra.Command, path, sigPath string, tf modelsign.TrustFiles, workers int) (*modelsign.ModelResult, error) {
	trust, err := tf.Load()
	if err != nil {
		return nil, err
	}
	b, err := modelsign.ReadBundle(sigPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sigPath, err)
	}
	return modelsign.VerifyModel(cmd.Context(), path, sigPath, b, trust, workers)
}

// artifactID returns the ID of arg: the fingerprint of a path, or arg itself
// if it is a digest ID and no such path exists.
func artifactID(cmd *cobra.Command, arg string) (string, error) {
	if _, err := os.Stat(arg); err != nil {
		if d, perr := fingerprint.ParseDigest(arg); perr == nil {
			return d.String(), nil
		}
		return "", err
	}
	opts, err := fingerprintOptions(cmd)
	if err != nil {
		return "", err
	}
	bar := newProgressBar(cmd.ErrOrStderr(), "hashing")
	opts.Progress = bar.update
	m, err := fingerprint.Fingerprint(cmd.Context(), arg, opts)
	bar.done()
	if err != nil {
		return "", err
	}
	return m.Digest.String(), nil
}

func printProvenance(w io.Writer, pv *proven.Provenance) {
	s := pv.Subject
	switch s.Kind {
	case "model":
		m := s.Model
		fmt.Fprintf(w, "model %q %s\n  id         %s\n", m.Info.Name, m.Info.Version, s.ID)
		printModelFacts(w, "  ", m)
	case "dataset":
		printDataset(w, "", s.Dataset, "")
	}
	if e := pv.Evaluation; e != nil {
		fmt.Fprintf(w, "\nevaluation (staked validators, commit-reveal):\n  %s %d / %d  (task %d, %d of %d evaluators revealed, finished at height %d)\n",
			e.Task.Metric, e.Task.Result, e.Task.ScoreMax, e.Task.Id, e.Task.Reveals, e.Task.Commits, e.Task.RevealEnd)
	}
	if len(pv.Ancestors) > 0 {
		fmt.Fprintln(w, "\nderived from:")
		for _, a := range pv.Ancestors {
			ind := strings.Repeat("  ", a.Depth)
			fmt.Fprintf(w, "%s%s of %q %s\n%s  id         %s\n", ind, a.Relation, a.Model.Info.Name, a.Model.Info.Version, ind, a.ID)
			printModelFacts(w, ind+"  ", a.Model)
		}
	}
	if len(pv.Datasets) > 0 {
		fmt.Fprintln(w, "\ndatasets:")
		for _, d := range pv.Datasets {
			printDataset(w, "  ", d.Dataset, fmt.Sprintf("%s (by %s)", d.Relation, shortID(d.UsedBy)))
		}
	}
	fmt.Fprintf(w, "\nverified: %d records at height %d of %s, app hash %s (header %d, light-client verified)\n",
		pv.Count(), pv.Height, pv.ChainID, pv.AppHash, pv.Height+1)
}

func printModelFacts(w io.Writer, ind string, m *regtypes.Model) {
	if m.Status != regtypes.ModelStatus_MODEL_STATUS_UNSPECIFIED {
		fmt.Fprintf(w, "%sSTATUS     %s by governance at height %d", ind, strings.ToUpper(m.Status.Short()), m.StatusHeight)
		if m.StatusReason != "" {
			fmt.Fprintf(w, ": %s", m.StatusReason)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%slicense    %s\n%sowner      %s\n", ind, m.Info.License, ind, m.Owner)
	if m.Info.Format != "" || m.Info.ParameterCount > 0 {
		fmt.Fprintf(w, "%sformat     %s, %d parameters", ind, m.Info.Format, m.Info.ParameterCount)
		if m.Info.ArchSummary != "" {
			fmt.Fprintf(w, ", %s", m.Info.ArchSummary)
		}
		fmt.Fprintln(w)
	}
	printContributors(w, ind, m.Info.Contributors)
	fmt.Fprintf(w, "%sregistered at height %d\n", ind, m.RegisteredHeight)
}

func printDataset(w io.Writer, ind string, d *regtypes.Dataset, how string) {
	fmt.Fprintf(w, "%sdataset %q %s", ind, d.Info.Name, d.Info.Version)
	if how != "" {
		fmt.Fprintf(w, " — %s", how)
	}
	fmt.Fprintf(w, "\n%s  id         %s\n%s  license    %s (use: %s", ind, d.Info.Id, ind, d.Info.License, proven.UseName(d.Info.Usage.Use))
	if d.Info.Usage.Attribution {
		fmt.Fprint(w, ", attribution")
	}
	if d.Info.Usage.ShareAlike {
		fmt.Fprint(w, ", share-alike")
	}
	fmt.Fprintf(w, ")\n%s  owner      %s\n", ind, d.Owner)
	if len(d.Info.RecordRoot) > 0 {
		fmt.Fprintf(w, "%s  records    %d, root %X\n", ind, d.Info.RecordCount, d.Info.RecordRoot)
	}
	printContributors(w, ind+"  ", d.Info.Contributors)
}

func printContributors(w io.Writer, ind string, cs []regtypes.Contributor) {
	for i, c := range cs {
		label := "          "
		if i == 0 {
			label = "credits   "
		}
		fmt.Fprintf(w, "%s%s %s %d.%02d%%\n", ind, label, c.Address, c.ShareBps/100, c.ShareBps%100)
	}
}

func shortID(id string) string {
	if len(id) > 19 {
		return id[:19] + "…"
	}
	return id
}
