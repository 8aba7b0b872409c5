package demo

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/app"
	"github.com/prova-network/prova/internal/devnet"
	"github.com/prova-network/prova/internal/inferd"
	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/internal/tensorio"
	"github.com/prova-network/prova/internal/txclient"
	infertypes "github.com/prova-network/prova/x/infer/types"
	receiptstypes "github.com/prova-network/prova/x/receipts/types"
)

const (
	// demoServed is how many inferences the provider serves, from test
	// image firstServedImage on; it falsifies every demoLieEvery-th answer
	// (the fault 'provad infer serve --lie-every' injects), so one of them.
	demoServed       = 4
	demoLieEvery     = 3
	firstServedImage = 1
	// daemonPoll is how often the daemons look at the chain: about one
	// block of the demo chain, so each dispute move waits about a block.
	daemonPoll = 300 * time.Millisecond
	// disputeTimeout bounds the wait for the checks and the dispute; on
	// the demo chain they take about 15 s.
	disputeTimeout = 3 * time.Minute
	// daemonStopTimeout bounds a daemon's shutdown.
	daemonStopTimeout = 20 * time.Second
)

// runDispute starts a provider of the MLP (inferd, in process, on
// 127.0.0.1) that claims every inference with a receipt carrying its trace
// root in the node's receipt log and lies on one of them, and a watcher
// that re-executes every receipt; it serves a few inferences and follows
// the watcher's challenge of the lie through the bisection and the step
// re-executed on chain to the provider's slashing.
func runDispute(ctx context.Context, net *devnet.Network, c *devnet.Client, prog *onnxint.Model, set *mnist.Set, facts *Inference, progress io.Writer) (steps []Step, err error) {
	node := net.Nodes[0]
	out := &lockedWriter{w: progress}
	evs := &daemonEvents{out: out}
	q := infertypes.NewQueryClient(c.Ctx)
	pchain, err := daemonChain(c, "provider")
	if err != nil {
		return nil, err
	}
	wchain, err := daemonChain(c, "watcher")
	if err != nil {
		return nil, err
	}
	log := receiptlog.NewClient(node.Ports.ReceiptsURL(), nil)
	dir := filepath.Join(node.Home, "inferd")

	seed := sha256.Sum256([]byte("prova demo mnist provider"))
	pcfg := inferd.DefaultProviderConfig()
	pcfg.ModelID, pcfg.Listen, pcfg.Dir = facts.ModelID, "127.0.0.1:0", filepath.Join(dir, "serve")
	pcfg.ClaimOnChain, pcfg.ReceiptKey, pcfg.Log, pcfg.ProviderName = false, ed25519.NewKeyFromSeed(seed[:]), log, "prova-demo-mnist"
	pcfg.FlushInterval, pcfg.Poll, pcfg.MaxConcurrent, pcfg.LieEvery = 200*time.Millisecond, daemonPoll, 1, demoLieEvery
	plog, closePlog, err := daemonLogger(filepath.Join(node.Home, "inferd-provider.log"))
	if err != nil {
		return nil, err
	}
	defer closePlog()
	p, err := inferd.NewProvider(pcfg, prog, pchain, plog, evs.reporter("provider"))
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "Starting an MNIST provider that lies on one answer in %d (receipts in the node's log) and a watcher (logs in %s) ...\n",
		demoLieEvery, filepath.Join(node.Home, "inferd-*.log"))
	dctx, stop := context.WithCancel(ctx)
	defer stop()
	ready := make(chan string, 1)
	prov := goDaemon(func() error { return p.Run(dctx, func(u string) { ready <- u }) })
	daemons := []*daemon{prov}
	defer func() {
		stop()
		for _, d := range daemons {
			if werr := d.wait(daemonStopTimeout); werr != nil && err == nil {
				err = werr
			}
		}
	}()
	var url string
	select {
	case url = <-ready:
	case <-prov.done:
		return nil, fmt.Errorf("provider: %w", prov.err)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	br, err := q.Bond(ctx, &infertypes.QueryBondRequest{Provider: pchain.Address})
	if err != nil {
		return nil, fmt.Errorf("the provider's bond: %w", err)
	}
	facts.BondBefore = br.Bond.Amount.Amount.Int64()

	wcfg := inferd.DefaultWatcherConfig()
	wcfg.Dir, wcfg.ModelID, wcfg.Model, wcfg.ProviderURL, wcfg.Log, wcfg.Poll = filepath.Join(dir, "watch"), facts.ModelID, prog, url, log, daemonPoll
	wlog, closeWlog, err := daemonLogger(filepath.Join(node.Home, "inferd-watcher.log"))
	if err != nil {
		return nil, err
	}
	defer closeWlog()
	w, err := inferd.NewWatcher(wcfg, wchain, wlog, evs.reporter("watcher"))
	if err != nil {
		return nil, err
	}
	if facts.WatcherBefore, err = balance(ctx, c, wchain.Address); err != nil {
		return nil, err
	}
	watch := goDaemon(func() error { return w.Run(dctx) })
	daemons = append(daemons, watch)

	fmt.Fprintf(out, "Asking the provider for %d inferences on test images %d to %d ...\n", demoServed, firstServedImage, firstServedImage+demoServed-1)
	lie, lieImage := (*inferd.InferResponse)(nil), -1
	var served []string
	for i := range demoServed {
		img := firstServedImage + i
		x := mnist.MLPInput(set.Image(img))
		r, err := postInfer(ctx, url, x)
		if err != nil {
			return nil, fmt.Errorf("inference on test image %d: %w", img, err)
		}
		honest, err := prog.Run([]*onnxint.Tensor{x}, onnxint.Options{})
		if err != nil {
			return nil, err
		}
		want := tensorio.Argmax(honest.Outputs[0])
		where := "receipt pending"
		if r.Receipt != nil {
			where = fmt.Sprintf("receipt at log index %d", r.Receipt.Index)
		}
		switch {
		case r.Argmax == nil:
			return nil, fmt.Errorf("run %d: the provider's answer has no digit", r.Run)
		case *r.Argmax != want:
			lie, lieImage = r, img
			fmt.Fprintf(out, "  run %d: test image %d (a %d) -> %d, A LIE: the model says %d; trace root %s, %s\n", r.Run, img, set.Labels[img], *r.Argmax, want, short(r.TraceRoot), where)
			served = append(served, fmt.Sprintf("%d->%d (lie)", set.Labels[img], *r.Argmax))
		default:
			fmt.Fprintf(out, "  run %d: test image %d (a %d) -> %d; trace root %s, %s\n", r.Run, img, set.Labels[img], *r.Argmax, short(r.TraceRoot), where)
			served = append(served, fmt.Sprintf("%d->%d", set.Labels[img], *r.Argmax))
		}
		facts.Served++
		if lie == r {
			facts.Lies++
		}
	}
	if facts.Lies != 1 {
		return nil, fmt.Errorf("the provider lied on %d of %d inferences, want 1", facts.Lies, facts.Served)
	}
	steps = append(steps, Step{Step: "provider", Detail: fmt.Sprintf("bonded %s, served %d inferences (label->answer: %s), each with a signed receipt carrying its trace root",
		FormatProva(facts.BondBefore), facts.Served, strings.Join(served, ", "))})

	fmt.Fprintln(out, "Waiting for the watcher to re-execute every receipt and challenge the lie ...")
	honest := facts.Served - facts.Lies
	done := func() bool {
		return evs.count("watcher", inferd.EventReceiptOK) >= honest &&
			evs.count("watcher", inferd.EventDisputeWon)+evs.count("watcher", inferd.EventDisputeLost) >= 1 &&
			evs.count("provider", inferd.EventDisputeWon)+evs.count("provider", inferd.EventDisputeLost) >= 1
	}
	if err := waitFor(ctx, done, disputeTimeout, prov, watch); err != nil {
		return steps, fmt.Errorf("the watcher and the dispute: %w (daemon logs in %s)", err, node.Home)
	}
	stop()
	for _, d := range daemons {
		if err := d.wait(daemonStopTimeout); err != nil {
			return steps, err
		}
	}
	daemons = nil
	facts.CheckedOK = evs.count("watcher", inferd.EventReceiptOK)
	facts.Challenged = evs.count("watcher", inferd.EventChallenged)
	facts.DisputeID = evs.disputeID()
	more, err := reportDispute(ctx, c, q, prog, mnist.MLPInput(set.Image(lieImage)), lie, facts)
	return append(steps, more...), err
}

