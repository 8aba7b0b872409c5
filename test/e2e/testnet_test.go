package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/prova-network/prova/internal/devnet"
)

// TestTestnetFaultTolerance runs `provad testnet` with 4 validators: they
// agree; with one down the chain keeps committing; with two down it halts;
// with both back it resumes, the restarted nodes catch up to the same app
// hash, and no committed transaction is lost.
func TestTestnetFaultTolerance(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "testnet")
	r := provad(t, "testnet", "init-files", "--validators", "4", "--output-dir", dir, "--free-ports", "--block-time", "400ms")
	if r.Code != 0 {
		t.Fatalf("init-files: %s", r.Stderr)
	}
	var nodes []devnet.Node
	for i := range 4 {
		net, err := devnet.Load(filepath.Join(dir, fmt.Sprintf("node%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, net.Nodes[i])
	}
	tn := startBackground(t, "testnet", "start", "--output-dir", dir)
	logNodesOnFailure(t, tn, nodes)
	tn.waitOutput(t, regexp.MustCompile(`network is producing blocks`), 2*time.Minute)
	pids := map[string]int{}
	for _, m := range regexp.MustCompile(`started (validator\d)\s+pid (\d+)`).FindAllStringSubmatch(tn.out.String(), -1) {
		pid, _ := strconv.Atoi(m[2])
		pids[m[1]] = pid
	}
	if len(pids) != 4 {
		t.Fatalf("expected 4 started validators:\n%s", tn.out.String())
	}
	rpc := func(i int) string { return nodes[i].Ports.RPCURL() }
	ctx := t.Context()

	c, err := devnet.NewClient(devnet.DefaultTestnetChainID, rpc(0), nodes[0].Home)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := c.Address("bob")
	if err != nil {
		t.Fatal(err)
	}
	var committed []string
	send := func(phase string) {
		t.Helper()
		hash, _, err := c.Send(ctx, "alice", bob, uprova(7))
		if err != nil {
			t.Fatalf("%s: transfer: %v", phase, err)
		}
		committed = append(committed, hash)
	}

	// All four agree.
	send("all up")
	h := waitHeight(t, rpc(0), 3, time.Minute) + 1
	for i := range 4 {
		waitHeight(t, rpc(i), h+1, 2*time.Minute)
	}
	assertSameAppHash(t, ctx, nodes, []int{0, 1, 2, 3}, h)

	// One down: still committing.
	kill(t, pids["validator3"])
	before := waitHeight(t, rpc(0), 1, time.Second)
	send("one down")
	waitHeight(t, rpc(0), before+3, time.Minute)

	// Two down: halts (2 of 4 equal validators is below 2/3 of the power).
	kill(t, pids["validator2"])
	// Wait until the height stops moving (a height already prevoted may
	// still commit), then watch it stay put for a while: a halt is the
	// absence of progress, so this one check needs an observation window.
	var stalled int64
	waitFor(t, 30*time.Second, 2*time.Second, "the chain to halt", func() bool {
		h, _, err := status(ctx, rpc(0))
		if err != nil {
			t.Fatal(err)
		}
		halted := h == stalled
		stalled = h
		return halted
	})
	time.Sleep(5 * time.Second)
	if now, _, _ := status(ctx, rpc(0)); now > stalled {
		t.Fatalf("chain advanced from %d to %d with two of four validators down", stalled, now)
	}

	// Both back: resumes, and the restarted nodes catch up.
	for _, i := range []int{2, 3} {
		p, err := devnet.StartProcess(provadBin, nodes[i].Home, nodes[i].Home+".restart.log")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Stop(devnet.DefaultStopTimeout) })
	}
	resumed := waitHeight(t, rpc(0), stalled+3, 2*time.Minute)
	send("recovered")
	target := resumed + 2
	for i := range 4 {
		waitHeight(t, rpc(i), target+1, 2*time.Minute)
	}
	assertSameAppHash(t, ctx, nodes, []int{0, 1, 2, 3}, target)

	// No committed transaction was lost, on any node.
	for i := range 4 {
		ci, err := devnet.NewClient(devnet.DefaultTestnetChainID, rpc(i), nodes[0].Home)
		if err != nil {
			t.Fatal(err)
		}
		for _, hash := range committed {
			bz, _ := hex.DecodeString(hash)
			if _, err := ci.RPC.Tx(ctx, bz, false); err != nil {
				t.Fatalf("validator%d lost committed tx %s: %v", i, hash, err)
			}
		}
	}
}

func kill(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %d: %v", pid, err)
	}
	// Wait until it is gone (it is the testnet command's child; that process reaps it).
	for range 100 {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func assertSameAppHash(t *testing.T, ctx context.Context, nodes []devnet.Node, idx []int, h int64) {
	t.Helper()
	var want string
	for _, i := range idx {
		got, err := appHashAfter(ctx, nodes[i].Ports.RPCURL(), h)
		if err != nil {
			t.Fatalf("validator%d: %v", i, err)
		}
		if want == "" {
			want = got
		} else if got != want {
			t.Fatalf("validator%d has app hash %s after block %d, validator%d has %s", i, got, h, idx[0], want)
		}
	}
}
