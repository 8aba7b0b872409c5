// Package demo is the scenario behind 'provad demo': on a throwaway
// single-validator chain it sends a transfer and proves the balance,
// registers a dataset, a base model and a fine-tune, runs a commit-reveal
// evaluation, verifies the lineage, logs and verifies inference receipts,
// registers and finds AI-generated content, and then shows verifiable
// inference: MNIST and an int8 MLP registered, the MLP run on chain and
// locally to the same trace root, and a lying provider caught by a watcher,
// bisected and slashed (infer.go). Every step calls the same
// libraries the commands call (internal/txclient to send, internal/verify
// and internal/verify/proven to prove), so the demo shows what users get.
package demo

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/app"
	"github.com/prova-network/prova/internal/devnet"
	"github.com/prova-network/prova/internal/lightclient"
)

// ChainID is the demo chain's ID.
const ChainID = "prova-demo-1"

// transferAmount is what the demo sends from alice to bob, in uprova.
const transferAmount = 1_234_567

// Accounts are the funded keys of the demo chain besides the validator.
var Accounts = []string{"alice", "bob"}

// Step is one line of the demo's summary.
type Step struct {
	Step     string `json:"step"`
	Detail   string `json:"detail"`
	Verified bool   `json:"verified"`
}

// Report is the demo's machine-readable summary.
type Report struct {
	ChainID string `json:"chain_id"`
	Home    string `json:"home"`
	RPC     string `json:"rpc"`
	API     string `json:"api"`
	Steps   []Step `json:"steps"`
	// Inference is the verifiable-inference chapter's key facts (absent
	// when the chapter was skipped or failed before it began).
	Inference *Inference `json:"inference,omitempty"`
}

// Chain is the demo's running node.
type Chain struct {
	Home    string
	LogPath string
	Net     *devnet.Network
	Proc    *devnet.Process
	Height  int64
}

// Start creates a single-validator chain in home (which must exist) and
// starts its node (the provad binary running now, as 'provad start'); it
// returns once the chain produces blocks. Stop the chain with Stop.
func Start(ctx context.Context, home string, progress io.Writer) (*Chain, error) {
	ports, err := devnet.FreePorts()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "Creating a single-validator chain in %s ...\n", home)
	net, err := devnet.Init(devnet.Config{
		ChainID:    ChainID,
		Homes:      []string{home},
		Ports:      []devnet.Ports{ports},
		Accounts:   append(slices.Clone(Accounts), InferAccounts...),
		BlockTime:  300 * time.Millisecond,
		ReceiptLog: true,
	})
	if err != nil {
		return nil, err
	}
	bin, err := devnet.Executable()
	if err != nil {
		return nil, err
	}
	c := &Chain{Home: home, LogPath: filepath.Join(home, "node.log"), Net: net}
	if c.Proc, err = devnet.StartProcess(bin, home, c.LogPath); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "Starting the node (pid %d, log %s) ...\n", c.Proc.PID(), c.LogPath)
	wctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	c.Height, err = devnet.WaitForHeight(wctx, ports.RPCURL(), 2, c.Proc)
	cancel()
	if err != nil {
		_ = c.Stop()
		return nil, fmt.Errorf("%w\n%s", err, devnet.TailLog(c.LogPath, 2000))
	}
	return c, nil
}

// Stop stops the node.
func (c *Chain) Stop() error { return c.Proc.Stop(devnet.DefaultStopTimeout) }

