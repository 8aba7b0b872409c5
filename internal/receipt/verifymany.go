package receipt

import (
	"crypto/ed25519"
	"fmt"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// KeyLookup returns the public key for a key ID, or an error (wrapped into
// ErrWrongKey) when none is known.
type KeyLookup func(keyID string) (ed25519.PublicKey, error)

// Keys returns a KeyLookup over a fixed set of keys.
func Keys(pubs ...ed25519.PublicKey) KeyLookup {
	m := make(map[string]ed25519.PublicKey, len(pubs))
	for _, p := range pubs {
		m[KeyID(p)] = p
	}
	return func(id string) (ed25519.PublicKey, error) {
		if p, ok := m[id]; ok {
			return p, nil
		}
		return nil, fmt.Errorf("no key with id %q", id)
	}
}

// VerifyMany verifies many single receipts at once and returns one result per
// envelope: nil when the envelope verifies as Verify would accept it.
// Signatures are checked in one curve25519-voi batch; if the batch fails,
// each signature is checked alone to find the bad ones. keys must not be
// nil; a nil envelope gets ErrMalformed.
func VerifyMany(envs []*Envelope, keys KeyLookup) []error {
	_, errs := VerifyManyStatements(envs, keys)
	return errs
}

// VerifyManyStatements is VerifyMany that also returns the decoded
// statements (nil where the result is an error).
func VerifyManyStatements(envs []*Envelope, keys KeyLookup) ([]*Statement, []error) {
	errs := make([]error, len(envs))
	sts := make([]*Statement, len(envs))
	pubs := make([]ed25519.PublicKey, len(envs))
	idx := make([]int, 0, len(envs)) // envelopes whose signature is in the batch
	bv := voi.NewBatchVerifierWithCapacity(len(envs))
	for i, env := range envs {
		if env == nil {
			errs[i] = fmt.Errorf("%w: nil envelope", ErrMalformed)
			continue
		}
		if errs[i] = env.checkShape(); errs[i] != nil {
			continue
		}
		pub, err := keys(env.Signatures[0].KeyID)
		if err != nil {
			errs[i] = fmt.Errorf("%w: %w", ErrWrongKey, err)
			continue
		}
		if errs[i] = env.checkKey(pub); errs[i] != nil {
			continue
		}
		if len(env.Signatures[0].Sig) != ed25519.SignatureSize {
			errs[i] = ErrSignature
			continue
		}
		pubs[i] = pub
		idx = append(idx, i)
		bv.AddWithOptions(voi.PublicKey(pub), PAE(env.PayloadType, env.Payload), env.Signatures[0].Sig, verifyOptions)
	}
	if len(idx) == 0 {
		return sts, errs
	}
	// rand nil: crypto/rand picks the batch's random scalars.
	_, valid := bv.Verify(nil)
	for j, i := range idx {
		if !valid[j] {
			errs[i] = ErrSignature
			continue
		}
		sts[i], errs[i] = envs[i].statement(pubs[i])
	}
	return sts, errs
}
