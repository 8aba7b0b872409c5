package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"

	"github.com/cosmos/cosmos-sdk/client/tx"

	"github.com/prova-network/prova/internal/devnet"
	"github.com/prova-network/prova/internal/inferd"
	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/txclient"
	infertypes "github.com/prova-network/prova/x/infer/types"
	registrytypes "github.com/prova-network/prova/x/registry/types"
)

// party is what one side of a dispute did on chain.
type party struct {
	moves, txs, failed int
	gasUsed, gasWanted int64
	maxGas             int64 // the costliest tx
}

// disputeFigures is one dispute, challenge to settlement.
type disputeFigures struct {
	scenario          string
	id, claim         uint64
	traceSize         uint64
	outcome, reason   string
	opened, settled   int64
	chainTime         time.Duration // block time of the settling block less the opening block's
	seen              time.Duration // watcher's "challenged" event to its "dispute_won" event
	detect            time.Duration // the claim posted to the watcher's "challenged" event
	defender, challgr party
	moves             []string
}

// scenario is a kind of lying claim.
type scenario struct {
	name  string
	claim func(ctx context.Context, i int) (claimID string, posted time.Time, err error)
	// defend plays the defender's side where no daemon does.
	defend func(ctx context.Context, disputeID uint64) error
}

func runDisputes(o options, w io.Writer) error {
	ctx := context.Background()
	bin := filepath.Join(o.buildDir, "provad")
	if !o.skipBuild {
		build := exec.Command("go", "build", "-o", bin, "./cmd/provad")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build provad: %w", err)
		}
	}
	home := filepath.Join(o.workdir, "dev")
	dev, err := startProc("provad dev", filepath.Join(o.workdir, "dev.log"), bin, "dev", "--home", home, "--free-ports", "--block-time", o.blockTime.String())
	if err != nil {
		return err
	}
	defer dev.stop()
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	m, _, err := dev.waitLine(wctx, regexp.MustCompile(`CometBFT RPC\s+(http://\S+)`))
	if err != nil {
		return err
	}
	rpcURL := m[1]
	if m, _, err = dev.waitLine(wctx, regexp.MustCompile(`REST API\s+(http://\S+)`)); err != nil {
		return err
	}
	apiURL := m[1]
	if _, err := devnet.WaitForHeight(wctx, rpcURL, 2, nil); err != nil {
		return err
	}
	net, err := devnet.Load(home)
	if err != nil {
		return err
	}
	client, err := devnet.NewClient(net.ChainID, rpcURL, home)
	if err != nil {
		return err
	}
	if err := waitQueryable(wctx, apiURL); err != nil {
		return err
	}
	tc, err := txclient.New(client.Ctx, txclient.WithFactory(tx.Factory{}.WithGas(20_000_000)))
	if err != nil {
		return err
	}
	alice, err := tc.Address("alice")
	if err != nil {
		return err
	}
	file := filepath.Join(o.workdir, "cnn.onnx")
	if err := os.WriteFile(file, mnist.CNN(), 0o644); err != nil {
		return err
	}
	id, err := modelID(mnist.CNN())
	if err != nil {
		return err
	}
	if _, err := tc.Send(ctx, "alice",
		&registrytypes.MsgRegisterModel{Owner: alice.String(), Model: registrytypes.ModelInfo{Id: id, Name: "mnist-cnn", Version: "1", Format: "onnx", License: "MIT"}},
		&infertypes.MsgRegisterExecutable{Owner: alice.String(), ModelId: id, Onnx: mnist.CNN()}); err != nil {
		return fmt.Errorf("register the CNN: %w", err)
	}
	q := infertypes.NewQueryClient(client.Ctx)
	pr, err := q.Params(ctx, &infertypes.QueryParamsRequest{})
	if err != nil {
		return err
	}
	p := pr.Params
	// Enough bond for every dispute, so that no claim waits for a top-up.
	bond := p.MinBond.AddAmount(p.DisputeStake.Amount.MulRaw(int64(o.disputes)))
	daemonArgs := func(args ...string) []string {
		args = append(args, "--home", home, "--keyring-backend", "test", "-o", "json")
		if o.poll > 0 {
			args = append(args, "--poll", o.poll.String())
		}
		return args
	}
	provider, err := startProc("provider", filepath.Join(o.workdir, "serve.log"), bin, daemonArgs("infer", "serve", file, "--model-id", id, "--from", "bob",
		"--listen", "127.0.0.1:0", "--dir", filepath.Join(o.workdir, "serve"), "--lie-every", "1", "--bond", bond.String())...)
	if err != nil {
		return err
	}
	defer provider.stop()
	serving, err := provider.waitEvent(wctx, "serving", nil)
	if err != nil {
		return err
	}
	url := serving.fields["url"]
	// The liar's moves go out with the usual 2M gas limit.
	movesTC, err := txclient.New(client.Ctx)
	if err != nil {
		return err
	}
	liar, err := newStateLiar(ctx, movesTC, q, "validator", id, p, o)
	if err != nil {
		return err
	}
	defer liar.close()
	watcher, err := startProc("watcher", filepath.Join(o.workdir, "watch.log"), bin, daemonArgs("infer", "watch", "--from", "alice",
		"--dir", filepath.Join(o.workdir, "watch"), "--provider-url", url, "--provider-url", liar.addr+"="+liar.url, "--model", file)...)
	if err != nil {
		return err
	}
	defer watcher.stop()
	if _, err := watcher.waitEvent(wctx, "watching", nil); err != nil {
		return err
	}

	poll := inferd.DefaultPoll.String() + " (the daemons' default)"
	if o.poll > 0 {
		poll = o.poll.String()
	}
	fmt.Fprintf(w, "Full disputes on the MNIST CNN (trace size 14) on provad dev with %s blocks, daemon poll %s, `provad infer watch` the challenger\n",
		o.blockTime, poll)
	fmt.Fprintf(w, "x/infer: move_timeout_blocks %d, dispute_stake %s, burn_share %s, gas_per_mac %d\n", p.MoveTimeoutBlocks, p.DisputeStake, p.BurnShare, p.GasPerMac)
	scenarios := []scenario{
		{name: "output lie: `provad infer serve --lie-every 1` claims a falsified output (the last leaf) and defends it",
			claim: func(ctx context.Context, i int) (string, time.Time, error) { return postCNN(ctx, url, i) }},
	}
	if o.lieLeaf > 0 {
		scenarios = append(scenarios, scenario{name: fmt.Sprintf("state lie: a claim with a wrong leaf %d (%s), its bisection played from Go with the wrong trace", o.lieLeaf, liar.leafName(o.lieLeaf)),
			claim:  func(ctx context.Context, i int) (string, time.Time, error) { return liar.claim(ctx, i, o.lieLeaf) },
			defend: liar.defend})
	}
	for _, sc := range scenarios {
		var all []disputeFigures
		for i := range o.disputes {
			dctx, cancel := context.WithTimeout(ctx, o.timeout)
			f, err := oneDispute(dctx, client.RPC, q, watcher, func(ctx context.Context) (string, time.Time, error) { return sc.claim(ctx, i) }, sc.defend)
			if err == nil && sc.defend == nil {
				_, err = provider.waitEvent(dctx, "dispute_lost", map[string]string{"dispute_id": strconv.FormatUint(f.id, 10)})
			}
			cancel()
			if err != nil {
				return err
			}
			if err := f.count(ctx, client, q); err != nil {
				return err
			}
			f.scenario = sc.name
			f.print(w)
			all = append(all, f)
		}
		if len(all) > 1 {
			var chain, seen time.Duration
			for _, f := range all {
				chain, seen = chain+f.chainTime, seen+f.seen
			}
			n := time.Duration(len(all))
			fmt.Fprintf(w, "mean of %d disputes: challenge to slash %s in block time, %s as the watcher saw it\n", len(all), round(chain/n), round(seen/n))
		}
	}
	return nil
}

