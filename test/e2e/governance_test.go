package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/prova-network/prova/internal/formats/safetensors/safetensorstest"
)

// TestGovernanceFlagsModel passes a governance proposal that flags a model
// and checks that `provad verify` shows the flag and its reason. (That only
// the gov authority can set a status is checked in the keeper tests.)
func TestGovernanceFlagsModel(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "dev")
	d := startDev(t, home, "--free-ports", "--block-time", "300ms", "--voting-period", "6s")
	model := filepath.Join(t.TempDir(), "m")
	if err := os.MkdirAll(model, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := safetensorstest.Write(filepath.Join(model, "model.safetensors"),
		[]safetensorstest.Tensor{{Name: "w", DType: "F32", Shape: []uint64{4, 4}}}, nil); err != nil {
		t.Fatal(err)
	}
	kr := []string{"--home", home, "--keyring-backend", "test", "--yes"}
	mustSucceed(t, provad(t, append([]string{"tx", "registry", "register-model", model, "--license", "MIT", "--from", "alice"}, kr...)...))
	id := strings.TrimSpace(mustSucceed(t, provad(t, "hash", model)).Stdout)

	gov := authtypes.NewModuleAddress("gov").String()
	reason := "generates unsafe instructions"
	msg := map[string]any{"@type": "/prova.registry.v1.MsgSetModelStatus", "authority": gov, "model_id": id, "status": "MODEL_STATUS_FLAGGED", "reason": reason}

	// (A user cannot sign for the gov account; the keeper test covers the
	// authority check itself.)
	prop, _ := json.Marshal(map[string]any{
		"messages": []any{msg}, "deposit": "10000000uprova",
		"title": "Flag model", "summary": "flag " + id,
	})
	propFile := filepath.Join(t.TempDir(), "proposal.json")
	if err := os.WriteFile(propFile, prop, 0o644); err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, provad(t, append([]string{"tx", "gov", "submit-proposal", propFile, "--from", "alice"}, kr...)...))
	mustSucceed(t, provad(t, append([]string{"tx", "gov", "vote", "1", "yes", "--from", "validator"}, kr...)...))

	deadline := time.Now().Add(90 * time.Second)
	for {
		r := provad(t, "q", "gov", "proposal", "1", "--home", home, "-o", "json")
		if strings.Contains(r.Stdout, "PROPOSAL_STATUS_PASSED") {
			break
		}
		if strings.Contains(r.Stdout, "PROPOSAL_STATUS_REJECTED") || strings.Contains(r.Stdout, "PROPOSAL_STATUS_FAILED") || time.Now().After(deadline) {
			t.Fatalf("proposal did not pass:\n%s\n%s", r.Stdout, r.Stderr)
		}
		time.Sleep(time.Second)
	}
	r := mustSucceed(t, provad(t, "verify", model, "--trust-genesis", "--home", home))
	mustContain(t, "verify output", r.Stdout, "STATUS     FLAGGED", reason)
	r = mustSucceed(t, provad(t, "verify", model, "--trust-genesis", "--home", home, "-o", "json"))
	mustContain(t, "verify json", r.Stdout, fmt.Sprintf(`"status_reason": %q`, reason))
	if d.net.ChainID == "" {
		t.Fatal("no chain id")
	}

	// The node's receipt log honours the flag: receipts naming the model
	// are refused, with the reason.
	logURL := d.proc.waitOutput(t, reReceipts, time.Minute)[1]
	in := filepath.Join(t.TempDir(), "in.txt")
	os.WriteFile(in, []byte("prompt"), 0o644)
	r = provad(t, "receipt", "submit", "--home", home, "--log", logURL, "--model", id, "--input", in, "--output-file", in, "--wait", "0")
	if r.Code == 0 {
		t.Fatal("the receipt log accepted a receipt for a flagged model")
	}
	mustContain(t, "flagged model refusal", r.Stderr, "flagged")
}
