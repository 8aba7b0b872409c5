package cli

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/inferd"
	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/receiptlog"
)

const (
	flagInferModelFile   = "model"
	flagInferProviderURL = "provider-url"
	flagInferReceipts    = "receipts"
	flagInferSample      = "sample"
	flagInferFetchTries  = "fetch-tries"
)

func inferWatchCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "watch --from KEY",
		Short: "Re-execute inference claims and challenge the wrong ones",
		Long: `Follow the inference claims posted on chain, re-execute a sample of them with
the same model and challenge every one whose trace root or output digest
differs, then play the dispute to its end (the challenger's prefix roots, and
the one-step resolution that settles it).

A claim's inputs come from its provider's HTTP API (GET /v1/inputs/{digest}
of 'provad infer serve'), at the endpoint its bond records, unless
--provider-url names another; when they cannot be had there after
--fetch-tries passes, they are demanded on chain (MsgRequestInput), and a
provider that does not post them is slashed. The model is --model when
its tensor root matches the registered executable, or else the ONNX file
stored on chain (small models are).

With --receipts the watcher also follows the receipt log (--log, by default
the log of --home's node): receipts that carry a trace root are claims of
the provider whose bond binds their key, and are checked the same way (their
inputs demanded on chain with the receipt itself) and challenged
(MsgChallengeReceipt), up to the log size anchored on chain.

The state (the last claim looked at, the checks and disputes in progress and
their inputs) is kept in --dir, so a restart continues where it stopped.
stdout has one line per event ("claim N ok", "challenged claim N: dispute
D", "dispute D won: …"; JSON objects with -o json); the log is on stderr.`,
		Example: `  provad infer watch --from watcher --keyring-backend test
  provad infer watch --from watcher --provider-url http://127.0.0.1:8620
  provad infer watch --from watcher --model mlp-int8.onnx --model-id blake3:9f2c... --sample 0.1 -o json
  provad infer watch --from watcher --receipts --provider-url http://127.0.0.1:8620`,
		Args: cobra.NoArgs,
		RunE: runInferWatch,
	}
	def := inferd.DefaultWatcherConfig()
	f := cmd.Flags()
	f.String(flagInferModelFile, "", "ONNX file to re-execute with (default: the file stored on chain)")
	f.String(flagInferModelID, "", "watch only this model's claims (default: every model)")
	f.StringArray(flagInferProviderURL, nil, "where providers serve inputs, over the endpoints their bonds record: URL for every provider, or ADDRESS=URL (repeatable)")
	f.Bool(flagInferReceipts, false, "also check receipts with trace roots in the receipt log")
	f.String(flagLogURL, "", "receipt log URL for --receipts (default: the log of --home's app.toml, else http://"+receiptlog.DefaultListen+")")
	f.Float64(flagInferSample, def.Sample, "fraction of claims to check, in (0, 1]")
	f.Duration(flagEvalPoll, def.Poll, "how often to ask the node for new claims and dispute moves")
	f.Int(flagInferFetchTries, def.FetchTries, "passes trying the provider's API before demanding inputs (of claims and receipts) on chain (0: demand at once)")
	f.String(flagInferBond, "", "challenger bond, e.g. 1000uprova (default: the chain's dispute stake)")
	f.String(flagInferDir, "", "directory of the watcher's state (default: <home>/inferd/watch)")
	addDaemonTxFlags(cmd)
	return cmd
}

// parseProviderURLs reads --provider-url values: "URL" or "ADDRESS=URL".
func parseProviderURLs(vals []string) (string, map[string]string, error) {
	def, byAddr := "", map[string]string{}
	for _, v := range vals {
		addr, u, ok := strings.Cut(v, "=")
		if !ok {
			addr, u = "", v
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return "", nil, fmt.Errorf("--provider-url %q: want http://HOST:PORT or ADDRESS=http://HOST:PORT", v)
		}
		u = strings.TrimSuffix(u, "/")
		if addr == "" {
			if def != "" {
				return "", nil, errors.New("--provider-url: give one URL for every provider, the others as ADDRESS=URL")
			}
			def = u
			continue
		}
		if _, err := sdk.AccAddressFromBech32(addr); err != nil {
			return "", nil, fmt.Errorf("--provider-url %q: %s is not an account address", v, addr)
		}
		byAddr[addr] = u
	}
	return def, byAddr, nil
}

func runInferWatch(cmd *cobra.Command, _ []string) error {
	f := cmd.Flags()
	cfg := inferd.DefaultWatcherConfig()
	cfg.ModelID, _ = f.GetString(flagInferModelID)
	cfg.Sample, _ = f.GetFloat64(flagInferSample)
	cfg.Poll, _ = f.GetDuration(flagEvalPoll)
	cfg.FetchTries, _ = f.GetInt(flagInferFetchTries)
	cfg.Dir, _ = f.GetString(flagInferDir)
	vals, _ := f.GetStringArray(flagInferProviderURL)
	var err error
	if cfg.ProviderURL, cfg.ProviderURLs, err = parseProviderURLs(vals); err != nil {
		return err
	}
	if s, _ := f.GetString(flagInferBond); s != "" {
		c, err := sdk.ParseCoinNormalized(s)
		if err != nil || !c.IsPositive() {
			return fmt.Errorf("--bond %q: want an amount such as 1000uprova", s)
		}
		cfg.Bond = c
	}
	if cfg.ModelID != "" {
		if _, err := fingerprint.ParseDigest(cfg.ModelID); err != nil {
			return fmt.Errorf("--model-id: %w", err)
		}
	}
	if cfg.Dir == "" {
		cfg.Dir = defaultDaemonDir(cmd, "watch", "")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if path, _ := f.GetString(flagInferModelFile); path != "" {
		b, err := readLimited(path, onnxint.DefaultMaxBytes, cmd.InOrStdin())
		if err != nil {
			return err
		}
		m, err := onnxint.Load(b)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		cfg.Model = m
	}
	if on, _ := f.GetBool(flagInferReceipts); on {
		logURL, err := logURLFromCmd(cmd, "http://"+receiptlog.DefaultListen)
		if err != nil {
			return err
		}
		cfg.Log = receiptlog.NewClient(logURL, nil)
	}
	chain, logger, report, err := daemonDeps(cmd)
	if err != nil {
		return err
	}
	w, err := inferd.NewWatcher(cfg, chain, logger, report)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return w.Run(ctx)
}
