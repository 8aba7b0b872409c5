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
//
// The artifact ID is a manifest digest, not the hash of a file, so it is
// the prova:artifact-id property and never a CycloneDX hash. Hashes are
// only those of files the caller hashed (Model.Files): a one-file model
// carries its file's SHA-256 and BLAKE3; a model of several files gets a
// component of type file for each (in the top-level copy only, as nested
// components have bom-refs, which must be unique).
func (ix *index) modelComponent(m *Model, full bool) (cdx.Component, error) {
	c := cdx.Component{
		Type:     cdx.ComponentTypeMachineLearningModel,
		Name:     cmp.Or(m.Name, m.ID),
		Version:  m.Version,
		Licenses: licenses(m.License),
	}
	props := []cdx.Property{{Name: propArtifactID, Value: m.ID}}
	add := func(name, value string) {
		if value != "" {
			props = append(props, cdx.Property{Name: name, Value: value})
		}
	}
	add("prova:owner", m.Owner)
	add("prova:format", m.Format)
	add("prova:architecture", m.Architecture)
	add("prova:arch-summary", m.ArchSummary)
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
	switch {
	case len(m.Files) == 1:
		c.Hashes = fileHashes(m.Files[0])
		add("prova:file", m.Files[0].Path)
	case len(m.Files) > 1 && full:
		c.Components = fileComponents(m)
	}
	sortProperties(props)
	c.Properties = &props
	if full {
		c.BOMRef = modelRef(m.ID)
		c.ModelCard = ix.modelCard(m)
	}
	return c, nil
}

// propArtifactID names the property holding an artifact's ID.
const propArtifactID = "prova:artifact-id"

// fileHashes are a file's SHA-256 and BLAKE3.
func fileHashes(f File) *[]cdx.Hash {
	return &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: f.SHA256}, {Algorithm: cdx.HashAlgoBlake3, Value: f.BLAKE3}}
}

// fileComponents are the files of m, sorted by path.
func fileComponents(m *Model) *[]cdx.Component {
	files := slices.Clone(m.Files)
	slices.SortFunc(files, func(a, b File) int { return cmp.Compare(a.Path, b.Path) })
	out := make([]cdx.Component, len(files))
	for i, f := range files {
		out[i] = cdx.Component{
			BOMRef:     modelRef(m.ID) + "/file/" + f.Path,
			Type:       cdx.ComponentTypeFile,
			Name:       f.Path,
			Hashes:     fileHashes(f),
			Properties: &[]cdx.Property{{Name: "prova:size", Value: strconv.FormatInt(f.Size, 10)}},
		}
	}
	return &out
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

// datasetComponent maps a dataset. Its ID is a manifest digest, so, as for
// a model, it is a property and not a hash.
func (ix *index) datasetComponent(d *Dataset) cdx.Component {
	name := cmp.Or(d.Name, d.ID)
	c := cdx.Component{
		BOMRef:   datasetRef(d.ID),
		Type:     cdx.ComponentTypeData,
		Name:     name,
		Version:  d.Version,
		Licenses: licenses(d.License),
		Data:     &[]cdx.ComponentData{{Type: cdx.ComponentDataTypeDataset, Name: name}},
	}
	props := []cdx.Property{{Name: propArtifactID, Value: d.ID}}
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
	// The metadata digest is a property, not a hash of the reference: it
	// is whatever digest ID the owner registered (often the artifact ID of
	// the document, a manifest digest), so it cannot be called the hash of
	// the document's bytes.
	add("prova:metadata-digest", d.MetadataDigest)
	if d.MetadataURI != "" {
		c.ExternalReferences = &[]cdx.ExternalReference{{URL: d.MetadataURI, Type: cdx.ERTypeDocumentation, Comment: "dataset metadata"}}
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
