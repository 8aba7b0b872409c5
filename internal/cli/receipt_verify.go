package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/prova-network/prova/internal/lightclient"
	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/internal/tlog"
	receiptstypes "github.com/prova-network/prova/x/receipts/types"
)

// ErrNotAnchored means a receipt's checkpoint is not (yet) covered by a
// checkpoint anchored on chain.
var ErrNotAnchored = errors.New("receipt's checkpoint is not anchored on chain")

// VerifiedReceiptReport is what `provad receipt verify` established.
type VerifiedReceiptReport struct {
	LogID      string `json:"log_id"`
	Index      uint64 `json:"index"`
	ReceiptID  string `json:"receipt_id"`
	Batched    bool   `json:"batched"`
	KeyID      string `json:"provider_key_id"`
	Model      string `json:"model"`
	Provider   string `json:"provider"`
	Input      string `json:"input_digest"`
	Output     string `json:"output_digest"`
	TokensIn   uint64 `json:"tokens_in"`
	TokensOut  uint64 `json:"tokens_out"`
	RequestID  string `json:"request_id"`
	Time       string `json:"time"`
	TreeSize   uint64 `json:"checkpoint_size"`
	Root       string `json:"checkpoint_root"`
	Operator   string `json:"log_operator"`
	LogFrozen  bool   `json:"log_frozen"`
	AnchoredAt uint64 `json:"anchored_size"`
	// ViaConsistency is set when the receipt's checkpoint was not anchored
	// itself and a consistency proof to a later anchored one was checked.
	ViaConsistency bool               `json:"via_consistency_proof"`
	Proof          *lightclient.Proof `json:"proof"`
}

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
			logURL, _ := cmd.Flags().GetString(flagLogURL)
			rep, err := verifyReceiptBundle(cmd.Context(), lc, b, logURL)
			if errors.Is(err, ErrNotAnchored) {
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
	cmd.Flags().String(flagLogURL, "", "receipt log URL, used only if a consistency proof to a later anchored checkpoint is needed")
	addTrustFlags(cmd)
	return cmd
}

// verifyReceiptBundle runs every check of `receipt verify`; chain state is
// read at one height with proofs.
func verifyReceiptBundle(ctx context.Context, lc *lightclient.Client, b *receiptlog.Bundle, logURL string) (*VerifiedReceiptReport, error) {
	height, err := lc.LatestVerifiedHeight(ctx)
	if err != nil {
		return nil, err
	}
	get := func(key []byte) ([]byte, *lightclient.Proof, error) {
		return provenGet(ctx, lc, receiptstypes.StoreKey, key, &height, true)
	}
	v, proof, err := get(receiptstypes.LogKey(b.LogID))
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("log %q is not registered on chain (absence proven at height %d)", b.LogID, proof.Height)
	}
	var log receiptstypes.Log
	if err := log.Unmarshal(v); err != nil {
		return nil, fmt.Errorf("decode proven log %s: %w", b.LogID, err)
	}
	vr, err := receiptlog.VerifyBundle(*b, log.VerifierKey)
	if err != nil {
		return nil, err
	}
	st := vr.Statement.Predicate
	rep := &VerifiedReceiptReport{
		LogID: vr.LogID, Index: vr.Index, ReceiptID: vr.ReceiptID, Batched: vr.Batched, KeyID: vr.KeyID,
		Model: st.Model, Provider: st.Provider.ID, Input: st.InputDigest, Output: st.OutputDigest,
		TokensIn: st.Tokens.Input, TokensOut: st.Tokens.Output, RequestID: st.RequestID, Time: st.Time,
		TreeSize: vr.Checkpoint.Size, Root: hex.EncodeToString(vr.Checkpoint.Hash),
		Operator: log.Operator, LogFrozen: log.Frozen,
	}

	// Is this very checkpoint anchored?
	root, proof, err := get(receiptstypes.RootKey(b.LogID, vr.Checkpoint.Size))
	if err != nil {
		return nil, err
	}
	rep.Proof = proof
	if root != nil {
		if !bytes.Equal(root, vr.Checkpoint.Hash) {
			return nil, fmt.Errorf("%w: the chain anchored root %x for size %d, the bundle's checkpoint says %x: the log equivocated (report it with 'provad tx receipts report-equivocation')",
				tlog.ErrConsistencyInvalid, root, vr.Checkpoint.Size, vr.Checkpoint.Hash)
		}
		rep.AnchoredAt = vr.Checkpoint.Size
		return rep, nil
	}
	// If not, a later anchored checkpoint must extend it.
	v, proof, err = get(receiptstypes.LatestCheckpointKey(b.LogID))
	if err != nil {
		return nil, err
	}
	rep.Proof = proof
	if v == nil {
		return nil, fmt.Errorf("%w: log %s has anchored nothing yet (proven at height %d)", ErrNotAnchored, b.LogID, proof.Height)
	}
	var latest receiptstypes.Checkpoint
	if err := latest.Unmarshal(v); err != nil {
		return nil, fmt.Errorf("decode proven checkpoint: %w", err)
	}
	if latest.TreeSize < vr.Checkpoint.Size {
		return nil, fmt.Errorf("%w: the latest anchored checkpoint has %d entries, the receipt's has %d; retry after the next anchor",
			ErrNotAnchored, latest.TreeSize, vr.Checkpoint.Size)
	}
	if logURL == "" {
		return nil, fmt.Errorf("%w: the checkpoint of size %d was not anchored itself; pass --log URL to fetch a consistency proof to the anchored checkpoint of size %d",
			ErrNotAnchored, vr.Checkpoint.Size, latest.TreeSize)
	}
	cons, err := receiptlog.NewClient(logURL, nil).Consistency(ctx, vr.Checkpoint.Size, latest.TreeSize)
	if err != nil {
		return nil, fmt.Errorf("fetch a consistency proof from %s: %w", logURL, err)
	}
	anchored := tlog.Checkpoint{Origin: b.LogID, Size: latest.TreeSize, Hash: latest.Root}
	if err := tlog.VerifyAppend(vr.Checkpoint, anchored, cons); err != nil {
		return nil, err
	}
	rep.AnchoredAt, rep.ViaConsistency = latest.TreeSize, true
	return rep, nil
}

func printReceiptReport(w io.Writer, r *VerifiedReceiptReport) {
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
