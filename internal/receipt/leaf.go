package receipt

import (
	"encoding/hex"
	"fmt"

	"github.com/transparency-dev/merkle/rfc6962"
)

// HashSize is the size of leaf hashes and roots (SHA-256).
const HashSize = 32

// LeafHash is the RFC 6962 leaf hash SHA-256(0x00 || Canonical()) of the
// envelope: its entry hash in a transparency log, and its receipt ID.
func (env *Envelope) LeafHash() []byte { return rfc6962.DefaultHasher.HashLeaf(env.Canonical()) }

// ID is the receipt ID: the leaf hash in lower-case hex.
func (env *Envelope) ID() string { return hex.EncodeToString(env.LeafHash()) }

// Dedup remembers leaf hashes to refuse a receipt seen before. The zero
// value is ready; it is not safe for concurrent use.
type Dedup struct {
	seen map[[HashSize]byte]struct{}
}

// Add records leaf and returns ErrDuplicate if it was already there.
func (d *Dedup) Add(leaf []byte) error {
	if len(leaf) != HashSize {
		return fmt.Errorf("%w: leaf hash is %d bytes", ErrMalformed, len(leaf))
	}
	if d.seen == nil {
		d.seen = make(map[[HashSize]byte]struct{})
	}
	k := [HashSize]byte(leaf)
	if _, ok := d.seen[k]; ok {
		return fmt.Errorf("%w: %x", ErrDuplicate, leaf)
	}
	d.seen[k] = struct{}{}
	return nil
}

// Len is the number of distinct leaves added.
func (d *Dedup) Len() int { return len(d.seen) }

// Duplicates returns, for each envelope, nil or ErrDuplicate when an
// earlier envelope in envs has the same receipt ID.
func Duplicates(envs []*Envelope) []error {
	var d Dedup
	errs := make([]error, len(envs))
	for i, e := range envs {
		errs[i] = d.Add(e.LeafHash())
	}
	return errs
}
