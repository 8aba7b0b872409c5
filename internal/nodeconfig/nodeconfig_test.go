package nodeconfig

import (
	"path/filepath"
	"testing"
	"time"

	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	"github.com/spf13/viper"
)

// The template written by the generators reads back into the same values.
func TestTemplateRoundTrip(t *testing.T) {
	c := Default()
	c.ReceiptLog = ReceiptLog{Enable: true, Listen: "127.0.0.1:4242", Dir: "/x/receipts", Origin: "chain/receipts/n0",
		OperatorKey: "receipts", KeyringBackend: "test", AnchorInterval: 1500 * time.Millisecond, RegisterBond: "5uprova"}
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
	for key, val := range map[string]any{"anchor-interval": "soon", "enable": "maybe"} {
		v := viper.New()
		v.Set("receipt-log."+key, val)
		if _, err := ReceiptLogFrom(v); err == nil {
			t.Errorf("%s = %v accepted", key, val)
		}
	}
	v := viper.New()
	v.Set("receipt-log.anchor-interval", "-1s")
	if _, err := ReceiptLogFrom(v); err == nil {
		t.Error("negative anchor interval accepted")
	}
}
