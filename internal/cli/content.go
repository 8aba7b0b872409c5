package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"

	"github.com/prova-network/prova/internal/verify/proven"
	contentkeeper "github.com/prova-network/prova/x/content/keeper"
	contenttypes "github.com/prova-network/prova/x/content/types"
)

const (
	flagOrigin      = "origin"
	flagModel       = "model"
	flagReceipt     = "receipt"
	flagC2PADigest  = "c2pa-digest"
	flagAttestation = "attestation"
	flagMediaType   = "media-type"
	flagMaxDistance = "max-distance"
	flagLimit       = "limit"
)

func contentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "content",
		Short: "Register content (AI-generated or not) and check files against the registry",
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(contentRegisterCommand(), contentCheckCommand())
	return cmd
}

func contentRegisterCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "register FILE --origin ORIGIN [--model ID] --from KEY",
		Short: "Register a file's digests, origin and perceptual hash on chain",
		Long: `Hash FILE (SHA-256 and BLAKE3), detect its media type, compute the perceptual
hash of an image, and register it. The content ID is sha256:<hex>.

--origin is ai-generated, ai-assisted, human-made or any IPTC digital source
type term (the vocabulary C2PA uses): ai-generated is trainedAlgorithmicMedia
and needs --model, a registered model that governance has not flagged;
ai-assisted is compositeWithTrainedAlgorithmicMedia; human-made is digitalArt
(name digitalCapture, humanEdits, ... for more precision) and needs
--attestation, your statement of how it was made, signed by your key.

The command waits for the block and fails if the chain refuses the content.`,
		Example: `  provad content register out.png --origin ai-generated --model blake3:5231... --receipt log-1:42 --from alice
  provad content register photo.jpg --origin digitalCapture --attestation "taken by me, unedited" --from bob`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			info, digests, err := contentInfoFromFlags(cmd, args[0])
			if err != nil {
				return err
			}
			msg := &contenttypes.MsgRegisterContent{Creator: clientCtx.GetFromAddress().String(), Info: info}
			if err := msg.ValidateBasic(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "content %s (%s, %d bytes, blake3:%s", digests.ID(), digests.MediaType, digests.Size, digests.BLAKE3)
			if digests.PerceptualHash != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), ", phash %s", digests.PerceptualHash)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), ") as %s\n", info.DigitalSourceType)
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	cmd.Flags().String(flagOrigin, "", "ai-generated, ai-assisted, human-made, or an IPTC digital source type term (required)")
	cmd.Flags().String(flagModel, "", "ID of the registered model that generated the content")
	cmd.Flags().String(flagReceipt, "", "inference receipt as LOG_ID:INDEX")
	cmd.Flags().String(flagC2PADigest, "", "digest of the C2PA manifest store (sha256:<hex> or blake3:<hex>)")
	cmd.Flags().String(flagAttestation, "", "your statement of how the content was made (required unless a trained model made it)")
	cmd.Flags().String(flagMediaType, "", "media type to record instead of the detected one")
	flags.AddTxFlagsToCmd(cmd)
	txResultCheck(cmd)
	return cmd
}

func contentInfoFromFlags(cmd *cobra.Command, path string) (contenttypes.ContentInfo, proven.FileDigests, error) {
	originFlag, _ := cmd.Flags().GetString(flagOrigin)
	if originFlag == "" {
		return contenttypes.ContentInfo{}, proven.FileDigests{}, fmt.Errorf("--origin is required: ai-generated, ai-assisted, human-made or an IPTC term")
	}
	origin, err := contenttypes.ParseOrigin(originFlag)
	if err != nil {
		return contenttypes.ContentInfo{}, proven.FileDigests{}, err
	}
	d, err := proven.DigestFile(path)
	if err != nil {
		return contenttypes.ContentInfo{}, proven.FileDigests{}, err
	}
	info := contenttypes.ContentInfo{Sha256: d.SHA256, Blake3: d.BLAKE3, MediaType: d.MediaType, DigitalSourceType: origin}
	if mt, _ := cmd.Flags().GetString(flagMediaType); mt != "" {
		info.MediaType = mt
	}
	info.ModelId, _ = cmd.Flags().GetString(flagModel)
	info.Attestation, _ = cmd.Flags().GetString(flagAttestation)
	info.C2PaManifestDigest, _ = cmd.Flags().GetString(flagC2PADigest)
	if r, _ := cmd.Flags().GetString(flagReceipt); r != "" {
		if info.Receipt, err = parseReceiptRef(r); err != nil {
			return info, d, err
		}
	}
	if d.PerceptualHash != "" && strings.HasPrefix(info.MediaType, "image/") {
		info.SoftBindings = []contenttypes.SoftBinding{{Algorithm: d.PerceptualAlgorithm, Value: d.PerceptualHash}}
	}
	return info, d, nil
}

// parseReceiptRef parses LOG_ID:INDEX (the index is after the last colon,
// so log IDs may contain colons).
func parseReceiptRef(s string) (*contenttypes.ReceiptRef, error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return nil, fmt.Errorf("--receipt must be LOG_ID:INDEX, got %q", s)
	}
	idx, err := strconv.ParseUint(s[i+1:], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("--receipt index %q is not a non-negative integer", s[i+1:])
	}
	return &contenttypes.ReceiptRef{LogId: s[:i], Index: idx}, nil
}

func contentCheckCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Look a file up by exact digest (proven) and, for an image, by perceptual hash",
		Long: `Hash FILE and look it up. An exact match (the file's SHA-256 is registered)
is proven: the record is checked with its ICS23 proof against a header that
the CometBFT light client verified. If there is none and the file is an
image, the node's near-duplicate index is asked for registered images whose
perceptual hash is within --max-distance bits, and each candidate's record
is then proven by its exact key. A perceptual match is a hint, never a
proof: it says two pictures look alike, not that they are the same content.

Exit status: 0 when the file (or, for an image, a look-alike) is found,
1 when nothing is found, 2 on errors (including a proof that fails).`,
		Example: `  provad content check copy.jpg --trust-genesis
  provad content check out.png --trust-height 1200 --trust-hash 5E8A... -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := runContentCheck(cmd, args[0])
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			clientCtx := client.GetClientContextFromCmd(cmd)
			if clientCtx.OutputFormat == flags.OutputFormatJSON {
				if err := json.NewEncoder(cmd.OutOrStdout()).Encode(res); err != nil {
					return err
				}
			} else {
				printContentCheck(cmd.OutOrStdout(), res)
			}
			if res.Match == "none" {
				return &ExitError{Code: 1}
			}
			return nil
		},
	}
	cmd.Flags().Uint32(flagMaxDistance, 10, fmt.Sprintf("largest Hamming distance (of 64 bits) for a perceptual match, at most %d", contentkeeper.MaxNearDistance))
	cmd.Flags().Uint32(flagLimit, 5, "most perceptual candidates to show")
	addTrustFlags(cmd)
	return cmd
}

func runContentCheck(cmd *cobra.Command, path string) (*proven.ContentCheck, error) {
	maxDist, _ := cmd.Flags().GetUint32(flagMaxDistance)
	if maxDist > contentkeeper.MaxNearDistance {
		return nil, fmt.Errorf("--max-distance %d is over the limit of %d", maxDist, contentkeeper.MaxNearDistance)
	}
	limit, _ := cmd.Flags().GetUint32(flagLimit)
	d, err := proven.DigestFile(path)
	if err != nil {
		return nil, err
	}
	lc, clientCtx, err := lightClientFromCmd(cmd)
	if err != nil {
		return nil, err
	}
	defer lc.Close()
	height, _ := cmd.Flags().GetInt64(flags.FlagHeight)
	return proven.CheckContent(cmd.Context(), readerFor(lc, height), d, proven.NearVia(clientCtx), maxDist, limit, height == 0)
}

func printContentCheck(w io.Writer, r *proven.ContentCheck) {
	fmt.Fprintf(w, "file      %s (%s, %d bytes)\n  sha256  %s\n  blake3  %s\n", r.Path, r.MediaType, r.Size, r.SHA256, r.BLAKE3)
	if r.PerceptualHash != "" {
		fmt.Fprintf(w, "  phash   %s (%s)\n", r.PerceptualHash, r.PerceptualAlgorithm)
	}
	switch r.Match {
	case "exact":
		fmt.Fprintf(w, "match     exact: this file's SHA-256 is registered\n")
		printContentRecord(w, "  ", r.Exact)
		fmt.Fprintf(w, "proof     verified: %s\n", r.Exact.Proof)
		return
	case "none":
		fmt.Fprintf(w, "match     none: no record has this file's SHA-256 (absence proven at height %d of %s, app hash %s)\n", r.Height, r.ChainID, r.AppHash)
		if r.PerceptualHash != "" {
			fmt.Fprintf(w, "          and no registered image is within %d bits of its perceptual hash\n", r.MaxDistance)
		}
	case "perceptual":
		fmt.Fprintf(w, "match     perceptual (a hint, not a proof): no record has this exact file (absence proven at height %d), but registered images look similar\n", r.Height)
	}
	for i, c := range r.Near {
		fmt.Fprintf(w, "candidate %d: %s, Hamming distance %d of 64 bits (phash %s)\n", i+1, c.ID, c.Distance, c.Phash)
		if !c.Verified {
			fmt.Fprintf(w, "  proof   FAILED: %s\n", c.Error)
			continue
		}
		printContentRecord(w, "  ", c.Record)
		fmt.Fprintf(w, "  proof   verified: the candidate's record is in state (%s); this proves the record, not that your file is that content\n", c.Record.Proof)
	}
	if r.Note != "" {
		fmt.Fprintf(w, "note      %s\n", r.Note)
	}
}

func printContentRecord(w io.Writer, in string, p *proven.ProvenContent) {
	c := p.Content
	fmt.Fprintf(w, "%sid          %s\n", in, c.Id)
	fmt.Fprintf(w, "%sorigin      %s (%s)\n", in, p.Class, c.Info.DigitalSourceType)
	fmt.Fprintf(w, "%smedia type  %s\n", in, c.Info.MediaType)
	if c.Info.ModelId != "" {
		fmt.Fprintf(w, "%smodel       %s\n", in, c.Info.ModelId)
	}
	if r := c.Info.Receipt; r != nil {
		fmt.Fprintf(w, "%sreceipt     log %s, index %d\n", in, r.LogId, r.Index)
	}
	if c.Info.Attestation != "" {
		fmt.Fprintf(w, "%sattestation %q (signed by the creator)\n", in, c.Info.Attestation)
	}
	if c.Info.C2PaManifestDigest != "" {
		fmt.Fprintf(w, "%sc2pa        %s\n", in, c.Info.C2PaManifestDigest)
	}
	fmt.Fprintf(w, "%screator     %s\n", in, c.Creator)
	fmt.Fprintf(w, "%sregistered  height %d (%s)\n", in, c.RegisteredHeight, time.Unix(c.RegisteredTime, 0).UTC().Format(time.RFC3339))
}
