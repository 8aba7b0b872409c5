package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/bench/loadgen"
	"github.com/prova-network/prova/internal/devnet"
	"github.com/prova-network/prova/internal/receipt"
	receiptstypes "github.com/prova-network/prova/x/receipts/types"
	regtypes "github.com/prova-network/prova/x/registry/types"
)

// chainSenders is the prefix of the funded accounts that send the
// baseline's transactions, one lane each.
const chainSenders = "load"

// chainModelOwner registers the benchmark model.
const chainModelOwner = "modelowner"

// runChain is baseline (a): every receipt is its own MsgRecordInference
// transaction through consensus, the design that puts each inference on
// chain. The node's handler decodes the envelope, checks its signature and
// model, and stores the record; a receipt counts once its block is
// committed. Transactions are signed before the clock starts, with explicit
// sequences, and submitted with broadcast_tx_sync by --conns workers
// (bench/loadgen).
func runChain(ctx context.Context, o options) (*result, error) {
	rpcURL, home := o.rpc, o.home
	if rpcURL == "" {
		nd, err := startChainNode(ctx, o)
		if err != nil {
			return nil, err
		}
		defer nd.stop()
		rpcURL, home = nd.rpcURL, nd.home
	} else if home == "" {
		return nil, fmt.Errorf("--rpc needs --home (the devnet home holding the %s* keys)", chainSenders)
	}
	c, senders, err := chainClient(home, rpcURL)
	if err != nil {
		return nil, err
	}
	if err := registerBenchModel(ctx, c); err != nil {
		return nil, err
	}
	prep := time.Now()
	txs, err := signRecordTxs(c, senders, o.chainN)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "receiptbench: signed %d MsgRecordInference transactions from %d accounts in %s\n", len(txs), len(senders), time.Since(prep).Round(time.Millisecond))
	cfg := loadgen.Config{RPCURL: rpcURL, Workers: o.conns, Timeout: o.duration}
	res, err := loadgen.Run(ctx, cfg, "chain-tx", txs)
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(os.Stderr, "receiptbench:", res)
	if res.Committed == 0 {
		return nil, fmt.Errorf("no receipt committed: %v", res.RejectSamples)
	}
	return &result{
		Mode: o.mode, Kind: "tx", Receipts: res.Committed, Requests: res.Txs, PerRequest: 1, Conns: res.Workers,
		Seconds: res.DurationS, ReceiptsPerSec: res.TPS, P50Ms: res.P50Ms, P99Ms: res.P99Ms, MaxMs: res.MaxMs,
		Chain: &res,
	}, nil
}

// chainNode is a dev node started for the baseline.
type chainNode struct {
	proc   *devnet.Process
	rpcURL string
	home   string
	dir    string
}

func (n *chainNode) stop() {
	if err := n.proc.Stop(devnet.DefaultStopTimeout); err != nil {
		fmt.Fprintln(os.Stderr, "receiptbench: stop node:", err)
	}
	os.RemoveAll(n.dir)
}

