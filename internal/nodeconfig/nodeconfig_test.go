package nodeconfig

import (
	"path/filepath"
	"testing"
	"time"

	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	"github.com/spf13/viper"

	"github.com/prova-network/prova/internal/receiptlog"
)

// The template written by the generators reads back into the same values.
func TestTemplateRoundTrip(t *testing.T) {
	c := Default()
	c.ReceiptLog = ReceiptLog{Enable: true, Listen: "127.0.0.1:4242", Dir: "/x/receipts", Origin: "chain/receipts/n0",
		OperatorKey: "receipts", KeyringBackend: "test", AnchorInterval: 1500 * time.Millisecond, RegisterBond: "5uprova",
		TrustedProxyHeader: "X-Forwarded-For", MaxConnections: 77, ReadHeaderTimeout: 3 * time.Second,
		ReadTimeout: 31 * time.Second, WriteTimeout: 47 * time.Second, IdleTimeout: 90 * time.Second,
		MaxHeaderBytes: 8192, MaxSubmits: 9, MaxSubmitBytes: 123 << 20}
	path := filepath.Join(t.TempDir(), "app.toml")
	serverconfig.SetConfigTemplate(Template)
	serverconfig.WriteConfigFile(path, &c)

	v := viper.New()
	v.SetConfigFile(path)
	if err := v.ReadInConfig(); err != nil {
		t.Fatal(err)
	}
	got, err := ReceiptLogFrom(v)
	if err != nil {
		t.Fatal(err)
	}
	if got != c.ReceiptLog {
		t.Fatalf("read back %+v, wrote %+v", got, c.ReceiptLog)
	}
	if v.GetString("minimum-gas-prices") != c.MinGasPrices {
		t.Fatalf("SDK settings lost: minimum-gas-prices %q", v.GetString("minimum-gas-prices"))
	}
}

// An app.toml without the section gives the defaults; bad values are errors.
func TestReceiptLogFromDefaultsAndErrors(t *testing.T) {
	got, err := ReceiptLogFrom(viper.New())
	if err != nil || got != DefaultReceiptLog() {
		t.Fatalf("empty config: %+v, %v", got, err)
	}
	for key, val := range map[string]any{"anchor-interval": "soon", "enable": "maybe", "read-timeout": "-1s",
		"write-timeout": "later", "max-connections": -1, "max-submits": "many", "max-submit-bytes": -5} {
		v := viper.New()
		v.Set("receipt-log."+key, val)
		if _, err := ReceiptLogFrom(v); err == nil {
			t.Errorf("%s = %v accepted", key, val)
		}
	}
	// The defaults are the service's, and reach its config.
	d := DefaultReceiptLog()
	rc := receiptlog.DefaultConfig("/x")
	d.ApplyTo(&rc)
	if rc != receiptlog.DefaultConfig("/x") {
		t.Fatalf("defaults applied changed the service defaults: %+v", rc)
	}
	// An app.toml written before the limits existed gets them: a set key
	// is read, the others keep their defaults.
	v := viper.New()
	v.Set("receipt-log.enable", true)
	v.Set("receipt-log.trusted-proxy-header", "X-Real-IP")
	got, err = ReceiptLogFrom(v)
	want := DefaultReceiptLog()
	want.Enable, want.TrustedProxyHeader = true, "X-Real-IP"
	if err != nil || got != want {
		t.Fatalf("partial section: %+v, %v", got, err)
	}
	v = viper.New()
	v.Set("receipt-log.anchor-interval", "-1s")
	if _, err := ReceiptLogFrom(v); err == nil {
		t.Error("negative anchor interval accepted")
	}
}
