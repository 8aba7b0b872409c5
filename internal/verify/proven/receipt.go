package proven

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/prova-network/prova/internal/receiptlog"
	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/internal/verify"
	receiptstypes "github.com/prova-network/prova/x/receipts/types"
)

// ErrNotAnchored means a receipt's checkpoint is not (yet) covered by a
// checkpoint anchored on chain.
var ErrNotAnchored = errors.New("receipt's checkpoint is not anchored on chain")

// ReceiptReport is what `provad receipt verify` established.
type ReceiptReport struct {
	LogID      string `json:"log_id"`
	Index      uint64 `json:"index"`
	ReceiptID  string `json:"receipt_id"`
	Batched    bool   `json:"batched"`
	KeyID      string `json:"provider_key_id"`
	Model      string `json:"model"`
	Provider   string `json:"provider"`
	Input      string `json:"input_digest"`
	Output     string `json:"output_digest"`
	TokensIn   uint64 `json:"tokens_in"`
	TokensOut  uint64 `json:"tokens_out"`
	RequestID  string `json:"request_id"`
	Time       string `json:"time"`
	TreeSize   uint64 `json:"checkpoint_size"`
	Root       string `json:"checkpoint_root"`
	Operator   string `json:"log_operator"`
	LogFrozen  bool   `json:"log_frozen"`
	AnchoredAt uint64 `json:"anchored_size"`
	// ViaConsistency is set when the receipt's checkpoint was not anchored
	// itself and a consistency proof to a later anchored one was checked.
	ViaConsistency bool          `json:"via_consistency_proof"`
	Proof          *verify.Proof `json:"proof"`
}

// ConsistencyFunc fetches a consistency proof between two sizes of a log
// (from the log's HTTP API); the proof is checked, not trusted.
type ConsistencyFunc func(ctx context.Context, from, to uint64) ([][]byte, error)

// Receipt runs every check of `receipt verify` on bundle b: the provider's
// signature, inclusion in the bundle's checkpoint, the checkpoint's
// signature by the log key proven on chain, and that the checkpoint is
// anchored on chain, itself or (with consistency non-nil) through a
// consistency proof to the latest anchored checkpoint. Chain state is read
// at the reader's height.
func (r *Reader) Receipt(ctx context.Context, b *receiptlog.Bundle, consistency ConsistencyFunc) (*ReceiptReport, error) {
	get := func(key []byte) ([]byte, *verify.Proof, error) {
		return r.Get(ctx, receiptstypes.StoreKey, key)
	}
	v, proof, err := get(receiptstypes.LogKey(b.LogID))
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("log %q is not registered on chain (absence proven at height %d)", b.LogID, proof.Height)
	}
	var log receiptstypes.Log
	if err := log.Unmarshal(v); err != nil {
		return nil, fmt.Errorf("decode proven log %s: %w", b.LogID, err)
	}
	vr, err := receiptlog.VerifyBundle(*b, log.VerifierKey)
	if err != nil {
		return nil, err
	}
	st := vr.Statement.Predicate
	rep := &ReceiptReport{
		LogID: vr.LogID, Index: vr.Index, ReceiptID: vr.ReceiptID, Batched: vr.Batched, KeyID: vr.KeyID,
		Model: st.Model, Provider: st.Provider.ID, Input: st.InputDigest, Output: st.OutputDigest,
		TokensIn: st.Tokens.Input, TokensOut: st.Tokens.Output, RequestID: st.RequestID, Time: st.Time,
		TreeSize: vr.Checkpoint.Size, Root: hex.EncodeToString(vr.Checkpoint.Hash),
		Operator: log.Operator, LogFrozen: log.Frozen,
	}

	// Is this very checkpoint anchored?
	root, proof, err := get(receiptstypes.RootKey(b.LogID, vr.Checkpoint.Size))
	if err != nil {
		return nil, err
	}
	rep.Proof = proof
	if root != nil {
		if !bytes.Equal(root, vr.Checkpoint.Hash) {
			return nil, fmt.Errorf("%w: the chain anchored root %x for size %d, the bundle's checkpoint says %x: the log equivocated (report it with 'provad tx receipts report-equivocation')",
				tlog.ErrConsistencyInvalid, root, vr.Checkpoint.Size, vr.Checkpoint.Hash)
		}
		rep.AnchoredAt = vr.Checkpoint.Size
		return rep, nil
	}
	// If not, a later anchored checkpoint must extend it.
	v, proof, err = get(receiptstypes.LatestCheckpointKey(b.LogID))
	if err != nil {
		return nil, err
	}
	rep.Proof = proof
	if v == nil {
		return nil, fmt.Errorf("%w: log %s has anchored nothing yet (proven at height %d)", ErrNotAnchored, b.LogID, proof.Height)
	}
	var latest receiptstypes.Checkpoint
	if err := latest.Unmarshal(v); err != nil {
		return nil, fmt.Errorf("decode proven checkpoint: %w", err)
	}
	if latest.TreeSize < vr.Checkpoint.Size {
		return nil, fmt.Errorf("%w: the latest anchored checkpoint has %d entries, the receipt's has %d; retry after the next anchor",
			ErrNotAnchored, latest.TreeSize, vr.Checkpoint.Size)
	}
	if consistency == nil {
		return nil, fmt.Errorf("%w: the checkpoint of size %d was not anchored itself; pass --log URL to fetch a consistency proof to the anchored checkpoint of size %d",
			ErrNotAnchored, vr.Checkpoint.Size, latest.TreeSize)
	}
	cons, err := consistency(ctx, vr.Checkpoint.Size, latest.TreeSize)
	if err != nil {
		return nil, fmt.Errorf("fetch a consistency proof: %w", err)
	}
	anchored := tlog.Checkpoint{Origin: b.LogID, Size: latest.TreeSize, Hash: latest.Root}
	if err := tlog.VerifyAppend(vr.Checkpoint, anchored, cons); err != nil {
		return nil, err
	}
	rep.AnchoredAt, rep.ViaConsistency = latest.TreeSize, true
	return rep, nil
}
