package receipt

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/transparency-dev/merkle/rfc6962"
)

// Batch formats and caps.
const (
	// BatchPredicateType is the predicate type of a batch root statement.
	BatchPredicateType = "https://prova.network/receipt-batch/v1"
	// BatchSubject names a root statement's only subject; its digest set
	// has one entry, RootDigestAlgorithm.
	BatchSubject = "receipts"
	// RootDigestAlgorithm is the digest-set key of the batch root: the
	// RFC 6962 (SHA-256) Merkle tree hash over the statement payloads.
	RootDigestAlgorithm = "rfc6962"
	// MaxBatchReceipts caps the statements in one batch.
	MaxBatchReceipts = 4096
	// MaxBatchBytes caps an encoded batch.
	MaxBatchBytes = 16 << 20
	// maxRootStatementBytes caps a root statement payload.
	maxRootStatementBytes = 1 << 10
)

// Batch is many receipt statements signed once. Statements holds the
// statement payloads (JSON); leaf i of the batch tree is the RFC 6962 leaf
// hash of Statements[i]. Root is a DSSE envelope, signed like a single
// receipt, over a RootStatement naming the tree hash and size.
type Batch struct {
	Statements [][]byte
	Root       *Envelope
}

// RootStatement is the in-toto statement a batch signature covers.
type RootStatement struct {
	Type          string        `json:"_type"`
	Subject       []Subject     `json:"subject"`
	PredicateType string        `json:"predicateType"`
	Predicate     RootPredicate `json:"predicate"`
}

// RootPredicate names the batch's provider and size; the root itself is the
// subject's digest.
type RootPredicate struct {
	Provider Provider `json:"provider"`
	Size     uint64   `json:"size"`
}

type wireBatch struct {
	Receipts []string     `json:"receipts"`
	Root     wireEnvelope `json:"root"`
}

// SignBatch validates sts (1 to MaxBatchReceipts statements, one provider,
// naming priv's key, no two alike) and signs their Merkle root once.
func SignBatch(sts []*Statement, priv ed25519.PrivateKey) (*Batch, error) {
	if len(sts) == 0 || len(sts) > MaxBatchReceipts {
		return nil, fmt.Errorf("%w: a batch holds 1 to %d receipts, got %d", ErrTooLarge, MaxBatchReceipts, len(sts))
	}
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: private key is %d bytes", ErrWrongKey, len(priv))
	}
	provider := Provider{ID: sts[0].Predicate.Provider.ID, KeyID: KeyID(priv.Public().(ed25519.PublicKey))}
	b := &Batch{Statements: make([][]byte, len(sts))}
	for i, st := range sts {
		if err := st.Validate(); err != nil {
			return nil, fmt.Errorf("receipt %d: %w", i, err)
		}
		if st.Predicate.Provider != provider {
			return nil, fmt.Errorf("%w: receipt %d names provider %+v, batch signed as %+v", ErrWrongKey, i, st.Predicate.Provider, provider)
		}
		payload, err := json.Marshal(st)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidStatement, err)
		}
		if len(payload) > MaxStatementBytes {
			return nil, fmt.Errorf("%w: receipt %d is %d bytes, at most %d", ErrTooLarge, i, len(payload), MaxStatementBytes)
		}
		b.Statements[i] = payload
	}
	tr, err := batchTree(b.Statements)
	if err != nil {
		return nil, err
	}
	root, err := json.Marshal(newRootStatement(provider, uint64(len(sts)), tr.root()))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidStatement, err)
	}
	b.Root = signPayload(root, priv)
	return b, nil
}

func newRootStatement(p Provider, size uint64, root []byte) *RootStatement {
	return &RootStatement{
		Type:          StatementType,
		Subject:       []Subject{{Name: BatchSubject, Digest: map[string]string{RootDigestAlgorithm: hex.EncodeToString(root)}}},
		PredicateType: BatchPredicateType,
		Predicate:     RootPredicate{Provider: p, Size: size},
	}
}

// batchTree hashes the statements into a tree, refusing duplicates.
func batchTree(statements [][]byte) (*tree, error) {
	leaves := make([][]byte, len(statements))
	var d Dedup
	for i, s := range statements {
		leaves[i] = rfc6962.DefaultHasher.HashLeaf(s)
		if err := d.Add(leaves[i]); err != nil {
			return nil, fmt.Errorf("receipt %d: %w", i, err)
		}
	}
	return newTree(leaves), nil
}

// parseRootStatement strictly decodes and validates a root statement.
func parseRootStatement(payload []byte) (*RootStatement, []byte, error) {
	if len(payload) > maxRootStatementBytes {
		return nil, nil, fmt.Errorf("%w: root statement is %d bytes, at most %d", ErrTooLarge, len(payload), maxRootStatementBytes)
	}
	var rs RootStatement
	if err := decodeStrict(payload, &rs); err != nil {
		return nil, nil, fmt.Errorf("root statement: %w", err)
	}
	if rs.Type != StatementType || rs.PredicateType != BatchPredicateType {
		return nil, nil, fmt.Errorf("%w: root statement types %q, %q", ErrInvalidStatement, rs.Type, rs.PredicateType)
	}
	if len(rs.Subject) != 1 || rs.Subject[0].Name != BatchSubject || len(rs.Subject[0].Digest) != 1 {
		return nil, nil, fmt.Errorf("%w: root statement needs one subject %q with one digest", ErrInvalidStatement, BatchSubject)
	}
	h := rs.Subject[0].Digest[RootDigestAlgorithm]
	if len(h) != 2*HashSize || !isLowerHex(h) {
		return nil, nil, fmt.Errorf("%w: root must be %s:<64 hex>", ErrInvalidStatement, RootDigestAlgorithm)
	}
	if err := checkID("provider.id", rs.Predicate.Provider.ID); err != nil {
		return nil, nil, err
	}
	if rs.Predicate.Size == 0 || rs.Predicate.Size > MaxBatchReceipts {
		return nil, nil, fmt.Errorf("%w: batch size %d, want 1 to %d", ErrInvalidStatement, rs.Predicate.Size, MaxBatchReceipts)
	}
	root, _ := hex.DecodeString(h)
	return &rs, root, nil
}

