package bom

import (
	"bytes"
	"cmp"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// MaxPedigreeComponents caps the nested pedigree of the subject. A lineage
// DAG unfolds into a tree there (a shared base model appears under each of
// its descendants), so a wide, deep DAG could otherwise grow exponentially.
const MaxPedigreeComponents = 10_000

// ToolName is the tool named in the BOM's metadata.
const ToolName = "provad"

// Options fix the parts of a BOM that are not facts about the lineage. The
// zero Options gives a deterministic BOM.
type Options struct {
	// SerialNumber is "urn:uuid:<lower-case RFC 4122 UUID>". Empty means a
	// name-based (version 5) UUID derived from the rest of the BOM, so equal
	// BOMs get equal serials.
	SerialNumber string
	// Timestamp of the BOM; zero means Lineage.Time, and if that is zero too
	// the BOM has no timestamp.
	Timestamp time.Time
	// ToolVersion is the provad version, recorded in metadata.tools.
	ToolVersion string
}

// Export writes l as a CycloneDX 1.6 JSON BOM with the zero Options.
func Export(l Lineage, w io.Writer) error { return Options{}.Export(l, w) }

// Export writes l as a CycloneDX 1.6 JSON BOM.
func (o Options) Export(l Lineage, w io.Writer) error {
	b, err := o.Build(l)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Build returns the CycloneDX 1.6 JSON encoding of l, ending in a newline.
func (o Options) Build(l Lineage) ([]byte, error) {
	if o.SerialNumber != "" && !serialPattern.MatchString(o.SerialNumber) {
		return nil, fmt.Errorf("%w: serial number %q is not urn:uuid:<lower-case uuid>", ErrInvalidOptions, o.SerialNumber)
	}
	bom, err := o.bom(l)
	if err != nil {
		return nil, err
	}
	if o.SerialNumber != "" {
		bom.SerialNumber = o.SerialNumber
		return encode(bom)
	}
	unserialized, err := encode(bom)
	if err != nil {
		return nil, err
	}
	bom.SerialNumber = "urn:uuid:" + uuidV5(serialNamespace, unserialized)
	return encode(bom)
}

func encode(bom *cdx.BOM) ([]byte, error) {
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// serialPattern is the 1.6 schema's bom.serialNumber pattern.
var serialPattern = regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// serialNamespace is the UUID namespace of Prova BOM serial numbers (a
// random UUID chosen once).
var serialNamespace = [16]byte{0x6f, 0x1c, 0x2a, 0x5e, 0x93, 0x4b, 0x4d, 0x07, 0xa2, 0x58, 0x1e, 0x0b, 0xc4, 0x7d, 0x39, 0x91}

// uuidV5 is the RFC 4122 (section 4.3) name-based UUID with SHA-1.
func uuidV5(ns [16]byte, name []byte) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write(name)
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	s := hex.EncodeToString(u[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// index is the validated lineage, by ID.
type index struct {
	models   map[string]*Model
	datasets map[string]*Dataset
}

func (o Options) bom(l Lineage) (*cdx.BOM, error) {
	ix, err := newIndex(&l)
	if err != nil {
		return nil, err
	}
	subject, err := ix.modelComponent(&l.Subject, true)
	if err != nil {
		return nil, err
	}
	budget := MaxPedigreeComponents
	ped, err := ix.pedigree(&l.Subject, map[string]bool{l.Subject.ID: true}, &budget)
	if err != nil {
		return nil, err
	}
	subject.Pedigree = ped

	var comps []cdx.Component
	for i := range l.Ancestors {
		c, err := ix.modelComponent(&l.Ancestors[i], true)
		if err != nil {
			return nil, err
		}
		comps = append(comps, c)
	}
	for i := range l.Datasets {
		comps = append(comps, ix.datasetComponent(&l.Datasets[i]))
	}
	slices.SortFunc(comps, func(a, b cdx.Component) int { return cmp.Compare(a.BOMRef, b.BOMRef) })

	bom := cdx.NewBOM()
	bom.Metadata = &cdx.Metadata{
		Component:  &subject,
		Tools:      &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: ToolName, Version: o.ToolVersion}}},
		Properties: chainProperties(&l),
	}
	ts := o.Timestamp
	if ts.IsZero() {
		ts = l.Time
	}
	if !ts.IsZero() {
		bom.Metadata.Timestamp = ts.UTC().Format(time.RFC3339)
	}
	if len(comps) > 0 {
		bom.Components = &comps
	}
	deps := ix.dependencies(&l)
	bom.Dependencies = &deps
	return bom, nil
}

func newIndex(l *Lineage) (*index, error) {
	ix := &index{models: map[string]*Model{}, datasets: map[string]*Dataset{}}
	models := append([]*Model{&l.Subject}, ptrs(l.Ancestors)...)
	for _, m := range models {
		if err := checkModel(m); err != nil {
			return nil, err
		}
		if ix.models[m.ID] != nil {
			return nil, fmt.Errorf("%w: model %s appears twice", ErrInvalidLineage, m.ID)
		}
		ix.models[m.ID] = m
	}
	for _, d := range ptrs(l.Datasets) {
		if err := checkDataset(d); err != nil {
			return nil, err
		}
		if ix.datasets[d.ID] != nil {
			return nil, fmt.Errorf("%w: dataset %s appears twice", ErrInvalidLineage, d.ID)
		}
		ix.datasets[d.ID] = d
	}
	return ix, nil
}

func ptrs[T any](s []T) []*T {
	out := make([]*T, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}

func modelRef(id string) string   { return "prova:model:" + id }
func datasetRef(id string) string { return "prova:dataset:" + id }

// pedigree nests m's parents, each a copy without bom-ref (bom-refs must be
// unique and the full component is in the component list) carrying the
// relation to its child. onPath detects cycles; budget caps the total.
func (ix *index) pedigree(m *Model, onPath map[string]bool, budget *int) (*cdx.Pedigree, error) {
	parents := slices.Clone(m.Parents)
	slices.SortFunc(parents, func(a, b Parent) int {
		return cmp.Or(cmp.Compare(a.Model, b.Model), cmp.Compare(a.Relation, b.Relation))
	})
	var ancestors []cdx.Component
	for _, p := range parents {
		if onPath[p.Model] {
			return nil, fmt.Errorf("%w: lineage has a cycle through %s", ErrInvalidLineage, p.Model)
		}
		if *budget--; *budget < 0 {
			return nil, fmt.Errorf("%w: pedigree has more than %d components; export a shallower lineage", ErrInvalidLineage, MaxPedigreeComponents)
		}
		c := stubComponent(p.Model)
		if pm := ix.models[p.Model]; pm != nil {
			var err error
			if c, err = ix.modelComponent(pm, false); err != nil {
				return nil, err
			}
			onPath[p.Model] = true
			c.Pedigree, err = ix.pedigree(pm, onPath, budget)
			delete(onPath, p.Model)
			if err != nil {
				return nil, err
			}
		}
		props := append(*c.Properties, cdx.Property{Name: "prova:relation", Value: string(p.Relation)})
		sortProperties(props)
		c.Properties = &props
		ancestors = append(ancestors, c)
	}
	if len(ancestors) == 0 {
		return nil, nil
	}
	return &cdx.Pedigree{Ancestors: &ancestors}, nil
}

// stubComponent stands for a model outside the given lineage: its ID is all
// that is known.
func stubComponent(id string) cdx.Component {
	return cdx.Component{
		Type:       cdx.ComponentTypeMachineLearningModel,
		Name:       id,
		Properties: &[]cdx.Property{{Name: propArtifactID, Value: id}},
	}
}

// dependencies lists every component with what it depends on: a model on
// its parents and datasets, a dataset on nothing. Links to artifacts outside
// the lineage are left out (they stay in the prova:* properties).
func (ix *index) dependencies(l *Lineage) []cdx.Dependency {
	var deps []cdx.Dependency
	for _, m := range append([]*Model{&l.Subject}, ptrs(l.Ancestors)...) {
		var on []string
		for _, p := range m.Parents {
			if ix.models[p.Model] != nil {
				on = append(on, modelRef(p.Model))
			}
		}
		for _, d := range m.Datasets {
			if ix.datasets[d.Dataset] != nil {
				on = append(on, datasetRef(d.Dataset))
			}
		}
		slices.Sort(on)
		on = slices.Compact(on)
		dep := cdx.Dependency{Ref: modelRef(m.ID)}
		if len(on) > 0 {
			dep.Dependencies = &on
		}
		deps = append(deps, dep)
	}
	for _, d := range l.Datasets {
		deps = append(deps, cdx.Dependency{Ref: datasetRef(d.ID)})
	}
	slices.SortFunc(deps, func(a, b cdx.Dependency) int { return cmp.Compare(a.Ref, b.Ref) })
	return deps
}

func chainProperties(l *Lineage) *[]cdx.Property {
	var props []cdx.Property
	if l.ChainID != "" {
		props = append(props, cdx.Property{Name: "prova:chain-id", Value: l.ChainID})
	}
	if l.Height != 0 {
		props = append(props, cdx.Property{Name: "prova:height", Value: strconv.FormatInt(l.Height, 10)})
	}
	if len(l.AppHash) > 0 {
		props = append(props, cdx.Property{Name: "prova:app-hash", Value: hex.EncodeToString(l.AppHash)})
	}
	if len(props) == 0 {
		return nil
	}
	sortProperties(props)
	return &props
}

func sortProperties(p []cdx.Property) {
	slices.SortFunc(p, func(a, b cdx.Property) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Value, b.Value))
	})
}