// oneDispute makes a lying claim and follows the dispute the watcher
// opens over it to its end; defend, if not nil, plays the defender.
func oneDispute(ctx context.Context, rpc *rpchttp.HTTP, q infertypes.QueryClient, watcher *proc,
	claimFn func(context.Context) (string, time.Time, error), defend func(context.Context, uint64) error,
) (disputeFigures, error) {
	var f disputeFigures
	claim, answered, err := claimFn(ctx)
	if err != nil {
		return f, err
	}
	ch, err := watcher.waitEvent(ctx, "challenged", map[string]string{"claim_id": claim})
	if err != nil {
		return f, err
	}
	did := ch.fields["dispute_id"]
	f.id, _ = strconv.ParseUint(did, 10, 64)
	defended := make(chan error, 1)
	if defend != nil {
		go func() { defended <- defend(ctx, f.id) }()
	}
	won, err := watcher.waitEvent(ctx, "dispute_won", map[string]string{"dispute_id": did})
	if err != nil {
		if lost, lerr := watcher.waitEvent(context.Background(), "dispute_lost", map[string]string{"dispute_id": did}); lerr == nil {
			return f, fmt.Errorf("the watcher lost dispute %s: %s", did, lost.fields["text"])
		}
		return f, err
	}
	if defend != nil {
		if err := <-defended; err != nil {
			return f, err
		}
	}
	res, err := q.Dispute(ctx, &infertypes.QueryDisputeRequest{DisputeId: f.id})
	if err != nil {
		return f, err
	}
	d := res.Dispute
	f.claim, f.traceSize, f.outcome, f.reason = d.ClaimId, d.TraceSize, d.Outcome.String(), d.Reason
	f.opened, f.settled = d.OpenedHeight, d.SettledHeight
	f.seen, f.detect = won.at.Sub(ch.at), ch.at.Sub(answered)
	t0, err := blockTime(ctx, rpc, d.OpenedHeight)
	if err != nil {
		return f, err
	}
	t1, err := blockTime(ctx, rpc, d.SettledHeight)
	if err != nil {
		return f, err
	}
	f.chainTime = t1.Sub(t0)
	for _, mv := range d.Moves {
		who := "C"
		switch mv.Party {
		case infertypes.Party_PARTY_DEFENDER:
			who = "D"
			f.defender.moves++
		case infertypes.Party_PARTY_CHALLENGER:
			f.challgr.moves++
		default:
			who = "-"
		}
		f.moves = append(f.moves, fmt.Sprintf("%s(%s)", mv.Kind, who))
	}
	return f, nil
}

