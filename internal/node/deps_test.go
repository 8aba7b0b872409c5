package node

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNodeExcludesDevnet: the node's services do not depend on the
// dev-network tools, nor on the CLI.
func TestNodeExcludesDevnet(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		switch p {
		case "github.com/prova-network/prova/internal/devnet", "github.com/prova-network/prova/internal/cli":
			t.Errorf("internal/node depends on %s", p)
		}
	}
}
