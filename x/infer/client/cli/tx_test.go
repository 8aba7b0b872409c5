package cli

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/x/infer/types"
)

func TestParseHash(t *testing.T) {
	h := bytes.Repeat([]byte{0xab}, 32)
	for _, s := range []string{hex.EncodeToString(h), "sha256:" + hex.EncodeToString(h)} {
		if got, err := ParseHash("x", s); err != nil || !bytes.Equal(got, h) {
			t.Errorf("ParseHash(%q) = %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "sha256:", hex.EncodeToString(h[:31]), "blake3:" + hex.EncodeToString(h), "zz"} {
		if _, err := ParseHash("x", s); err == nil {
			t.Errorf("ParseHash(%q) accepted", s)
		}
	}
}

func TestCheckpointSize(t *testing.T) {
	signer, _, err := tlog.GenerateKey("prova.local/receipts")
	if err != nil {
		t.Fatal(err)
	}
	note, err := tlog.Sign(tlog.Checkpoint{Origin: "prova.local/receipts", Size: 42, Hash: bytes.Repeat([]byte{1}, 32)}, signer)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := checkpointSize(string(note)); err != nil || n != 42 {
		t.Fatalf("checkpointSize = %d, %v", n, err)
	}
	for _, bad := range []string{"", "prova.local/receipts\n42\n", "x\ny\nz\n\nsig\n"} {
		if _, err := checkpointSize(bad); err == nil {
			t.Errorf("checkpointSize(%q) accepted", bad)
		}
	}
}

func TestClaimRefArgs(t *testing.T) {
	leaf := types.EncodeClaimLeaf(types.ClaimLeaf{ModelID: "blake3:" + hex.EncodeToString(make([]byte, 32)),
		InputDigest: make([]byte, 32), OutputDigest: make([]byte, 32), TraceRoot: make([]byte, 32), TraceSize: 3})
	cmd := challengeCmd()
	if ref, err := claimRef(cmd, []string{"7"}); err != nil || ref.ClaimId != 7 {
		t.Fatalf("claim id: %+v, %v", ref, err)
	}
	if _, err := claimRef(cmd, nil); err == nil {
		t.Fatal("no claim accepted")
	}
	if _, err := claimRef(cmd, []string{"0"}); err == nil {
		t.Fatal("claim 0 accepted")
	}
	for flag, v := range map[string]string{flagBatch: "2", flagLeafIndex: "1", flagLeaf: hex.EncodeToString(leaf), flagProof: hex.EncodeToString(make([]byte, 32))} {
		if err := cmd.Flags().Set(flag, v); err != nil {
			t.Fatal(err)
		}
	}
	ref, err := claimRef(cmd, nil)
	if err != nil || ref.BatchId != 2 || ref.LeafIndex != 1 || !bytes.Equal(ref.Leaf, leaf) || len(ref.Proof) != 1 || ref.Validate() != nil {
		t.Fatalf("batch leaf: %+v, %v", ref, err)
	}
	if _, err := claimRef(cmd, []string{"7"}); err == nil {
		t.Fatal("claim id and batch both accepted")
	}
}

// TestReceiptRefFromBundle: a bundle file becomes the reference of its
// receipt in the tree of its checkpoint's size.
func TestReceiptRefFromBundle(t *testing.T) {
	signer, _, err := tlog.GenerateKey("prova.local/receipts")
	if err != nil {
		t.Fatal(err)
	}
	note, err := tlog.Sign(tlog.Checkpoint{Origin: "prova.local/receipts", Size: 5, Hash: bytes.Repeat([]byte{1}, 32)}, signer)
	if err != nil {
		t.Fatal(err)
	}
	b := receiptlog.Bundle{LogID: "prova.local/receipts", Index: 3, Entry: []byte("{}"), ProviderKey: make([]byte, 32),
		Checkpoint: string(note), InclusionProof: [][]byte{bytes.Repeat([]byte{2}, 32)}}
	bz, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bundle.json")
	if err := os.WriteFile(path, bz, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := receiptRefFromBundle(path)
	if err != nil || r.LogId != b.LogID || r.TreeSize != 5 || r.Index != 3 || string(r.Entry) != "{}" || len(r.InclusionProof) != 1 || r.Validate() != nil {
		t.Fatalf("receipt ref %+v, %v", r, err)
	}
	if _, err := receiptRefFromBundle(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("a missing bundle accepted")
	}
}
