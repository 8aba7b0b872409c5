package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/prova-network/prova/internal/txclient"
)

// txResultCheck makes a transaction that the node rejected a failed command:
// the SDK prints the response (code, raw_log) and exits 0, which scripts
// and people both misread. The response is still printed as usual.
func txResultCheck(txCmd *cobra.Command) {
	var captured *bytes.Buffer
	txCmd.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if err := cmd.Root().PersistentPreRunE(cmd, args); err != nil {
			return err
		}
		clientCtx := client.GetClientContextFromCmd(cmd)
		captured = &bytes.Buffer{}
		out := clientCtx.Output
		if out == nil {
			out = cmd.OutOrStdout()
		}
		return client.SetCmdClientContext(cmd, clientCtx.WithOutput(io.MultiWriter(out, captured)))
	}
	txCmd.PersistentFlags().Bool(flagNoWait, false, "return once the node accepts the transaction into its mempool, without waiting for the block")
	txCmd.PersistentPostRunE = func(cmd *cobra.Command, _ []string) error {
		if captured == nil {
			return nil
		}
		res, ok := parseTxResponse(captured.Bytes())
		if !ok {
			return nil
		}
		if res.Code != 0 {
			return &ExitError{Code: 1, Err: fmt.Errorf("transaction rejected by the node (codespace %s, code %d): %s", res.Codespace, res.Code, res.RawLog)}
		}
		clientCtx := client.GetClientContextFromCmd(cmd)
		if res.Height > 0 || res.TxHash == "" || clientCtx.Client == nil || clientCtx.BroadcastMode == flags.BroadcastAsync {
			return nil
		}
		if noWait, _ := cmd.Flags().GetBool(flagNoWait); noWait {
			return nil
		}
		return waitForBlock(cmd, clientCtx, res.TxHash)
	}
}

// flagNoWait turns off waiting for the block that includes a transaction.
const flagNoWait = "no-wait"

// waitForBlock waits until txHash is in a block and fails if it failed
// there: CheckTx only vets signatures and fees, so a transaction can pass
// the mempool and still fail in the block (for instance a duplicate
// registration or a transfer beyond the balance).
func waitForBlock(cmd *cobra.Command, clientCtx client.Context, txHash string) error {
	r, err := txclient.Wait(cmd.Context(), clientCtx.Client, txHash, txWaitTimeout)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "committed in block %d (tx %s)\n", r.Height, r.Hash)
	return nil
}

const txWaitTimeout = 60 * time.Second

var (
	yamlCode      = regexp.MustCompile(`(?m)^code: (\d+)$`)
	yamlCodespace = regexp.MustCompile(`(?m)^codespace: (\S*)$`)
	yamlRawLog    = regexp.MustCompile(`(?ms)^raw_log: (.*?)\n[a-z_]+:`)
	yamlTxHash    = regexp.MustCompile(`(?m)^txhash: ([0-9A-F]+)$`)
	yamlHeight    = regexp.MustCompile(`(?m)^height: "?(\d+)"?$`)
)

// txResponse is the part of a printed TxResponse we act on.
type txResponse struct {
	Code      uint32
	Codespace string
	RawLog    string
	TxHash    string
	Height    int64
}

// parseTxResponse reads a TxResponse printed as JSON or text (YAML).
func parseTxResponse(out []byte) (txResponse, bool) {
	var resp struct {
		Code      uint32 `json:"code"`
		Codespace string `json:"codespace"`
		RawLog    string `json:"raw_log"`
		TxHash    string `json:"txhash"`
		Height    string `json:"height"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &resp); err == nil && resp.TxHash != "" {
		h, _ := strconv.ParseInt(resp.Height, 10, 64)
		return txResponse{resp.Code, resp.Codespace, resp.RawLog, resp.TxHash, h}, true
	}
	m := yamlCode.FindSubmatch(out)
	if m == nil {
		return txResponse{}, false
	}
	c, err := strconv.ParseUint(string(m[1]), 10, 32)
	if err != nil {
		return txResponse{}, false
	}
	r := txResponse{Code: uint32(c)}
	if s := yamlCodespace.FindSubmatch(out); s != nil {
		r.Codespace = string(s[1])
	}
	if l := yamlRawLog.FindSubmatch(out); l != nil {
		r.RawLog = string(bytes.Join(bytes.Fields(bytes.Trim(l[1], "'\"")), []byte(" ")))
	}
	if h := yamlTxHash.FindSubmatch(out); h != nil {
		r.TxHash = string(h[1])
	}
	if h := yamlHeight.FindSubmatch(out); h != nil {
		r.Height, _ = strconv.ParseInt(string(h[1]), 10, 64)
	}
	return r, true
}