func blockTime(ctx context.Context, rpc *rpchttp.HTTP, h int64) (time.Time, error) {
	b, err := rpc.Block(ctx, &h)
	if err != nil {
		return time.Time{}, err
	}
	return b.Block.Time, nil
}

// count adds up each party's transactions in the blocks from the
// challenge to the settlement: every transaction that carries a message
// of this dispute, failed ones included (both parties may race to send
// the one resolution; the second fails and still pays its gas).
func (f *disputeFigures) count(ctx context.Context, c *devnet.Client, q infertypes.QueryClient) error {
	res, err := q.Dispute(ctx, &infertypes.QueryDisputeRequest{DisputeId: f.id})
	if err != nil {
		return err
	}
	d := res.Dispute
	decode := c.Ctx.TxConfig.TxDecoder()
	for h := f.opened; h <= f.settled; h++ {
		b, err := c.RPC.Block(ctx, &h)
		if err != nil {
			return err
		}
		br, err := c.RPC.BlockResults(ctx, &h)
		if err != nil {
			return err
		}
		for i, raw := range b.Block.Txs {
			t, err := decode(raw)
			if err != nil {
				continue
			}
			sender := ""
			for _, m := range t.GetMsgs() {
				switch m := m.(type) {
				case *infertypes.MsgChallenge:
					if m.Claim.ClaimId == d.ClaimId {
						sender = m.Challenger
					}
				case *infertypes.MsgBisect:
					if m.DisputeId == d.Id {
						sender = m.Sender
					}
				case *infertypes.MsgResolveStep:
					if m.DisputeId == d.Id {
						sender = m.Sender
					}
				case *infertypes.MsgProveOutput:
					if m.DisputeId == d.Id {
						sender = m.Sender
					}
				}
			}
			var p *party
			switch sender {
			case d.Defender:
				p = &f.defender
			case d.Challenger:
				p = &f.challgr
			default:
				continue
			}
			r := br.TxsResults[i]
			p.txs++
			if r.Code != 0 {
				p.failed++
			}
			p.gasUsed += r.GasUsed
			p.gasWanted += r.GasWanted
			p.maxGas = max(p.maxGas, r.GasUsed)
		}
	}
	return nil
}

