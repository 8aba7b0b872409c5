package cli

import (
	"errors"
	"os"
	"strings"

	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/prova-network/prova/internal/devnet"
)

// hintFor suggests what to do about err, or returns "".
func hintFor(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, devnet.ErrNotProvaHome):
		return "point --home at a directory made by 'provad dev', 'provad init' or 'provad testnet init-files', or at a path that does not exist yet"
	case errors.Is(err, sdkerrors.ErrKeyNotFound), strings.Contains(msg, "key not found"):
		return "list the keys with 'provad keys list --home <home> --keyring-backend <backend>'; dev chains use --keyring-backend test"
	case errors.Is(err, sdkerrors.ErrWrongSequence), strings.Contains(msg, "account sequence mismatch"):
		return "another transaction from this account was sent meanwhile; query the account and retry with the next sequence (or omit --sequence)"
	case errors.Is(err, sdkerrors.ErrInsufficientFunds), strings.Contains(msg, "insufficient funds"):
		return "fund the sender first, e.g. 'provad tx bank send alice <address> 1000000uprova' on a dev chain"
	case strings.Contains(msg, "chain-id") && (strings.Contains(msg, "mismatch") || strings.Contains(msg, "invalid chain")),
		strings.Contains(msg, "signature verification failed"):
		return "check --chain-id: it must match the node's ('provad status' shows network)"
	case strings.Contains(msg, "connection refused"):
		return "is the node running? start one with 'provad dev', or pass --node tcp://host:26657"
	case errors.Is(err, os.ErrPermission):
		return "check the permissions of the home directory"
	}
	return ""
}
