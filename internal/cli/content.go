package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/zeebo/blake3"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"

	"github.com/prova-network/prova/internal/lightclient"
	"github.com/prova-network/prova/internal/phash"
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

// hintNotProof is printed with every perceptual match.
const hintNotProof = "a perceptual match is a hint, never a proof: it says the pictures look alike, not that your file is the registered content or came from the same source"

func contentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "content",
		Short: "Register content (AI-generated or not) and check files against the registry",
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(contentRegisterCommand(), contentCheckCommand())
	return cmd
}

// FileDigests is what provad computes locally about a file.
type FileDigests struct {
	Path      string `json:"file"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	BLAKE3    string `json:"blake3"`
	MediaType string `json:"media_type"`
	// PerceptualHash is set for PNG, JPEG and GIF images.
	PerceptualHash      string `json:"phash,omitempty"`
	PerceptualAlgorithm string `json:"phash_algorithm,omitempty"`
}

// ID is the content ID the file is registered under.
func (d FileDigests) ID() string { return contenttypes.IDFromSHA256(d.SHA256) }

// DigestFile hashes path with SHA-256 and BLAKE3 in one pass, detects its
// media type from its first bytes, and hashes it perceptually if it is an
// image provad can decode.
func DigestFile(path string) (FileDigests, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileDigests{}, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return FileDigests{}, err
	}
	head = head[:n]
	s, b := sha256.New(), blake3.New()
	size, err := io.Copy(io.MultiWriter(s, b), io.MultiReader(bytes.NewReader(head), f))
	if err != nil {
		return FileDigests{}, err
	}
	d := FileDigests{Path: path, Size: size, SHA256: hex.EncodeToString(s.Sum(nil)), BLAKE3: hex.EncodeToString(b.Sum(nil)), MediaType: detectMediaType(head)}
	switch d.MediaType {
	case "image/png", "image/jpeg", "image/gif":
		h, err := phash.HashFile(path)
		if err != nil {
			return d, fmt.Errorf("perceptual hash of %s: %w", path, err)
		}
		d.PerceptualHash, d.PerceptualAlgorithm = h.String(), phash.Algorithm
	}
	return d, nil
}

// detectMediaType sniffs the MIME type (WHATWG algorithm) and drops its
// parameters, which the chain does not store.
func detectMediaType(head []byte) string {
	mt, _, _ := strings.Cut(http.DetectContentType(head), ";")
	return strings.TrimSpace(mt)
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

func contentInfoFromFlags(cmd *cobra.Command, path string) (contenttypes.ContentInfo, FileDigests, error) {
	originFlag, _ := cmd.Flags().GetString(flagOrigin)
	if originFlag == "" {
		return contenttypes.ContentInfo{}, FileDigests{}, fmt.Errorf("--origin is required: ai-generated, ai-assisted, human-made or an IPTC term")
	}
	origin, err := contenttypes.ParseOrigin(originFlag)
	if err != nil {
		return contenttypes.ContentInfo{}, FileDigests{}, err
	}
	d, err := DigestFile(path)
	if err != nil {
		return contenttypes.ContentInfo{}, FileDigests{}, err
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

// ProvenContent is a content record with the proof that it is in state.
type ProvenContent struct {
	Content contenttypes.Content `json:"content"`
	Class   string               `json:"class"`
	Proof   *lightclient.Proof   `json:"proof"`
}

// NearCandidate is a registered image whose perceptual hash is near the
// file's. Verified says whether its record was proven in state; it never
// says that the file is that content.
type NearCandidate struct {
	ID       string         `json:"id"`
	Distance uint32         `json:"distance"`
	Phash    string         `json:"phash"`
	Verified bool           `json:"proof_verified"`
	Record   *ProvenContent `json:"record,omitempty"`
	Error    string         `json:"error,omitempty"`
}

// ContentCheck is the answer of provad content check.
type ContentCheck struct {
	FileDigests
	ChainID string `json:"chain_id"`
	Height  int64  `json:"height"`
	AppHash string `json:"app_hash"`
	// Match is "exact", "perceptual" or "none".
	Match       string          `json:"match"`
	Exact       *ProvenContent  `json:"exact,omitempty"`
	MaxDistance uint32          `json:"max_distance,omitempty"`
	Near        []NearCandidate `json:"near,omitempty"`
	Note        string          `json:"note,omitempty"`
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

func runContentCheck(cmd *cobra.Command, path string) (*ContentCheck, error) {
	maxDist, _ := cmd.Flags().GetUint32(flagMaxDistance)
	if maxDist > contentkeeper.MaxNearDistance {
		return nil, fmt.Errorf("--max-distance %d is over the limit of %d", maxDist, contentkeeper.MaxNearDistance)
	}
	limit, _ := cmd.Flags().GetUint32(flagLimit)
	d, err := DigestFile(path)
	if err != nil {
		return nil, err
	}
	lc, clientCtx, err := lightClientFromCmd(cmd)
	if err != nil {
		return nil, err
	}
	defer lc.Close()
	ctx := cmd.Context()
	height, latest := int64(0), true
	if h, _ := cmd.Flags().GetInt64(flags.FlagHeight); h > 0 {
		height, latest = h, false
	} else if height, err = lc.LatestVerifiedHeight(ctx); err != nil {
		return nil, err
	}
	res := &ContentCheck{FileDigests: d, ChainID: lc.ChainID(), Match: "none"}
	rec, proof, err := proveContent(ctx, lc, d.ID(), height, latest)
	if err != nil {
		return nil, err
	}
	res.Height, res.AppHash = proof.Height, proof.AppHash.String()
	if rec != nil {
		if rec.Content.Info.Sha256 != d.SHA256 || rec.Content.Info.Blake3 != d.BLAKE3 {
			return nil, fmt.Errorf("the proven record under %s states blake3 %s, but the file's is %s", d.ID(), rec.Content.Info.Blake3, d.BLAKE3)
		}
		res.Match, res.Exact = "exact", rec
		return res, nil
	}
	if d.PerceptualHash == "" {
		res.Note = fmt.Sprintf("no record has this file's SHA-256 (absence proven at height %d); %s files have no perceptual lookup", res.Height, d.MediaType)
		return res, nil
	}
	res.MaxDistance = maxDist
	nr, err := contenttypes.NewQueryClient(clientCtx).Near(ctx, &contenttypes.QueryNearRequest{
		Phash: d.PerceptualHash, MaxDistance: maxDist, Limit: limit, Algorithm: d.PerceptualAlgorithm,
	})
	if err != nil {
		return nil, fmt.Errorf("near-duplicate query: %w", err)
	}
	if latest && len(nr.Matches) > 0 {
		// Prove candidates at the newest state: the index may have read
		// registrations committed after the exact lookup.
		if h, err := lc.LatestVerifiedHeight(ctx); err == nil {
			height = h
		}
	}
	for _, m := range nr.Matches {
		c := NearCandidate{ID: m.Content.Id, Distance: m.Distance, Phash: m.Phash}
		rec, p, err := proveContent(ctx, lc, m.Content.Id, height, latest)
		switch {
		case err != nil:
			c.Error = "proof failed: " + err.Error()
		case rec == nil:
			c.Error = fmt.Sprintf("the node named %s, but it is not in state at height %d (absence proven)", m.Content.Id, p.Height)
		default:
			if ph, ok := rec.Content.Info.PerceptualHash(); !ok || ph.String() != m.Phash {
				c.Error = fmt.Sprintf("the proven record's perceptual hash is not the %s the node's index reported", m.Phash)
				break
			}
			c.Verified, c.Record = true, rec
		}
		res.Near = append(res.Near, c)
		if c.Verified && res.Match == "none" {
			res.Match = "perceptual"
		}
	}
	res.Note = hintNotProof
	return res, nil
}

// proveContent reads the record under id at height with its proof. It
// returns a nil record (and the proof of absence) when nothing is there.
func proveContent(ctx context.Context, lc *lightclient.Client, id string, height int64, latest bool) (*ProvenContent, *lightclient.Proof, error) {
	key := contenttypes.ContentKey(id)
	v, p, err := lc.VerifyABCIQuery(ctx, contenttypes.StoreKey, key, height)
	// CometBFT reports a block a moment before the app commits it; a proof
	// at the latest height can briefly fail.
	for try := 0; err != nil && latest && errors.Is(err, lightclient.ErrQueryFailed) && try < 10; try++ {
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		v, p, err = lc.VerifyABCIQuery(ctx, contenttypes.StoreKey, key, height)
	}
	if err != nil {
		return nil, nil, err
	}
	if v == nil {
		return nil, p, nil
	}
	var c contenttypes.Content
	if err := c.Unmarshal(v); err != nil {
		return nil, nil, fmt.Errorf("decode proven content %s: %w", id, err)
	}
	if c.Id != id {
		return nil, nil, fmt.Errorf("the proven record under %s names itself %s", id, c.Id)
	}
	return &ProvenContent{Content: c, Class: c.Info.Class().String(), Proof: p}, p, nil
}

func printContentCheck(w io.Writer, r *ContentCheck) {
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

func printContentRecord(w io.Writer, in string, p *ProvenContent) {
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
