package verify

import (
	"bytes"
	"fmt"

	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	ics23 "github.com/cosmos/ics23/go"
)

// Proof operation types written by the SDK multistore (store/v2/types).
const (
	// ProofOpIAVL proves a key (or its absence) inside one module's IAVL store.
	ProofOpIAVL = "ics23:iavl"
	// ProofOpSimpleMerkle proves a store's root inside the app hash.
	ProofOpSimpleMerkle = "ics23:simple"
)

// maxProofOpBytes bounds one encoded proof operation. Real IAVL proofs are a
// few KiB (one inner node per tree level); anything near this bound is hostile.
const maxProofOpBytes = 1 << 20

// StoreProof is a decoded SDK multistore proof: an ICS23 proof for a key in a
// module's IAVL store, chained to an ICS23 proof of that store's root in the
// simple Merkle tree whose root is the app hash.
type StoreProof struct {
	// Key is the key inside the module store that the proof is about.
	Key []byte
	// StoreName is the module store (e.g. "bank") that the proof is about.
	StoreName string

	inner  *ics23.CommitmentProof // existence or non-existence, IAVL spec
	outer  *ics23.ExistenceProof  // store name -> store root, Tendermint spec
	exists bool
}

// Exists reports whether the proof claims that the key is present. It says
// nothing about validity until Verify has succeeded.
func (p *StoreProof) Exists() bool { return p.exists }

// DecodeStoreProof decodes the ProofOps of an ABCI query answered by an SDK
// multistore: exactly two operations, ics23:iavl then ics23:simple. It checks
// only the shape of the proof; Verify checks what it proves.
func DecodeStoreProof(ops *cmtcrypto.ProofOps) (*StoreProof, error) {
	if ops == nil || len(ops.Ops) == 0 {
		return nil, ErrProofMissing
	}
	if len(ops.Ops) != 2 {
		return nil, fmt.Errorf("%w: want 2 proof operations (%s, %s), got %d",
			ErrProofInvalid, ProofOpIAVL, ProofOpSimpleMerkle, len(ops.Ops))
	}
	innerOp, outerOp := ops.Ops[0], ops.Ops[1]
	if innerOp.Type != ProofOpIAVL {
		return nil, fmt.Errorf("%w: operation 0 has type %q, want %q", ErrProofInvalid, innerOp.Type, ProofOpIAVL)
	}
	if outerOp.Type != ProofOpSimpleMerkle {
		return nil, fmt.Errorf("%w: operation 1 has type %q, want %q", ErrProofInvalid, outerOp.Type, ProofOpSimpleMerkle)
	}

	inner, err := decodeCommitmentProof(innerOp)
	if err != nil {
		return nil, err
	}
	outer, err := decodeCommitmentProof(outerOp)
	if err != nil {
		return nil, err
	}

	p := &StoreProof{Key: innerOp.Key, StoreName: string(outerOp.Key), inner: inner}
	switch {
	case inner.GetExist() != nil:
		p.exists = true
	case inner.GetNonexist() != nil:
		p.exists = false
	default:
		return nil, fmt.Errorf("%w: store proof is neither an existence nor a non-existence proof", ErrProofInvalid)
	}
	if p.outer = outer.GetExist(); p.outer == nil {
		return nil, fmt.Errorf("%w: multistore proof is not an existence proof", ErrProofInvalid)
	}
	return p, nil
}

func decodeCommitmentProof(op cmtcrypto.ProofOp) (*ics23.CommitmentProof, error) {
	if len(op.Data) > maxProofOpBytes {
		return nil, fmt.Errorf("%w: %s operation is %d bytes, limit %d", ErrProofInvalid, op.Type, len(op.Data), maxProofOpBytes)
	}
	cp := new(ics23.CommitmentProof)
	if err := cp.Unmarshal(op.Data); err != nil {
		return nil, fmt.Errorf("%w: decoding %s operation: %w", ErrProofInvalid, op.Type, err)
	}
	return cp, nil
}

