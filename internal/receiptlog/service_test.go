package receiptlog

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/tlog"
)

func TestSubmitProveAndVerify(t *testing.T) {
	h := newHarness(t, testConfig(t.TempDir()), nil)
	ctx := t.Context()
	pub, priv := testKey("p1")
	keys := []ed25519.PublicKey{pub}

	one, err := h.client.Submit(ctx, keys, envelope(t, priv, testModel, 1))
	if err != nil {
		t.Fatal(err)
	}
	if one.LogID != h.svc.Origin() || len(one.Entries) != 1 || one.Entries[0].Index != 0 || one.Entries[0].Duplicate {
		t.Fatalf("single: %+v", one)
	}
	many, err := h.client.Submit(ctx, keys, envelope(t, priv, testModel, 2), envelope(t, priv, testModel, 3))
	if err != nil {
		t.Fatal(err)
	}
	b := batch(t, priv, testModel, 100, 10)
	bres, err := h.client.SubmitBatch(ctx, pub, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(bres.Entries) != 10 || bres.CheckpointSize < 13 {
		t.Fatalf("batch: %+v", bres)
	}
	members, _ := b.Members()
	for i, e := range bres.Entries {
		if e.ReceiptID != members[i].ID() || e.Index != 3+uint64(i) {
			t.Fatalf("batch entry %d: %+v, want id %s index %d", i, e, members[i].ID(), 3+i)
		}
	}
	all := append(append(one.Entries, many.Entries...), bres.Entries...)
	for _, e := range all {
		bun, err := h.client.Proof(ctx, e.Index, 0)
		if err != nil {
			t.Fatalf("proof %d: %v", e.Index, err)
		}
		vr, err := VerifyBundle(*bun, h.svc.VerifierKey())
		if err != nil {
			t.Fatalf("verify %d: %v", e.Index, err)
		}
		if vr.ReceiptID != e.ReceiptID || vr.Statement.Predicate.Model != testModel || vr.Batched != (e.Index >= 3) {
			t.Fatalf("verified %d: %+v", e.Index, vr)
		}
		// The server's hand-written JSON must equal encoding/json's.
		want, _ := json.Marshal(bun)
		got, _ := h.svc.Bundle(ctx, e.Index, 0)
		if gotJSON, _ := json.Marshal(got); string(gotJSON) != string(want) {
			t.Fatalf("bundle JSON differs")
		}
	}
	// Inclusion proofs check with tlog against the signed checkpoint.
	raw, err := h.client.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := tlog.Open(raw, h.svc.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	pr, err := h.svc.InclusionProof(ctx, 5, cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.VerifyInclusion(tlog.LeafHash(members[2].Canonical()), 5, cp.Size, pr, cp.Hash); err != nil {
		t.Fatal(err)
	}
	if err := tlog.VerifyInclusion(tlog.LeafHash(members[3].Canonical()), 5, cp.Size, pr, cp.Hash); err == nil {
		t.Fatal("proof accepted for the wrong leaf")
	}
	if _, err := h.client.Proof(ctx, cp.Size, 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("proof past the end: %v", err)
	}
}

func TestDuplicates(t *testing.T) {
	h := newHarness(t, testConfig(t.TempDir()), nil)
	ctx := t.Context()
	pub, priv := testKey("p1")
	keys := []ed25519.PublicKey{pub}
	e1, e2 := envelope(t, priv, testModel, 1), envelope(t, priv, testModel, 2)
	first, err := h.client.Submit(ctx, keys, e1)
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.client.Submit(ctx, keys, e2, e1, e2)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Entries
	if got[0].Duplicate || got[0].Index != 1 ||
		!got[1].Duplicate || got[1].Index != first.Entries[0].Index ||
		!got[2].Duplicate || got[2].Index != 1 {
		t.Fatalf("entries: %+v", got)
	}
	b := batch(t, priv, testModel, 10, 4)
	if _, err := h.client.SubmitBatch(ctx, pub, b); err != nil {
		t.Fatal(err)
	}
	again, err := h.client.SubmitBatch(ctx, pub, b)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range again.Entries {
		if !e.Duplicate || e.Index != 2+uint64(i) {
			t.Fatalf("batch replay %d: %+v", i, e)
		}
	}
	if n := h.size(t); n != 6 {
		t.Fatalf("log has %d entries, want 6", n)
	}
}

func TestRejectsAppendNothing(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.MaxEntries = 8
	cfg.MaxRequestBytes = 64 << 10
	flagged := "blake3:" + "22222222222222222222222222222222222222222222222222222222222222bb"
	unknown := "blake3:" + "33333333333333333333333333333333333333333333333333333333333333cc"
	reg := &fakeRegistry{models: map[string]ModelStatus{
		testModel: {State: ModelRegistered},
		flagged:   {State: ModelFlagged, Reason: "governance proposal 7"},
	}}
	h := newHarness(t, cfg, reg)
	ctx := t.Context()
	pub, priv := testKey("p1")
	otherPub, _ := testKey("p2")
	keys := []ed25519.PublicKey{pub}

	badSig := envelope(t, priv, testModel, 2)
	badSig.Signatures[0].Sig[0] ^= 1
	tampered := batch(t, priv, testModel, 50, 3)
	tampered.Statements[1] = statementBytes(t, statement(pub, testModel, 99))

	post := func(body string) error {
		_, err := h.client.SubmitRaw(ctx, []byte(body))
		return err
	}
	good := envelope(t, priv, testModel, 1)
	for _, tc := range []struct {
		name string
		send func() error
		want error
	}{
		{"bad signature among good", func() error { _, err := h.client.Submit(ctx, keys, good, badSig); return err }, ErrInvalidReceipt},
		{"key not supplied", func() error {
			_, err := h.client.Submit(ctx, []ed25519.PublicKey{otherPub}, good)
			return err
		}, ErrInvalidReceipt},
		{"unknown model", func() error { _, err := h.client.Submit(ctx, keys, good, envelope(t, priv, unknown, 3)); return err }, ErrUnknownModel},
		{"flagged model", func() error { _, err := h.client.SubmitBatch(ctx, pub, batch(t, priv, flagged, 20, 2)); return err }, ErrFlaggedModel},
		{"tampered batch", func() error { _, err := h.client.SubmitBatch(ctx, pub, tampered); return err }, ErrInvalidReceipt},
		{"too many entries", func() error { _, err := h.client.SubmitBatch(ctx, pub, batch(t, priv, testModel, 30, 9)); return err }, ErrTooLarge},
		{"body too large", func() error { return post(`{"public_keys":["` + string(make([]byte, 70<<10)) + `"]}`) }, ErrTooLarge},
		{"malformed json", func() error { return post(`{"public_keys":`) }, ErrBadRequest},
		{"unknown member", func() error { return post(`{"public_keys":[],"extra":1}`) }, ErrBadRequest},
		{"no receipts", func() error { return post(`{"public_keys":["` + b64(pub) + `"]}`) }, ErrBadRequest},
		{"malformed envelope", func() error {
			return post(`{"public_keys":["` + b64(pub) + `"],"envelopes":[{"payload":"!!"}]}`)
		}, ErrInvalidReceipt},
		{"both kinds", func() error {
			return post(`{"public_keys":["` + b64(pub) + `"],"envelopes":[` + string(good.Canonical()) + `],"batch":` + string(batch(t, priv, testModel, 40, 1).Canonical()) + `}`)
		}, ErrBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.send()
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if n := h.size(t); n != 0 {
				t.Fatalf("log grew to %d", n)
			}
		})
	}
	// Nothing rejected left a trace: the good receipt is still new.
	res, err := h.client.Submit(ctx, keys, good)
	if err != nil || res.Entries[0].Duplicate || res.Entries[0].Index != 0 {
		t.Fatalf("after rejects: %+v %v", res, err)
	}
	// The flagged reason reaches the client; internal errors do not.
	_, err = h.client.SubmitBatch(ctx, pub, batch(t, priv, flagged, 60, 1))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnprocessableEntity || apiErr.Code != "flagged_model" {
		t.Fatalf("flagged: %v", err)
	}
}

func statementBytes(t *testing.T, st *receipt.Statement) []byte {
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestModelCache(t *testing.T) {
	h := newHarness(t, testConfig(t.TempDir()), nil)
	pub, priv := testKey("p1")
	for i := range 3 {
		if _, err := h.client.SubmitBatch(t.Context(), pub, batch(t, priv, testModel, i*10, 5)); err != nil {
			t.Fatal(err)
		}
	}
	if h.reg.calls != 1 {
		t.Fatalf("registry asked %d times for one model, want 1", h.reg.calls)
	}
}

func TestConsistencyBetweenCheckpoints(t *testing.T) {
	h := newHarness(t, testConfig(t.TempDir()), nil)
	ctx := t.Context()
	pub, priv := testKey("p1")
	var cps []tlog.Checkpoint
	for i := range 4 {
		if _, err := h.client.SubmitBatch(ctx, pub, batch(t, priv, testModel, i*100, 7+i*40)); err != nil {
			t.Fatal(err)
		}
		raw, _ := h.client.Checkpoint(ctx)
		cp, err := tlog.Open(raw, h.svc.VerifierKey())
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, cp)
	}
	for i := range cps {
		for j := i; j < len(cps); j++ {
			p, err := h.client.Consistency(ctx, cps[i].Size, cps[j].Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.VerifyAppend(cps[i], cps[j], p); err != nil {
				t.Fatalf("%d→%d: %v", cps[i].Size, cps[j].Size, err)
			}
		}
	}
	p, _ := h.client.Consistency(ctx, cps[0].Size, cps[3].Size)
	forged := tlog.Checkpoint{Origin: cps[0].Origin, Size: cps[0].Size, Hash: tlog.LeafHash([]byte("x"))}
	if err := tlog.VerifyAppend(forged, cps[3], p); err == nil {
		t.Fatal("consistency accepted for a forged earlier root")
	}
	if _, err := h.client.Consistency(ctx, 1, cps[3].Size+1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("beyond the log: %v", err)
	}
	if _, err := h.client.Consistency(ctx, 5, 2); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("from > to: %v", err)
	}
}

func TestReopenKeepsAcknowledged(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	h := newHarness(t, cfg, nil)
	ctx := t.Context()
	pub, priv := testKey("p1")
	var acked []EntryResult
	for i := range 3 {
		res, err := h.client.SubmitBatch(ctx, pub, batch(t, priv, testModel, i*1000, 300))
		if err != nil {
			t.Fatal(err)
		}
		acked = append(acked, res.Entries...)
	}
	raw, _ := h.client.Checkpoint(ctx)
	before, err := tlog.Open(raw, h.svc.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	vkey := h.svc.VerifierKey()
	h.close(t)
	// Lose part of the duplicate index side file: it must be rebuilt from
	// the entry bundles.
	side := filepath.Join(dir, stateSubdir, "leaves")
	if err := os.Truncate(side, 100*leafRecordSize+7); err != nil {
		t.Fatal(err)
	}

	h2 := newHarness(t, cfg, nil)
	if h2.svc.VerifierKey() != vkey {
		t.Fatal("key changed across restart")
	}
	if n := h2.svc.index.len(); n != len(acked) {
		t.Fatalf("leaf index holds %d leaves, want %d", n, len(acked))
	}
	for _, e := range acked {
		bun, err := h2.client.Proof(ctx, e.Index, 0)
		if err != nil {
			t.Fatal(err)
		}
		vr, err := VerifyBundle(*bun, vkey)
		if err != nil || vr.ReceiptID != e.ReceiptID {
			t.Fatalf("entry %d after reopen: %v", e.Index, err)
		}
	}
	// A replay is still a duplicate, and new entries extend the old tree.
	res, err := h2.client.SubmitBatch(ctx, pub, batch(t, priv, testModel, 1000, 300))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Entries[0].Duplicate || res.Entries[0].Index != 300 {
		t.Fatalf("replay after reopen: %+v", res.Entries[0])
	}
	if _, err := h2.client.Submit(ctx, []ed25519.PublicKey{pub}, envelope(t, priv, testModel, 5)); err != nil {
		t.Fatal(err)
	}
	raw, _ = h2.client.Checkpoint(ctx)
	after, err := tlog.Open(raw, vkey)
	if err != nil {
		t.Fatal(err)
	}
	p, err := h2.client.Consistency(ctx, before.Size, after.Size)
	if err != nil {
		t.Fatal(err)
	}
	if after.Size != before.Size+1 {
		t.Fatalf("size %d after one new entry on %d", after.Size, before.Size)
	}
	if err := tlog.VerifyAppend(before, after, p); err != nil {
		t.Fatal(err)
	}
}

func TestKeyFileOriginMismatch(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, testConfig(dir), nil)
	h.close(t)
	cfg := testConfig(dir)
	cfg.Origin = "prova.local/other"
	if _, err := New(t.Context(), cfg, Deps{ModelStatus: (&fakeRegistry{}).lookup}); err == nil {
		t.Fatal("opened a log with a key for another origin")
	}
	fi, err := os.Stat(filepath.Join(dir, DefaultSignerKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("signer key file mode: %v %v", fi.Mode(), err)
	}
}

func TestLogFilesServed(t *testing.T) {
	h := newHarness(t, testConfig(t.TempDir()), nil)
	pub, priv := testKey("p1")
	if _, err := h.client.SubmitBatch(t.Context(), pub, batch(t, priv, testModel, 0, 300)); err != nil {
		t.Fatal(err)
	}
	get := func(p string) (int, []byte) {
		resp, err := h.srv.Client().Get(h.srv.URL + PathLog + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	cp, _ := h.client.Checkpoint(t.Context())
	if st, b := get("checkpoint"); st != 200 || string(b) != string(cp) {
		t.Fatalf("checkpoint: %d", st)
	}
	if st, b := get("tile/0/000"); st != 200 || len(b) != 256*32 {
		t.Fatalf("full tile: %d %d", st, len(b))
	}
	if st, b := get("tile/0/001.p/44"); st != 200 || len(b) != 44*32 {
		t.Fatalf("partial tile: %d %d", st, len(b))
	}
	if st, _ := get("tile/entries/000"); st != 200 {
		t.Fatalf("entry bundle: %d", st)
	}
	for _, p := range []string{"", "tile/", "tile/0/", "../signer.key", "..%2fsigner.key", "tile/0/../../signer.key", ".state/treeState", "tile/0/000.p/0", "tile/0/0000"} {
		if st, _ := get(p); st != http.StatusNotFound {
			t.Fatalf("%q served with %d", p, st)
		}
	}
}

func TestRateLimit(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.RatePerSecond, cfg.RateBurst = 1, 2
	h := newHarness(t, cfg, nil)
	var limited error
	for range 4 {
		if _, err := h.client.Checkpoint(t.Context()); err != nil {
			limited = err
		}
	}
	if !errors.Is(limited, ErrRateLimited) {
		t.Fatalf("got %v, want ErrRateLimited", limited)
	}
}

func TestVerifyBundleRejectsTampering(t *testing.T) {
	h := newHarness(t, testConfig(t.TempDir()), nil)
	ctx := t.Context()
	pub, priv := testKey("p1")
	if _, err := h.client.SubmitBatch(ctx, pub, batch(t, priv, testModel, 0, 5)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.Submit(ctx, []ed25519.PublicKey{pub}, envelope(t, priv, testModel, 77)); err != nil {
		t.Fatal(err)
	}
	_, otherV, _ := tlog.GenerateKey(h.svc.Origin())
	for _, idx := range []uint64{2, 5} {
		good, err := h.client.Proof(ctx, idx, 0)
		if err != nil {
			t.Fatal(err)
		}
		otherPub, _ := testKey("p2")
		for name, mut := range map[string]func(b *Bundle){
			"entry byte":      func(b *Bundle) { b.Entry[len(b.Entry)/2] ^= 1 },
			"proof hash":      func(b *Bundle) { b.InclusionProof[0][0] ^= 1 },
			"index":           func(b *Bundle) { b.Index ^= 1 },
			"provider key":    func(b *Bundle) { b.ProviderKey = otherPub },
			"checkpoint body": func(b *Bundle) { b.Checkpoint = "x" + b.Checkpoint },
			"log id":          func(b *Bundle) { b.LogID = "other" },
		} {
			raw, _ := json.Marshal(good)
			b, _ := DecodeBundle(raw)
			mut(b)
			if _, err := VerifyBundle(*b, h.svc.VerifierKey()); !errors.Is(err, ErrBundle) {
				t.Fatalf("%d %s: got %v", idx, name, err)
			}
		}
		if _, err := VerifyBundle(*good, otherV); !errors.Is(err, ErrBundle) {
			t.Fatalf("other log key accepted: %v", err)
		}
	}
}

func TestAnchorer(t *testing.T) {
	h := newHarness(t, testConfig(t.TempDir()), nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pub, priv := testKey("p1")
	vkey := h.svc.VerifierKey()
	// A fake chain that verifies like x/receipts: signature, then append.
	var anchored *tlog.Checkpoint
	var submits int
	chainCh := make(chan tlog.Checkpoint, 16)
	deps := AnchorDeps{
		Interval: 20 * time.Millisecond,
		LastAnchored: func(context.Context) (tlog.Checkpoint, bool, error) {
			if anchored == nil {
				return tlog.Checkpoint{}, false, nil
			}
			return *anchored, true, nil
		},
		Submit: func(_ context.Context, signed []byte, proof [][]byte) error {
			cp, err := tlog.Open(signed, vkey)
			if err != nil {
				return err
			}
			prev := tlog.Checkpoint{Origin: cp.Origin, Hash: tlog.EmptyRoot()}
			if anchored != nil {
				prev = *anchored
			}
			if err := tlog.VerifyAppend(prev, cp, proof); err != nil {
				return err
			}
			submits++
			anchored = &cp
			chainCh <- cp
			return nil
		},
	}
	done := make(chan error, 1)
	go func() { done <- h.svc.RunAnchorer(ctx, deps) }()
	for i := range 3 {
		res, err := h.client.SubmitBatch(t.Context(), pub, batch(t, priv, testModel, i*100, 20))
		if err != nil {
			t.Fatal(err)
		}
		for cp := range chainCh {
			if cp.Size >= res.CheckpointSize {
				break
			}
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if submits < 3 || anchored.Size != 60 {
		t.Fatalf("submits %d, anchored %+v", submits, anchored)
	}
}

func b64(p []byte) string { return base64Std(p) }

func TestMemberEntriesMatchCanonical(t *testing.T) {
	_, priv := testKey("p1")
	for _, n := range []int{1, 2, 7, 300} {
		ms, err := batch(t, priv, testModel, 0, n).Members()
		if err != nil {
			t.Fatal(err)
		}
		got := memberEntries(ms)
		for i, m := range ms {
			if want := m.Canonical(); string(appendMember(nil, m, m.Root.Canonical())) != string(want) || string(got[i]) != string(want) {
				t.Fatalf("batch of %d, member %d: fast encoding differs from Member.Canonical", n, i)
			}
		}
	}
}

func TestEntryReadsFromCachedOffsets(t *testing.T) {
	h := newHarness(t, testConfig(t.TempDir()), nil)
	pub, priv := testKey("p1")
	b := batch(t, priv, testModel, 0, 300) // one full bundle and a partial one
	if _, err := h.client.SubmitBatch(t.Context(), pub, b); err != nil {
		t.Fatal(err)
	}
	ms, _ := b.Members()
	size := uint64(300)
	if _, err := h.svc.bundles.get(t.Context(), 0, size); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.bundles.get(t.Context(), 1, size); err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		bn, j := uint64(i)/256, uint64(i)%256
		p := uint8(0)
		if bn == 1 {
			p = 44
		}
		bi, ok := h.svc.bundles.c.get(tileKey{0, bn, p})
		if !ok {
			t.Fatalf("bundle %d offsets not cached", bn)
		}
		e, err := h.svc.bundles.readAt(bn, p, bi.off[j], bi.off[j+1]-2-bi.off[j])
		if err != nil || string(e) != string(m.Canonical()) {
			t.Fatalf("entry %d read at its offset: %v", i, err)
		}
	}
}
