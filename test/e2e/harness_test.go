// Package e2e holds black-box tests that run real provad processes (CometBFT,
// on-disk stores, HTTP) on 127.0.0.1 and talk to them over RPC and the CLI.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/prova-network/prova/internal/devnet"
)

// provadBin is the binary under test, built once in TestMain.
var provadBin string

// defaultParallel is how many e2e tests run at once unless -parallel says.
const defaultParallel = 5

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("e2e: skipped in -short mode")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "prova-e2e-bin-")
	if err != nil {
		panic(err)
	}
	provadBin = filepath.Join(dir, "provad")
	build := exec.Command("go", "build", "-o", provadBin, "../../cmd/provad")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building provad:", err)
		os.Exit(1)
	}
	// Nodes started by devnet use this binary too.
	os.Setenv("PROVAD_BIN", provadBin)
	// The tests spend most of their time waiting for blocks, not on the
	// CPU, so they run side by side even on two cores: each on its own
	// chain, ports and home. -parallel still wins when given.
	if f := flag.Lookup("test.parallel"); f != nil && f.Value.String() == strconv.Itoa(runtime.GOMAXPROCS(0)) {
		_ = f.Value.Set(strconv.Itoa(max(runtime.GOMAXPROCS(0), defaultParallel)))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cliResult is one finished provad invocation.
type cliResult struct {
	Stdout, Stderr string
	Code           int
}

// provad runs the binary to completion with a timeout.
func provad(t *testing.T, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, provadBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := cliResult{Stdout: out.String(), Stderr: errb.String()}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			res.Code = ee.ExitCode()
		} else {
			t.Fatalf("provad %v: %v", args, err)
		}
	}
	return res
}

// bgProcess is a long-running provad command (dev, testnet start).
type bgProcess struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

func startBackground(t *testing.T, args ...string) *bgProcess {
	t.Helper()
	cmd := exec.Command(provadBin, args...)
	buf := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = buf, buf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &bgProcess{cmd: cmd, out: buf, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// logNodesOnFailure registers a cleanup that, if t has failed, logs what
// the `testnet start` process tn printed (it reports validators that exit)
// and the tail of each node's log: a stalled or refused RPC says little by
// itself. Register it after tn's start, so it runs before tn is stopped.
func logNodesOnFailure(t *testing.T, tn *bgProcess, nodes []devnet.Node) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		t.Logf("testnet start printed:\n%s", tn.out.String())
		for i, n := range nodes {
			for _, p := range []string{n.Home + ".log", n.Home + ".restart.log"} {
				if tail := devnet.TailLog(p, 4000); tail != "" {
					t.Logf("validator%d %s (tail):\n%s", i, filepath.Base(p), tail)
				}
			}
		}
	})
}

// stop sends SIGINT and waits; it kills the process group after a timeout.
func (p *bgProcess) stop(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(40 * time.Second):
		t.Logf("process %d did not stop on SIGINT; killing its group", p.cmd.Process.Pid)
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// kill9 ends the process with SIGKILL, as a crash would.
func (p *bgProcess) kill9() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// waitOutput waits until the process output matches re and returns the match.
func (p *bgProcess) waitOutput(t *testing.T, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.out.String()); m != nil {
			return m
		}
		select {
		case <-p.done:
			t.Fatalf("process exited before printing %q:\n%s", re, p.out.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatalf("timed out waiting for %q:\n%s", re, p.out.String())
	return nil
}

// status returns a node's latest height and app hash.
func status(ctx context.Context, rpcURL string) (height int64, appHash string, err error) {
	c, err := rpchttp.New(rpcURL, "/websocket")
	if err != nil {
		return 0, "", err
	}
	st, err := c.Status(ctx)
	if err != nil {
		return 0, "", err
	}
	return st.SyncInfo.LatestBlockHeight, st.SyncInfo.LatestAppHash.String(), nil
}

// waitFor polls cond every interval until it returns true, and fails the
// test with what after timeout.
func waitFor(t *testing.T, timeout, interval time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("test ended while waiting for %s", what)
		case <-time.After(interval):
		}
	}
}

// appHashAfter returns the app hash committed by block h (found in header h+1).
func appHashAfter(ctx context.Context, rpcURL string, h int64) (string, error) {
	c, err := rpchttp.New(rpcURL, "/websocket")
	if err != nil {
		return "", err
	}
	next := h + 1
	b, err := c.Block(ctx, &next)
	if err != nil {
		return "", err
	}
	return b.Block.AppHash.String(), nil
}

func waitHeight(t *testing.T, rpcURL string, h int64, timeout time.Duration) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	got, err := devnet.WaitForHeight(ctx, rpcURL, h, nil)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// waitQueryable waits until the node answers queries at the latest height.
// A resumed node's RPC reports the old height at once, but the SDK refuses
// latest-height queries ("context did not contain latest block height")
// until the first block after the restart is committed.
func waitQueryable(t *testing.T, apiURL string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(apiURL + "/cosmos/auth/v1beta1/params")
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			err = fmt.Errorf("%s: %s", resp.Status, b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("node at %s does not answer queries within %s: %v", apiURL, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// restBalance reads a balance through the REST API (unverified), for
// cross-checks.
func restBalance(t *testing.T, apiURL, addr, denom string) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/cosmos/bank/v1beta1/balances/%s/by_denom?denom=%s", apiURL, addr, denom))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Balance struct{ Amount string } `json:"balance"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Balance.Amount
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Fatalf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer process and a reader test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fmtSscan parses a decimal string into n (JSON renders int64 as strings).
func fmtSscan(s string, n *int64) error {
	_, err := fmt.Sscan(s, n)
	return err
}

// mustSucceed fails the test unless the provad invocation exited 0.
func mustSucceed(t *testing.T, r cliResult) cliResult {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.Code, r.Stdout, r.Stderr)
	}
	return r
}
