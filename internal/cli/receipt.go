package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/prova-network/prova/internal/nodeconfig"
	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/receiptlog"
	receiptscli "github.com/prova-network/prova/x/receipts/client/cli"
)

const (
	flagLogURL      = "log"
	flagProviderKey = "provider-key"
	flagProviderID  = "provider-id"
	flagInput       = "input"
	flagOutputFile  = "output-file"
	flagTokensIn    = "tokens-in"
	flagTokensOut   = "tokens-out"
	flagRequestID   = "request-id"
	flagParam       = "param"
	flagWaitAnchor  = "wait"
	flagBundleOut   = "out"

	// providerKeyFile is the default provider key, under the home's config.
	providerKeyFile = "receipt_provider.key"
)

func receiptCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "receipt",
		Short: "Sign, submit and verify inference receipts",
		Long: `Inference receipts are signed statements of one inference (model, input and output
digests, parameters, tokens) kept in a transparency log next to a node. The log's
checkpoints are anchored on chain, so a receipt can be checked offline against a
light-client-verified header: the provider's signature, the receipt's inclusion in a
checkpoint, the checkpoint's signature by the registered log key, and its anchoring.`,
		RunE: client.ValidateCmd,
	}
	cmd.AddCommand(receiptKeyCommand(), receiptSubmitCommand(), receiptVerifyCommand())
	return cmd
}

// loadProviderKey reads the ed25519 seed in path (hex), creating it (0600)
// when create is set and it does not exist.
func loadProviderKey(path string, create bool) (ed25519.PrivateKey, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, false, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, err
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(seed)+"\n"), 0o600); err != nil {
			return nil, false, fmt.Errorf("write provider key: %w", err)
		}
		return ed25519.NewKeyFromSeed(seed), true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read provider key: %w", err)
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, false, fmt.Errorf("provider key %s is not %d hex-encoded bytes", path, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), false, nil
}

func providerKeyPath(cmd *cobra.Command) string {
	if p, _ := cmd.Flags().GetString(flagProviderKey); p != "" {
		return p
	}
	home, _ := cmd.Flags().GetString(flags.FlagHome)
	if home == "" {
		home = DefaultHome
	}
	return filepath.Join(home, "config", providerKeyFile)
}

func receiptKeyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Show the provider's receipt signing key (created on first use)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := providerKeyPath(cmd)
			priv, created, err := loadProviderKey(path, true)
			if err != nil {
				return err
			}
			pub := priv.Public().(ed25519.PublicKey)
			out := map[string]any{"path": path, "public_key": hex.EncodeToString(pub), "key_id": receipt.KeyID(pub), "created": created}
			if o, _ := cmd.Flags().GetString(flags.FlagOutput); o == flags.OutputFormatJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(out)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "key id      %s\npublic key  %x\nfile        %s\n", receipt.KeyID(pub), []byte(pub), path)
			return nil
		},
	}
	cmd.Flags().String(flagProviderKey, "", "provider key file (default: <home>/config/"+providerKeyFile+")")
	cmd.Flags().StringP(flags.FlagOutput, "o", "text", "output format (text|json)")
	return cmd
}

// fileDigest returns "sha256:<hex>" of a file's bytes, or arg itself when it
// already is a digest ID.
func fileDigest(arg string) (string, error) {
	if _, err := os.Stat(arg); err != nil {
		if strings.HasPrefix(arg, "sha256:") || strings.HasPrefix(arg, "blake3:") {
			return arg, nil
		}
		return "", err
	}
	f, err := os.Open(arg)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func receiptSubmitCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "submit --model ID --input FILE --output-file FILE",
		Short: "Sign a receipt for one inference, log it, and write its proof bundle",
		Long: `Sign a receipt for one inference with the provider key, submit it to a receipt log,
and (unless --wait 0) wait until a checkpoint containing it is anchored on chain. The
result is a receipt bundle (JSON) that 'provad receipt verify' checks offline.

--input and --output-file take files (hashed with SHA-256) or digest IDs.`,
		Example: `  provad receipt submit --model blake3:9f2c... --input prompt.txt --output-file answer.txt --out receipt.json
  provad receipt verify receipt.json --trust-genesis`,
		Args: cobra.NoArgs,
		RunE: runReceiptSubmit,
	}
	cmd.Flags().String(flagLogURL, "", "receipt log URL (default: the log of --home's app.toml [receipt-log], else http://"+receiptlog.DefaultListen+")")
	cmd.Flags().String(flagProviderKey, "", "provider key file (default: <home>/config/"+providerKeyFile+", created on first use)")
	cmd.Flags().String(flagProviderID, "provider", "provider name written in the receipt")
	cmd.Flags().String(flagModel, "", "registered model ID the inference ran on (required)")
	cmd.Flags().String(flagInput, "", "input file or digest ID (required)")
	cmd.Flags().String(flagOutputFile, "", "output file or digest ID (required)")
	cmd.Flags().Uint64(flagTokensIn, 0, "input tokens")
	cmd.Flags().Uint64(flagTokensOut, 0, "output tokens")
	cmd.Flags().String(flagRequestID, "", "request ID (default: random)")
	cmd.Flags().StringArray(flagParam, nil, "inference parameter name=value (repeatable)")
	cmd.Flags().Duration(flagWaitAnchor, time.Minute, "how long to wait for the checkpoint to be anchored on chain (0: do not wait)")
	cmd.Flags().String(flagBundleOut, "", "write the receipt bundle to this file (default: stdout)")
	flags.AddQueryFlagsToCmd(cmd)
	return cmd
}