// verifyRoot checks the root envelope's signature and returns its statement
// and tree hash.
func verifyRoot(env *Envelope, pub ed25519.PublicKey) (*RootStatement, []byte, error) {
	if env == nil {
		return nil, nil, fmt.Errorf("%w: no root envelope", ErrMalformed)
	}
	if err := env.checkSignature(pub); err != nil {
		return nil, nil, fmt.Errorf("batch root: %w", err)
	}
	rs, root, err := parseRootStatement(env.Payload)
	if err != nil {
		return nil, nil, err
	}
	if rs.Predicate.Provider.KeyID != KeyID(pub) {
		return nil, nil, fmt.Errorf("%w: root statement names key %s", ErrWrongKey, rs.Predicate.Provider.KeyID)
	}
	return rs, root, nil
}

// parseMember decodes a batch statement and checks it belongs to rs's provider.
func parseMember(payload []byte, rs *RootStatement) (*Statement, error) {
	st, err := ParseStatement(payload)
	if err != nil {
		return nil, err
	}
	if st.Predicate.Provider != rs.Predicate.Provider {
		return nil, fmt.Errorf("%w: receipt names provider %+v, batch is from %+v", ErrWrongKey, st.Predicate.Provider, rs.Predicate.Provider)
	}
	return st, nil
}

// VerifyBatch checks b with one signature check: the root envelope is signed
// by pub, the statements hash to its root and size with no duplicates, and
// each statement is valid and names the batch's provider.
func VerifyBatch(b *Batch, pub ed25519.PublicKey) ([]*Statement, error) {
	sts, _, err := verifyBatch(b, pub)
	return sts, err
}

// VerifyBatchMembers is VerifyBatch followed by Batch.Members, building the
// batch's tree once.
func VerifyBatchMembers(b *Batch, pub ed25519.PublicKey) ([]*Statement, []*Member, error) {
	sts, tr, err := verifyBatch(b, pub)
	if err != nil {
		return nil, nil, err
	}
	return sts, b.members(tr), nil
}

func verifyBatch(b *Batch, pub ed25519.PublicKey) ([]*Statement, *tree, error) {
	rs, root, err := verifyRoot(b.Root, pub)
	if err != nil {
		return nil, nil, err
	}
	if rs.Predicate.Size != uint64(len(b.Statements)) {
		return nil, nil, fmt.Errorf("%w: root covers %d receipts, batch has %d", ErrBatchRoot, rs.Predicate.Size, len(b.Statements))
	}
	tr, err := batchTree(b.Statements)
	if err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(tr.root(), root) {
		return nil, nil, fmt.Errorf("%w: receipts hash to %x, signed root is %x", ErrBatchRoot, tr.root(), root)
	}
	sts := make([]*Statement, len(b.Statements))
	for i, p := range b.Statements {
		if sts[i], err = parseMember(p, rs); err != nil {
			return nil, nil, fmt.Errorf("receipt %d: %w", i, err)
		}
	}
	return sts, tr, nil
}

// DecodeBatch strictly decodes a batch: at most MaxBatchBytes and
// MaxBatchReceipts statements of at most MaxStatementBytes each, canonical
// base64, a well-formed root envelope. It checks no signature and does not
// parse the statements; VerifyBatch does.
func DecodeBatch(b []byte) (*Batch, error) {
	if len(b) > MaxBatchBytes {
		return nil, fmt.Errorf("%w: batch is %d bytes, at most %d", ErrTooLarge, len(b), MaxBatchBytes)
	}
	var w rawBatch
	if err := decodeStrict(b, &w); err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	if len(w.receipts) == 0 || len(w.receipts) > MaxBatchReceipts {
		return nil, fmt.Errorf("%w: a batch holds 1 to %d receipts, got %d", ErrTooLarge, MaxBatchReceipts, len(w.receipts))
	}
	// One buffer for every statement.
	total := 0
	for _, r := range w.receipts {
		total += base64.StdEncoding.DecodedLen(len(r))
	}
	buf := make([]byte, total)
	out := &Batch{Statements: make([][]byte, len(w.receipts))}
	for i, r := range w.receipts {
		p, err := decodeBase64Into(buf, func() string { return fmt.Sprintf("receipt %d", i) }, r)
		if err != nil {
			return nil, err
		}
		if len(p) > MaxStatementBytes {
			return nil, fmt.Errorf("%w: receipt %d is %d bytes, at most %d", ErrTooLarge, i, len(p), MaxStatementBytes)
		}
		out.Statements[i] = p
		buf = buf[len(p):]
	}
	root, err := w.root.envelope()
	if err != nil {
		return nil, fmt.Errorf("batch root: %w", err)
	}
	out.Root = root
	return out, nil
}

// Canonical returns the batch's canonical JSON: members "receipts" (standard
// base64 of each statement payload, in order) and "root" (the root
// envelope's canonical form).
func (b *Batch) Canonical() []byte {
	w := wireBatch{Receipts: make([]string, len(b.Statements)), Root: b.Root.wire()}
	for i, s := range b.Statements {
		w.Receipts[i] = base64.StdEncoding.EncodeToString(s)
	}
	out, _ := json.Marshal(w) // strings only: cannot fail
	return out
}

// MarshalJSON writes the canonical form.
func (b *Batch) MarshalJSON() ([]byte, error) { return b.Canonical(), nil }