func (f disputeFigures) print(w io.Writer) {
	fmt.Fprintf(w, "\n%s\ndispute %d over claim %d (trace size %d): %s, %q\n", f.scenario, f.id, f.claim, f.traceSize, f.outcome, f.reason)
	fmt.Fprintf(w, "  challenge to slash: %s in block time (heights %d to %d, %d blocks); %s as the watcher saw it (its \"challenged\" to its \"dispute_won\" event)\n",
		round(f.chainTime), f.opened, f.settled, f.settled-f.opened, round(f.seen))
	fmt.Fprintf(w, "  the claim posted to the watcher's challenge committed: %s\n", round(f.detect))
	fmt.Fprintf(w, "  %-11s %6s %4s %7s %10s %11s %13s\n", "party", "moves", "txs", "failed", "gas used", "gas wanted", "costliest tx")
	for _, r := range []struct {
		name string
		p    party
	}{{"defender", f.defender}, {"challenger", f.challgr}} {
		fmt.Fprintf(w, "  %-11s %6d %4d %7d %10d %11d %13d\n", r.name, r.p.moves, r.p.txs, r.p.failed, r.p.gasUsed, r.p.gasWanted, r.p.maxGas)
	}
	fmt.Fprintf(w, "  moves: %s\n", strings.Join(f.moves, " "))
}

// pixel is pixel j of the i-th made-up image: k/256, exact in float32
// and in decimal.
func pixel(i, j int) float64 { return float64(j*(2*i+3)%256) / 256 }

// postCNN asks the provider for the i-th made-up image and returns the
// claim ID and when the answer came.
func postCNN(ctx context.Context, url string, i int) (string, time.Time, error) {
	rows := make([]string, mnist.Rows)
	for r := range rows {
		px := make([]string, mnist.Cols)
		for c := range px {
			px[c] = strconv.FormatFloat(pixel(i, r*mnist.Cols+c), 'g', -1, 64)
		}
		rows[r] = "[" + strings.Join(px, ",") + "]"
	}
	body := "[[[" + strings.Join(rows, ",") + "]]]"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/infer", strings.NewReader(body))
	if err != nil {
		return "", time.Time{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", time.Time{}, err
	}
	defer resp.Body.Close()
	at := time.Now()
	var ans struct {
		ClaimID uint64 `json:"claim_id"`
		Error   any    `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || resp.StatusCode != http.StatusOK || ans.ClaimID == 0 {
		return "", at, fmt.Errorf("POST %s/v1/infer: %s %v %v", url, resp.Status, err, ans.Error)
	}
	return strconv.FormatUint(ans.ClaimID, 10), at, nil
}

// waitQueryable waits until the REST API answers at the latest height.
func waitQueryable(ctx context.Context, apiURL string) error {
	for {
		resp, err := http.Get(apiURL + "/cosmos/auth/v1beta1/params")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("REST API at %s does not answer: %w", apiURL, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
