// Package cli holds `provad tx receipts`: commands that read signed
// checkpoints, proofs and receipts from files.
package cli

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/x/receipts/types"
)

const (
	flagOrigin      = "origin"
	flagVerifierKey = "verifier-key"
	flagBond        = "bond"
	flagProof       = "proof"
	flagProviderKey = "provider-key"
)

// GetTxCmd returns `provad tx receipts`.
func GetTxCmd() *cobra.Command {
	cmd := &cobra.Command{Use: types.ModuleName, Short: "Register receipt logs, anchor their checkpoints, report equivocation", RunE: client.ValidateCmd}
	cmd.AddCommand(registerLogCmd(), anchorCmd(), reportEquivocationCmd(), recordInferenceCmd())
	return cmd
}

func registerLogCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "register-log",
		Short:   "Register a receipt log under its origin, escrowing a bond",
		Example: `  provad tx receipts register-log --verifier-key 'prova.local/receipts/a+1a2b3c4d+AbC...' --bond 10000000uprova --from alice`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			vkey, _ := cmd.Flags().GetString(flagVerifierKey)
			origin, _ := cmd.Flags().GetString(flagOrigin)
			if origin == "" {
				if origin, err = tlog.VerifierName(vkey); err != nil {
					return fmt.Errorf("--verifier-key: %w (a note verifier key looks like origin+hash+base64)", err)
				}
			}
			bondArg, _ := cmd.Flags().GetString(flagBond)
			bond, err := sdk.ParseCoinNormalized(bondArg)
			if err != nil {
				return fmt.Errorf("--bond %q: %w", bondArg, err)
			}
			m := &types.MsgRegisterLog{Operator: clientCtx.GetFromAddress().String(), Origin: origin, VerifierKey: vkey, Bond: bond}
			if err := m.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), m)
		},
	}
	cmd.Flags().String(flagOrigin, "", "the log's origin (default: the verifier key's name, which must equal it)")
	cmd.Flags().String(flagVerifierKey, "", "the log's note verifier key origin+hash+base64 (required)")
	cmd.Flags().String(flagBond, "", "bond to escrow, e.g. 10000000uprova (required)")
	_ = cmd.MarkFlagRequired(flagVerifierKey)
	_ = cmd.MarkFlagRequired(flagBond)
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// ParseProof reads consistency proof hashes written as hex or standard
// base64, separated by commas or white space.
func ParseProof(s string) ([][]byte, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' })
	proof := make([][]byte, 0, len(fields))
	for i, f := range fields {
		h, err := hex.DecodeString(f)
		if err != nil {
			h, err = base64.StdEncoding.DecodeString(f)
		}
		if err != nil || len(h) != tlog.HashSize {
			return nil, fmt.Errorf("proof hash %d is not %d bytes in hex or base64", i, tlog.HashSize)
		}
		proof = append(proof, h)
	}
	return proof, nil
}

func anchorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "anchor LOG_ID CHECKPOINT_FILE",
		Short: "Anchor a signed checkpoint with a consistency proof from the last anchored one",
		Long: `Anchor a signed checkpoint (a C2SP signed note) of a log you operate. The
consistency proof leads from the log's last anchored checkpoint (or the
empty tree, for the first anchor) to this one; give it with --proof as
hashes in hex or base64 separated by commas, or as @FILE.`,
		Example: `  provad tx receipts anchor prova.local/receipts/a checkpoint.txt --proof @proof.txt --from alice`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			note, err := readNote(args[1])
			if err != nil {
				return err
			}
			proofArg, _ := cmd.Flags().GetString(flagProof)
			if path, ok := strings.CutPrefix(proofArg, "@"); ok {
				bz, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				proofArg = string(bz)
			}
			proof, err := ParseProof(proofArg)
			if err != nil {
				return err
			}
			m := &types.MsgAnchorCheckpoint{Operator: clientCtx.GetFromAddress().String(), LogId: args[0], Checkpoint: note, ConsistencyProof: proof}
			if err := m.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), m)
		},
	}
	cmd.Flags().String(flagProof, "", "consistency proof hashes (hex or base64, comma-separated) or @FILE")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func reportEquivocationCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report-equivocation LOG_ID FILE_A [FILE_B]",
		Short: "Report two signed checkpoints of one log with the same size and different roots",
		Long: `Report that a log signed two different trees of the same size. Give two
signed checkpoints, or one whose root differs from the root anchored on
chain for its size. The operator's bond is slashed, you receive the
reporter's share, and the log is frozen.`,
		Args: cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			a, err := readNote(args[1])
			if err != nil {
				return err
			}
			var b []byte
			if len(args) == 3 {
				if b, err = readNote(args[2]); err != nil {
					return err
				}
			}
			m := &types.MsgReportEquivocation{Reporter: clientCtx.GetFromAddress().String(), LogId: args[0], CheckpointA: a, CheckpointB: b}
			if err := m.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), m)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func recordInferenceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "record-inference RECEIPT_FILE",
		Short: "Record one signed receipt in its own transaction (the per-receipt baseline)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			env, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			keyArg, _ := cmd.Flags().GetString(flagProviderKey)
			key, err := hex.DecodeString(keyArg)
			if err != nil {
				return fmt.Errorf("--provider-key must be the ed25519 public key in hex: %w", err)
			}
			m := &types.MsgRecordInference{Provider: clientCtx.GetFromAddress().String(), Envelope: env, ProviderKey: key}
			if err := m.ValidateBasic(); err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), m)
		},
	}
	cmd.Flags().String(flagProviderKey, "", "the provider's ed25519 public key in hex (required)")
	_ = cmd.MarkFlagRequired(flagProviderKey)
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func readNote(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > tlog.MaxCheckpointSize {
		return nil, fmt.Errorf("%s is %d bytes; a signed checkpoint is at most %d", path, st.Size(), tlog.MaxCheckpointSize)
	}
	return os.ReadFile(path)
}
