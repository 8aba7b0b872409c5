package records

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode"

	"github.com/prova-network/prova/internal/tlog"
)

// Proof document constants.
const (
	// Algorithm names the tree hash: RFC 6962 with SHA-256.
	Algorithm = "rfc6962-sha256"
	// ProofVersion is the version of the InclusionProof document.
	ProofVersion = 1
	// MaxDatasetIDLen caps the dataset ID in a proof.
	MaxDatasetIDLen = 256
	// MaxProofSize caps a proof document: the base64 of the largest record
	// plus room for everything else (at most 64 hashes).
	MaxProofSize = (MaxRecordSize+2)/3*4 + 64<<10
)

// Hash is a 32-byte hash written in JSON as 64 hex digits.
type Hash []byte

// MarshalText writes lower-case hex.
func (h Hash) MarshalText() ([]byte, error) {
	if len(h) != HashSize {
		return nil, fmt.Errorf("%w: hash is %d bytes, want %d", ErrInvalidProof, len(h), HashSize)
	}
	return []byte(hex.EncodeToString(h)), nil
}

// UnmarshalText reads exactly 64 hex digits.
func (h *Hash) UnmarshalText(b []byte) error {
	if len(b) != 2*HashSize {
		return fmt.Errorf("%w: hash has %d hex digits, want %d", ErrInvalidProof, len(b), 2*HashSize)
	}
	out := make([]byte, HashSize)
	if _, err := hex.Decode(out, b); err != nil {
		return fmt.Errorf("%w: hash: %w", ErrInvalidProof, err)
	}
	*h = out
	return nil
}

// InclusionProof shows that one record is in a dataset's record tree. It is
// the JSON document `provad dataset prove` writes and `provad dataset verify`
// reads.
type InclusionProof struct {
	// Version is ProofVersion.
	Version int `json:"version"`
	// Algorithm is the Algorithm constant.
	Algorithm string `json:"algorithm"`
	// DatasetID is the registered dataset, e.g. "blake3:<hex>".
	DatasetID string `json:"dataset_id"`
	// Record is the record's bytes (base64 in JSON).
	Record []byte `json:"record"`
	// RecordIndex is the record's position, from 0.
	RecordIndex uint64 `json:"record_index"`
	// TreeSize is the number of records in the dataset.
	TreeSize uint64 `json:"tree_size"`
	// LeafHash is the RFC 6962 leaf hash of Record.
	LeafHash Hash `json:"leaf_hash"`
	// Siblings is the audit path, from the leaf up.
	Siblings []Hash `json:"siblings"`
	// Root is the record root the proof leads to.
	Root Hash `json:"root"`
}

