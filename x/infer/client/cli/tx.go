// Package cli holds `provad tx infer`: commands that read ONNX files,
// tensors, digests and proofs from files and flags. Queries are autocli
// (`provad q infer …`). Like every `provad tx` command they wait for the
// block that includes the transaction (internal/cli's txResultCheck).
package cli

import (
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/x/infer/types"
	receiptscli "github.com/prova-network/prova/x/receipts/client/cli"
)

const (
	flagSkeleton     = "skeleton"
	flagReceiptKey   = "receipt-key"
	flagInputDigest  = "input-digest"
	flagOutputDigest = "output-digest"
	flagTraceRoot    = "trace-root"
	flagTraceSize    = "trace-size"
	flagModelID      = "model-id"
	flagBatch        = "batch"
	flagLeafIndex    = "leaf-index"
	flagLeaf         = "leaf"
	flagProof        = "proof"
	flagBond         = "bond"
	flagEndpoint     = "endpoint"
	flagReceipt      = "receipt"
)

// GetTxCmd returns `provad tx infer`.
func GetTxCmd() *cobra.Command {
	cmd := &cobra.Command{Use: types.ModuleName, Short: "Executable models, on-chain runs, provider bonds, claims and disputes", RunE: client.ValidateCmd}
	cmd.AddCommand(registerExecutableCmd(), runCmd(), bondCmd(), unbondCmd(), postClaimCmd(), postClaimBatchCmd(),
		requestInputCmd(), postInputCmd(), challengeCmd(), challengeReceiptCmd(), bisectCmd(), resolveStepCmd(), proveOutputCmd())
	return cmd
}

// send validates m and generates or broadcasts it.
func send(cmd *cobra.Command, clientCtx client.Context, m interface {
	sdk.Msg
	ValidateBasic() error
},
) error {
	if err := m.ValidateBasic(); err != nil {
		return err
	}
	return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), m)
}

// ParseHash reads a 32-byte digest or root written as "sha256:<hex>" or
// as 64 hex digits.
func ParseHash(what, s string) ([]byte, error) {
	h, err := hex.DecodeString(strings.TrimPrefix(s, "sha256:"))
	if err != nil || len(h) != types.HashSize {
		return nil, fmt.Errorf("%s %q must be sha256:<64 hex digits>", what, s)
	}
	return h, nil
}

func hashFlag(cmd *cobra.Command, name string) ([]byte, error) {
	v, _ := cmd.Flags().GetString(name)
	return ParseHash("--"+name, v)
}

// readFile reads path, refusing files over limit bytes before reading.
func readFile(path string, limit int64, what string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s %s is %d bytes, at most %d", what, path, st.Size(), limit)
	}
	return os.ReadFile(path)
}

// proofFlag reads proof hashes (hex or base64, comma or space separated)
// from a flag, or from a file named @FILE.
func proofFlag(cmd *cobra.Command) ([][]byte, error) {
	arg, _ := cmd.Flags().GetString(flagProof)
	if path, ok := strings.CutPrefix(arg, "@"); ok {
		bz, err := readFile(path, 1<<16, "proof")
		if err != nil {
			return nil, err
		}
		arg = string(bz)
	}
	return receiptscli.ParseProof(arg)
}

func parseID(what, s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("%s %q must be a positive integer", what, s)
	}
	return id, nil
}

func registerExecutableCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "register-executable MODEL_ID ONNX_FILE",
		Short: "Commit a registered model for execution (you must own it in the registry)",
		Long: `Commit a model you registered with x/registry for execution. A file up to the
chain's max_model_bytes is sent whole: the chain loads it, derives its
skeleton and tensor root, and can run it (tx infer run). A larger file, or
any file with --skeleton, is loaded here and only its skeleton (the graph
without weights) and tensor root are sent. Storing a file costs gas per
byte (about 45): give --gas accordingly (4,500,000 for a 100 KB model).`,
		Example: `  provad tx infer register-executable blake3:1f2e... mnist.onnx --gas 5000000 --from alice`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			file, err := readFile(args[1], onnxint.DefaultMaxBytes, "ONNX file")
			if err != nil {
				return err
			}
			m := &types.MsgRegisterExecutable{Owner: clientCtx.GetFromAddress().String(), ModelId: args[0]}
			skeletonOnly, _ := cmd.Flags().GetBool(flagSkeleton)
			if !skeletonOnly {
				max := types.DefaultParams().MaxModelBytes
				if res, err := types.NewQueryClient(clientCtx).Params(cmd.Context(), &types.QueryParamsRequest{}); err == nil {
					max = res.Params.MaxModelBytes
				}
				skeletonOnly = uint64(len(file)) > max
			}
			if !skeletonOnly {
				m.Onnx = file
			} else {
				model, err := onnxint.Load(file)
				if err != nil {
					return fmt.Errorf("%s: %w", args[1], err)
				}
				if m.Skeleton, err = model.Skeleton(); err != nil {
					return err
				}
				root := model.TensorRoot()
				m.TensorRoot = root[:]
			}
			return send(cmd, clientCtx, m)
		},
	}
	cmd.Flags().Bool(flagSkeleton, false, "send only the skeleton and tensor root, even for a small file")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func runCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run MODEL_ID INPUTS_FILE",
		Short: "Run a stored model on chain (gas: its cost times gas_per_mac)",
		Long: `Run a model stored whole on chain. INPUTS_FILE is a .npy file or JSON (a
nested array, or an object from input names to arrays), as 'provad infer run'
reads, converted with the input types the chain records for the model; or
the graph inputs as canonical tensor encodings (docs/INFERENCE.md §1),
concatenated in graph input order. The outputs, output digest and trace root
are recorded under a run ID (provad q infer run RUN_ID). Give enough --gas.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			inputs, err := readInputs(cmd, clientCtx, args[0], args[1])
			if err != nil {
				return err
			}
			return send(cmd, clientCtx, &types.MsgRunModel{Sender: clientCtx.GetFromAddress().String(), ModelId: args[0], Inputs: inputs})
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func bondCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "bond AMOUNT",
		Short:   "Escrow a provider bond (and bind the ed25519 key that signs your receipts, set your public endpoint)",
		Example: `  provad tx infer bond 10000000uprova --receipt-key 3b6a27bc... --endpoint https://infer.example.org --from provider`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			amount, err := sdk.ParseCoinNormalized(args[0])
			if err != nil {
				return fmt.Errorf("amount %q: %w", args[0], err)
			}
			key, _ := cmd.Flags().GetString(flagReceiptKey)
			endpoint, _ := cmd.Flags().GetString(flagEndpoint)
			return send(cmd, clientCtx, &types.MsgBond{Provider: clientCtx.GetFromAddress().String(), Amount: amount, ReceiptKey: key, Endpoint: endpoint})
		},
	}
	cmd.Flags().String(flagReceiptKey, "", "ed25519 public key of your receipt signer, hex or base64 (bound once)")
	cmd.Flags().String(flagEndpoint, "", "your public HTTP(S) base URL, where watchers fetch your claims' inputs (replaces the one set before)")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func unbondCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "unbond AMOUNT",
		Short: "Start unbonding part of your free bond (paid out after unbonding_blocks)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			amount, err := sdk.ParseCoinNormalized(args[0])
			if err != nil {
				return fmt.Errorf("amount %q: %w", args[0], err)
			}
			return send(cmd, clientCtx, &types.MsgUnbond{Provider: clientCtx.GetFromAddress().String(), Amount: amount})
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func postClaimCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "post-claim MODEL_ID",
		Short:   "Claim an inference: input digest, output digest, trace root and size",
		Example: `  provad tx infer post-claim blake3:1f2e... --input-digest sha256:... --output-digest sha256:... --trace-root sha256:... --trace-size 9 --from provider`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			m := &types.MsgPostClaim{Provider: clientCtx.GetFromAddress().String(), ModelId: args[0]}
			if m.InputDigest, err = hashFlag(cmd, flagInputDigest); err != nil {
				return err
			}
			if m.OutputDigest, err = hashFlag(cmd, flagOutputDigest); err != nil {
				return err
			}
			if m.TraceRoot, err = hashFlag(cmd, flagTraceRoot); err != nil {
				return err
			}
			m.TraceSize, _ = cmd.Flags().GetUint64(flagTraceSize)
			return send(cmd, clientCtx, m)
		},
	}
	cmd.Flags().String(flagInputDigest, "", "digest of the inputs, sha256:<hex> (required)")
	cmd.Flags().String(flagOutputDigest, "", "digest of the outputs, sha256:<hex> (required)")
	cmd.Flags().String(flagTraceRoot, "", "trace root, sha256:<hex> (required)")
	cmd.Flags().Uint64(flagTraceSize, 0, "number of trace leaves: the model's trace size (required)")
	for _, f := range []string{flagInputDigest, flagOutputDigest, flagTraceRoot, flagTraceSize} {
		_ = cmd.MarkFlagRequired(f)
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func postClaimBatchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "post-claim-batch ROOT COUNT",
		Short: "Claim many inferences at once by the Merkle root over their claim leaves",
		Long: `Post the RFC 6962 root over COUNT claim leaves, each the canonical encoding
of one claim (version 1, model ID, input digest, output digest, trace root,
trace size; see docs/INFERENCE.md §5). With --model-id every leaf must
name that model.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			root, err := ParseHash("ROOT", args[0])
			if err != nil {
				return err
			}
			count, err := parseID("COUNT", args[1])
			if err != nil {
				return err
			}
			model, _ := cmd.Flags().GetString(flagModelID)
			return send(cmd, clientCtx, &types.MsgPostClaimBatch{Provider: clientCtx.GetFromAddress().String(), ModelId: model, Root: root, Count: count})
		},
	}
	cmd.Flags().String(flagModelID, "", "the model every leaf names (optional)")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// claimRef reads a claim reference: CLAIM_ID as the only argument, or
// --batch, --leaf-index, --leaf (hex, or @FILE) and --proof.
func claimRef(cmd *cobra.Command, args []string) (types.ClaimRef, error) {
	batch, _ := cmd.Flags().GetUint64(flagBatch)
	if len(args) == 1 {
		if batch != 0 {
			return types.ClaimRef{}, fmt.Errorf("give CLAIM_ID or --batch, not both")
		}
		id, err := parseID("CLAIM_ID", args[0])
		return types.ClaimRef{ClaimId: id}, err
	}
	if batch == 0 {
		return types.ClaimRef{}, fmt.Errorf("give CLAIM_ID, or --batch with --leaf-index, --leaf and --proof")
	}
	ref := types.ClaimRef{BatchId: batch}
	ref.LeafIndex, _ = cmd.Flags().GetUint64(flagLeafIndex)
	leafArg, _ := cmd.Flags().GetString(flagLeaf)
	var err error
	if path, ok := strings.CutPrefix(leafArg, "@"); ok {
		ref.Leaf, err = readFile(path, types.MaxClaimLeafBytes, "claim leaf")
	} else {
		ref.Leaf, err = hex.DecodeString(leafArg)
	}
	if err != nil {
		return ref, fmt.Errorf("--leaf: %w", err)
	}
	ref.Proof, err = proofFlag(cmd)
	return ref, err
}

func addClaimRefFlags(cmd *cobra.Command) {
	cmd.Flags().Uint64(flagBatch, 0, "batch ID, to name a leaf of a batch instead of a claim ID")
	cmd.Flags().Uint64(flagLeafIndex, 0, "the leaf's index in the batch")
	cmd.Flags().String(flagLeaf, "", "the claim leaf's encoding in hex, or @FILE with its bytes")
	cmd.Flags().String(flagProof, "", "the leaf's inclusion proof (hex or base64 hashes, comma-separated) or @FILE")
}

func requestInputCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "request-input [CLAIM_ID]",
		Short: "Ask a claim's provider to publish its inputs (or be slashed)",
		Long: `Demand the inputs of a claim (CLAIM_ID, or a batch leaf with --batch,
--leaf-index, --leaf and --proof), or of a logged receipt that carries a
trace root (--receipt BUNDLE_FILE, a receipt bundle whose checkpoint's size
the log anchored on chain). The provider must post them (tx infer
post-input) within input_timeout_blocks or lose a dispute stake to you.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			m := &types.MsgRequestInput{Challenger: clientCtx.GetFromAddress().String()}
			if path, _ := cmd.Flags().GetString(flagReceipt); path != "" {
				if len(args) > 0 || cmd.Flags().Changed(flagBatch) {
					return fmt.Errorf("give CLAIM_ID, --batch or --receipt, one of them")
				}
				r, err := receiptRefFromBundle(path)
				if err != nil {
					return err
				}
				m.Receipt = &r
			} else if m.Claim, err = claimRef(cmd, args); err != nil {
				return err
			}
			return send(cmd, clientCtx, m)
		},
	}
	addClaimRefFlags(cmd)
	cmd.Flags().String(flagReceipt, "", "a receipt bundle file (provad receipt proof), to name a logged receipt instead of a claim")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func postInputCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "post-input CLAIM_ID INPUTS_FILE",
		Short: "Answer an input request with the claim's inputs (canonical tensors, concatenated)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			id, err := parseID("CLAIM_ID", args[0])
			if err != nil {
				return err
			}
			inputs, err := readFile(args[1], types.MaxInputBytes, "inputs file")
			if err != nil {
				return err
			}
			return send(cmd, clientCtx, &types.MsgPostInput{Provider: clientCtx.GetFromAddress().String(), ClaimId: id, Inputs: inputs})
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}