func runReceiptSubmit(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	model, _ := cmd.Flags().GetString(flagModel)
	in, _ := cmd.Flags().GetString(flagInput)
	out, _ := cmd.Flags().GetString(flagOutputFile)
	if model == "" || in == "" || out == "" {
		return errors.New("--model, --input and --output-file are required")
	}
	inD, err := fileDigest(in)
	if err != nil {
		return fmt.Errorf("--input: %w", err)
	}
	outD, err := fileDigest(out)
	if err != nil {
		return fmt.Errorf("--output-file: %w", err)
	}
	priv, _, err := loadProviderKey(providerKeyPath(cmd), true)
	if err != nil {
		return err
	}
	pub := priv.Public().(ed25519.PublicKey)
	p := receipt.Predicate{Model: model, InputDigest: inD, OutputDigest: outD, Time: receipt.FormatTime(time.Now())}
	p.Provider.ID, _ = cmd.Flags().GetString(flagProviderID)
	p.Provider.KeyID = receipt.KeyID(pub)
	p.Tokens.Input, _ = cmd.Flags().GetUint64(flagTokensIn)
	p.Tokens.Output, _ = cmd.Flags().GetUint64(flagTokensOut)
	if p.RequestID, _ = cmd.Flags().GetString(flagRequestID); p.RequestID == "" {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		p.RequestID = "req-" + hex.EncodeToString(b)
	}
	params, _ := cmd.Flags().GetStringArray(flagParam)
	for _, kv := range params {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("--param %q: want name=value", kv)
		}
		if p.Parameters == nil {
			p.Parameters = map[string]string{}
		}
		p.Parameters[k] = v
	}
	env, err := receipt.Sign(receipt.NewStatement(p), priv)
	if err != nil {
		return err
	}
	logURL, err := logURLFromCmd(cmd, "http://"+receiptlog.DefaultListen)
	if err != nil {
		return err
	}
	lc := receiptlog.NewClient(logURL, nil)
	res, err := lc.Submit(ctx, []ed25519.PublicKey{pub}, env)
	if err != nil {
		return withReceiptHint(err, logURL)
	}
	e := res.Entries[0]
	fmt.Fprintf(cmd.ErrOrStderr(), "logged: %s index %d (receipt %s)\n", res.LogID, e.Index, e.ReceiptID)

	size := uint64(0) // the log's latest checkpoint
	if wait, _ := cmd.Flags().GetDuration(flagWaitAnchor); wait > 0 {
		clientCtx, err := client.GetClientQueryContext(cmd)
		if err != nil {
			return err
		}
		if size, err = receiptscli.WaitAnchored(ctx, clientCtx, res.LogID, e.Index, wait); err != nil {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "anchored: checkpoint of size %d is on chain\n", size)
	}
	bundle, err := lc.Proof(ctx, e.Index, size)
	if err != nil {
		return withReceiptHint(err, logURL)
	}
	b, err := json.MarshalIndent(bundle, "", "  ")
	if err != nil {
		return err
	}
	if path, _ := cmd.Flags().GetString(flagBundleOut); path != "" {
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "bundle written to %s\n", path)
		return nil
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
	return err
}

func withReceiptHint(err error, logURL string) error {
	var apiErr *receiptlog.APIError
	if errors.As(err, &apiErr) {
		return err
	}
	return fmt.Errorf("%w\nhint: is a receipt log running at %s? 'provad dev' runs one; set --log", err, logURL)
}

// logURLFromCmd returns --log when given; otherwise the receipt log that the
// home's app.toml configures ([receipt-log] listen), so that a command run
// with a dev chain's --home talks to that chain's log (on a --free-ports
// chain it is not on the default port); otherwise fallback.
func logURLFromCmd(cmd *cobra.Command, fallback string) (string, error) {
	if f := cmd.Flags().Lookup(flagLogURL); f != nil && f.Changed {
		return f.Value.String(), nil
	}
	home := client.GetClientContextFromCmd(cmd).HomeDir
	if home == "" {
		return fallback, nil
	}
	path := filepath.Join(home, "config", "app.toml")
	if _, err := os.Stat(path); err != nil {
		return fallback, nil
	}
	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	rl, err := nodeconfig.ReceiptLogFrom(v)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if !rl.Enable || rl.Listen == "" {
		return fallback, nil
	}
	return "http://" + rl.Listen, nil
}