// Verify checks that the proof shows, under appHash, that the module store
// storeName maps key to value. A nil value asks for proof that key is absent;
// an empty non-nil value is a present key with an empty value.
//
// Errors: ErrProofKeyMismatch (proof about another key or store),
// ErrValueMismatch (proof commits to another value, or to presence/absence
// other than asked), ErrProofInvalid (does not hash up), ErrAppHashMismatch
// (hashes up to another root).
func (p *StoreProof) Verify(appHash []byte, storeName string, key, value []byte) (err error) {
	// The ICS23 library walks attacker-supplied structures. It is fuzzed
	// upstream and here, but a panic in it must still be a rejected proof,
	// never a crashed verifier.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: verifier panicked: %v", ErrProofInvalid, r)
		}
	}()

	if p.StoreName != storeName {
		return fmt.Errorf("%w: proof is for store %q, asked for %q", ErrProofKeyMismatch, p.StoreName, storeName)
	}
	if !bytes.Equal(p.Key, key) {
		return fmt.Errorf("%w: proof is for key %X, asked for %X", ErrProofKeyMismatch, p.Key, key)
	}

	storeRoot, err := p.verifyInner(key, value)
	if err != nil {
		return err
	}

	// Chain the store root into the multistore's simple Merkle tree.
	if !bytes.Equal(p.outer.Key, []byte(storeName)) {
		return fmt.Errorf("%w: multistore proof is for store %q, asked for %q", ErrProofKeyMismatch, p.outer.Key, storeName)
	}
	if !bytes.Equal(p.outer.Value, storeRoot) {
		return fmt.Errorf("%w: multistore proof commits to store root %X, store proof computes %X",
			ErrProofInvalid, p.outer.Value, storeRoot)
	}
	root, err := p.outer.Calculate()
	if err != nil {
		return fmt.Errorf("%w: multistore proof: %w", ErrProofInvalid, err)
	}
	if err := p.outer.Verify(ics23.TendermintSpec, root, []byte(storeName), storeRoot); err != nil {
		return fmt.Errorf("%w: multistore proof: %w", ErrProofInvalid, err)
	}
	if !bytes.Equal(root, appHash) {
		return fmt.Errorf("%w: proof root %X, header app hash %X", ErrAppHashMismatch, root, appHash)
	}
	return nil
}

// verifyInner checks the IAVL proof and returns the store root it commits to.
func (p *StoreProof) verifyInner(key, value []byte) ([]byte, error) {
	if ex := p.inner.GetExist(); ex != nil {
		if value == nil {
			return nil, fmt.Errorf("%w: proof shows key %X is present, expected it to be absent", ErrValueMismatch, key)
		}
		if !bytes.Equal(ex.Key, key) {
			return nil, fmt.Errorf("%w: existence proof is for key %X, asked for %X", ErrProofKeyMismatch, ex.Key, key)
		}
		if !bytes.Equal(ex.Value, value) {
			return nil, fmt.Errorf("%w: proven value is %X, got %X", ErrValueMismatch, ex.Value, value)
		}
		root, err := ex.Calculate()
		if err != nil {
			return nil, fmt.Errorf("%w: store proof: %w", ErrProofInvalid, err)
		}
		if err := ex.Verify(ics23.IavlSpec, root, key, value); err != nil {
			return nil, fmt.Errorf("%w: store proof: %w", ErrProofInvalid, err)
		}
		return root, nil
	}

	nx := p.inner.GetNonexist()
	if value != nil {
		return nil, fmt.Errorf("%w: proof shows key %X is absent, got value %X", ErrValueMismatch, key, value)
	}
	if !bytes.Equal(nx.Key, key) {
		return nil, fmt.Errorf("%w: non-existence proof is for key %X, asked for %X", ErrProofKeyMismatch, nx.Key, key)
	}
	root, err := nx.Calculate()
	if err != nil {
		return nil, fmt.Errorf("%w: store proof: %w", ErrProofInvalid, err)
	}
	if err := nx.Verify(ics23.IavlSpec, root, key); err != nil {
		return nil, fmt.Errorf("%w: store proof: %w", ErrProofInvalid, err)
	}
	return root, nil
}

// VerifyStoreValue decodes ops and verifies them: under appHash, the module
// store storeName maps key to value (or, with a nil value, key is absent).
// It is a pure function: no I/O, no clock. The app hash must come from a
// verified header at the height after the one the proof was made at.
func VerifyStoreValue(ops *cmtcrypto.ProofOps, appHash []byte, storeName string, key, value []byte) error {
	p, err := DecodeStoreProof(ops)
	if err != nil {
		return err
	}
	return p.Verify(appHash, storeName, key, value)
}
