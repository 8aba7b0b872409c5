package receiptlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/prova-network/prova/internal/receipt"
	"github.com/prova-network/prova/internal/tlog"
)

// MaxBundleBytes caps an encoded Bundle: a member entry, a key, a
// checkpoint and a proof of at most 64 hashes, in base64 and JSON.
const MaxBundleBytes = 4*receipt.MaxMemberBytes/3 + 2*tlog.MaxCheckpointSize + 64*48 + 1024

// Bundle is everything needed to check one receipt offline: the stored
// entry, the provider's key, a signed checkpoint and the inclusion proof
// of the entry in it. Byte fields are standard base64 in JSON.
type Bundle struct {
	LogID          string   `json:"log_id"`
	Index          uint64   `json:"index"`
	Entry          []byte   `json:"entry"`
	ProviderKey    []byte   `json:"provider_key"`
	Checkpoint     string   `json:"checkpoint"`
	InclusionProof [][]byte `json:"inclusion_proof"`
}

// VerifiedReceipt is what VerifyBundle established.
type VerifiedReceipt struct {
	LogID      string
	Index      uint64
	ReceiptID  string // leaf hash, hex
	Statement  *receipt.Statement
	Batched    bool // the receipt was signed as part of a batch
	Checkpoint tlog.Checkpoint
	KeyID      string
}

// DecodeBundle strictly decodes a bundle: at most MaxBundleBytes, no
// unknown members, no trailing data, every member present.
func DecodeBundle(b []byte) (*Bundle, error) {
	if len(b) > MaxBundleBytes {
		return nil, fmt.Errorf("%w: bundle is %d bytes, at most %d", ErrBundle, len(b), MaxBundleBytes)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	for _, k := range []string{"log_id", "index", "entry", "provider_key", "checkpoint", "inclusion_proof"} {
		if v, ok := raw[k]; !ok || bytes.Equal(v, []byte("null")) {
			return nil, fmt.Errorf("%w: member %q is missing", ErrBundle, k)
		}
	}
	var out Bundle
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBundle, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrBundle)
	}
	if len(out.InclusionProof) > 64 {
		return nil, fmt.Errorf("%w: proof has %d hashes, at most 64", ErrBundle, len(out.InclusionProof))
	}
	return &out, nil
}

// VerifyBundle checks a bundle offline: the checkpoint is signed by the
// log's verifier key and names the bundle's log, the entry is at Index in
// that checkpoint's tree, and the entry is a receipt validly signed by
// ProviderKey (a single envelope, or a batch member under a signed root).
// Whether the checkpoint is anchored on chain is for the caller to check.
func VerifyBundle(b Bundle, logVerifierKey string) (*VerifiedReceipt, error) {
	cp, err := tlog.Open([]byte(b.Checkpoint), logVerifierKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBundle, err)
	}
	if cp.Origin != b.LogID {
		return nil, fmt.Errorf("%w: checkpoint is for log %q, bundle says %q", ErrBundle, cp.Origin, b.LogID)
	}
	if b.Index >= cp.Size {
		return nil, fmt.Errorf("%w: index %d is outside a checkpoint of %d entries", ErrBundle, b.Index, cp.Size)
	}
	leaf := tlog.LeafHash(b.Entry)
	if err := tlog.VerifyInclusion(leaf, b.Index, cp.Size, b.InclusionProof, cp.Hash); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBundle, err)
	}
	if len(b.ProviderKey) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: provider key is %d bytes", ErrBundle, len(b.ProviderKey))
	}
	pub := ed25519.PublicKey(b.ProviderKey)
	vr := &VerifiedReceipt{LogID: b.LogID, Index: b.Index, ReceiptID: hex.EncodeToString(leaf), Checkpoint: cp, KeyID: receipt.KeyID(pub)}
	if env, err := receipt.DecodeEnvelope(b.Entry); err == nil {
		if !bytes.Equal(env.Canonical(), b.Entry) {
			return nil, fmt.Errorf("%w: entry is not in canonical form", ErrBundle)
		}
		if vr.Statement, err = receipt.Verify(env, pub); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBundle, err)
		}
		return vr, nil
	}
	m, err := receipt.DecodeMember(b.Entry)
	if err != nil {
		return nil, fmt.Errorf("%w: entry is neither a receipt envelope nor a batch member: %w", ErrBundle, err)
	}
	if !bytes.Equal(m.Canonical(), b.Entry) {
		return nil, fmt.Errorf("%w: entry is not in canonical form", ErrBundle)
	}
	if vr.Statement, err = m.Verify(pub); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBundle, err)
	}
	vr.Batched = true
	return vr, nil
}

