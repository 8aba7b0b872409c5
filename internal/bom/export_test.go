package bom

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

func digest(alg string, b byte) string {
	return alg + ":" + strings.Repeat(string("0123456789abcdef"[b%16]), 63) + "0"
}

var (
	idSubject = digest("blake3", 1)
	idA       = digest("blake3", 2)
	idB       = digest("sha256", 3)
	idGone    = digest("blake3", 4) // a parent outside the exported lineage
	idD1      = digest("blake3", 5)
	idD2      = digest("sha256", 6)
	idD3      = digest("blake3", 7)
	appHash   = bytes.Repeat([]byte{0xab}, 32)
	blockTime = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
)

// fineTune is a fine-tune of A, itself distilled from B (whose own base is
// outside the lineage), with three datasets.
func fineTune() Lineage {
	return Lineage{
		Subject: Model{
			ID: idSubject, Name: "acme-chat", Version: "1.1", Format: "safetensors",
			License: "Apache-2.0", Owner: "prova1owner", Architecture: "llama",
			ArchFingerprint: digest("blake3", 9), ParameterCount: 8_000_000_000,
			Approach: "supervised", Task: "text-generation",
			CardURI: "https://example.org/acme-chat/README.md", CardDigest: digest("sha256", 10),
			Contributors: []Contributor{{"prova1zed", 2500}, {"prova1amy", 7500}},
			Parents:      []Parent{{idA, Finetune}},
			Datasets:     []DatasetLink{{idD3, EvaluatedOn}, {idD2, FineTunedOn}},
			Evaluations:  []Evaluation{{Task: "qa", Metric: "accuracy", Score: "0.8125", Dataset: idD3}, {Task: "chat", Metric: "win-rate", Score: "0.61"}},
			Status:       "active",
		},
		Ancestors: []Model{
			{ID: idB, Name: "big-base", License: "MIT", Parents: []Parent{{idGone, Merge}}, Datasets: []DatasetLink{{idD1, TrainedOn}}},
			{ID: idA, Name: "small", Version: "2", License: "Apache-2.0", Architecture: "llama", Parents: []Parent{{idB, Distill}}},
		},
		Datasets: []Dataset{
			{ID: idD2, Name: "chat-tuning", License: "CC-BY-4.0", Owner: "prova1ds", UsageTerms: UsageTerms{"commercial", true, false},
				Contributors: []Contributor{{"prova1amy", 10000}}, RecordRoot: bytes.Repeat([]byte{1}, 32), RecordCount: 1200,
				MetadataURI: "https://example.org/chat-tuning/croissant.json", MetadataDigest: digest("blake3", 11)},
			{ID: idD1, Name: "web-corpus", License: "ODC-By-1.0"},
			{ID: idD3, Name: "qa-eval", License: "CC-BY-SA-4.0", MetadataDigest: digest("sha256", 12)},
		},
		ChainID: "prova-devnet-1", Height: 4242, AppHash: appHash, Time: blockTime,
	}
}

func export(t *testing.T, l Lineage, o Options) ([]byte, *cdx.BOM) {
	t.Helper()
	var buf bytes.Buffer
	if err := o.Export(l, &buf); err != nil {
		t.Fatal(err)
	}
	// Without the schema files, the structural checks below still run.
	if schema(t) == nil {
		t.Log(schemaMissing)
	} else if err := validate(t, buf.Bytes()); err != nil {
		t.Fatalf("exported bom fails the cyclonedx 1.6 schema: %v\n%s", err, buf.Bytes())
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(buf.Bytes()), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), &bom
}

func component(t *testing.T, bom *cdx.BOM, ref string) *cdx.Component {
	t.Helper()
	for i, c := range *bom.Components {
		if c.BOMRef == ref {
			return &(*bom.Components)[i]
		}
	}
	t.Fatalf("no component %s", ref)
	return nil
}

func props(c *cdx.Component) []string {
	var out []string
	if c.Properties != nil {
		for _, p := range *c.Properties {
			out = append(out, p.Name+"="+p.Value)
		}
	}
	return out
}

func hasAll(t *testing.T, what string, got, want []string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s: missing %q in %q", what, w, got)
		}
	}
}