// reportDispute reads the settled dispute and the balances, checks the
// story (the lie, and only the lie, was challenged and lost; the bond
// dropped by the stake) and redoes the chain's one-step judgment locally.
func reportDispute(ctx context.Context, c *devnet.Client, q infertypes.QueryClient, prog *onnxint.Model, x *onnxint.Tensor, lie *inferd.InferResponse, facts *Inference) ([]Step, error) {
	if facts.Challenged != 1 || facts.DisputeID == 0 {
		return nil, fmt.Errorf("the watcher challenged %d receipts (dispute %d), want the one lie", facts.Challenged, facts.DisputeID)
	}
	dr, err := q.Dispute(ctx, &infertypes.QueryDisputeRequest{DisputeId: facts.DisputeID})
	if err != nil {
		return nil, err
	}
	d := dr.Dispute
	cr, err := q.Claim(ctx, &infertypes.QueryClaimRequest{ClaimId: d.ClaimId})
	if err != nil {
		return nil, err
	}
	if got := digestText(cr.Claim.InputDigest); got != lie.InputDigest {
		return nil, fmt.Errorf("dispute %d is over inputs %s, the lie's are %s", d.Id, got, lie.InputDigest)
	}
	facts.Outcome, facts.Leaf, facts.Stake = d.Outcome.String(), d.Lo, d.Stake.Int64()
	if d.Outcome != infertypes.Outcome_OUTCOME_CHALLENGER_WON {
		return nil, fmt.Errorf("dispute %d ended %s: %s", d.Id, d.Outcome, d.Reason)
	}
	steps := []Step{{Step: "watcher", Detail: fmt.Sprintf("re-executed every receipt: %d honest ones checked and left alone; the lie (run %d; its receipt in %s became claim %d) challenged with a %s bond: dispute %d",
		facts.CheckedOK, lie.Run, cr.Claim.LogId, d.ClaimId, FormatProva(d.ChallengerBond.Amount.Int64()), d.Id)}}

	agreed, moves := bisection(&d)
	steps = append(steps, Step{Step: "bisection", Detail: fmt.Sprintf("%d moves over the %d-leaf trace, prefix roots %s: the traces first differ at leaf %d (lo %d, hi %d)",
		moves, d.TraceSize, agreed, d.Lo, d.Lo, d.Hi)})

	// The chain's judgment, redone here from the honest trace.
	tr, err := inferd.Execute(prog, []*onnxint.Tensor{x}, false)
	if err != nil {
		return steps, err
	}
	msg, leaf, err := inferd.BuildResolve(prog, tr, "", d.Id, d.Lo)
	if err != nil {
		return steps, err
	}
	root, err := onnxint.AppendRoot(d.Lo, msg.Range, leaf)
	if err != nil {
		return steps, err
	}
	last := d.Moves[len(d.Moves)-1]
	if last.Kind != "resolve_step" || !bytes.Equal(last.Root, root[:]) || !bytes.Equal(d.ChallengerHiRoot, root[:]) || bytes.Equal(d.DefenderHiRoot, root[:]) {
		return steps, fmt.Errorf("dispute %d: the chain's resolution (%s, root %x) is not the step redone here (root %x)", d.Id, last.Kind, last.Root, root)
	}
	var reads []string
	for _, s := range msg.States {
		reads = append(reads, fmt.Sprintf("leaf %d (%d proof hashes)", s.LeafIndex, len(s.Proof)))
	}
	weights := "no weights"
	if len(msg.Weights) > 0 {
		weights = fmt.Sprintf("%d weights proven against the tensor root", len(msg.Weights))
	}
	what := "the output digest"
	if st := prog.Steps(); d.Lo <= uint64(len(st)) {
		what = fmt.Sprintf("step %s (%s)", st[d.Lo-1].Node, st[d.Lo-1].Op)
	}
	steps = append(steps, Step{Step: "step re-executed", Verified: true, Detail: fmt.Sprintf(
		"the chain re-ran leaf %d of 0-%d, %s, from the state of %s against the agreed root %s of size %d, and %s: its root of size %d, %s, is the watcher's; the provider's was %s (redone here: same leaf, same root)",
		d.Lo, d.TraceSize-1, what, strings.Join(reads, ", "), short(digestText(d.LoRoot)), d.Lo, weights, d.Hi, short(digestText(root[:])), short(digestText(d.DefenderHiRoot)))})

	br, err := q.Bond(ctx, &infertypes.QueryBondRequest{Provider: d.Defender})
	if err != nil {
		return steps, err
	}
	facts.BondAfter = br.Bond.Amount.Amount.Int64()
	if facts.WatcherAfter, err = balance(ctx, c, d.Challenger); err != nil {
		return steps, err
	}
	if facts.BondAfter != facts.BondBefore-facts.Stake {
		return steps, fmt.Errorf("the provider's bond went from %d to %d uprova, want a drop of the stake %d", facts.BondBefore, facts.BondAfter, facts.Stake)
	}
	pr, err := q.Params(ctx, &infertypes.QueryParamsRequest{})
	if err != nil {
		return steps, err
	}
	return append(steps, Step{Step: "slashed", Detail: fmt.Sprintf(
		"%s: provider bond %s -> %s (stake %s); the watcher %s -> %s (%+.6f PROVA: the stake less the %s%% burned)",
		strings.TrimPrefix(d.Outcome.String(), "OUTCOME_"), FormatProva(facts.BondBefore), FormatProva(facts.BondAfter), FormatProva(facts.Stake),
		FormatProva(facts.WatcherBefore), FormatProva(facts.WatcherAfter), float64(facts.WatcherAfter-facts.WatcherBefore)/1e6,
		pr.Params.BurnShare.MulInt64(100).TruncateInt().String())}), nil
}

