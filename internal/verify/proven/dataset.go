package proven

import (
	"context"
	"errors"
	"fmt"

	"github.com/prova-network/prova/internal/records"
)

// ErrRecordRejected means a dataset record's inclusion proof does not
// verify against the dataset's proven record root.
var ErrRecordRejected = errors.New("record proof rejected")

// DatasetRecord proves the dataset that p names and checks p against its
// record root and record count. An inclusion proof that does not verify
// returns an error wrapping the records package's error.
func (r *Reader) DatasetRecord(ctx context.Context, p *records.InclusionProof) (ProvenRecord, error) {
	rec, err := r.Record(ctx, p.DatasetID)
	if err != nil {
		return ProvenRecord{}, err
	}
	if rec.Kind != "dataset" {
		return ProvenRecord{}, fmt.Errorf("%s is not a dataset", p.DatasetID)
	}
	d := rec.Dataset.Info
	if err := p.VerifyWithSize(d.RecordRoot, d.RecordCount); err != nil {
		return rec, fmt.Errorf("%w: %w", ErrRecordRejected, err)
	}
	return rec, nil
}
