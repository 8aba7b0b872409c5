package lightclient

import (
	"log/slog"

	cmtlog "github.com/cometbft/cometbft/libs/log"
)

// cmtLogger adapts slog to the logger interface CometBFT's light client
// takes. The light client logs every step at Info; that is progress detail
// for us, so Info goes to Debug and only warnings and errors stay visible.
type cmtLogger struct{ l *slog.Logger }

var _ cmtlog.Logger = cmtLogger{}

func (c cmtLogger) Debug(msg string, kv ...any) { c.l.Debug(msg, kv...) }
func (c cmtLogger) Info(msg string, kv ...any)  { c.l.Debug(msg, kv...) }
func (c cmtLogger) Warn(msg string, kv ...any)  { c.l.Warn(msg, kv...) }
func (c cmtLogger) Error(msg string, kv ...any) { c.l.Warn(msg, kv...) }

func (c cmtLogger) With(kv ...any) cmtlog.Logger { return cmtLogger{c.l.With(kv...)} }

// discardLogger is used when Config.Logger is nil.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Log keys, kept in one place so log lines stay greppable.
const (
	logKeyChainID = "chain_id"
	logKeyHeight  = "height"
	logKeyHash    = "hash"
	logKeyStore   = "store"
	logKeyRPC     = "rpc"
)
