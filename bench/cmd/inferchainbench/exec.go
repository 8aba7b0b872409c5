package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"cosmossdk.io/log/v2"

	sdk "github.com/cosmos/cosmos-sdk/types"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/prova-network/prova/app"
	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/mnist"
	"github.com/prova-network/prova/internal/onnxint"
	infertypes "github.com/prova-network/prova/x/infer/types"
	registrytypes "github.com/prova-network/prova/x/registry/types"
)

// txGas is the gas limit of every transaction here: the 20-million-MAC
// synthetic run needs 20 million for the run and more for its 80 KB of
// inputs and its stored outputs.
const txGas = 60_000_000

// execModel is a model registered on the in-process chain.
type execModel struct {
	name   string
	id     string
	file   []byte
	inputs []byte
	cost   int64
	note   string
}

// throughput is MsgRunModel's delivery speed for one model. The times
// are medians (of blocks, of runs): the machines these run on are shared,
// and a median shrugs off the blocks another process slowed down.
type throughput struct {
	model             string
	cost              int64
	runs              int
	deliver, baseline time.Duration // per tx: median block of runs, of bank sends
	gasUsed           int64         // per run
	load, run         time.Duration // onnxint.Load and traced Run alone, per run
}

// median returns the median of ds (which it sorts).
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// runExec measures MsgRunModel inside FinalizeBlock for the MNIST models
// and brackets the largest model the chain runs with two synthetic ones.
func runExec(o options, w io.Writer) error {
	dir, err := os.MkdirTemp(o.workdir, "exec-")
	if err != nil {
		return err
	}
	defer removeAll(dir)
	c, err := newChain(dir)
	if err != nil {
		return err
	}
	defer c.close()
	p, err := c.params()
	if err != nil {
		return err
	}
	fits, err := newSynthetic(int64(p.MaxRunCost))
	if err != nil {
		return err
	}
	over, err := newSynthetic(int64(p.MaxRunCost) + 1)
	if err != nil {
		return err
	}
	img := make([]byte, mnist.Pixels)
	for i := range img {
		img[i] = byte(i * 37)
	}
	models := []*execModel{
		{name: "mnist-mlp", file: mnist.MLP(), inputs: onnxint.Encode(mnist.MLPInput(img))},
		{name: "mnist-cnn", file: mnist.CNN(), inputs: onnxint.Encode(mnist.CNNInput(img))},
		{name: "synthetic-at-limit", file: fits.file, inputs: fits.inputs, note: fits.shape},
		{name: "synthetic-over-limit", file: over.file, inputs: over.inputs, note: over.shape},
	}
	if err := c.register(models); err != nil {
		return err
	}

	fmt.Fprintf(w, "MsgRunModel in FinalizeBlock (in-process app on the provad dev genesis, goleveldb; %d blocks of %d runs per model)\n",
		o.blocks, o.runsPerBlock)
	base, err := c.bankBaseline(o.blocks, o.runsPerBlock)
	if err != nil {
		return err
	}
	var figs []throughput
	for _, m := range models[:2] {
		f, err := c.measure(m, o.blocks, o.runsPerBlock, base)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		figs = append(figs, f)
	}
	printThroughput(w, figs)

	fmt.Fprintf(w, "\nLargest model MsgRunModel runs (dev genesis: block max_gas %d, max_run_cost %d, gas_per_mac %d, max_model_bytes %d, max_input_bytes %d)\n",
		c.maxBlockGas(), p.MaxRunCost, p.GasPerMac, p.MaxModelBytes, p.MaxInputBytes)
	return c.limits(w, p, models[2], models[3], o.limitRuns)
}

// params reads x/infer's parameters from the committed state.
func (c *chain) params() (infertypes.Params, error) {
	return c.app.InferKeeper.Params.Get(c.ctx())
}

func (c *chain) ctx() sdk.Context {
	ms, err := c.app.CommitMultiStore().CacheMultiStoreWithVersion(c.height)
	if err != nil {
		panic(err) // the last committed version always loads
	}
	return sdk.NewContext(ms, cmtproto.Header{ChainID: c.genesis.ChainID, Height: c.height, Time: c.time}, false, log.NewNopLogger())
}

