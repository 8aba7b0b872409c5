package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/inferd"
	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/internal/txclient"
	infertypes "github.com/prova-network/prova/x/infer/types"
	receiptstypes "github.com/prova-network/prova/x/receipts/types"
)

const (
	flagInferModelID   = "model-id"
	flagInferListen    = "listen"
	flagInferPublicURL = "public-url"
	flagInferDir       = "dir"
	flagInferClaims    = "claims"
	flagInferBond      = "bond"
	flagInferFlush     = "flush-interval"
	flagInferMaxBatch  = "max-batch"
	flagInferMaxBody   = "max-body"
	flagInferMaxConc   = "max-concurrent"
	flagInferClaimWait = "claim-wait"
	flagInferLieEvery  = "lie-every"
)

func inferServeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve MODEL.onnx --model-id ID --from KEY",
		Short: "Serve a model over HTTP, claim every inference, defend the claims",
		Long: `Serve one registered model on 127.0.0.1 and stand behind every answer.

POST /v1/infer takes the model's input as a NumPy .npy file or JSON (as
'provad infer run' reads it) and runs it with Prova's deterministic runtime.
The run (its inputs) is written durably before the answer, which carries the
outputs, the argmax, the input and output digests, the trace root, and the
claim: an MsgPostClaim on chain (--claims chain; the claims of a flush
interval go out in one transaction), and/or a receipt carrying the trace root
in the node's receipt log, signed with the provider key that the bond binds
(--claims receipt). GET /v1/inputs/{input digest} serves a run's inputs, so
that watchers can re-execute it; GET /v1/info describes the model.

On start the model must be registered for execution with this file's tensor
root, the free bond is topped up to --bond, and the bond records --public-url
(default: http:// and the listen address) as the provider's endpoint, where
watchers fetch the inputs of its claims. Until Ctrl-C the provider
answers input requests on its claims (MsgPostInput) and defends its claims in
disputes: its prefix roots in the bisection, and the one-step resolution at
the end. A restart continues with the same --dir: nothing answered is lost,
unposted claims are posted, running disputes are played on.

stdout has one line per event ("serving on http://127.0.0.1:PORT", "claim N
posted for run R", "dispute D lost: …"; JSON objects with -o json); the log
is on stderr.`,
		Example: `  provad infer serve mlp-int8.onnx --model-id blake3:9f2c... --from provider --keyring-backend test
  curl -s --data-binary @digit.npy http://127.0.0.1:8620/v1/infer
  provad infer serve cnn.onnx --model-id blake3:... --from provider --claims chain,receipt -o json`,
		Args: cobra.ExactArgs(1),
		RunE: runInferServe,
	}
	def := inferd.DefaultProviderConfig()
	f := cmd.Flags()
	f.String(flagInferModelID, "", "the model's registered ID (required)")
	f.String(flagInferListen, def.Listen, "HTTP address (loopback only)")
	f.String(flagInferPublicURL, "", "the URL others reach the HTTP API at (through your proxy), recorded in the bond for watchers (default: http://LISTEN)")
	f.String(flagInferDir, "", "directory of the run store (default: <home>/inferd/serve-<model>)")
	f.String(flagInferClaims, "chain", "how each inference is claimed: chain, receipt, or chain,receipt")
	f.String(flagLogURL, "", "receipt log URL for --claims receipt (default: the log of --home's app.toml, else http://"+receiptlog.DefaultListen+")")
	f.String(flagProviderKey, "", "receipt signing key for --claims receipt (default: <home>/config/"+providerKeyFile+", created on first use)")
	f.String(flagProviderID, def.ProviderName, "provider name written in receipts")
	f.String(flagInferBond, "", "free bond to keep, e.g. 1000000uprova (default: the chain's min_bond plus one dispute stake)")
	f.Duration(flagInferFlush, def.FlushInterval, "how often queued claims are posted (in one transaction)")
	f.Int(flagInferMaxBatch, def.MaxBatch, "most claims in one transaction")
	f.Duration(flagEvalPoll, def.Poll, "how often to look for disputes and input requests")
	f.Int64(flagInferMaxBody, def.MaxBody, "largest request body in bytes")
	f.Int(flagInferMaxConc, def.MaxConcurrent, "inferences run at once (4x as many may wait; more get 503)")
	f.Duration(flagInferClaimWait, def.ClaimWait, "how long an answer waits for its claim (0: answer at once, claim later)")
	f.Int(flagInferLieEvery, 0, "FOR TESTS AND DEMOS ONLY: falsify every Nth answer and defend it (it loses its disputes)")
	_ = f.MarkHidden(flagInferLieEvery)
	addDaemonTxFlags(cmd)
	return cmd
}

