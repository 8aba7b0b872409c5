package cli

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/x/infer/types"
)

// challengeFlags reads the challenger's trace root, output digest and bond.
func challengeFlags(cmd *cobra.Command) (root, output []byte, bond sdk.Coin, err error) {
	if root, err = hashFlag(cmd, flagTraceRoot); err != nil {
		return
	}
	if output, err = hashFlag(cmd, flagOutputDigest); err != nil {
		return
	}
	arg, _ := cmd.Flags().GetString(flagBond)
	if bond, err = sdk.ParseCoinNormalized(arg); err != nil {
		err = fmt.Errorf("--bond %q: %w", arg, err)
	}
	return
}

func addChallengeFlags(cmd *cobra.Command) {
	cmd.Flags().String(flagTraceRoot, "", "your trace root for the claim's input, sha256:<hex> (required)")
	cmd.Flags().String(flagOutputDigest, "", "your output digest, sha256:<hex> (required)")
	cmd.Flags().String(flagBond, "", "bond to escrow, at least the dispute stake, e.g. 5000000uprova (required)")
	for _, f := range []string{flagTraceRoot, flagOutputDigest, flagBond} {
		_ = cmd.MarkFlagRequired(f)
	}
}

func challengeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "challenge [CLAIM_ID]",
		Short: "Dispute a claim with your own trace root and output digest",
		Long: `Open a dispute over a claim (CLAIM_ID, or a batch leaf with --batch,
--leaf-index, --leaf and --proof). You escrow --bond and post the trace root
and output digest you computed for the claim's input; then bisect in turns
(tx infer bisect) until one step is left to re-execute (tx infer
resolve-step).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			ref, err := claimRef(cmd, args)
			if err != nil {
				return err
			}
			root, output, bond, err := challengeFlags(cmd)
			if err != nil {
				return err
			}
			return send(cmd, clientCtx, &types.MsgChallenge{Challenger: clientCtx.GetFromAddress().String(), Claim: ref, TraceRoot: root, OutputDigest: output, Bond: bond})
		},
	}
	addClaimRefFlags(cmd)
	addChallengeFlags(cmd)
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func challengeReceiptCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "challenge-receipt BUNDLE_FILE",
		Short: "Dispute a logged receipt that carries a trace root",
		Long: `Open a dispute over a receipt in a transparency log: BUNDLE_FILE is the
receipt bundle (provad receipt proof), whose checkpoint's size must be one
the log anchored on chain. The receipt's signing key must be bound to a
provider bond (tx infer bond --receipt-key).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			r, err := receiptRefFromBundle(args[0])
			if err != nil {
				return err
			}
			root, output, bond, err := challengeFlags(cmd)
			if err != nil {
				return err
			}
			return send(cmd, clientCtx, &types.MsgChallengeReceipt{
				Challenger: clientCtx.GetFromAddress().String(), LogId: r.LogId, TreeSize: r.TreeSize, Index: r.Index,
				Entry: r.Entry, InclusionProof: r.InclusionProof, TraceRoot: root, OutputDigest: output, Bond: bond,
			})
		},
	}
	addChallengeFlags(cmd)
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// receiptRefFromBundle reads a receipt bundle file into the reference of
// its receipt in the tree of its checkpoint's size.
func receiptRefFromBundle(path string) (types.ReceiptRef, error) {
	bz, err := readFile(path, receiptlog.MaxBundleBytes, "receipt bundle")
	if err != nil {
		return types.ReceiptRef{}, err
	}
	b, err := receiptlog.DecodeBundle(bz)
	if err != nil {
		return types.ReceiptRef{}, err
	}
	size, err := checkpointSize(b.Checkpoint)
	if err != nil {
		return types.ReceiptRef{}, err
	}
	return types.ReceiptRef{LogId: b.LogID, TreeSize: size, Index: b.Index, Entry: b.Entry, InclusionProof: b.InclusionProof}, nil
}

// checkpointSize reads the tree size from a signed checkpoint's body (the
// chain checks the root it anchored for that size, not the signature).
func checkpointSize(note string) (uint64, error) {
	body, _, ok := bytes.Cut([]byte(note), []byte("\n\n"))
	if !ok {
		return 0, fmt.Errorf("the bundle's checkpoint is not a signed note")
	}
	cp, err := tlog.ParseCheckpoint(append(body, '\n'))
	if err != nil {
		return 0, err
	}
	return cp.Size, nil
}

func bisectCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bisect DISPUTE_ID ROOT",
		Short: "Post your trace prefix root at the dispute's midpoint (provad q infer dispute shows it)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			id, err := parseID("DISPUTE_ID", args[0])
			if err != nil {
				return err
			}
			root, err := ParseHash("ROOT", args[1])
			if err != nil {
				return err
			}
			return send(cmd, clientCtx, &types.MsgBisect{Sender: clientCtx.GetFromAddress().String(), DisputeId: id, Root: root})
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func resolveStepCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "resolve-step DISPUTE_ID RESOLUTION_FILE",
		Short: "Settle a dispute by having the chain re-execute the one disputed step",
		Long: `RESOLUTION_FILE is a MsgResolveStep in protobuf JSON: "range" (the compact
range of the agreed prefix), "states" (leaf_index, tensors, proof) and
"weights" (index, tensor, proof), bytes in base64. The sender and dispute
ID are set from the command line.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			id, err := parseID("DISPUTE_ID", args[0])
			if err != nil {
				return err
			}
			bz, err := readFile(args[1], 4*types.MaxResolveBytes/3+(1<<20), "resolution file")
			if err != nil {
				return err
			}
			var m types.MsgResolveStep
			if err := clientCtx.Codec.UnmarshalJSON(bz, &m); err != nil {
				return fmt.Errorf("%s: %w", args[1], err)
			}
			m.Sender, m.DisputeId = clientCtx.GetFromAddress().String(), id
			return send(cmd, clientCtx, &m)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func proveOutputCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prove-output DISPUTE_ID",
		Short: "Prove that the claimed output digest is the last leaf of the claim's trace",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			id, err := parseID("DISPUTE_ID", args[0])
			if err != nil {
				return err
			}
			proof, err := proofFlag(cmd)
			if err != nil {
				return err
			}
			return send(cmd, clientCtx, &types.MsgProveOutput{Sender: clientCtx.GetFromAddress().String(), DisputeId: id, Proof: proof})
		},
	}
	cmd.Flags().String(flagProof, "", "inclusion proof of the last leaf (hex or base64 hashes, comma-separated) or @FILE")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}