// Run runs the scenario on c and returns the summary; on error the steps
// done so far are in the report.
func (c *Chain) Run(ctx context.Context, progress io.Writer) (Report, error) {
	node := c.Net.Nodes[0]
	r := Report{ChainID: c.Net.ChainID, Home: c.Home, RPC: node.Ports.RPCURL(), API: node.Ports.APIURL(),
		Steps: []Step{{Step: "chain", Detail: fmt.Sprintf("%s producing blocks (height %d)", c.Net.ChainID, c.Height)}}}
	steps, err := runTransfer(ctx, c.Net, progress)
	r.Steps = append(r.Steps, steps...)
	if err != nil {
		return r, err
	}
	steps, err = runProvenance(ctx, c.Net, progress)
	r.Steps = append(r.Steps, steps...)
	if err != nil {
		return r, err
	}
	steps, ref, err := runReceipts(ctx, c.Net, progress)
	r.Steps = append(r.Steps, steps...)
	if err != nil {
		return r, err
	}
	steps, err = runContent(ctx, c.Net, progress, ref)
	r.Steps = append(r.Steps, steps...)
	if err != nil {
		return r, err
	}
	steps, r.Inference, err = runInference(ctx, c.Net, progress)
	r.Steps = append(r.Steps, steps...)
	return r, err
}

// lightClient follows the demo chain from its first header (trust on
// first use: the chain was created a moment ago by this process).
func lightClient(ctx context.Context, net *devnet.Network) (*lightclient.Client, error) {
	cfg := lightclient.DefaultConfig()
	cfg.ChainID = net.ChainID
	cfg.RPC = net.Nodes[0].Ports.RPCURL()
	cfg.TrustFromGenesis = true
	return lightclient.New(ctx, cfg)
}

// runTransfer sends PROVA from alice to bob and proves bob's new balance,
// as 'provad q verified balance' does.
func runTransfer(ctx context.Context, net *devnet.Network, progress io.Writer) ([]Step, error) {
	node := net.Nodes[0]
	c, err := devnet.NewClient(net.ChainID, node.Ports.RPCURL(), node.Home)
	if err != nil {
		return nil, err
	}
	bob, err := c.Address("bob")
	if err != nil {
		return nil, err
	}
	amount := sdk.NewCoins(sdk.NewCoin(app.BondDenom, sdkmath.NewInt(transferAmount)))
	fmt.Fprintf(progress, "Sending %s from alice to bob ...\n", amount)
	hash, height, err := c.Send(ctx, "alice", bob, amount)
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	steps := []Step{{Step: "transfer", Detail: fmt.Sprintf("alice -> bob %s, tx %s committed at height %d", FormatProva(transferAmount), hash[:16], height)}}

	fmt.Fprintf(progress, "Verifying bob's balance against a light-client-verified header ...\n")
	lc, err := lightClient(ctx, net)
	if err != nil {
		return steps, err
	}
	defer lc.Close()
	coin, proof, err := lc.VerifiedBalanceAt(ctx, bob, app.BondDenom, height)
	if err != nil {
		return steps, fmt.Errorf("verified balance: %w", err)
	}
	want := sdkmath.NewInt(devnet.DefaultAccountTokens + transferAmount)
	if !coin.Amount.Equal(want) {
		return steps, fmt.Errorf("verified balance of bob is %s, expected %s", coin.Amount, want)
	}
	steps = append(steps, Step{
		Step:     "verified balance",
		Detail:   fmt.Sprintf("bob holds %s at height %d; proof checked against app hash %s of header %d", FormatProva(coin.Amount.Int64()), proof.Height, short(proof.AppHash.String()), proof.Height+1),
		Verified: true,
	})
	return steps, nil
}

// Print writes the summary for terminals.
func Print(w io.Writer, r Report) {
	fmt.Fprintf(w, "\nProva demo summary (%s)\n", r.ChainID)
	for _, s := range r.Steps {
		mark := "done    "
		if s.Verified {
			mark = "VERIFIED"
		}
		fmt.Fprintf(w, "  [%s] %-17s %s\n", mark, s.Step, s.Detail)
	}
}

// FormatProva renders an amount of uprova as PROVA with six decimals.
func FormatProva(u int64) string {
	return fmt.Sprintf("%d.%06d PROVA", u/1_000_000, u%1_000_000)
}

func short(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

func shortID(id string) string {
	if len(id) > 19 {
		return id[:19] + "…"
	}
	return id
}
