package demo_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/prova-network/prova/internal/cli"
	"github.com/prova-network/prova/internal/demo"
	"github.com/prova-network/prova/internal/mnist"
)

// nodeEnv makes the test binary cmd/provad's main: the demo starts its
// node by running $PROVAD_BIN, which TestDemo points at this binary.
const nodeEnv = "PROVA_DEMO_TEST_AS_PROVAD"

func TestMain(m *testing.M) {
	if os.Getenv(nodeEnv) == "1" {
		os.Exit(cli.Execute())
	}
	os.Exit(m.Run())
}

// TestDemo runs the whole demo on a real node and checks its report, the
// verifiable-inference chapter in detail: the chain's run is the local
// runtime's, the lie (and only it) was challenged and lost, and the
// provider's bond dropped by the dispute stake. Without the MNIST files the
// chapter must say it was skipped.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and runs the demo (about 30 s)")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PROVAD_BIN", exe)
	t.Setenv(nodeEnv, "1")
	var progress bytes.Buffer
	defer func() {
		if t.Failed() {
			t.Logf("demo progress:\n%s", progress.String())
		}
	}()
	chain, err := demo.Start(t.Context(), t.TempDir(), &progress)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := chain.Stop(); err != nil {
			t.Error(err)
		}
	}()
	rep, err := chain.Run(t.Context(), &progress)
	if err != nil {
		t.Fatalf("demo: %v (steps %+v)", err, rep.Steps)
	}
	verified := map[string]bool{}
	for _, s := range rep.Steps {
		verified[s.Step] = verified[s.Step] || s.Verified
	}
	for _, s := range []string{"verified balance", "verify model", "modified copy", "record membership", "receipt verified", "content check"} {
		if !verified[s] {
			t.Errorf("no verified %q step", s)
		}
	}

	inf := rep.Inference
	if _, err := mnist.Dir(); errors.Is(err, mnist.ErrNotFound) {
		if inf != nil || rep.Steps[len(rep.Steps)-1].Step != "inference" {
			t.Fatalf("without MNIST the chapter should be skipped: %+v", rep.Steps[len(rep.Steps)-1])
		}
		t.Skip("the inference chapter needs the MNIST files:", err)
	}
	if inf == nil {
		t.Fatal("the report has no inference facts")
	}
	for _, s := range []string{"local run", "image membership", "step re-executed"} {
		if !verified[s] {
			t.Errorf("no verified %q step", s)
		}
	}
	if inf.Records != mnist.TestSize || inf.TraceSize != 7 {
		t.Errorf("records %d, trace size %d; want %d and 7", inf.Records, inf.TraceSize, mnist.TestSize)
	}
	if inf.OutputDigest == "" || inf.OutputDigest != inf.LocalOutputDigest || inf.TraceRoot != inf.LocalTraceRoot || inf.Digit != inf.LocalDigit {
		t.Errorf("on chain: digit %d, output %s, trace root %s; locally: %d, %s, %s",
			inf.Digit, inf.OutputDigest, inf.TraceRoot, inf.LocalDigit, inf.LocalOutputDigest, inf.LocalTraceRoot)
	}
	if inf.Digit != inf.Label {
		t.Errorf("test image %d is a %d; the MLP said %d", inf.Image, inf.Label, inf.Digit)
	}
	if inf.Lies != 1 || inf.Challenged != 1 || inf.CheckedOK != inf.Served-inf.Lies || inf.Served < 2 {
		t.Errorf("served %d with %d lie(s): %d checked ok, %d challenged; want only the lie challenged", inf.Served, inf.Lies, inf.CheckedOK, inf.Challenged)
	}
	if inf.Outcome != "OUTCOME_CHALLENGER_WON" || inf.Leaf == 0 || inf.Leaf >= inf.TraceSize {
		t.Errorf("dispute %d: %s, leaf %d", inf.DisputeID, inf.Outcome, inf.Leaf)
	}
	if inf.Stake <= 0 || inf.BondAfter != inf.BondBefore-inf.Stake {
		t.Errorf("bond %d -> %d with a stake of %d: want a drop of the stake", inf.BondBefore, inf.BondAfter, inf.Stake)
	}
	if inf.WatcherAfter <= inf.WatcherBefore {
		t.Errorf("the watcher won but its balance went %d -> %d", inf.WatcherBefore, inf.WatcherAfter)
	}
}
