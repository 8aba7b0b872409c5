package verify

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// allowedModules are the modules the verification library may depend on
// (see the package doc). Adding one is a decision: it ships to browsers.
var allowedModules = []string{
	"github.com/prova-network/prova",
	// Proof and header checks.
	"github.com/cometbft/cometbft",
	"github.com/cosmos/ics23/go",
	"github.com/transparency-dev/merkle",
	"golang.org/x/mod",
	// What cometbft/types brings: its key types and encodings.
	"github.com/cloudflare/circl",
	"github.com/decred/dcrd/dcrec/secp256k1/v4",
	"github.com/oasisprotocol/curve25519-voi",
	"golang.org/x/crypto",
	"github.com/cosmos/gogoproto",
	"github.com/golang/protobuf",
	"google.golang.org/protobuf",
	"google.golang.org/grpc",
	"google.golang.org/genproto/googleapis/rpc",
	"golang.org/x/net",
	"golang.org/x/sys",
	"golang.org/x/text",
	"github.com/go-kit/log",
	"github.com/go-logfmt/logfmt",
	"github.com/pkg/errors",
	"github.com/google/go-cmp",
	"github.com/stretchr/testify",
	"github.com/davecgh/go-spew",
	"github.com/pmezard/go-difflib",
	"gopkg.in/yaml.v3",
}

func goList(t *testing.T, env []string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestBuildsForWasm builds the package for the browser.
func TestBuildsForWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds for js/wasm")
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(t.TempDir(), "verify.a"), ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go build ./internal/verify: %v\n%s", err, out)
	}
}

// TestDependencies pins the modules the package pulls in for js/wasm, and
// checks that none of the packages that cannot go to a browser sneaks in.
func TestDependencies(t *testing.T) {
	env := []string{"GOOS=js", "GOARCH=wasm"}
	mods := goList(t, env, "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", ".")
	var extra []string
	for _, m := range strings.Fields(mods) {
		if !slices.Contains(allowedModules, m) && !slices.Contains(extra, m) {
			extra = append(extra, m)
		}
	}
	if len(extra) > 0 {
		t.Errorf("internal/verify depends on modules outside its documented set: %v", extra)
	}
	pkgs := goList(t, env, "-deps", ".")
	for _, banned := range []string{"github.com/spf13/cobra", "os/exec", "github.com/cosmos/cosmos-sdk", "github.com/cometbft/cometbft/light"} {
		for _, p := range strings.Fields(pkgs) {
			if p == banned || strings.HasPrefix(p, banned+"/") {
				t.Errorf("internal/verify imports %s", p)
			}
		}
	}
}