// addDaemonTxFlags adds the SDK's transaction flags (--from, --node,
// --chain-id, keyring, fees), with -o choosing the event format.
func addDaemonTxFlags(cmd *cobra.Command) {
	flags.AddTxFlagsToCmd(cmd)
	out := cmd.Flags().Lookup(flags.FlagOutput)
	out.Usage, out.DefValue = "format of the event lines on stdout and the log on stderr (text|json)", "text"
	_ = out.Value.Set("text")
	gas := cmd.Flags().Lookup(flags.FlagGas)
	gas.Usage = fmt.Sprintf("gas limit per transaction, or \"auto\" to simulate each (default %d: a batch of claims or a step resolution needs more than the SDK's usual 200000)", txclient.DefaultGasLimit)
}

// providerConfig reads the flags into a ProviderConfig (no key, log or
// directory yet) and checks them, before anything touches the network.
func providerConfigFromFlags(cmd *cobra.Command) (inferd.ProviderConfig, bool, error) {
	f := cmd.Flags()
	cfg := inferd.DefaultProviderConfig()
	cfg.ModelID, _ = f.GetString(flagInferModelID)
	cfg.Listen, _ = f.GetString(flagInferListen)
	cfg.PublicURL, _ = f.GetString(flagInferPublicURL)
	cfg.Dir, _ = f.GetString(flagInferDir)
	cfg.ProviderName, _ = f.GetString(flagProviderID)
	cfg.FlushInterval, _ = f.GetDuration(flagInferFlush)
	cfg.MaxBatch, _ = f.GetInt(flagInferMaxBatch)
	cfg.Poll, _ = f.GetDuration(flagEvalPoll)
	cfg.MaxBody, _ = f.GetInt64(flagInferMaxBody)
	cfg.MaxConcurrent, _ = f.GetInt(flagInferMaxConc)
	cfg.ClaimWait, _ = f.GetDuration(flagInferClaimWait)
	cfg.LieEvery, _ = f.GetInt(flagInferLieEvery)
	if cfg.ModelID == "" {
		return cfg, false, errors.New("--model-id is required: the ID the model is registered under")
	}
	if _, err := fingerprint.ParseDigest(cfg.ModelID); err != nil {
		return cfg, false, fmt.Errorf("--model-id: %w", err)
	}
	claims, _ := f.GetString(flagInferClaims)
	cfg.ClaimOnChain = false
	receipts := false
	for _, c := range strings.Split(claims, ",") {
		switch strings.TrimSpace(c) {
		case "chain":
			cfg.ClaimOnChain = true
		case "receipt", "receipts":
			receipts = true
		default:
			return cfg, false, fmt.Errorf("--claims %q: use chain, receipt, or chain,receipt", claims)
		}
	}
	if s, _ := f.GetString(flagInferBond); s != "" {
		c, err := sdk.ParseCoinNormalized(s)
		if err != nil || !c.IsPositive() {
			return cfg, false, fmt.Errorf("--bond %q: want an amount such as 1000000uprova", s)
		}
		cfg.Bond = c
	}
	if cfg.MaxBody > infertypes.MaxInputBytes*8 {
		return cfg, false, fmt.Errorf("--max-body %d is over %d", cfg.MaxBody, infertypes.MaxInputBytes*8)
	}
	// Checked without the parts that come later (key, log, directory).
	check := cfg
	check.Dir = "-"
	if receipts {
		check.ReceiptKey, check.Log = make([]byte, 64), &receiptlog.Client{}
	}
	return cfg, receipts, check.Validate()
}

