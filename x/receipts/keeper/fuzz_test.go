package keeper_test

import (
	"bytes"
	"testing"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/x/receipts/types"
)

// FuzzAnchorAndReport feeds arbitrary checkpoints and proofs to the
// handlers of a log with one anchored checkpoint (of seed entries 0..2).
// They never panic and reject only with registered errors. A rejected
// anchor leaves the latest checkpoint as it was; an accepted one is newer
// and a prefix of the seed entries, the only tree the log's key signed
// (seeds aside, the fuzzer cannot sign). A rejected report leaves the log
// unfrozen; an accepted one freezes it and rests on two different roots
// the key signed, or anchored, for one size. The invariants hold after
// both.
func FuzzAnchorAndReport(f *testing.F) {
	lk := newLogKeys(f, "prova.local/receipts/fuzz")
	d := entries(8, "seed")
	fork := lk.sign(f, entries(3, "x"))
	f.Add(lk.sign(f, d), bytes.Join(consistency(3, d), nil), []byte{})
	f.Add(lk.sign(f, d), bytes.Join(consistency(2, d), nil), []byte{}) // a proof from the wrong size
	f.Add(lk.sign(f, d[:3]), []byte{}, fork)
	f.Add(fork, []byte{}, []byte{})
	f.Add(lk.sign(f, d[:4]), bytes.Join(consistency(3, d[:4]), nil), lk.sign(f, entries(4, "y")))
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
		_, err := fx.msgs.AnchorCheckpoint(fx.ctx, &types.MsgAnchorCheckpoint{Operator: addr("alice"), LogId: lk.origin, Checkpoint: note, ConsistencyProof: proof})
		after, _ := fx.k.Latest.Get(fx.ctx, lk.origin)
		if err != nil {
			registered(t, err)
			if after.TreeSize != before.TreeSize || !bytes.Equal(after.Root, before.Root) {
				t.Fatalf("rejected anchor changed the latest checkpoint: %v", err)
			}
		} else if after.TreeSize <= before.TreeSize || after.TreeSize > uint64(len(d)) || !bytes.Equal(after.Root, mth(d[:after.TreeSize])) {
			t.Fatalf("anchored size %d root %x, not a newer prefix of the signed log", after.TreeSize, after.Root)
		}

		_, err = fx.msgs.ReportEquivocation(fx.ctx, &types.MsgReportEquivocation{Reporter: addr("bob"), LogId: lk.origin, CheckpointA: note, CheckpointB: other})
		l, _ := fx.k.Logs.Get(fx.ctx, lk.origin)
		if err != nil {
			registered(t, err)
			if l.Frozen {
				t.Fatalf("rejected report froze the log: %v", err)
			}
		} else {
			if !l.Frozen {
				t.Fatal("accepted report left the log unfrozen")
			}
			a, errA := tlog.Open(note, lk.verifier)
			var otherRoot []byte
			if len(other) > 0 {
				b, errB := tlog.Open(other, lk.verifier)
				if errB != nil || b.Size != a.Size {
					t.Fatalf("accepted a report with checkpoint b %+v, %v", b, errB)
				}
				otherRoot = b.Hash
			} else {
				otherRoot, _ = fx.k.Roots.Get(fx.ctx, collections.Join(lk.origin, a.Size))
			}
			if errA != nil || otherRoot == nil || bytes.Equal(a.Hash, otherRoot) {
				t.Fatalf("accepted a report of no equivocation: a %+v (%v), other root %x", a, errA, otherRoot)
			}
		}
		if err := fx.k.CheckInvariants(fx.ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// registered fails t unless err carries an error registered by the module
// or the SDK: what the chain reports as the transaction's code.
func registered(t *testing.T, err error) {
	t.Helper()
	if space, code, _ := errorsmod.ABCIInfo(err, false); (space != types.ModuleName && space != sdkerrors.RootCodespace) || code < 2 {
		t.Fatalf("error %q is not registered (codespace %q, code %d)", err, space, code)
	}
}