func TestExportFineTune(t *testing.T) {
	doc, bom := export(t, fineTune(), Options{ToolVersion: "v0.1.0"})

	if bom.SpecVersion != cdx.SpecVersion1_6 || bom.BOMFormat != "CycloneDX" {
		t.Fatalf("spec %v format %q", bom.SpecVersion, bom.BOMFormat)
	}
	if !serialPattern.MatchString(bom.SerialNumber) {
		t.Fatalf("serial %q", bom.SerialNumber)
	}
	md := bom.Metadata
	if md.Timestamp != "2026-05-01T12:00:00Z" {
		t.Errorf("timestamp %q, want the block time", md.Timestamp)
	}
	hasAll(t, "metadata", props(&cdx.Component{Properties: md.Properties}), []string{
		"prova:chain-id=prova-devnet-1", "prova:height=4242", "prova:app-hash=" + strings.Repeat("ab", 32)})
	if tools := *md.Tools.Components; len(tools) != 1 || tools[0].Name != "provad" || tools[0].Version != "v0.1.0" {
		t.Errorf("tools %+v", tools)
	}

	s := md.Component
	if s.Type != cdx.ComponentTypeMachineLearningModel || s.BOMRef != "prova:model:"+idSubject || s.Name != "acme-chat" || s.Version != "1.1" {
		t.Fatalf("subject %+v", s)
	}
	// No files were given: the ID (a manifest digest) is no file's hash.
	if s.Hashes != nil || s.Components != nil {
		t.Errorf("subject hashes %+v, files %+v; want none without files", s.Hashes, s.Components)
	}
	if l := *s.Licenses; len(l) != 1 || l[0].Expression != "Apache-2.0" {
		t.Errorf("subject licenses %+v", l)
	}
	hasAll(t, "subject", props(s), []string{
		"prova:artifact-id=" + idSubject, "prova:owner=prova1owner", "prova:format=safetensors",
		"prova:parameter-count=8000000000", "prova:contributor=prova1amy 7500", "prova:contributor=prova1zed 2500",
		"prova:parent=finetune " + idA, "prova:dataset=fine_tuned_on " + idD2, "prova:status=active"})
	if er := *s.ExternalReferences; len(er) != 1 || er[0].Type != cdx.ERTypeModelCard || (*er[0].Hashes)[0].Algorithm != cdx.HashAlgoSHA256 {
		t.Errorf("model card reference %+v", er)
	}

	mp := s.ModelCard.ModelParameters
	if mp.Approach.Type != cdx.MLModelParametersApproachTypeSupervised || mp.Task != "text-generation" || mp.ArchitectureFamily != "llama" {
		t.Errorf("model parameters %+v", mp)
	}
	var dsRefs []string
	for _, d := range *mp.Datasets {
		dsRefs = append(dsRefs, d.Ref)
	}
	// Sorted bytewise by bom-ref: "blake3:…" before "sha256:…".
	if want := []string{"prova:dataset:" + idD3, "prova:dataset:" + idD2}; !slices.Equal(dsRefs, want) {
		t.Errorf("model card datasets %q, want %q", dsRefs, want)
	}
	if pm := *s.ModelCard.QuantitativeAnalysis.PerformanceMetrics; len(pm) != 2 || pm[1].Type != "accuracy" || pm[1].Value != "0.8125" || pm[1].Slice != "qa on "+idD3 {
		t.Errorf("performance metrics %+v", pm)
	}

	// Pedigree: subject <- A (finetune) <- B (distill) <- outside model (merge, a stub).
	a := (*s.Pedigree.Ancestors)[0]
	if len(*s.Pedigree.Ancestors) != 1 || a.Name != "small" || a.BOMRef != "" {
		t.Fatalf("pedigree %+v", *s.Pedigree.Ancestors)
	}
	hasAll(t, "pedigree A", props(&a), []string{"prova:relation=finetune", "prova:artifact-id=" + idA})
	b := (*a.Pedigree.Ancestors)[0]
	hasAll(t, "pedigree B", props(&b), []string{"prova:relation=distill", "prova:artifact-id=" + idB})
	if b.Hashes != nil {
		t.Errorf("B hashes %+v; want none without files", *b.Hashes)
	}
	gone := (*b.Pedigree.Ancestors)[0]
	hasAll(t, "pedigree stub", props(&gone), []string{"prova:relation=merge", "prova:artifact-id=" + idGone})
	if gone.Name != idGone || gone.Pedigree != nil {
		t.Errorf("stub %+v", gone)
	}

	// Components: ancestors and datasets, sorted by bom-ref.
	var refs []string
	types := map[string]cdx.ComponentType{}
	for _, c := range *bom.Components {
		refs = append(refs, c.BOMRef)
		types[c.BOMRef] = c.Type
	}
	wantRefs := []string{"prova:dataset:" + idD1, "prova:dataset:" + idD3, "prova:dataset:" + idD2, "prova:model:" + idA, "prova:model:" + idB}
	if !slices.Equal(refs, wantRefs) {
		t.Fatalf("components %q, want %q", refs, wantRefs)
	}
	if types["prova:dataset:"+idD1] != cdx.ComponentTypeData || types["prova:model:"+idA] != cdx.ComponentTypeMachineLearningModel {
		t.Errorf("component types %v", types)
	}
	d2 := component(t, bom, "prova:dataset:"+idD2)
	hasAll(t, "dataset D2", props(d2), []string{
		"prova:owner=prova1ds", "prova:usage=commercial", "prova:attribution=true", "prova:share-alike=false",
		"prova:record-root=" + strings.Repeat("01", 32), "prova:record-count=1200", "prova:record-algorithm=rfc6962-sha256",
		"prova:contributor=prova1amy 10000", "prova:metadata-digest=" + digest("blake3", 11), "prova:artifact-id=" + idD2})
	if d2.Hashes != nil || (*d2.ExternalReferences)[0].Hashes != nil {
		t.Errorf("dataset D2 has hashes that are not of files: %+v", d2)
	}
	if (*d2.Licenses)[0].Expression != "CC-BY-4.0" || (*d2.ExternalReferences)[0].URL != "https://example.org/chat-tuning/croissant.json" {
		t.Errorf("dataset D2 %+v", d2)
	}
	d3 := component(t, bom, "prova:dataset:"+idD3)
	hasAll(t, "dataset D3", props(d3), []string{"prova:metadata-digest=" + digest("sha256", 12)})

	// Dependencies: the lineage graph, with the outside parent left out.
	deps := map[string][]string{}
	var depOrder []string
	for _, d := range *bom.Dependencies {
		depOrder = append(depOrder, d.Ref)
		if d.Dependencies != nil {
			deps[d.Ref] = *d.Dependencies
		}
	}
	if !slices.IsSorted(depOrder) || len(depOrder) != 6 {
		t.Errorf("dependencies %q", depOrder)
	}
	wantDeps := map[string][]string{
		"prova:model:" + idSubject: {"prova:dataset:" + idD3, "prova:dataset:" + idD2, "prova:model:" + idA},
		"prova:model:" + idA:       {"prova:model:" + idB},
		"prova:model:" + idB:       {"prova:dataset:" + idD1},
	}
	for ref, want := range wantDeps {
		if !slices.Equal(deps[ref], want) {
			t.Errorf("%s depends on %q, want %q", ref, deps[ref], want)
		}
	}
	if len(deps) != len(wantDeps) {
		t.Errorf("dependencies %v", deps)
	}
	if !json.Valid(doc) || !bytes.HasSuffix(doc, []byte("}\n")) {
		t.Error("output is not one json document ending in a newline")
	}
}