// startChainNode builds provad (unless --provad names a binary), creates a
// single-validator dev home on free 127.0.0.1 ports with --accounts funded
// senders, a mempool that holds the whole load, and starts it.
func startChainNode(ctx context.Context, o options) (*chainNode, error) {
	dir, err := os.MkdirTemp("", "receiptbench-chain-")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*chainNode, error) {
		return nil, fmt.Errorf("%w (node files kept in %s)", err, dir)
	}
	bin := o.provad
	if bin == "" {
		bin = filepath.Join(dir, "provad")
		fmt.Fprintln(os.Stderr, "receiptbench: building provad")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/provad")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fail(fmt.Errorf("build provad (run from the repository root or pass --provad): %w", err))
		}
	}
	ports, err := devnet.FreePorts()
	if err != nil {
		return fail(err)
	}
	home := filepath.Join(dir, "node")
	accounts := []string{chainModelOwner}
	for i := range o.accounts {
		accounts = append(accounts, fmt.Sprintf("%s%03d", chainSenders, i))
	}
	if _, err := devnet.Init(devnet.Config{
		ChainID: "prova-receiptbench-1", Homes: []string{home}, Ports: []devnet.Ports{ports},
		Accounts: accounts, BlockTime: o.blockTime,
	}); err != nil {
		return fail(fmt.Errorf("create node home: %w", err))
	}
	if err := patchMempool(home, max(o.chainN, 10_000)); err != nil {
		return fail(err)
	}
	logPath := filepath.Join(dir, "node.log")
	proc, err := devnet.StartProcess(bin, home, logPath)
	if err != nil {
		return fail(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if _, err := devnet.WaitForHeight(wctx, ports.RPCURL(), 2, proc); err != nil {
		_ = proc.Stop(devnet.DefaultStopTimeout)
		return fail(fmt.Errorf("%w\n%s", err, devnet.TailLog(logPath, 2000)))
	}
	fmt.Fprintf(os.Stderr, "receiptbench: node pid %d, rpc %s, log %s\n", proc.PID(), ports.RPCURL(), logPath)
	return &chainNode{proc: proc, rpcURL: ports.RPCURL(), home: home, dir: dir}, nil
}

var (
	mempoolSize  = regexp.MustCompile(`(?m)^size = \d+$`)
	mempoolCache = regexp.MustCompile(`(?m)^cache_size = \d+$`)
)

// patchMempool lets the mempool (and its cache) hold n transactions, so
// that the load is limited by consensus and execution, not by rejections.
func patchMempool(home string, n int) error {
	path := filepath.Join(home, "config", "config.toml")
	bz, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(bz)
	i := strings.Index(s, "\n[mempool]\n")
	if i < 0 {
		return fmt.Errorf("%s: no [mempool] section", path)
	}
	end := len(s)
	if j := strings.Index(s[i+1:], "\n["); j >= 0 {
		end = i + 1 + j
	}
	sec := s[i:end]
	if !mempoolSize.MatchString(sec) || !mempoolCache.MatchString(sec) {
		return fmt.Errorf("%s: [mempool] has no size or cache_size", path)
	}
	sec = mempoolSize.ReplaceAllString(sec, "size = "+strconv.Itoa(n))
	sec = mempoolCache.ReplaceAllString(sec, "cache_size = "+strconv.Itoa(2*n))
	return os.WriteFile(path, []byte(s[:i]+sec+s[end:]), 0o644)
}

// sender is one funded account that signs baseline transactions.
type sender struct {
	name         string
	addr         sdk.AccAddress
	accNum, seq0 uint64
}

// chainClient opens the home's keys (in memory: the test keyring decrypts
// a file on every lookup) and finds the sender accounts' sequences.
func chainClient(home, rpcURL string) (*devnet.Client, []sender, error) {
	net, err := devnet.Load(home)
	if err != nil {
		return nil, nil, fmt.Errorf("read network description of %s: %w", home, err)
	}
	c, err := devnet.NewClient(net.ChainID, rpcURL, home)
	if err != nil {
		return nil, nil, err
	}
	mem := keyring.NewInMemory(c.Ctx.Codec)
	var keys []devnet.Key
	for _, k := range net.Nodes[0].Accounts {
		if strings.HasPrefix(k.Name, chainSenders) || k.Name == chainModelOwner {
			if _, err := mem.NewAccount(k.Name, k.Mnemonic, keyring.DefaultBIP39Passphrase, sdk.FullFundraiserPath, hd.Secp256k1); err != nil {
				return nil, nil, fmt.Errorf("import key %s: %w", k.Name, err)
			}
		}
		if strings.HasPrefix(k.Name, chainSenders) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, nil, fmt.Errorf("no accounts named %s* in %s", chainSenders, home)
	}
	slices.SortFunc(keys, func(a, b devnet.Key) int { return strings.Compare(a.Name, b.Name) })
	c.Ctx = c.Ctx.WithKeyring(mem)
	senders := make([]sender, len(keys))
	for i, k := range keys {
		addr, err := sdk.AccAddressFromBech32(k.Address)
		if err != nil {
			return nil, nil, err
		}
		accNum, seq, err := c.Account(addr)
		if err != nil {
			return nil, nil, fmt.Errorf("look up account %s: %w", k.Name, err)
		}
		senders[i] = sender{name: k.Name, addr: addr, accNum: accNum, seq0: seq}
	}
	return c, senders, nil
}

// registerBenchModel registers benchModel unless it already is.
func registerBenchModel(ctx context.Context, c *devnet.Client) error {
	owner, err := c.Address(chainModelOwner)
	if err != nil {
		// A home without the owner key: the model must be registered already.
		return nil
	}
	m := &regtypes.MsgRegisterModel{Owner: owner.String(), Model: regtypes.ModelInfo{
		Id: benchModel, Name: "receiptbench", Version: "1", Format: "other", License: "MIT",
	}}
	if _, _, err := c.SendMsgs(ctx, chainModelOwner, m); err != nil && !strings.Contains(err.Error(), "already") {
		return fmt.Errorf("register %s: %w", benchModel, err)
	}
	return nil
}

// signRecordTxs signs n MsgRecordInference transactions, round-robin over
// senders, each carrying one receipt of benchModel signed by the benchmark
// provider key, as the statements of the log modes are.
func signRecordTxs(c *devnet.Client, senders []sender, n int) ([]loadgen.Tx, error) {
	priv, pub := benchKey()
	run := "tx" + strconv.FormatInt(time.Now().UnixNano(), 36)
	txs := make([]loadgen.Tx, n)
	for i := range txs {
		env, err := receipt.Sign(statement(pub, run, i), priv)
		if err != nil {
			return nil, err
		}
		lane := i % len(senders)
		s := senders[lane]
		msg := &receiptstypes.MsgRecordInference{Provider: s.addr.String(), Envelope: env.Canonical(), ProviderKey: pub}
		stx, err := c.Sign(context.Background(), s.name, []sdk.Msg{msg}, s.accNum, s.seq0+uint64(i/len(senders)))
		if err != nil {
			return nil, fmt.Errorf("sign transaction %d: %w", i, err)
		}
		txs[i] = loadgen.Tx{Lane: lane, Bytes: stx.Bytes}
	}
	return txs, nil
}