// InclusionProof returns the inclusion proof of entry index in the tree of
// treeSize entries; treeSize must not exceed the latest published
// checkpoint.
func (s *Service) InclusionProof(ctx context.Context, index, treeSize uint64) ([][]byte, error) {
	cur := s.cps.latest()
	if cur == nil || treeSize > cur.cp.Size {
		return nil, fmt.Errorf("%w: tree size %d is not published", ErrNotFound, treeSize)
	}
	if index >= treeSize {
		return nil, fmt.Errorf("%w: no entry %d in a tree of %d", ErrNotFound, index, treeSize)
	}
	return s.tiles.inclusion(ctx, index, treeSize)
}

// ConsistencyProof returns the proof that the tree of size to extends the
// tree of size from (empty when from is 0 or equal to to).
func (s *Service) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	cur := s.cps.latest()
	if cur == nil || to > cur.cp.Size {
		return nil, fmt.Errorf("%w: tree size %d is not published", ErrNotFound, to)
	}
	if from > to {
		return nil, fmt.Errorf("%w: from %d is larger than to %d", ErrBadRequest, from, to)
	}
	return s.tiles.consistency(ctx, from, to)
}

// Bundle returns the receipt bundle of entry index against the latest
// checkpoint, or against the held checkpoint of treeSize when non-zero.
func (s *Service) Bundle(ctx context.Context, index, treeSize uint64) (*Bundle, error) {
	b, _, err := s.bundle(ctx, index, treeSize)
	return b, err
}

func (s *Service) bundle(ctx context.Context, index, treeSize uint64) (*Bundle, *cpState, error) {
	cp := s.cps.latest()
	if treeSize != 0 {
		cp = s.cps.atSize(treeSize)
	}
	if cp == nil {
		return nil, nil, fmt.Errorf("%w: no checkpoint of size %d is held; ask for the latest", ErrNotFound, treeSize)
	}
	if index >= cp.cp.Size {
		return nil, nil, fmt.Errorf("%w: no entry %d in a checkpoint of %d", ErrNotFound, index, cp.cp.Size)
	}
	entry, err := s.bundles.entry(ctx, index, cp.cp.Size)
	if err != nil {
		return nil, nil, err
	}
	pub, err := s.providerKey(entry)
	if err != nil {
		return nil, nil, err
	}
	pr, err := s.tiles.inclusion(ctx, index, cp.cp.Size)
	if err != nil {
		return nil, nil, err
	}
	return &Bundle{LogID: s.origin, Index: index, Entry: entry, ProviderKey: pub, Checkpoint: string(cp.raw), InclusionProof: pr}, cp, nil
}

var keyIDMember = []byte(`"keyid":"`)

// providerKey finds the signing key of a stored entry. Stored entries are
// canonical envelopes or members (checked on the way in), each with exactly
// one "keyid" member and base64 payloads, so the first "keyid" is it.
func (s *Service) providerKey(entry []byte) (ed25519.PublicKey, error) {
	i := bytes.Index(entry, keyIDMember)
	if i < 0 {
		return nil, errors.New("stored entry has no key id")
	}
	rest := entry[i+len(keyIDMember):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return nil, errors.New("stored entry has no key id")
	}
	pub, ok := s.keys.get(string(rest[:j]))
	if !ok {
		return nil, fmt.Errorf("no stored key for %s", rest[:j])
	}
	return pub, nil
}

// appendBundleJSON writes b as the JSON that encoding/json would write for
// Bundle (same member order and encodings), without reflection: proof
// serving is the hot path. quotedCheckpoint is b.Checkpoint as a JSON
// string.
func appendBundleJSON(dst []byte, b *Bundle, quotedLogID, quotedCheckpoint []byte) []byte {
	dst = append(dst, `{"log_id":`...)
	dst = append(dst, quotedLogID...)
	dst = append(dst, `,"index":`...)
	dst = strconv.AppendUint(dst, b.Index, 10)
	dst = append(dst, `,"entry":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, b.Entry)
	dst = append(dst, `","provider_key":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, b.ProviderKey)
	dst = append(dst, `","checkpoint":`...)
	dst = append(dst, quotedCheckpoint...)
	dst = append(dst, `,"inclusion_proof":[`...)
	for i, h := range b.InclusionProof {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, h)
		dst = append(dst, '"')
	}
	return append(dst, "]}\n"...)
}
