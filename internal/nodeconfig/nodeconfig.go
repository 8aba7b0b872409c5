// Package nodeconfig is app.toml for a Prova node: the SDK's server settings
// plus Prova's own sections. The node wiring (internal/cli) and the dev and
// testnet generators (internal/devnet) write and read it through this
// package only, so the template, the defaults and the keys cannot drift.
package nodeconfig

import (
	"fmt"
	"path/filepath"
	"time"

	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	"github.com/spf13/cast"

	"github.com/prova-network/prova/app"
	"github.com/prova-network/prova/internal/receiptlog"
)

// ReceiptLog is the [receipt-log] section of app.toml.
type ReceiptLog struct {
	// Enable runs the receipt log next to the node.
	Enable bool `mapstructure:"enable"`
	// Listen is the HTTP API address (keep it on 127.0.0.1 unless a
	// reverse proxy with TLS sits in front).
	Listen string `mapstructure:"listen"`
	// Dir is the log directory; relative paths are under the node home.
	Dir string `mapstructure:"dir"`
	// Origin names the log on chain and in its checkpoints; empty means
	// "<chain-id>/receipts/<moniker>".
	Origin string `mapstructure:"origin"`
	// OperatorKey is the keyring key that registered the log and signs
	// the anchoring transactions; empty disables anchoring.
	OperatorKey string `mapstructure:"operator-key"`
	// KeyringBackend is the keyring of OperatorKey ("os" or "test"; a
	// "file" keyring would need a passphrase at every anchor).
	KeyringBackend string `mapstructure:"keyring-backend"`
	// AnchorInterval is how often a new checkpoint is put on chain.
	AnchorInterval time.Duration `mapstructure:"anchor-interval"`
	// RegisterBond, when set, registers the log on chain with this bond
	// (e.g. "10000000uprova") the first time the node finds it unregistered.
	RegisterBond string `mapstructure:"register-bond"`
}

// AppConfig is everything in app.toml.
type AppConfig struct {
	serverconfig.Config `mapstructure:",squash"`
	ReceiptLog          ReceiptLog `mapstructure:"receipt-log"`
}

// DefaultReceiptLog returns the [receipt-log] defaults: off, so a public
// node runs a log only when its operator asks for one.
func DefaultReceiptLog() ReceiptLog {
	return ReceiptLog{
		Listen:         receiptlog.DefaultListen,
		Dir:            filepath.Join("data", "receipts"),
		KeyringBackend: "os",
		AnchorInterval: 2 * time.Second,
	}
}

// Default returns app.toml's defaults. Nodes accept zero-fee transactions
// by default so a fresh dev chain just works; public validators set
// minimum-gas-prices.
func Default() AppConfig {
	srv := serverconfig.DefaultConfig()
	srv.MinGasPrices = "0" + app.BondDenom
	return AppConfig{Config: *srv, ReceiptLog: DefaultReceiptLog()}
}

// Template is app.toml's template: the SDK's plus Prova's sections.
const Template = serverconfig.DefaultConfigTemplate + `
###############################################################################
###                        Receipt log (Prova)                              ###
###############################################################################

[receipt-log]

# Run a transparency log of signed inference receipts next to the node.
# Providers POST receipts to it; its checkpoints are anchored on chain.
enable = {{ .ReceiptLog.Enable }}

# HTTP API address (/prova/receipts/v1/...). Keep it on 127.0.0.1 unless a
# TLS reverse proxy is in front.
listen = "{{ .ReceiptLog.Listen }}"

# Log directory (Tessera POSIX layout); relative to the node home.
dir = "{{ .ReceiptLog.Dir }}"

# The log's name on chain and in its checkpoints. Empty means
# "<chain-id>/receipts/<moniker>". It cannot change once registered.
origin = "{{ .ReceiptLog.Origin }}"

# Keyring key of the log operator: it registered the log and signs the
# anchoring transactions. Empty runs the log without anchoring.
operator-key = "{{ .ReceiptLog.OperatorKey }}"

# Keyring backend of operator-key: "os" or "test" (dev chains only).
keyring-backend = "{{ .ReceiptLog.KeyringBackend }}"

# How often the latest checkpoint is anchored on chain.
anchor-interval = "{{ .ReceiptLog.AnchorInterval }}"

# If set (e.g. "10000000uprova"), register the log on chain with this bond
# when the node finds it unregistered. Empty: register it yourself with
# 'provad tx receipts register-log'.
register-bond = "{{ .ReceiptLog.RegisterBond }}"
`

// Getter is what viper offers; the SDK hands app options over as one.
type Getter interface {
	Get(key string) any
}

// ReceiptLogFrom reads [receipt-log] from the node's app options, falling
// back to the defaults for keys that are absent (an app.toml written before
// the section existed).
func ReceiptLogFrom(opts Getter) (ReceiptLog, error) {
	c := DefaultReceiptLog()
	get := func(k string) any { return opts.Get("receipt-log." + k) }
	var err error
	if v := get("enable"); v != nil {
		if c.Enable, err = cast.ToBoolE(v); err != nil {
			return c, fmt.Errorf("app.toml [receipt-log] enable: %w", err)
		}
	}
	for k, dst := range map[string]*string{
		"listen": &c.Listen, "dir": &c.Dir, "origin": &c.Origin, "operator-key": &c.OperatorKey,
		"keyring-backend": &c.KeyringBackend, "register-bond": &c.RegisterBond,
	} {
		if v := get(k); v != nil {
			if *dst, err = cast.ToStringE(v); err != nil {
				return c, fmt.Errorf("app.toml [receipt-log] %s: %w", k, err)
			}
		}
	}
	if v := get("anchor-interval"); v != nil {
		if c.AnchorInterval, err = cast.ToDurationE(v); err != nil {
			return c, fmt.Errorf("app.toml [receipt-log] anchor-interval: %w", err)
		}
		if c.AnchorInterval <= 0 {
			return c, fmt.Errorf("app.toml [receipt-log] anchor-interval must be positive, got %v", c.AnchorInterval)
		}
	}
	return c, nil
}
