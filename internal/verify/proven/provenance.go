package proven

import (
	"context"
	"errors"
	"fmt"

	"github.com/prova-network/prova/internal/verify"
	evaltypes "github.com/prova-network/prova/x/eval/types"
	regtypes "github.com/prova-network/prova/x/registry/types"
)

// ErrNotRegistered is returned when nothing is registered under a digest;
// the absence itself is proven.
var ErrNotRegistered = errors.New("not registered")

// ProvenRecord is one registry record with the proof that it is in state.
type ProvenRecord struct {
	Kind    string            `json:"kind"` // "model" or "dataset"
	ID      string            `json:"id"`
	Model   *regtypes.Model   `json:"model,omitempty"`
	Dataset *regtypes.Dataset `json:"dataset,omitempty"`
	Proof   *verify.Proof     `json:"proof"`
}

// AncestorRecord is a proven ancestor and how it was reached.
type AncestorRecord struct {
	ProvenRecord
	Depth    int    `json:"depth"`
	Via      string `json:"via"`
	Relation string `json:"relation"`
}

// DatasetUse is a proven dataset and the model that used it.
type DatasetUse struct {
	ProvenRecord
	UsedBy   string `json:"used_by"`
	Relation string `json:"relation"`
}

// Provenance is an artifact's record and lineage, all proven at one height.
type Provenance struct {
	ChainID   string           `json:"chain_id"`
	Height    int64            `json:"height"`
	AppHash   string           `json:"app_hash"`
	Subject   ProvenRecord     `json:"subject"`
	Ancestors []AncestorRecord `json:"ancestors,omitempty"`
	Datasets  []DatasetUse     `json:"datasets,omitempty"`
	// Evaluation is the subject's latest succeeded evaluation, if any.
	Evaluation *ProvenEvaluation `json:"evaluation,omitempty"`
}

// ProvenEvaluation is an evaluation result with its proof.
type ProvenEvaluation struct {
	Task  evaltypes.Task `json:"task"`
	Proof *verify.Proof  `json:"proof"`
}

// Count returns how many records were proven.
func (p *Provenance) Count() int {
	n := 1 + len(p.Ancestors) + len(p.Datasets)
	if p.Evaluation != nil {
		n++
	}
	return n
}

// evaluation fetches the latest evaluation result of id (nil if none).
func (r *Reader) evaluation(ctx context.Context, id string) (*ProvenEvaluation, error) {
	v, p, err := r.Get(ctx, evaltypes.StoreKey, evaltypes.LatestResultKey(id))
	if err != nil || v == nil {
		return nil, err
	}
	var t evaltypes.Task
	if err := t.Unmarshal(v); err != nil {
		return nil, fmt.Errorf("decode proven evaluation of %s: %w", id, err)
	}
	return &ProvenEvaluation{Task: t, Proof: p}, nil
}

// record fetches whatever is registered under id; it returns
// ErrNotRegistered (with the height of the proof of absence) if nothing is.
// Record proves whatever is registered under id.
func (r *Reader) Record(ctx context.Context, id string) (ProvenRecord, error) {
	v, p, err := r.Get(ctx, regtypes.StoreKey, regtypes.ModelKey(id))
	if err != nil {
		return ProvenRecord{}, err
	}
	if v != nil {
		var m regtypes.Model
		if err := m.Unmarshal(v); err != nil {
			return ProvenRecord{}, fmt.Errorf("decode proven model %s: %w", id, err)
		}
		return ProvenRecord{Kind: "model", ID: id, Model: &m, Proof: p}, nil
	}
	v, p, err = r.Get(ctx, regtypes.StoreKey, regtypes.DatasetKey(id))
	if err != nil {
		return ProvenRecord{}, err
	}
	if v == nil {
		return ProvenRecord{}, fmt.Errorf("%w: nothing is registered under %s (absence proven at height %d)", ErrNotRegistered, id, p.Height)
	}
	var d regtypes.Dataset
	if err := d.Unmarshal(v); err != nil {
		return ProvenRecord{}, fmt.Errorf("decode proven dataset %s: %w", id, err)
	}
	return ProvenRecord{Kind: "dataset", ID: id, Dataset: &d, Proof: p}, nil
}

// maxVerifyRecords bounds how many records one verification fetches.
const maxVerifyRecords = 2_000

// Provenance proves the record under id and, for a model, every ancestor
// (breadth first, nearest first), every dataset they used and the
// subject's latest evaluation, all at the reader's height.
func (r *Reader) Provenance(ctx context.Context, id string) (*Provenance, error) {
	subject, err := r.Record(ctx, id)
	if err != nil {
		return nil, err
	}
	pv := &Provenance{ChainID: subject.Proof.ChainID, Height: subject.Proof.Height, AppHash: subject.Proof.AppHash.String(), Subject: subject}
	if pv.Evaluation, err = r.evaluation(ctx, id); err != nil {
		return nil, err
	}
	if subject.Kind != "model" {
		return pv, nil
	}
	seenModel := map[string]bool{id: true}
	seenData := map[string]bool{}
	addDatasets := func(m *regtypes.Model) error {
		for _, dl := range m.Info.Datasets {
			if seenData[dl.DatasetId] {
				continue
			}
			seenData[dl.DatasetId] = true
			rec, err := r.Record(ctx, dl.DatasetId)
			if err != nil {
				return err
			}
			if rec.Kind != "dataset" {
				return fmt.Errorf("model %s names %s as a dataset, but it is a %s", m.Info.Id, dl.DatasetId, rec.Kind)
			}
			pv.Datasets = append(pv.Datasets, DatasetUse{ProvenRecord: rec, UsedBy: m.Info.Id, Relation: dl.Relation.Short()})
		}
		return nil
	}
	if err := addDatasets(subject.Model); err != nil {
		return nil, err
	}
	frontier := []*regtypes.Model{subject.Model}
	for depth := 1; len(frontier) > 0; depth++ {
		var next []*regtypes.Model
		for _, m := range frontier {
			for _, pl := range m.Info.Parents {
				if seenModel[pl.ModelId] {
					continue
				}
				seenModel[pl.ModelId] = true
				if pv.Count() >= maxVerifyRecords {
					return nil, fmt.Errorf("lineage of %s has more than %d records; verify an ancestor separately", id, maxVerifyRecords)
				}
				rec, err := r.Record(ctx, pl.ModelId)
				if err != nil {
					return nil, err
				}
				if rec.Kind != "model" {
					return nil, fmt.Errorf("model %s names %s as a parent, but it is a %s", m.Info.Id, pl.ModelId, rec.Kind)
				}
				pv.Ancestors = append(pv.Ancestors, AncestorRecord{ProvenRecord: rec, Depth: depth, Via: m.Info.Id, Relation: pl.Relation.Short()})
				if err := addDatasets(rec.Model); err != nil {
					return nil, err
				}
				next = append(next, rec.Model)
			}
		}
		frontier = next
	}
	return pv, nil
}
