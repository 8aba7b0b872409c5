package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestReadmeCommands runs the README's main command the way a new user
// would, from the repository root with `go run`, and checks its output.
func TestReadmeCommands(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "README.md", string(readme), "go run ./cmd/provad demo", "go test ./...")

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./cmd/provad", "demo", "--exit")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "PROVAD_BIN=") // the demo must find its own binary
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run ./cmd/provad demo --exit: %v\n%s", err, out)
	}
	mustContain(t, "demo output", string(out), "Prova demo summary", "[VERIFIED] verified balance", "alice -> bob")
}

// TestDemoJSON checks the machine-readable summary.
func TestDemoJSON(t *testing.T) {
	r := provad(t, "demo", "--exit", "-o", "json")
	if r.Code != 0 {
		t.Fatalf("exit %d: %s", r.Code, r.Stderr)
	}
	var rep struct {
		ChainID string `json:"chain_id"`
		Steps   []struct {
			Step     string `json:"step"`
			Verified bool   `json:"verified"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.Stdout)), &rep); err != nil {
		t.Fatalf("stdout is not the JSON summary: %v\n%s", err, r.Stdout)
	}
	verified := map[string]bool{}
	for _, s := range rep.Steps {
		verified[s.Step] = verified[s.Step] || s.Verified
	}
	if rep.ChainID == "" {
		t.Fatalf("summary has no chain ID: %+v", rep)
	}
	for _, step := range []string{"verified balance", "verify model", "record membership", "receipt verified", "content check"} {
		if !verified[step] {
			t.Errorf("summary lacks a verified %q step: %+v", step, rep)
		}
	}
}
