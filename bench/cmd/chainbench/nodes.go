package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/prova-network/prova/internal/devnet"
)

// node is a started node under test.
type node struct {
	proc   *devnet.Process
	rpcURL string
	home   string
}

// sharedSettings are the config.toml values both nodes run with, so that
// the two differ only in the application behind CometBFT.
func sharedSettings(o options) []setting {
	return []setting{
		{"consensus", "timeout_commit", fmt.Sprintf("%q", o.blockTime.String())},
		{"consensus", "timeout_propose", `"3s"`},
		{"consensus", "skip_timeout_commit", "false"},
		{"mempool", "type", `"flood"`},
		{"mempool", "recheck", "true"},
		{"mempool", "size", fmt.Sprint(o.mempoolSize)},
		{"mempool", "cache_size", fmt.Sprint(o.mempoolSize)},
		{"tx_index", "indexer", `"kv"`},
		{"instrumentation", "prometheus", "false"},
		{"rpc", "pprof_laddr", `""`},
	}
}

// patchConfig rewrites home/config/config.toml with settings.
func patchConfig(home string, settings []setting) error {
	path := filepath.Join(home, "config", "config.toml")
	bz, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := applyTOML(string(bz), settings)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}

// startProvad creates a single-validator provad home with o.accounts
// funded load accounts (load000, load001, ...) and starts it.
func startProvad(ctx context.Context, o options) (*node, error) {
	ports, err := devnet.FreePorts()
	if err != nil {
		return nil, err
	}
	home := filepath.Join(o.workdir, "provad")
	accounts := make([]string, o.accounts)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("load%03d", i)
	}
	if _, err := devnet.Init(devnet.Config{
		ChainID:   "prova-bench-1",
		Homes:     []string{home},
		Ports:     []devnet.Ports{ports},
		Accounts:  accounts,
		BlockTime: o.blockTime,
	}); err != nil {
		return nil, fmt.Errorf("create provad home: %w", err)
	}
	if err := patchConfig(home, sharedSettings(o)); err != nil {
		return nil, err
	}
	return start(ctx, o.bin("provad"), home, ports.RPCURL())
}

// startKVStore creates a cometbft home running the built-in kvstore app
// on free loopback ports and starts it.
func startKVStore(ctx context.Context, o options) (*node, error) {
	ports, err := devnet.FreePorts()
	if err != nil {
		return nil, err
	}
	home := filepath.Join(o.workdir, "kvstore")
	if out, err := exec.CommandContext(ctx, o.bin("cometbft"), "init", "--home", home).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("cometbft init: %w: %s", err, out)
	}
	settings := append([]setting{
		{"", "proxy_app", `"kvstore"`},
		{"rpc", "laddr", fmt.Sprintf("%q", fmt.Sprintf("tcp://127.0.0.1:%d", ports.RPC))},
		{"p2p", "laddr", fmt.Sprintf("%q", fmt.Sprintf("tcp://127.0.0.1:%d", ports.P2P))},
	}, sharedSettings(o)...)
	if err := patchConfig(home, settings); err != nil {
		return nil, err
	}
	return start(ctx, o.bin("cometbft"), home, ports.RPCURL())
}

// start runs `bin start --home home` and waits for the second block.
func start(ctx context.Context, bin, home, rpcURL string) (*node, error) {
	logPath := home + ".log"
	proc, err := devnet.StartProcess(bin, home, logPath)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := devnet.WaitForHeight(wctx, rpcURL, 2, proc); err != nil {
		_ = proc.Stop(devnet.DefaultStopTimeout)
		return nil, fmt.Errorf("%w\n%s", err, devnet.TailLog(logPath, 2000))
	}
	return &node{proc: proc, rpcURL: rpcURL, home: home}, nil
}
