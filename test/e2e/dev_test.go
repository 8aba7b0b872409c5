package e2e

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/app"
	"github.com/prova-network/prova/internal/devnet"
)

var (
	reRPC = regexp.MustCompile(`CometBFT RPC\s+(http://\S+)`)
	reAPI = regexp.MustCompile(`REST API\s+(http://\S+)`)
)

// devChain is a running `provad dev` and a client for it.
type devChain struct {
	home, rpc, api string
	net            *devnet.Network
	proc           *bgProcess
	client         *devnet.Client
}

func startDev(t *testing.T, home string, extra ...string) *devChain {
	t.Helper()
	p := startBackground(t, append([]string{"dev", "--home", home}, extra...)...)
	rpc := p.waitOutput(t, reRPC, time.Minute)[1]
	api := p.waitOutput(t, reAPI, time.Minute)[1]
	waitHeight(t, rpc, 2, 90*time.Second)
	waitQueryable(t, api, time.Minute)
	net, err := devnet.Load(home)
	if err != nil {
		t.Fatal(err)
	}
	c, err := devnet.NewClient(net.ChainID, rpc, home)
	if err != nil {
		t.Fatal(err)
	}
	return &devChain{home: home, rpc: rpc, api: api, net: net, proc: p, client: c}
}

func (d *devChain) addr(t *testing.T, name string) sdk.AccAddress {
	t.Helper()
	a, err := d.client.Address(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (d *devChain) nodeFlag() string { return "tcp://" + strings.TrimPrefix(d.rpc, "http://") }

func uprova(n int64) sdk.Coins { return sdk.NewCoins(sdk.NewCoin(app.BondDenom, sdkmath.NewInt(n))) }

// TestDevChain runs `provad dev`, makes a transfer, proves a balance, checks
// that bad input is refused without changing state, that tampered RPC
// answers are rejected, and that kill -9 under load loses nothing committed.
func TestDevChain(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "dev")
	d := startDev(t, home, "--free-ports", "--block-time", "300ms")
	ctx := t.Context()
	bob := d.addr(t, "bob")

	_, h, err := d.client.Send(ctx, "alice", bob, uprova(5000))
	if err != nil {
		t.Fatal(err)
	}
	wantBob := strconv.FormatInt(devnet.DefaultAccountTokens+5000, 10)

	t.Run("verified balance", func(t *testing.T) {
		r := provad(t, "q", "verified", "balance", bob.String(), "--trust-genesis",
			"--node", d.nodeFlag(), "--chain-id", d.net.ChainID, "--height", strconv.FormatInt(h, 10), "-o", "json")
		if r.Code != 0 {
			t.Fatalf("exit %d: %s", r.Code, r.Stderr)
		}
		var vb struct {
			Amount string `json:"amount"`
			Height int64  `json:"height"`
		}
		if err := json.Unmarshal([]byte(r.Stdout), &vb); err != nil {
			t.Fatalf("%v: %s", err, r.Stdout)
		}
		if vb.Amount != wantBob || vb.Height != h {
			t.Fatalf("verified balance %s at %d, want %s at %d", vb.Amount, vb.Height, wantBob, h)
		}
	})

	t.Run("bad input changes nothing", func(t *testing.T) { testBadInput(t, d, bob, wantBob) })
	t.Run("tampered answers rejected", func(t *testing.T) { testTampering(t, d, bob, h) })
	t.Run("kill -9 under load", func(t *testing.T) { testKillUnderLoad(t, d) })
}

func testBadInput(t *testing.T, d *devChain, bob sdk.AccAddress, wantBob string) {
	send := func(args ...string) cliResult {
		base := []string{"tx", "bank", "send"}
		base = append(base, args...)
		return provad(t, append(base, "--home", d.home, "--keyring-backend", "test", "--yes")...)
	}
	cases := []struct {
		name string
		run  func() cliResult
		want []string
	}{
		{"unknown key", func() cliResult { return send("nobody", bob.String(), "1uprova") }, []string{"key not found", "Hint:"}},
		{"wrong chain id", func() cliResult { return send("alice", bob.String(), "1uprova", "--chain-id", "other-chain") }, []string{"signature verification failed", "Hint: check --chain-id"}},
		{"unfunded sender", func() cliResult {
			if r := provad(t, "keys", "add", "carol", "--home", d.home, "--keyring-backend", "test"); r.Code != 0 {
				t.Fatalf("keys add: %s", r.Stderr)
			}
			return send("carol", bob.String(), "1uprova")
		}, []string{"not found"}},
		{"malformed transaction", func() cliResult {
			f := filepath.Join(t.TempDir(), "tx.json")
			if err := os.WriteFile(f, []byte(`{"body": {"messages": [{"@type": "/cosmos.bank.v1beta1.MsgSend", "amount": "lots"}]}}`), 0o600); err != nil {
				t.Fatal(err)
			}
			return provad(t, "tx", "broadcast", f, "--home", d.home)
		}, []string{"Error"}},
		{"not a Prova home", func() cliResult {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o600); err != nil {
				t.Fatal(err)
			}
			return provad(t, "dev", "--home", dir)
		}, []string{"not a Prova home directory", "Hint:"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.run()
			if r.Code == 0 {
				t.Fatalf("exit 0, want failure\nstdout: %s\nstderr: %s", r.Stdout, r.Stderr)
			}
			mustContain(t, "stderr", r.Stderr+r.Stdout, tc.want...)
		})
	}

	t.Run("reused sequence", func(t *testing.T) {
		alice := d.addr(t, "alice")
		accNum, seq, err := d.client.Account(alice)
		if err != nil {
			t.Fatal(err)
		}
		if seq == 0 {
			t.Fatal("alice has sent a transaction; sequence must be > 0")
		}
		stx, err := d.client.SignSend("alice", bob, uprova(1), accNum, seq-1)
		if err != nil {
			t.Fatal(err)
		}
		err = d.client.Broadcast(t.Context(), stx)
		if err == nil || !strings.Contains(err.Error(), "sequence") {
			t.Fatalf("replayed sequence: got %v, want a sequence error", err)
		}
	})

	// Let any block with a wrongly accepted transaction land, then check.
	if h, _, err := status(t.Context(), d.rpc); err == nil {
		waitHeight(t, d.rpc, h+2, 30*time.Second)
	}
	if got := restBalance(t, d.api, bob.String(), app.BondDenom); got != wantBob {
		t.Fatalf("bob's balance changed to %s after rejected input, want %s", got, wantBob)
	}
}