func TestExportBaseModel(t *testing.T) {
	l := Lineage{Subject: Model{ID: idB, Name: "base", License: "MIT", Architecture: "mistral"}}
	_, bom := export(t, l, Options{})
	if bom.Components != nil {
		t.Errorf("components %+v, want none", *bom.Components)
	}
	if s := bom.Metadata.Component; s.Pedigree != nil || s.ModelCard.ModelParameters.ArchitectureFamily != "mistral" {
		t.Errorf("subject %+v", s)
	}
	if deps := *bom.Dependencies; len(deps) != 1 || deps[0].Ref != "prova:model:"+idB || deps[0].Dependencies != nil {
		t.Errorf("dependencies %+v", deps)
	}
	if bom.Metadata.Timestamp != "" || bom.Metadata.Properties != nil {
		t.Errorf("timestamp %q properties %v without chain facts", bom.Metadata.Timestamp, bom.Metadata.Properties)
	}
	// The bare minimum: an ID and nothing else.
	export(t, Lineage{Subject: Model{ID: idSubject}}, Options{})
}

func TestExportCompoundLicenses(t *testing.T) {
	exprs := []string{
		"Apache-2.0 AND (MIT OR BSD-3-Clause)",
		"GPL-2.0-or-later WITH Classpath-exception-2.0",
		"LicenseRef-Llama-3-Community OR CC-BY-NC-4.0",
		"LicenseRef-Prova-Custom-1",
	}
	for _, e := range exprs {
		t.Run(e, func(t *testing.T) {
			l := fineTune()
			l.Subject.License = e
			l.Datasets[0].License = e
			_, bom := export(t, l, Options{})
			if got := (*bom.Metadata.Component.Licenses)[0].Expression; got != e {
				t.Errorf("subject license %q, want %q", got, e)
			}
			if got := (*component(t, bom, "prova:dataset:"+l.Datasets[0].ID).Licenses)[0].Expression; got != e {
				t.Errorf("dataset license %q, want %q", got, e)
			}
		})
	}
}