// NewInclusionProof proves the record at index of tree t. record must be the
// record the tree was built from at that index.
func NewInclusionProof(datasetID string, t *Tree, index uint64, record []byte) (*InclusionProof, error) {
	leaf, err := t.LeafHash(index)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(leaf, tlog.LeafHash(record)) {
		return nil, fmt.Errorf("%w: record %d of the tree is not the given record", ErrRecordNotFound, index)
	}
	path, err := t.Prove(index)
	if err != nil {
		return nil, err
	}
	p := &InclusionProof{
		Version:     ProofVersion,
		Algorithm:   Algorithm,
		DatasetID:   datasetID,
		Record:      append([]byte{}, record...),
		RecordIndex: index,
		TreeSize:    t.Size(),
		LeafHash:    leaf,
		Siblings:    make([]Hash, len(path)),
		Root:        t.Root(),
	}
	for i, h := range path {
		p.Siblings[i] = h
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Validate checks that the proof is well formed and hangs together: known
// version and algorithm, a printable dataset ID, the record within
// MaxRecordSize, index below size, the right number of 32-byte siblings, a
// leaf hash that is the record's, and siblings that hash up to Root. It does
// not say whether Root is trusted; Verify does.
func (p *InclusionProof) Validate() error {
	if p.Version != ProofVersion {
		return fmt.Errorf("%w: version %d, want %d", ErrInvalidProof, p.Version, ProofVersion)
	}
	if p.Algorithm != Algorithm {
		return fmt.Errorf("%w: algorithm %q, want %q", ErrInvalidProof, p.Algorithm, Algorithm)
	}
	if err := checkDatasetID(p.DatasetID); err != nil {
		return err
	}
	if len(p.Record) > MaxRecordSize {
		return fmt.Errorf("%w: record is %d bytes, the cap is %d", ErrInvalidProof, len(p.Record), MaxRecordSize)
	}
	if p.RecordIndex >= p.TreeSize {
		return fmt.Errorf("%w: record index %d is not below tree size %d", ErrInvalidProof, p.RecordIndex, p.TreeSize)
	}
	if want := proofLen(p.RecordIndex, p.TreeSize); len(p.Siblings) != want {
		return fmt.Errorf("%w: %d sibling hashes, record %d of %d needs %d", ErrInvalidProof, len(p.Siblings), p.RecordIndex, p.TreeSize, want)
	}
	if len(p.LeafHash) != HashSize || len(p.Root) != HashSize {
		return fmt.Errorf("%w: leaf hash and root must be %d bytes", ErrInvalidProof, HashSize)
	}
	for i, s := range p.Siblings {
		if len(s) != HashSize {
			return fmt.Errorf("%w: sibling %d is %d bytes, want %d", ErrInvalidProof, i, len(s), HashSize)
		}
	}
	if !bytes.Equal(p.LeafHash, tlog.LeafHash(p.Record)) {
		return fmt.Errorf("%w: leaf hash is not the hash of the record", ErrInvalidProof)
	}
	if err := p.verify(p.Root); err != nil {
		return fmt.Errorf("%w: siblings do not lead to the proof's own root: %w", ErrInvalidProof, err)
	}
	return nil
}

func checkDatasetID(id string) error {
	if id == "" || len(id) > MaxDatasetIDLen {
		return fmt.Errorf("%w: dataset id must be 1 to %d bytes, got %d", ErrInvalidProof, MaxDatasetIDLen, len(id))
	}
	for _, r := range id {
		if r > unicode.MaxASCII || !unicode.IsGraphic(r) || r == ' ' {
			return fmt.Errorf("%w: dataset id %q has a character that is not printable ascii", ErrInvalidProof, id)
		}
	}
	return nil
}

// Verify checks that the proof shows its record under root, the record root
// proven on chain for the dataset. It recomputes the leaf hash from the
// record and checks the audit path with tlog.VerifyInclusion, the
// verifier receipts use.
//
// A success proves the record is in the dataset. The index and size are only
// as trustworthy as the size: one audit path can fit the same root at more
// than one (index, size), so when the record's position matters, use
// VerifyWithSize with the record count proven on chain.
func (p *InclusionProof) Verify(root []byte) error {
	if len(root) != HashSize {
		return fmt.Errorf("%w: trusted root is %d bytes, want %d", ErrRootMismatch, len(root), HashSize)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if !bytes.Equal(p.Root, root) {
		return fmt.Errorf("%w: proof root %x, trusted root %x", ErrRootMismatch, []byte(p.Root), root)
	}
	return p.verify(root)
}

// VerifyWithSize is Verify that also checks the tree size against the
// trusted record count, which pins the record's index.
func (p *InclusionProof) VerifyWithSize(root []byte, size uint64) error {
	if p.TreeSize != size {
		return fmt.Errorf("%w: proof is for %d records, trusted count is %d", ErrSizeMismatch, p.TreeSize, size)
	}
	return p.Verify(root)
}

func (p *InclusionProof) verify(root []byte) error {
	path := make([][]byte, len(p.Siblings))
	for i, s := range p.Siblings {
		path[i] = s
	}
	leaf := tlog.LeafHash(p.Record)
	if err := tlog.VerifyInclusion(leaf, p.RecordIndex, p.TreeSize, path, root); err != nil {
		return fmt.Errorf("%w: %w", ErrNotIncluded, err)
	}
	return nil
}

// wireProof mirrors InclusionProof with pointers so that Decode can tell a
// missing field from a zero one.
type wireProof struct {
	Version     *int    `json:"version"`
	Algorithm   *string `json:"algorithm"`
	DatasetID   *string `json:"dataset_id"`
	Record      *[]byte `json:"record"`
	RecordIndex *uint64 `json:"record_index"`
	TreeSize    *uint64 `json:"tree_size"`
	LeafHash    *Hash   `json:"leaf_hash"`
	Siblings    *[]Hash `json:"siblings"`
	Root        *Hash   `json:"root"`
}

// Decode reads one proof document from r and validates it (Validate).
// Unknown or missing fields, trailing data and documents over MaxProofSize
// are errors wrapping ErrInvalidProof.
func Decode(r io.Reader) (*InclusionProof, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxProofSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxProofSize {
		return nil, fmt.Errorf("%w: document is larger than %d bytes", ErrInvalidProof, MaxProofSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w wireProof
	if err := dec.Decode(&w); err != nil {
		if errors.Is(err, ErrInvalidProof) { // a field's own check said why
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidProof, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the document", ErrInvalidProof)
	}
	if w.Version == nil || w.Algorithm == nil || w.DatasetID == nil || w.Record == nil ||
		w.RecordIndex == nil || w.TreeSize == nil || w.LeafHash == nil || w.Siblings == nil || w.Root == nil {
		return nil, fmt.Errorf("%w: missing field (all of version, algorithm, dataset_id, record, record_index, tree_size, leaf_hash, siblings, root are required)", ErrInvalidProof)
	}
	p := &InclusionProof{
		Version:     *w.Version,
		Algorithm:   *w.Algorithm,
		DatasetID:   *w.DatasetID,
		Record:      *w.Record,
		RecordIndex: *w.RecordIndex,
		TreeSize:    *w.TreeSize,
		LeafHash:    *w.LeafHash,
		Siblings:    *w.Siblings,
		Root:        *w.Root,
	}
	if p.Record == nil {
		p.Record = []byte{}
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Encode writes the proof as indented JSON followed by a newline.
func (p *InclusionProof) Encode(w io.Writer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	out := *p
	if out.Record == nil {
		out.Record = []byte{} // "" rather than null, which Decode rejects
	}
	if out.Siblings == nil {
		out.Siblings = []Hash{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(&out)
}