func testTampering(t *testing.T, d *devChain, bob sdk.AccAddress, h int64) {
	tampers := []struct {
		name    string
		wantErr string
		mutate  func(method string, res map[string]any)
	}{
		{"value", "proven value", func(method string, res map[string]any) {
			if r, ok := res["response"].(map[string]any); ok && method == "abci_query" {
				if v, ok := r["value"].(string); ok {
					r["value"] = flipBase64(v)
				}
			}
		}},
		{"proof", "proof", func(method string, res map[string]any) {
			if r, ok := res["response"].(map[string]any); ok && method == "abci_query" {
				if po, ok := r["proofOps"].(map[string]any); ok {
					if ops, ok := po["ops"].([]any); ok && len(ops) > 0 {
						op := ops[0].(map[string]any)
						op["data"] = flipBase64(op["data"].(string))
					}
				}
			}
		}},
		{"header app hash", "header", func(method string, res map[string]any) {
			if sh, ok := res["signed_header"].(map[string]any); ok && method == "commit" {
				hdr := sh["header"].(map[string]any)
				hdr["app_hash"] = flipHex(hdr["app_hash"].(string))
			}
		}},
	}
	for _, tc := range tampers {
		t.Run(tc.name, func(t *testing.T) {
			proxy := tamperProxy(t, d.rpc, tc.mutate)
			r := provad(t, "q", "verified", "balance", bob.String(), "--trust-genesis",
				"--node", "tcp://"+strings.TrimPrefix(proxy, "http://"), "--chain-id", d.net.ChainID,
				"--height", strconv.FormatInt(h, 10))
			if r.Code == 0 {
				t.Fatalf("tampered %s accepted: %s", tc.name, r.Stdout)
			}
			if strings.TrimSpace(r.Stdout) != "" {
				t.Fatalf("printed an answer despite failing verification: %q", r.Stdout)
			}
			t.Logf("rejected: %s", strings.TrimSpace(r.Stderr))
			mustContain(t, "stderr", strings.ToLower(r.Stderr), tc.wantErr)
		})
	}
	t.Run("untampered through proxy", func(t *testing.T) {
		proxy := tamperProxy(t, d.rpc, func(string, map[string]any) {})
		r := provad(t, "q", "verified", "balance", bob.String(), "--trust-genesis",
			"--node", "tcp://"+strings.TrimPrefix(proxy, "http://"), "--chain-id", d.net.ChainID,
			"--height", strconv.FormatInt(h, 10))
		if r.Code != 0 {
			t.Fatalf("honest proxy rejected: %s", r.Stderr)
		}
	})
}

