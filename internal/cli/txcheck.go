package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
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
	txCmd.PersistentPostRunE = func(*cobra.Command, []string) error {
		if captured == nil {
			return nil
		}
		if code, codespace, log, ok := parseTxCode(captured.Bytes()); ok && code != 0 {
			return &ExitError{Code: 1, Err: fmt.Errorf("transaction rejected by the node (codespace %s, code %d): %s", codespace, code, log)}
		}
		return nil
	}
}

var (
	yamlCode      = regexp.MustCompile(`(?m)^code: (\d+)$`)
	yamlCodespace = regexp.MustCompile(`(?m)^codespace: (\S*)$`)
	yamlRawLog    = regexp.MustCompile(`(?ms)^raw_log: (.*?)\n[a-z_]+:`)
)

// parseTxCode extracts the result code of a printed TxResponse (JSON or text).
func parseTxCode(out []byte) (code uint32, codespace, rawLog string, ok bool) {
	var resp struct {
		Code      uint32 `json:"code"`
		Codespace string `json:"codespace"`
		RawLog    string `json:"raw_log"`
		TxHash    string `json:"txhash"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &resp); err == nil && resp.TxHash != "" {
		return resp.Code, resp.Codespace, resp.RawLog, true
	}
	m := yamlCode.FindSubmatch(out)
	if m == nil {
		return 0, "", "", false
	}
	c, err := strconv.ParseUint(string(m[1]), 10, 32)
	if err != nil {
		return 0, "", "", false
	}
	if s := yamlCodespace.FindSubmatch(out); s != nil {
		codespace = string(s[1])
	}
	if l := yamlRawLog.FindSubmatch(out); l != nil {
		rawLog = string(bytes.Join(bytes.Fields(bytes.Trim(l[1], "'\"")), []byte(" ")))
	}
	return uint32(c), codespace, rawLog, true
}