func TestExportDeterministic(t *testing.T) {
	a, _ := export(t, fineTune(), Options{})
	l := fineTune()
	slices.Reverse(l.Ancestors)
	slices.Reverse(l.Datasets)
	slices.Reverse(l.Subject.Contributors)
	slices.Reverse(l.Subject.Datasets)
	slices.Reverse(l.Subject.Evaluations)
	b, _ := export(t, l, Options{})
	if !bytes.Equal(a, b) {
		t.Fatalf("input order changed the output:\n%s\n---\n%s", a, b)
	}
	// Different content, different serial; fixed options are used as given.
	l.Height++
	_, c := export(t, l, Options{})
	_, d := export(t, fineTune(), Options{})
	if c.SerialNumber == d.SerialNumber {
		t.Error("different BOMs got the same derived serial number")
	}
	ts := time.Date(2027, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	const serial = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"
	_, e := export(t, fineTune(), Options{SerialNumber: serial, Timestamp: ts})
	if e.SerialNumber != serial || e.Metadata.Timestamp != "2027-01-02T02:04:05Z" {
		t.Errorf("serial %q timestamp %q", e.SerialNumber, e.Metadata.Timestamp)
	}
}

func TestExportRejectsBadInput(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Lineage)
		opts   Options
		want   error
	}{
		{"subject id not a digest", func(l *Lineage) { l.Subject.ID = "model-1" }, Options{}, ErrInvalidLineage},
		{"upper-case hex", func(l *Lineage) { l.Subject.ID = strings.ToUpper(idSubject) }, Options{}, ErrInvalidLineage},
		{"short digest", func(l *Lineage) { l.Datasets[0].ID = "sha256:abcd" }, Options{}, ErrInvalidLineage},
		{"unknown algorithm", func(l *Lineage) { l.Ancestors[0].ID = "md5:" + strings.Repeat("0", 64) }, Options{}, ErrInvalidLineage},
		{"unknown parent relation", func(l *Lineage) { l.Subject.Parents[0].Relation = "fork" }, Options{}, ErrInvalidLineage},
		{"unknown dataset relation", func(l *Lineage) { l.Subject.Datasets[0].Relation = "read" }, Options{}, ErrInvalidLineage},
		{"duplicate model", func(l *Lineage) { l.Ancestors = append(l.Ancestors, l.Ancestors[0]) }, Options{}, ErrInvalidLineage},
		{"subject among ancestors", func(l *Lineage) { l.Ancestors = append(l.Ancestors, Model{ID: idSubject}) }, Options{}, ErrInvalidLineage},
		{"duplicate dataset", func(l *Lineage) { l.Datasets = append(l.Datasets, l.Datasets[1]) }, Options{}, ErrInvalidLineage},
		{"cycle", func(l *Lineage) { l.Ancestors[0].Parents = []Parent{{idA, Merge}} }, Options{}, ErrInvalidLineage},
		{"own parent", func(l *Lineage) { l.Subject.Parents = append(l.Subject.Parents, Parent{idSubject, Merge}) }, Options{}, ErrInvalidLineage},
		{"share over 10000", func(l *Lineage) { l.Subject.Contributors[0].ShareBps = 10001 }, Options{}, ErrInvalidLineage},
		{"contributor without address", func(l *Lineage) { l.Datasets[0].Contributors[0].Address = "" }, Options{}, ErrInvalidLineage},
		{"unknown approach", func(l *Lineage) { l.Subject.Approach = "vibes" }, Options{}, ErrInvalidLineage},
		{"bad card digest", func(l *Lineage) { l.Subject.CardDigest = "blake3:xyz" }, Options{}, ErrInvalidLineage},
		{"short record root", func(l *Lineage) { l.Datasets[0].RecordRoot = []byte{1} }, Options{}, ErrInvalidLineage},
		{"evaluation without score", func(l *Lineage) { l.Subject.Evaluations[0].Score = "" }, Options{}, ErrInvalidLineage},
		{"serial not a uuid urn", func(*Lineage) {}, Options{SerialNumber: "bom-1"}, ErrInvalidOptions},
		{"upper-case serial", func(*Lineage) {}, Options{SerialNumber: "urn:uuid:3E671687-395B-41F5-A30F-A58921A69B79"}, ErrInvalidOptions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := fineTune()
			tc.mutate(&l)
			var buf bytes.Buffer
			if err := tc.opts.Export(l, &buf); !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if buf.Len() != 0 {
				t.Error("wrote output despite the error")
			}
		})
	}
}