// bisection describes the bisect moves of d: each prefix size both
// parties posted and whether their roots agreed, and the number of moves.
func bisection(d *infertypes.Dispute) (string, int) {
	var parts []string
	var def *infertypes.Move
	n := 0
	for i := range d.Moves {
		m := &d.Moves[i]
		if m.Kind != "bisect" {
			continue
		}
		n++
		if m.Party == infertypes.Party_PARTY_DEFENDER {
			def = m
			continue
		}
		if def != nil && def.PrefixSize == m.PrefixSize {
			v := "agree"
			if !bytes.Equal(def.Root, m.Root) {
				v = "differ"
			}
			parts = append(parts, fmt.Sprintf("at %d %s", m.PrefixSize, v))
		}
	}
	return strings.Join(parts, ", "), n
}

// daemonChain connects a daemon to the demo node with one of its keys, as
// 'provad infer serve|watch --from KEY' does.
func daemonChain(c *devnet.Client, key string) (inferd.Chain, error) {
	addr, err := c.Address(key)
	if err != nil {
		return inferd.Chain{}, err
	}
	return inferd.Chain{
		Send: func(ctx context.Context, msgs ...sdk.Msg) (*txclient.Result, error) {
			return c.Client.Send(ctx, key, msgs...)
		},
		Address:  addr.String(),
		Infer:    infertypes.NewQueryClient(c.Ctx),
		Receipts: receiptstypes.NewQueryClient(c.Ctx),
		Height: func(ctx context.Context) (int64, error) {
			st, err := c.RPC.Status(ctx)
			if err != nil {
				return 0, err
			}
			return st.SyncInfo.LatestBlockHeight, nil
		},
	}, nil
}

