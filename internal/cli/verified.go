package cli

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/app"
	"github.com/prova-network/prova/internal/lightclient"
	"github.com/prova-network/prova/internal/verify/proven"
)

const (
	flagTrustHeight  = "trust-height"
	flagTrustHash    = "trust-hash"
	flagTrustPeriod  = "trusting-period"
	flagTrustGenesis = "trust-genesis"
)

// trustOptions say where light-client verification starts.
type trustOptions struct {
	Height int64
	Hash   []byte
	Period time.Duration
	// FromGenesis trusts the chain's first header as the node reports it:
	// trust on first use, acceptable only for a local dev chain.
	FromGenesis bool
}

func trustFromGenesis() trustOptions {
	return trustOptions{FromGenesis: true, Period: 21 * 24 * time.Hour}
}

// verifiedCoin is a balance that passed proof verification.
type verifiedCoin struct {
	Address string      `json:"address"`
	Denom   string      `json:"denom"`
	Amount  sdkmath.Int `json:"amount"`
	Height  int64       `json:"height"`
	AppHash string      `json:"app_hash"`
	Header  string      `json:"header_hash"`
}

func verifiedCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verified",
		Short: "Queries whose answers are proven against a light-client-verified header",
		Long: `Queries whose answers are proven before they are printed.

Each answer is the value stored at height H together with its ICS23 Merkle
proof, checked against the app hash in header H+1, which is itself verified
by the CometBFT light client starting from a header you trust:

  --trust-height/--trust-hash   a header you obtained out of band (production)
  --trust-genesis               trust the chain's first header as reported by
                                the node: trust on first use, dev chains only

If anything in the answer or the proof was altered, the command fails and
prints nothing as fact.`,
		RunE: client.ValidateCmd,
	}
	cmd.AddCommand(verifiedBalanceCommand())
	return cmd
}

func verifiedBalanceCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "balance ADDRESS [DENOM]",
		Short: "Print an account balance after verifying its proof (DENOM defaults to uprova)",
		Args:  cobra.RangeArgs(1, 2),
		Example: `  provad q verified balance prova1... --trust-genesis --node tcp://127.0.0.1:26657
  provad q verified balance prova1... uprova --trust-height 1200 --trust-hash 5E8A... -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientQueryContext(cmd)
			if err != nil {
				return err
			}
			addr, err := sdk.AccAddressFromBech32(args[0])
			if err != nil {
				return fmt.Errorf("invalid address %q: %w", args[0], err)
			}
			denom := app.BondDenom
			if len(args) == 2 {
				denom = args[1]
			}
			if err := sdk.ValidateDenom(denom); err != nil {
				return fmt.Errorf("invalid denom %q: %w", denom, err)
			}
			trust, err := trustFromFlags(cmd)
			if err != nil {
				return err
			}
			if clientCtx.ChainID == "" {
				return fmt.Errorf("--chain-id is required: the light client checks every header's chain ID")
			}
			height, _ := cmd.Flags().GetInt64(flags.FlagHeight)
			vb, err := verifiedBalance(cmd.Context(), clientCtx.ChainID, rpcHTTP(clientCtx.NodeURI), trust, addr, denom, height)
			if err != nil {
				return err
			}
			if clientCtx.OutputFormat == flags.OutputFormatJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(vb)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s%s\n", vb.Amount, vb.Denom)
			fmt.Fprintf(cmd.ErrOrStderr(), "verified: height %d, app hash %s (in header %d, hash %s)\n", vb.Height, vb.AppHash, vb.Height+1, vb.Header)
			return nil
		},
	}
	addTrustFlags(cmd)
	return cmd
}

// addTrustFlags adds the node, chain and root-of-trust flags of every
// command that verifies answers.
func addTrustFlags(cmd *cobra.Command) {
	flags.AddQueryFlagsToCmd(cmd)
	cmd.Flags().String(flags.FlagChainID, "", "chain ID the headers must carry (default: from client.toml)")
	cmd.Flags().Int64(flagTrustHeight, 0, "height of a header you trust")
	cmd.Flags().String(flagTrustHash, "", "hex hash of the header at --trust-height")
	cmd.Flags().Duration(flagTrustPeriod, 21*24*time.Hour, "trusting period (shorter than the unbonding period)")
	cmd.Flags().Bool(flagTrustGenesis, false, "trust the chain's first header as reported by the node (dev chains only)")
}

// lightClientFromCmd builds a light client from the command's flags and
// client config.
func lightClientFromCmd(cmd *cobra.Command) (*lightclient.Client, client.Context, error) {
	clientCtx, err := client.GetClientQueryContext(cmd)
	if err != nil {
		return nil, clientCtx, err
	}
	trust, err := trustFromFlags(cmd)
	if err != nil {
		return nil, clientCtx, err
	}
	if clientCtx.ChainID == "" {
		return nil, clientCtx, fmt.Errorf("--chain-id is required: the light client checks every header's chain ID")
	}
	lc, err := newLightClient(cmd.Context(), clientCtx.ChainID, rpcHTTP(clientCtx.NodeURI), trust)
	return lc, clientCtx, err
}

func trustFromFlags(cmd *cobra.Command) (trustOptions, error) {
	h, _ := cmd.Flags().GetInt64(flagTrustHeight)
	hashHex, _ := cmd.Flags().GetString(flagTrustHash)
	period, _ := cmd.Flags().GetDuration(flagTrustPeriod)
	genesis, _ := cmd.Flags().GetBool(flagTrustGenesis)
	switch {
	case genesis && (h != 0 || hashHex != ""):
		return trustOptions{}, fmt.Errorf("use either --trust-genesis or --trust-height/--trust-hash, not both")
	case genesis:
		t := trustFromGenesis()
		t.Period = period
		return t, nil
	case h <= 0 || hashHex == "":
		return trustOptions{}, fmt.Errorf("say which header to trust: --trust-height and --trust-hash (from a source you trust), or --trust-genesis on a dev chain")
	}
	hash, err := hex.DecodeString(hashHex)
	if err != nil || len(hash) != 32 {
		return trustOptions{}, fmt.Errorf("--trust-hash must be 64 hex characters (a SHA-256 header hash)")
	}
	return trustOptions{Height: h, Hash: hash, Period: period}, nil
}

// rpcHTTP turns a tcp:// node URI into the http:// form the RPC client wants.
func rpcHTTP(uri string) string {
	if len(uri) > 6 && uri[:6] == "tcp://" {
		return "http://" + uri[6:]
	}
	return uri
}

// readerFor reads proven state through lc at height (0: the latest state,
// with queries retried while the node commits it).
func readerFor(lc *lightclient.Client, height int64) *proven.Reader {
	return proven.NewReader(lc.Reader(height == 0), height)
}