func TestPedigreeBudget(t *testing.T) {
	// A ladder where every model has the two previous ones as parents unfolds
	// into a Fibonacci-sized pedigree tree.
	var ids []string
	for i := range 30 {
		ids = append(ids, "blake3:"+strings.Repeat("0", 62)+string("0123456789abcdef"[i/16])+string("0123456789abcdef"[i%16]))
	}
	l := Lineage{Subject: Model{ID: ids[29], Parents: []Parent{{ids[28], Merge}, {ids[27], Merge}}}}
	for i := 2; i < 29; i++ {
		l.Ancestors = append(l.Ancestors, Model{ID: ids[i], Parents: []Parent{{ids[i-1], Merge}, {ids[i-2], Merge}}})
	}
	l.Ancestors = append(l.Ancestors, Model{ID: ids[0]}, Model{ID: ids[1]})
	if err := Export(l, &bytes.Buffer{}); !errors.Is(err, ErrInvalidLineage) || !strings.Contains(err.Error(), "pedigree has more than") {
		t.Fatalf("error %v, want the pedigree cap", err)
	}
}

// The validator must reject documents that break the schema; otherwise the
// passing exports above prove nothing.
func TestSchemaRejectsBrokenBOM(t *testing.T) {
	good, _ := export(t, withFiles(), Options{})
	breakers := []struct {
		name  string
		apply func(m map[string]any)
	}{
		{"unknown component type", func(m map[string]any) { meta(m)["component"].(map[string]any)["type"] = "neural-net" }},
		{"component without name", func(m map[string]any) { delete(comps(m)[0].(map[string]any), "name") }},
		{"bad hash value", func(m map[string]any) {
			fileComps(m)[0].(map[string]any)["hashes"].([]any)[0].(map[string]any)["content"] = "not-hex"
		}},
		{"unknown hash algorithm", func(m map[string]any) {
			fileComps(m)[0].(map[string]any)["hashes"].([]any)[0].(map[string]any)["alg"] = "CRC-32"
		}},
		{"bad serial number", func(m map[string]any) { m["serialNumber"] = "bom-1" }},
		{"unknown top-level field", func(m map[string]any) { m["lineage"] = true }},
		{"wrong spec version type", func(m map[string]any) { m["specVersion"] = 1.6 }},
		{"missing bomFormat", func(m map[string]any) { delete(m, "bomFormat") }},
		{"bad approach", func(m map[string]any) {
			meta(m)["component"].(map[string]any)["modelCard"].(map[string]any)["modelParameters"].(map[string]any)["approach"] = map[string]any{"type": "vibes"}
		}},
		{"license id not on the spdx list", func(m map[string]any) {
			meta(m)["component"].(map[string]any)["licenses"] = []any{map[string]any{"license": map[string]any{"id": "Not-A-License"}}}
		}},
	}
	for _, b := range breakers {
		t.Run(b.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(good, &m); err != nil {
				t.Fatal(err)
			}
			b.apply(m)
			doc, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(t, doc); err == nil {
				t.Fatalf("broken document passed the schema:\n%s", doc)
			}
		})
	}
	if err := validate(t, good); err != nil {
		t.Fatalf("the unbroken document fails: %v", err)
	}
}

func meta(m map[string]any) map[string]any { return m["metadata"].(map[string]any) }

// fileComps are the subject's file components.
func fileComps(m map[string]any) []any {
	return meta(m)["component"].(map[string]any)["components"].([]any)
}
func comps(m map[string]any) []any { return m["components"].([]any) }
