package bom

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// modelComponent maps a model. full adds what only the top-level copy
// carries: the bom-ref and the model card (which references dataset
// components by bom-ref).
func (ix *index) modelComponent(m *Model, full bool) (cdx.Component, error) {
	h, err := parseDigest(m.ID)
	if err != nil {
		return cdx.Component{}, err
	}
	c := cdx.Component{
		Type:     cdx.ComponentTypeMachineLearningModel,
		Name:     cmp.Or(m.Name, m.ID),
		Version:  m.Version,
		Hashes:   &[]cdx.Hash{h},
		Licenses: licenses(m.License),
	}
	props := []cdx.Property{{Name: "prova:id", Value: m.ID}}
	add := func(name, value string) {
		if value != "" {
			props = append(props, cdx.Property{Name: name, Value: value})
		}
	}
	add("prova:owner", m.Owner)
	add("prova:format", m.Format)
	add("prova:architecture", m.Architecture)
	add("prova:arch-fingerprint", m.ArchFingerprint)
	if m.ParameterCount > 0 {
		add("prova:parameter-count", strconv.FormatUint(m.ParameterCount, 10))
	}
	add("prova:status", m.Status)
	add("prova:flag", m.Flag)
	props = append(props, contributorProperties(m.Contributors)...)
	for _, p := range m.Parents {
		add("prova:parent", string(p.Relation)+" "+p.Model)
	}
	for _, d := range m.Datasets {
		add("prova:dataset", string(d.Relation)+" "+d.Dataset)
	}
	if m.CardURI != "" {
		ref := cdx.ExternalReference{URL: m.CardURI, Type: cdx.ERTypeModelCard}
		if m.CardDigest != "" {
			ch, err := parseDigest(m.CardDigest)
			if err != nil {
				return cdx.Component{}, err
			}
			ref.Hashes = &[]cdx.Hash{ch}
		}
		c.ExternalReferences = &[]cdx.ExternalReference{ref}
	} else {
		add("prova:card-digest", m.CardDigest)
	}
	sortProperties(props)
	c.Properties = &props
	if full {
		c.BOMRef = modelRef(m.ID)
		c.ModelCard = ix.modelCard(m)
	}
	return c, nil
}

func (ix *index) modelCard(m *Model) *cdx.MLModelCard {
	var params cdx.MLModelParameters
	if m.Approach != "" {
		params.Approach = &cdx.MLModelParametersApproach{Type: cdx.MLModelParametersApproachType(m.Approach)}
	}
	params.Task = m.Task
	params.ArchitectureFamily = m.Architecture
	var refs []string
	for _, d := range m.Datasets {
		if ix.datasets[d.Dataset] != nil {
			refs = append(refs, datasetRef(d.Dataset))
		}
	}
	slices.Sort(refs)
	refs = slices.Compact(refs)
	if len(refs) > 0 {
		ds := make([]cdx.MLDatasetChoice, len(refs))
		for i, r := range refs {
			ds[i] = cdx.MLDatasetChoice{Ref: r}
		}
		params.Datasets = &ds
	}
	card := &cdx.MLModelCard{}
	if params != (cdx.MLModelParameters{}) {
		card.ModelParameters = &params
	}
	if len(m.Evaluations) > 0 {
		evals := slices.Clone(m.Evaluations)
		slices.SortFunc(evals, func(a, b Evaluation) int {
			return cmp.Or(cmp.Compare(a.Task, b.Task), cmp.Compare(a.Metric, b.Metric),
				cmp.Compare(a.Dataset, b.Dataset), cmp.Compare(a.Score, b.Score))
		})
		metrics := make([]cdx.MLPerformanceMetric, len(evals))
		for i, e := range evals {
			slice := e.Task
			if e.Dataset != "" {
				slice = fmt.Sprintf("%s on %s", cmp.Or(e.Task, "evaluation"), e.Dataset)
			}
			metrics[i] = cdx.MLPerformanceMetric{Type: e.Metric, Value: e.Score, Slice: slice}
		}
		card.QuantitativeAnalysis = &cdx.MLQuantitativeAnalysis{PerformanceMetrics: &metrics}
	}
	if card.ModelParameters == nil && card.QuantitativeAnalysis == nil {
		return nil
	}
	return card
}

func (ix *index) datasetComponent(d *Dataset) cdx.Component {
	h, _ := parseDigest(d.ID) // validated by checkDataset
	name := cmp.Or(d.Name, d.ID)
	c := cdx.Component{
		BOMRef:   datasetRef(d.ID),
		Type:     cdx.ComponentTypeData,
		Name:     name,
		Version:  d.Version,
		Hashes:   &[]cdx.Hash{h},
		Licenses: licenses(d.License),
		Data:     &[]cdx.ComponentData{{Type: cdx.ComponentDataTypeDataset, Name: name}},
	}
	props := []cdx.Property{{Name: "prova:id", Value: d.ID}}
	add := func(name, value string) {
		if value != "" {
			props = append(props, cdx.Property{Name: name, Value: value})
		}
	}
	add("prova:owner", d.Owner)
	add("prova:usage", d.UsageTerms.Use)
	add("prova:attribution", strconv.FormatBool(d.UsageTerms.Attribution))
	add("prova:share-alike", strconv.FormatBool(d.UsageTerms.ShareAlike))
	if len(d.RecordRoot) > 0 {
		add("prova:record-root", hex.EncodeToString(d.RecordRoot))
		add("prova:record-algorithm", "rfc6962-sha256")
		add("prova:record-count", strconv.FormatUint(d.RecordCount, 10))
	}
	props = append(props, contributorProperties(d.Contributors)...)
	if d.MetadataURI != "" {
		ref := cdx.ExternalReference{URL: d.MetadataURI, Type: cdx.ERTypeDocumentation, Comment: "dataset metadata"}
		if d.MetadataDigest != "" {
			mh, _ := parseDigest(d.MetadataDigest) // validated by checkDataset
			ref.Hashes = &[]cdx.Hash{mh}
		}
		c.ExternalReferences = &[]cdx.ExternalReference{ref}
	} else {
		add("prova:metadata-digest", d.MetadataDigest)
	}
	sortProperties(props)
	c.Properties = &props
	return c
}

// contributorProperties writes each contributor as "<address> <bps>".
func contributorProperties(cs []Contributor) []cdx.Property {
	out := make([]cdx.Property, len(cs))
	for i, c := range cs {
		out[i] = cdx.Property{Name: "prova:contributor", Value: c.Address + " " + strconv.FormatUint(uint64(c.ShareBps), 10)}
	}
	return out
}

// licenses writes the license as one SPDX expression, which the schema
// accepts for single identifiers, LicenseRef-… and compound expressions
// alike (a bare license.id would have to be on the schema's SPDX list).
func licenses(expr string) *cdx.Licenses {
	if expr == "" {
		return nil
	}
	return &cdx.Licenses{{Expression: expr}}
}
