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

	// TrustedProxyHeader names the header a reverse proxy in front of the
	// log sets to the client's address (e.g. "X-Forwarded-For"); the rate
	// limiter then keys clients by its right-most address. Empty: headers
	// are ignored, clients are keyed by the connection's address.
	TrustedProxyHeader string `mapstructure:"trusted-proxy-header"`
	// MaxConnections caps open connections to the HTTP API; 0: no cap.
	MaxConnections int `mapstructure:"max-connections"`
	// ReadHeaderTimeout, ReadTimeout (the whole request, body included),
	// WriteTimeout (end of headers to end of answer) and IdleTimeout
	// (keep-alive) of the HTTP API; 0: none.
	ReadHeaderTimeout time.Duration `mapstructure:"read-header-timeout"`
	ReadTimeout       time.Duration `mapstructure:"read-timeout"`
	WriteTimeout      time.Duration `mapstructure:"write-timeout"`
	IdleTimeout       time.Duration `mapstructure:"idle-timeout"`
	// MaxHeaderBytes caps a request's headers.
	MaxHeaderBytes int `mapstructure:"max-header-bytes"`
	// MaxSubmits and MaxSubmitBytes cap the submissions in flight and the
	// request bytes they hold; beyond them submissions get 503 at once.
	MaxSubmits     int   `mapstructure:"max-submits"`
	MaxSubmitBytes int64 `mapstructure:"max-submit-bytes"`
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

		MaxConnections:    receiptlog.DefaultMaxConns,
		ReadHeaderTimeout: receiptlog.DefaultReadHeaderTimeout,
		ReadTimeout:       receiptlog.DefaultReadTimeout,
		WriteTimeout:      receiptlog.DefaultWriteTimeout,
		IdleTimeout:       receiptlog.DefaultIdleTimeout,
		MaxHeaderBytes:    receiptlog.DefaultMaxHeaderBytes,
		MaxSubmits:        receiptlog.DefaultMaxSubmits,
		MaxSubmitBytes:    receiptlog.DefaultMaxSubmitBytes,
	}
}

// ApplyTo sets the HTTP API's limits and the trusted proxy header of c on
// the service config rc (receiptlog.Config.Validate checks them).
func (c ReceiptLog) ApplyTo(rc *receiptlog.Config) {
	rc.TrustedProxyHeader = c.TrustedProxyHeader
	rc.MaxConns = c.MaxConnections
	rc.ReadHeaderTimeout, rc.ReadTimeout, rc.WriteTimeout, rc.IdleTimeout = c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout
	rc.MaxHeaderBytes = c.MaxHeaderBytes
	rc.MaxSubmits, rc.MaxSubmitBytes = c.MaxSubmits, c.MaxSubmitBytes
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

# Behind a reverse proxy, the header it sets to the client's address (e.g.
# "X-Forwarded-For"); rate limits then apply per right-most address in it.
# Leave empty unless every request comes through that proxy: clients could
# otherwise set the header themselves.
trusted-proxy-header = "{{ .ReceiptLog.TrustedProxyHeader }}"

# Open connections to the HTTP API at once (0: no cap); more wait.
max-connections = {{ .ReceiptLog.MaxConnections }}

# HTTP timeouts (0: none). read-timeout covers a whole request, body
# included; write-timeout runs from the end of the headers to the end of
# the answer, so it must cover the wait for a checkpoint.
read-header-timeout = "{{ .ReceiptLog.ReadHeaderTimeout }}"
read-timeout = "{{ .ReceiptLog.ReadTimeout }}"
write-timeout = "{{ .ReceiptLog.WriteTimeout }}"
idle-timeout = "{{ .ReceiptLog.IdleTimeout }}"

# Largest request header, in bytes.
max-header-bytes = {{ .ReceiptLog.MaxHeaderBytes }}

# Submissions in flight, and the request bytes they may hold together;
# beyond either, submissions are refused at once with 503.
max-submits = {{ .ReceiptLog.MaxSubmits }}
max-submit-bytes = {{ .ReceiptLog.MaxSubmitBytes }}
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
		"trusted-proxy-header": &c.TrustedProxyHeader,
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
	// Slices, not maps: with several bad keys the same one is reported
	// every time.
	for _, d := range []struct {
		k   string
		dst *time.Duration
	}{
		{"read-header-timeout", &c.ReadHeaderTimeout}, {"read-timeout", &c.ReadTimeout},
		{"write-timeout", &c.WriteTimeout}, {"idle-timeout", &c.IdleTimeout},
	} {
		k, dst := d.k, d.dst
		if v := get(k); v != nil {
			if *dst, err = cast.ToDurationE(v); err != nil {
				return c, fmt.Errorf("app.toml [receipt-log] %s: %w", k, err)
			}
			if *dst < 0 {
				return c, fmt.Errorf("app.toml [receipt-log] %s must not be negative, got %v", k, *dst)
			}
		}
	}
	for _, d := range []struct {
		k   string
		dst *int
	}{{"max-connections", &c.MaxConnections}, {"max-header-bytes", &c.MaxHeaderBytes}, {"max-submits", &c.MaxSubmits}} {
		k, dst := d.k, d.dst
		if v := get(k); v != nil {
			if *dst, err = cast.ToIntE(v); err != nil {
				return c, fmt.Errorf("app.toml [receipt-log] %s: %w", k, err)
			}
			if *dst < 0 {
				return c, fmt.Errorf("app.toml [receipt-log] %s must not be negative, got %d", k, *dst)
			}
		}
	}
	if v := get("max-submit-bytes"); v != nil {
		if c.MaxSubmitBytes, err = cast.ToInt64E(v); err != nil {
			return c, fmt.Errorf("app.toml [receipt-log] max-submit-bytes: %w", err)
		}
		if c.MaxSubmitBytes < 0 {
			return c, fmt.Errorf("app.toml [receipt-log] max-submit-bytes must not be negative, got %d", c.MaxSubmitBytes)
		}
	}
	return c, nil
}
