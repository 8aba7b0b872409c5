// Package proven reads Prova's records from a node and returns them only
// with their proofs: an artifact's registry record and whole lineage, its
// latest evaluation, content records and the content check, receipt
// bundles against anchored checkpoints, and dataset record membership.
// It is the library behind `provad verify`, `bom`, `q verified`,
// `dataset verify-proof`, `receipt verify` and `content check`, and the
// demo calls the same functions.
//
// Proofs and headers are checked by internal/verify, which builds for
// WebAssembly; this package adds the decoding of Prova's protobuf records
// (which needs the SDK's types) and so does not. Like internal/verify it
// takes its network through interfaces and reads no files.
package proven

import (
	"context"

	"github.com/prova-network/prova/internal/verify"
)

// Reader reads module stores at one height, so that every value of one
// answer comes from the same state.
type Reader struct {
	r      *verify.Reader
	height int64
}

// NewReader returns a reader at height; 0 means the state of the latest
// verified header, fixed at the first read.
func NewReader(r *verify.Reader, height int64) *Reader {
	return &Reader{r: r, height: height}
}

// Latest moves the reader to the latest state for later reads: the state
// after the latest verified block H, proven with header H+1 when the chain
// produces it (so a record committed a moment ago is seen). A node reports
// a block a moment before it commits its state; set the verify.Reader's
// Retry to ride that out.
func (r *Reader) Latest(ctx context.Context) error {
	h, err := r.r.Headers.LatestVerifiedHeight(ctx)
	if err != nil {
		return err
	}
	r.height = h
	return nil
}

// ChainID is the chain of the verified headers.
func (r *Reader) ChainID() string { return r.r.Headers.ChainID() }

// Get reads key from store with its proof and pins the reader's height.
// A nil value comes with a proof of absence.
func (r *Reader) Get(ctx context.Context, store string, key []byte) ([]byte, *verify.Proof, error) {
	if r.height == 0 {
		if err := r.Latest(ctx); err != nil {
			return nil, nil, err
		}
	}
	v, p, err := r.r.Get(ctx, store, key, r.height)
	if err != nil {
		return nil, nil, err
	}
	r.height = p.Height
	return v, p, nil
}