// register records each model in x/registry and makes it executable, from
// alice, in one block.
func (c *chain) register(models []*execModel) error {
	alice, err := c.addr("alice")
	if err != nil {
		return err
	}
	var txs [][]byte
	for _, m := range models {
		if m.id, err = modelID(m.file); err != nil {
			return err
		}
		model, err := onnxint.Load(m.file)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		m.cost = model.Cost()
		tx, err := c.sign("alice", txGas,
			&registrytypes.MsgRegisterModel{Owner: alice.String(), Model: registrytypes.ModelInfo{Id: m.id, Name: m.name, Version: "1", Format: "onnx", License: "MIT"}},
			&infertypes.MsgRegisterExecutable{Owner: alice.String(), ModelId: m.id, Onnx: m.file})
		if err != nil {
			return err
		}
		txs = append(txs, tx)
	}
	r, err := c.block(txs)
	if err != nil {
		return err
	}
	return r.mustOK()
}

// modelID is the registry ID of a one-file model: the BLAKE3 subject
// digest over the file's digest, what `provad hash FILE` prints.
func modelID(file []byte) (string, error) {
	d, err := fingerprint.BLAKE3.Sum(file)
	if err != nil {
		return "", err
	}
	s, err := fingerprint.SubjectDigest(fingerprint.BLAKE3, []fingerprint.Resource{{Digest: d}})
	if err != nil {
		return "", err
	}
	return s.String(), nil
}

// runBlocks delivers blocks of n txs made by mk and returns the median
// FinalizeBlock time per tx and the results.
func (c *chain) runBlocks(blocks, n int, mk func() ([]byte, error)) (time.Duration, []blockResult, error) {
	var times []time.Duration
	var out []blockResult
	for range blocks {
		txs := make([][]byte, n)
		for i := range txs {
			var err error
			if txs[i], err = mk(); err != nil {
				return 0, nil, err
			}
		}
		r, err := c.block(txs)
		if err != nil {
			return 0, nil, err
		}
		if err := r.mustOK(); err != nil {
			return 0, nil, err
		}
		times = append(times, r.deliver)
		out = append(out, r)
	}
	return median(times) / time.Duration(n), out, nil
}

// bankBaseline delivers as many bank sends as measure delivers runs: the
// cost of a transaction as such (decoding, signature, fees, events).
func (c *chain) bankBaseline(blocks, n int) (time.Duration, error) {
	alice, err := c.addr("alice")
	if err != nil {
		return 0, err
	}
	bob, err := c.addr("bob")
	if err != nil {
		return 0, err
	}
	msg := banktypes.NewMsgSend(alice, bob, sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, 1)))
	d, _, err := c.runBlocks(blocks, n, func() ([]byte, error) { return c.sign("alice", txGas, msg) })
	return d, err
}

// measure delivers blocks of MsgRunModel txs of m and times the runtime
// alone on the same inputs.
func (c *chain) measure(m *execModel, blocks, n int, baseline time.Duration) (throughput, error) {
	bob, err := c.addr("bob")
	if err != nil {
		return throughput{}, err
	}
	msg := &infertypes.MsgRunModel{Sender: bob.String(), ModelId: m.id, Inputs: m.inputs}
	d, res, err := c.runBlocks(blocks, n, func() ([]byte, error) { return c.sign("bob", txGas, msg) })
	if err != nil {
		return throughput{}, err
	}
	f := throughput{model: m.name, cost: m.cost, runs: blocks * n, deliver: d, baseline: baseline, gasUsed: res[0].txs[0].GasUsed}
	f.load, f.run, err = runtimeAlone(m, blocks*n)
	return f, err
}

// runtimeAlone times onnxint.Load of the file and a traced Run, as
// MsgRunModel does them, outside the chain (medians of n).
func runtimeAlone(m *execModel, n int) (load, run time.Duration, err error) {
	loads, runs := make([]time.Duration, n), make([]time.Duration, n)
	for i := range n {
		start := time.Now()
		model, err := onnxint.Load(m.file)
		if err != nil {
			return 0, 0, err
		}
		loads[i] = time.Since(start)
		inputs, err := decodeInputs(m.inputs, len(model.Inputs()))
		if err != nil {
			return 0, 0, err
		}
		start = time.Now()
		if _, err := model.Run(inputs, onnxint.Options{Trace: true}); err != nil {
			return 0, 0, err
		}
		runs[i] = time.Since(start)
	}
	return median(loads), median(runs), nil
}

func decodeInputs(b []byte, n int) ([]*onnxint.Tensor, error) {
	out := make([]*onnxint.Tensor, 0, n)
	for range n {
		t, k, err := onnxint.Decode(b)
		if err != nil {
			return nil, err
		}
		out, b = append(out, t), b[k:]
	}
	if len(b) != 0 {
		return nil, errors.New("bytes after the last input")
	}
	return out, nil
}