func testKillUnderLoad(t *testing.T, d *devChain) {
	ctx, cancel := context.WithCancel(t.Context())
	alice, bob := d.addr(t, "alice"), d.addr(t, "bob")
	accNum, seq, err := d.client.Account(alice)
	if err != nil {
		t.Fatal(err)
	}

	var (
		mu        sync.Mutex
		committed = map[string]int64{} // tx hash -> height the node reported
		pending   = make(chan string, 10_000)
		wg        sync.WaitGroup
	)
	wg.Add(2)
	go func() { // submitter
		defer wg.Done()
		defer close(pending)
		for i := 0; ctx.Err() == nil && i < 5000; i++ {
			stx, err := d.client.SignSend("alice", bob, uprova(1), accNum, seq)
			if err != nil {
				return
			}
			if d.client.Broadcast(ctx, stx) != nil {
				return
			}
			seq++
			pending <- stx.Hash
		}
	}()
	go func() { // watcher: records what the node says is committed
		defer wg.Done()
		for hash := range pending {
			for ctx.Err() == nil {
				bz, _ := hex.DecodeString(hash)
				res, err := d.client.RPC.Tx(ctx, bz, false)
				if err == nil && res.TxResult.Code == 0 {
					mu.Lock()
					committed[hash] = res.Height
					mu.Unlock()
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}()

	// Kill the node in the middle of the load: once a few hundred
	// transactions are reported committed and more are in flight.
	waitFor(t, time.Minute, 100*time.Millisecond, "200 committed transactions", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(committed) >= 200
	})
	preHeight, _, err := status(ctx, d.rpc)
	if err != nil {
		t.Fatal(err)
	}
	preHash, err := appHashAfter(ctx, d.rpc, preHeight-1)
	if err != nil {
		t.Fatal(err)
	}
	d.proc.kill9()
	cancel()
	wg.Wait()

	mu.Lock()
	n := len(committed)
	mu.Unlock()
	if n == 0 {
		t.Fatal("no transaction was committed under load before the kill")
	}
	t.Logf("%d transactions reported committed before kill -9 at height >= %d", n, preHeight)

	d2 := startDev(t, d.home) // resumes: same home, same ports
	if !strings.Contains(d2.proc.out.String(), "(resuming)") {
		t.Fatalf("second run did not resume:\n%s", d2.proc.out.String())
	}
	waitHeight(t, d2.rpc, preHeight+2, time.Minute)
	rctx := t.Context()
	postHash, err := appHashAfter(rctx, d2.rpc, preHeight-1)
	if err != nil {
		t.Fatal(err)
	}
	if postHash != preHash {
		t.Fatalf("app hash after block %d changed across the crash: %s before, %s after", preHeight-1, preHash, postHash)
	}
	for hash, height := range committed {
		bz, _ := hex.DecodeString(hash)
		res, err := d2.client.RPC.Tx(rctx, bz, false)
		if err != nil {
			t.Fatalf("committed tx %s (height %d) lost after kill -9: %v", hash, height, err)
		}
		if res.Height != height || res.TxResult.Code != 0 {
			t.Fatalf("tx %s: height %d code %d after restart, was height %d", hash, res.Height, res.TxResult.Code, height)
		}
	}
}
