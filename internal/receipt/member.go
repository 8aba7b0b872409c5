package receipt

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

const (
	// maxBatchProof bounds a member's inclusion proof: a tree of
	// MaxBatchReceipts (2^12) leaves needs at most 12 hashes.
	maxBatchProof = 12
	// MaxMemberBytes caps an encoded Member.
	MaxMemberBytes = 2*MaxEnvelopeBytes + maxBatchProof*(2*HashSize+3)
)

// Member is one receipt of a batch, standing alone: its statement payload,
// its index in the batch, the inclusion proof (siblings from the leaf up)
// and the batch's signed root envelope. It is what a log stores and a
// client verifies for a receipt that arrived in a batch.
type Member struct {
	Statement []byte
	Index     uint64
	Proof     [][]byte
	Root      *Envelope
}

type wireMember struct {
	Statement string       `json:"statement"`
	Index     uint64       `json:"index"`
	Proof     []string     `json:"proof"`
	Root      wireEnvelope `json:"root"`
}

// Members splits a batch into stand-alone receipts, in order. It builds the
// tree once; it does not verify the batch (VerifyBatch does).
func (b *Batch) Members() ([]*Member, error) {
	tr, err := batchTree(b.Statements)
	if err != nil {
		return nil, err
	}
	return b.members(tr), nil
}

// members splits b using its tree tr.
func (b *Batch) members(tr *tree) []*Member {
	ms := make([]*Member, len(b.Statements))
	for i, s := range b.Statements {
		ms[i] = &Member{Statement: s, Index: uint64(i), Proof: tr.proof(i), Root: b.Root}
	}
	return ms
}

// Verify checks the batch root signature against pub, the inclusion of the
// statement at Index under the signed root and size, and the statement.
func (m *Member) Verify(pub ed25519.PublicKey) (*Statement, error) {
	rs, root, err := verifyRoot(m.Root, pub)
	if err != nil {
		return nil, err
	}
	if m.Index >= rs.Predicate.Size {
		return nil, fmt.Errorf("%w: index %d in a batch of %d", ErrBatchRoot, m.Index, rs.Predicate.Size)
	}
	leaf := rfc6962.DefaultHasher.HashLeaf(m.Statement)
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, m.Index, rs.Predicate.Size, leaf, m.Proof, root); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBatchRoot, err)
	}
	return parseMember(m.Statement, rs)
}

// Canonical returns the member's canonical JSON: "statement" (standard
// base64), "index", "proof" (lower-case hex hashes), "root" (canonical
// envelope). A log stores these bytes for a batched receipt.
func (m *Member) Canonical() []byte {
	w := wireMember{Statement: base64.StdEncoding.EncodeToString(m.Statement), Index: m.Index, Proof: make([]string, len(m.Proof)), Root: m.Root.wire()}
	for i, h := range m.Proof {
		w.Proof[i] = hex.EncodeToString(h)
	}
	out, _ := json.Marshal(w) // strings and integers only: cannot fail
	return out
}

// MarshalJSON writes the canonical form.
func (m *Member) MarshalJSON() ([]byte, error) { return m.Canonical(), nil }

// LeafHash is the RFC 6962 leaf hash of Canonical(): the member's entry
// hash in a log and its receipt ID.
func (m *Member) LeafHash() []byte { return rfc6962.DefaultHasher.HashLeaf(m.Canonical()) }

// ID is the receipt ID of the member: its leaf hash in lower-case hex.
func (m *Member) ID() string { return hex.EncodeToString(m.LeafHash()) }

// DecodeMember strictly decodes a stand-alone batch member. It checks no
// signature or proof; Member.Verify does.
func DecodeMember(b []byte) (*Member, error) {
	if len(b) > MaxMemberBytes {
		return nil, fmt.Errorf("%w: member is %d bytes, at most %d", ErrTooLarge, len(b), MaxMemberBytes)
	}
	var w rawMember
	if err := decodeStrict(b, &w); err != nil {
		return nil, fmt.Errorf("member: %w", err)
	}
	st, err := decodeBase64(nameStatement, w.statement)
	if err != nil {
		return nil, err
	}
	if len(st) > MaxStatementBytes {
		return nil, fmt.Errorf("%w: statement is %d bytes, at most %d", ErrTooLarge, len(st), MaxStatementBytes)
	}
	if len(w.proof) > maxBatchProof {
		return nil, fmt.Errorf("%w: proof has %d hashes, at most %d", ErrMalformed, len(w.proof), maxBatchProof)
	}
	m := &Member{Statement: st, Index: w.index, Proof: make([][]byte, len(w.proof))}
	for i, h := range w.proof {
		if len(h) != 2*HashSize || !isLowerHex(h) {
			return nil, fmt.Errorf("%w: proof hash %d is not %d lower-case hex digits", ErrMalformed, i, 2*HashSize)
		}
		m.Proof[i], _ = hex.DecodeString(h)
	}
	if m.Root, err = w.root.envelope(); err != nil {
		return nil, fmt.Errorf("member root: %w", err)
	}
	return m, nil
}
