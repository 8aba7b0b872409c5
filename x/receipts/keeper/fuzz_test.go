package keeper_test

import (
	"bytes"
	"testing"

	"github.com/prova-network/prova/x/receipts/types"
)

// FuzzAnchorAndReport feeds arbitrary checkpoints and proofs to the
// handlers of a log with one anchored checkpoint: they must never panic,
// and whatever they reject must leave the latest checkpoint and the log as
// they were.
func FuzzAnchorAndReport(f *testing.F) {
	lk := newLogKeys(f, "prova.local/receipts/fuzz")
	d := entries(8, "seed")
	f.Add(lk.sign(f, d), bytes.Join(consistency(3, d), nil), []byte{})
	f.Add(lk.sign(f, d[:3]), []byte{}, lk.sign(f, entries(3, "x")))
	f.Add([]byte("prova.local/receipts/fuzz\n9\nAAAA\n\n— x y\n"), make([]byte, 64), []byte("\n"))
	f.Fuzz(func(t *testing.T, note, proofBytes, other []byte) {
		fx := newFixture(t)
		fx.register(t, addr("alice"), lk, 10_000_000)
		if err := fx.anchor(addr("alice"), lk, d[:3], 0, t); err != nil {
			t.Fatal(err)
		}
		var proof [][]byte
		for len(proofBytes) >= 32 && len(proof) < 70 {
			proof, proofBytes = append(proof, proofBytes[:32]), proofBytes[32:]
		}
		before, _ := fx.k.Latest.Get(fx.ctx, lk.origin)
		if _, err := fx.msgs.AnchorCheckpoint(fx.ctx, &types.MsgAnchorCheckpoint{Operator: addr("alice"), LogId: lk.origin, Checkpoint: note, ConsistencyProof: proof}); err != nil {
			if after, _ := fx.k.Latest.Get(fx.ctx, lk.origin); after.TreeSize != before.TreeSize || !bytes.Equal(after.Root, before.Root) {
				t.Fatalf("rejected anchor changed the latest checkpoint: %v", err)
			}
		}
		if _, err := fx.msgs.ReportEquivocation(fx.ctx, &types.MsgReportEquivocation{Reporter: addr("bob"), LogId: lk.origin, CheckpointA: note, CheckpointB: other}); err != nil {
			if l, _ := fx.k.Logs.Get(fx.ctx, lk.origin); l.Frozen {
				t.Fatalf("rejected report froze the log: %v", err)
			}
		}
		if err := fx.k.CheckInvariants(fx.ctx); err != nil {
			t.Fatal(err)
		}
	})
}