// defaultDaemonDir is <home>/inferd/<name>-<model ID, ':' as '-', cut short>.
func defaultDaemonDir(cmd *cobra.Command, name, modelID string) string {
	home := client.GetClientContextFromCmd(cmd).HomeDir
	if home == "" {
		home = DefaultHome
	}
	if modelID != "" {
		id := strings.ReplaceAll(modelID, ":", "-")
		name += "-" + id[:min(len(id), 24)]
	}
	return filepath.Join(home, "inferd", name)
}

func runInferServe(cmd *cobra.Command, args []string) error {
	cfg, receipts, err := providerConfigFromFlags(cmd)
	if err != nil {
		return err
	}
	b, err := readLimited(args[0], onnxint.DefaultMaxBytes, cmd.InOrStdin())
	if err != nil {
		return err
	}
	m, err := onnxint.Load(b)
	if err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	if cfg.Dir == "" {
		cfg.Dir = defaultDaemonDir(cmd, "serve", cfg.ModelID)
	}
	if receipts {
		priv, _, err := loadProviderKey(providerKeyPath(cmd), true)
		if err != nil {
			return err
		}
		logURL, err := logURLFromCmd(cmd, "http://"+receiptlog.DefaultListen)
		if err != nil {
			return err
		}
		cfg.ReceiptKey, cfg.Log = priv, receiptlog.NewClient(logURL, nil)
	}
	chain, logger, report, err := daemonDeps(cmd)
	if err != nil {
		return err
	}
	p, err := inferd.NewProvider(cfg, m, chain, logger, report)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return p.Run(ctx, nil)
}

// daemonDeps connects a daemon to the node: transactions signed with
// --from through txclient, x/infer and x/receipts queries, the node's
// height; and its event lines (stdout) and log (stderr).
func daemonDeps(cmd *cobra.Command) (inferd.Chain, *slog.Logger, func(inferd.Event), error) {
	var chain inferd.Chain
	clientCtx, err := client.GetClientTxContext(cmd)
	if err != nil {
		return chain, nil, nil, err
	}
	from := clientCtx.FromName
	if from == "" {
		return chain, nil, nil, errors.New("--from is required: the key that signs the daemon's transactions")
	}
	txf, err := tx.NewFactoryCLI(clientCtx, cmd.Flags())
	if err != nil {
		return chain, nil, nil, err
	}
	if !cmd.Flags().Changed(flags.FlagGas) {
		txf = txf.WithGas(txclient.DefaultGasLimit)
	}
	tc, err := txclient.New(clientCtx, txclient.WithFactory(txf))
	if err != nil {
		return chain, nil, nil, err
	}
	addr, err := tc.Address(from)
	if err != nil {
		return chain, nil, nil, err
	}
	node, err := clientCtx.GetNode()
	if err != nil {
		return chain, nil, nil, err
	}
	chain = inferd.Chain{
		Send: func(ctx context.Context, msgs ...sdk.Msg) (*txclient.Result, error) {
			return tc.Send(ctx, from, msgs...)
		},
		Address:  addr.String(),
		Infer:    infertypes.NewQueryClient(clientCtx),
		Receipts: receiptstypes.NewQueryClient(clientCtx),
		Height: func(ctx context.Context) (int64, error) {
			st, err := node.Status(ctx)
			if err != nil {
				return 0, err
			}
			return st.SyncInfo.LatestBlockHeight, nil
		},
	}
	asJSON := false
	if o, _ := cmd.Flags().GetString(flags.FlagOutput); o == flags.OutputFormatJSON {
		asJSON = true
	}
	var h slog.Handler = slog.NewTextHandler(cmd.ErrOrStderr(), nil)
	if asJSON {
		h = slog.NewJSONHandler(cmd.ErrOrStderr(), nil)
	}
	return chain, slog.New(h), inferd.LineReporter(cmd.OutOrStdout(), asJSON), nil
}