// postInfer asks the provider for one inference, sent as a .npy file.
func postInfer(ctx context.Context, url string, x *onnxint.Tensor) (*inferd.InferResponse, error) {
	body, err := tensorio.WriteNPY(x)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+inferd.PathInfer, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	var r inferd.InferResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func balance(ctx context.Context, c *devnet.Client, addr string) (int64, error) {
	res, err := banktypes.NewQueryClient(c.Ctx).Balance(ctx, &banktypes.QueryBalanceRequest{Address: addr, Denom: app.BondDenom})
	if err != nil {
		return 0, fmt.Errorf("balance of %s: %w", addr, err)
	}
	return res.Balance.Amount.Int64(), nil
}

// daemonLogger returns a logger writing to path, and its closer.
func daemonLogger(path string) (*slog.Logger, func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	return slog.New(slog.NewTextHandler(f, nil)), func() { f.Close() }, nil
}

// daemon is a daemon running in a goroutine.
type daemon struct {
	done chan struct{}
	err  error
}

func goDaemon(run func() error) *daemon {
	d := &daemon{done: make(chan struct{})}
	go func() {
		defer close(d.done)
		d.err = run()
	}()
	return d
}

// wait waits for the daemon to return (its context is cancelled).
func (d *daemon) wait(timeout time.Duration) error {
	select {
	case <-d.done:
		return d.err
	case <-time.After(timeout):
		return fmt.Errorf("a daemon did not stop within %s", timeout)
	}
}

// waitFor polls cond until it holds, failing if a daemon stops or the
// timeout passes.
func waitFor(ctx context.Context, cond func() bool, timeout time.Duration, ds ...*daemon) error {
	deadline := time.After(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		for _, d := range ds {
			select {
			case <-d.done:
				return fmt.Errorf("a daemon stopped: %v", d.err)
			default:
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("timed out after %s", timeout)
		case <-tick.C:
		}
	}
	return nil
}

// daemonEvents collects the daemons' events and prints them.
type daemonEvents struct {
	out *lockedWriter
	mu  sync.Mutex
	evs []seenEvent
}

type seenEvent struct {
	who string
	inferd.Event
}

func (l *daemonEvents) reporter(who string) func(inferd.Event) {
	return func(e inferd.Event) {
		l.mu.Lock()
		l.evs = append(l.evs, seenEvent{who, e})
		l.mu.Unlock()
		if e.Name != inferd.EventReceipted { // the inference lines say where each receipt is
			fmt.Fprintf(l.out, "  %s: %s\n", who, e.Text)
		}
	}
}

func (l *daemonEvents) count(who, name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.evs {
		if e.who == who && e.Name == name {
			n++
		}
	}
	return n
}

// disputeID is the dispute the watcher opened first (0 if none).
func (l *daemonEvents) disputeID() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.evs {
		if e.who == "watcher" && e.Name == inferd.EventChallenged {
			if id, ok := e.Fields["dispute_id"].(uint64); ok {
				return id
			}
		}
	}
	return 0
}

// lockedWriter serializes the lines of the daemons' goroutines and the
// demo's own.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}
