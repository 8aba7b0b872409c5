package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/internal/verify/proven"
)

func receiptVerifyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify BUNDLE.json",
		Short: "Check a receipt bundle against the chain, with proofs",
		Long: `Check a receipt bundle (from 'provad receipt submit' or GET /prova/receipts/v1/proof):

  1. the provider's ed25519 signature over the receipt (or over its batch's root);
  2. the RFC 6962 inclusion proof of the receipt in the bundle's checkpoint;
  3. the checkpoint's signature by the log key registered on chain;
  4. that the checkpoint is anchored on chain: its (size, root) is stored there, or a
     consistency proof (fetched from --log) links it to a later anchored checkpoint.

Everything read from the chain is proven against a light-client-verified header.
Exit status 0 only if every check passes; 1 if the checkpoint is not anchored yet.`,
		Example: `  provad receipt verify receipt.json --trust-genesis
  provad receipt verify receipt.json --trust-height 1200 --trust-hash 5E8A... --node tcp://rpc:26657 --chain-id prova-1 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			b, err := receiptlog.DecodeBundle(raw)
			if err != nil {
				return err
			}
			lc, clientCtx, err := lightClientFromCmd(cmd)
			if err != nil {
				return err
			}
			defer lc.Close()
			logURL, err := logURLFromCmd(cmd, "")
			if err != nil {
				return err
			}
			var consistency proven.ConsistencyFunc
			if logURL != "" {
				c := receiptlog.NewClient(logURL, nil)
				consistency = func(ctx context.Context, from, to uint64) ([][]byte, error) {
					p, err := c.Consistency(ctx, from, to)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", logURL, err)
					}
					return p, nil
				}
			}
			rep, err := readerFor(lc, 0).Receipt(cmd.Context(), b, consistency)
			if errors.Is(err, proven.ErrNotAnchored) {
				return &ExitError{Code: 1, Err: err}
			}
			if err != nil {
				return err
			}
			if clientCtx.OutputFormat == flags.OutputFormatJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			printReceiptReport(cmd.OutOrStdout(), rep)
			return nil
		},
	}
	cmd.Flags().String(flagLogURL, "", "receipt log URL, used only if a consistency proof to a later anchored checkpoint is needed (default: the log of --home's app.toml)")
	addTrustFlags(cmd)
	return cmd
}

func printReceiptReport(w io.Writer, r *proven.ReceiptReport) {
	kind := "single receipt"
	if r.Batched {
		kind = "member of a signed batch"
	}
	fmt.Fprintf(w, "Receipt %s\n", r.ReceiptID)
	fmt.Fprintf(w, "  model      %s\n  provider   %s (key %s)\n  input      %s\n  output     %s\n", r.Model, r.Provider, r.KeyID, r.Input, r.Output)
	fmt.Fprintf(w, "  tokens     %d in, %d out\n  request    %s\n  time       %s\n", r.TokensIn, r.TokensOut, r.RequestID, r.Time)
	fmt.Fprintf(w, "  log        %s, index %d (operator %s)\n\n", r.LogID, r.Index, r.Operator)
	fmt.Fprintf(w, "  ✓ provider signature (%s)\n", kind)
	fmt.Fprintf(w, "  ✓ included in the log's checkpoint of size %d (RFC 6962 inclusion proof)\n", r.TreeSize)
	fmt.Fprintf(w, "  ✓ checkpoint signed by the log key registered on chain\n")
	if r.ViaConsistency {
		fmt.Fprintf(w, "  ✓ anchored: consistent with the checkpoint of size %d anchored on chain (RFC 6962 consistency proof)\n", r.AnchoredAt)
	} else {
		fmt.Fprintf(w, "  ✓ anchored: this checkpoint's root is on chain\n")
	}
	if r.LogFrozen {
		fmt.Fprintf(w, "  ! the log has since been frozen for equivocation; entries anchored before that remain proven\n")
	}
	if r.Proof != nil {
		fmt.Fprintf(w, "\nProven at height %d against header %d (%s) of %s.\n", r.Proof.Height, r.Proof.HeaderHeight, r.Proof.HeaderHash, r.Proof.ChainID)
	}
}