func printThroughput(w io.Writer, figs []throughput) {
	fmt.Fprintf(w, "  %-10s %9s %6s %11s %12s %11s %12s %12s %11s %12s\n", "model", "MACs", "runs", "gas/run", "deliver/run", "MAC/s",
		"bank tx", "net MAC/s", "load", "traced run")
	for _, f := range figs {
		fmt.Fprintf(w, "  %-10s %9d %6d %11d %12s %11s %12s %12s %11s %12s\n", f.model, f.cost, f.runs, f.gasUsed, round(f.deliver),
			rate(float64(f.cost), f.deliver), round(f.baseline), rate(float64(f.cost), f.deliver-f.baseline), round(f.load), round(f.run))
	}
	fmt.Fprintln(w, "  deliver/run: FinalizeBlock time of the median block over its txs; MAC/s: the model's cost over it; net: over it")
	fmt.Fprintln(w, "  less a bank send's (median block of as many); load and traced run: onnxint.Load and Run(Trace) alone (medians),")
	fmt.Fprintln(w, "  MsgRunModel runs traced; it loads a model once and keeps the program (x/infer keeper cache).")
}

// limits runs the synthetic model at max_run_cost and the one a unit over
// it, limitRuns times each in blocks of their own.
func (c *chain) limits(w io.Writer, p infertypes.Params, fits, over *execModel, limitRuns int) error {
	bob, err := c.addr("bob")
	if err != nil {
		return err
	}
	var ok blockResult
	delivers := make([]time.Duration, 0, limitRuns)
	for range limitRuns {
		tx, err := c.sign("bob", txGas, &infertypes.MsgRunModel{Sender: bob.String(), ModelId: fits.id, Inputs: fits.inputs})
		if err != nil {
			return err
		}
		if ok, err = c.block([][]byte{tx}); err != nil {
			return err
		}
		if err := ok.mustOK(); err != nil {
			return fmt.Errorf("%s (cost %d): %w", fits.name, fits.cost, err)
		}
		delivers = append(delivers, ok.deliver)
	}
	tx, err := c.sign("bob", txGas, &infertypes.MsgRunModel{Sender: bob.String(), ModelId: over.id, Inputs: over.inputs})
	if err != nil {
		return err
	}
	bad, err := c.block([][]byte{tx})
	if err != nil {
		return err
	}
	refused := bad.txs[0]
	if refused.Code == 0 {
		return fmt.Errorf("%s (cost %d) ran on chain", over.name, over.cost)
	}
	deliver := median(delivers)
	gas := ok.txs[0].GasUsed
	charged := int64(p.MaxRunCost * p.GasPerMac)
	overhead := gas - charged
	fmt.Fprintf(w, "  %s: %s = %d MACs, file %d B, inputs %d B\n", fits.name, fits.note, fits.cost, len(fits.file), len(fits.inputs))
	fmt.Fprintf(w, "    runs: gas used %d (%d for the MACs, %d for the tx bytes, signature and stored outputs), FinalizeBlock median %s (%s MAC/s)\n",
		gas, charged, overhead, round(deliver), rate(float64(fits.cost), deliver))
	fmt.Fprintf(w, "  %s: %s = %d MACs\n    refused: %s/%d %s\n", over.name, over.note, over.cost, refused.Codespace, refused.Code, firstLine(refused.Log))
	switch mg := c.maxBlockGas(); {
	case mg < 0:
		fmt.Fprintf(w, "  block max_gas is %d (no block gas limit) and the tx gas cap is %d, so the largest model run on chain is max_run_cost = %d MACs (%d gas for the run)\n",
			mg, uint64(txtypes.MaxGasWanted), p.MaxRunCost, charged)
	default:
		byGas := (mg - overhead) / int64(p.GasPerMac)
		fmt.Fprintf(w, "  block max_gas %d allows (max_gas - %d overhead) / gas_per_mac = %d MACs; the largest model run on chain is min(that, max_run_cost) = %d MACs\n",
			mg, overhead, byGas, min(byGas, int64(p.MaxRunCost)))
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// rate formats n per d as "1.23 G".
func rate(n float64, d time.Duration) string {
	if d <= 0 {
		return "n/a"
	}
	v := n / d.Seconds()
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.2f G", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.1f M", v/1e6)
	}
	return fmt.Sprintf("%.0f", v)
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}
