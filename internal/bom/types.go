package bom

import (
	"encoding/hex"
	"fmt"
	"io/fs"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// ParentRelation says how a model derives from a base model.
type ParentRelation string

// Parent relations.
const (
	Finetune  ParentRelation = "finetune"
	Adapter   ParentRelation = "adapter"
	Quantized ParentRelation = "quantized"
	Merge     ParentRelation = "merge"
	Distill   ParentRelation = "distill"
)

// DatasetRelation says how a model used a dataset.
type DatasetRelation string

// Dataset relations.
const (
	TrainedOn   DatasetRelation = "trained_on"
	FineTunedOn DatasetRelation = "fine_tuned_on"
	EvaluatedOn DatasetRelation = "evaluated_on"
)

// Contributor is an account credited with a share of an artifact.
type Contributor struct {
	Address  string
	ShareBps uint32 // basis points; an artifact's shares sum to 10,000
}

// Parent links a model to a base model by ID.
type Parent struct {
	Model    string
	Relation ParentRelation
}

// DatasetLink links a model to a dataset by ID.
type DatasetLink struct {
	Dataset  string
	Relation DatasetRelation
}

// Evaluation is one recorded score of a model. Score is kept as the decimal
// string it was recorded as, so no float rounding creeps in.
type Evaluation struct {
	Task    string
	Metric  string
	Score   string
	Dataset string // optional: the dataset ID it was measured on
}

// File is one file of an artifact with digests of its bytes, as sha256sum
// and b3sum print them (64 lower-case hex digits each).
type File struct {
	// Path is slash-separated and relative to the artifact's root; for a
	// one-file artifact, the file's name.
	Path   string
	Size   int64
	SHA256 string
	BLAKE3 string
}

// Model is what the BOM says about one model.
type Model struct {
	// ID is the artifact ID, "blake3:<hex>" or "sha256:<hex>": Prova's
	// manifest digest over the model's files, not the hash of any one file.
	ID      string
	Name    string // defaults to ID
	Version string
	Format  string // weights format: safetensors, gguf, onnx, other
	License string // SPDX license expression
	Owner   string // account address
	// Architecture is the architecture name read from the weights: GGUF's
	// general.architecture or config.json's model_type ("llama", "bert").
	// It is never a summary; see ArchitectureFromSummary.
	Architecture string
	// ArchSummary is the one-line description registered on chain (see
	// ArchSummary); it is exported as a property.
	ArchSummary     string
	ArchFingerprint string // optional digest over the tensor list
	ParameterCount  uint64
	// Approach is the CycloneDX learning approach if known: supervised,
	// unsupervised, reinforcement-learning, semi-supervised or
	// self-supervised.
	Approach     string
	Task         string // e.g. "text-generation"
	CardURI      string
	CardDigest   string // optional digest of the model card
	Contributors []Contributor
	Parents      []Parent
	Datasets     []DatasetLink
	Evaluations  []Evaluation
	Status       string // optional, e.g. "active", "deprecated", "flagged"
	Flag         string // optional reason for the status
	// Files are the model's files with digests of their bytes, when the
	// caller has them (a BOM made from chain records alone has none). A
	// one-file model carries the file's digests as its own hashes; a model
	// of several files gets one file component each.
	Files []File
}

// UsageTerms summarise a dataset's terms; the license is authoritative.
type UsageTerms struct {
	Use         string // "commercial", "non_commercial", "academic" or ""
	Attribution bool
	ShareAlike  bool
}

// Dataset is what the BOM says about one dataset.
type Dataset struct {
	ID             string // artifact ID (a manifest digest), as Model.ID
	Name           string // defaults to ID
	Version        string
	License        string // SPDX license expression
	Owner          string
	UsageTerms     UsageTerms
	Contributors   []Contributor
	RecordRoot     []byte // RFC 6962 root over the records, if committed
	RecordCount    uint64
	MetadataURI    string
	MetadataDigest string // optional digest of the metadata document
}

// Lineage is everything one BOM describes: the subject, its ancestors (any
// depth, any order), the datasets any of them used, and where on chain the
// facts were proven.
type Lineage struct {
	Subject   Model
	Ancestors []Model
	Datasets  []Dataset
	ChainID   string
	Height    int64
	AppHash   []byte
	// Time is the block time at Height; it is the BOM's timestamp unless
	// Options.Timestamp is set.
	Time time.Time
}

// parseDigest splits "<alg>:<hex>" into a CycloneDX hash.
func parseDigest(id string) (cdx.Hash, error) {
	alg, hexPart, ok := strings.Cut(id, ":")
	var h cdx.Hash
	switch alg {
	case "blake3":
		h.Algorithm = cdx.HashAlgoBlake3
	case "sha256":
		h.Algorithm = cdx.HashAlgoSHA256
	default:
		return h, fmt.Errorf("%w: %q is not a blake3:<hex> or sha256:<hex> digest", ErrInvalidLineage, id)
	}
	if b, err := hex.DecodeString(hexPart); !ok || err != nil || len(b) != 32 || strings.ToLower(hexPart) != hexPart {
		return h, fmt.Errorf("%w: %q is not a digest with 64 lower-case hex digits", ErrInvalidLineage, id)
	}
	h.Value = hexPart
	return h, nil
}

var (
	parentRelations  = []ParentRelation{Finetune, Adapter, Quantized, Merge, Distill}
	datasetRelations = []DatasetRelation{TrainedOn, FineTunedOn, EvaluatedOn}
	approaches       = []cdx.MLModelParametersApproachType{
		cdx.MLModelParametersApproachTypeSupervised,
		cdx.MLModelParametersApproachTypeUnsupervised,
		cdx.MLModelParametersApproachTypeReinforcementLearning,
		cdx.MLModelParametersApproachTypeSemiSupervised,
		cdx.MLModelParametersApproachTypeSelfSupervised,
	}
)

func oneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

func checkModel(m *Model) error {
	if _, err := parseDigest(m.ID); err != nil {
		return fmt.Errorf("model id: %w", err)
	}
	for _, d := range []string{m.CardDigest, m.ArchFingerprint} {
		if d != "" {
			if _, err := parseDigest(d); err != nil {
				return fmt.Errorf("model %s: %w", m.ID, err)
			}
		}
	}
	if m.Approach != "" && !oneOf(cdx.MLModelParametersApproachType(m.Approach), approaches) {
		return fmt.Errorf("%w: model %s: approach %q (want one of %v)", ErrInvalidLineage, m.ID, m.Approach, approaches)
	}
	for _, p := range m.Parents {
		if _, err := parseDigest(p.Model); err != nil {
			return fmt.Errorf("model %s parent: %w", m.ID, err)
		}
		if !oneOf(p.Relation, parentRelations) {
			return fmt.Errorf("%w: model %s: parent relation %q (want one of %v)", ErrInvalidLineage, m.ID, p.Relation, parentRelations)
		}
		if p.Model == m.ID {
			return fmt.Errorf("%w: model %s is its own parent", ErrInvalidLineage, m.ID)
		}
	}
	for _, d := range m.Datasets {
		if _, err := parseDigest(d.Dataset); err != nil {
			return fmt.Errorf("model %s dataset: %w", m.ID, err)
		}
		if !oneOf(d.Relation, datasetRelations) {
			return fmt.Errorf("%w: model %s: dataset relation %q (want one of %v)", ErrInvalidLineage, m.ID, d.Relation, datasetRelations)
		}
	}
	if err := checkFiles(m.ID, m.Files); err != nil {
		return err
	}
	for _, e := range m.Evaluations {
		if e.Metric == "" || e.Score == "" {
			return fmt.Errorf("%w: model %s: an evaluation needs a metric and a score", ErrInvalidLineage, m.ID)
		}
	}
	return checkContributors(m.ID, m.Contributors)
}

func checkDataset(d *Dataset) error {
	if _, err := parseDigest(d.ID); err != nil {
		return fmt.Errorf("dataset id: %w", err)
	}
	if d.MetadataDigest != "" {
		if _, err := parseDigest(d.MetadataDigest); err != nil {
			return fmt.Errorf("dataset %s metadata: %w", d.ID, err)
		}
	}
	if len(d.RecordRoot) != 0 && len(d.RecordRoot) != 32 {
		return fmt.Errorf("%w: dataset %s: record root is %d bytes, want 32", ErrInvalidLineage, d.ID, len(d.RecordRoot))
	}
	return checkContributors(d.ID, d.Contributors)
}

func checkContributors(id string, cs []Contributor) error {
	for _, c := range cs {
		if c.Address == "" || c.ShareBps > 10_000 {
			return fmt.Errorf("%w: %s: contributor %q with %d bps (want an address and at most 10000)", ErrInvalidLineage, id, c.Address, c.ShareBps)
		}
	}
	return nil
}

func checkFiles(id string, files []File) error {
	seen := map[string]bool{}
	for _, f := range files {
		if !fs.ValidPath(f.Path) || f.Path == "." || seen[f.Path] {
			return fmt.Errorf("%w: model %s: file path %q (want a unique slash-separated relative path)", ErrInvalidLineage, id, f.Path)
		}
		seen[f.Path] = true
		for _, d := range []string{f.SHA256, f.BLAKE3} {
			if b, err := hex.DecodeString(d); err != nil || len(b) != 32 || strings.ToLower(d) != d {
				return fmt.Errorf("%w: model %s: file %s: digest %q is not 64 lower-case hex digits", ErrInvalidLineage, id, f.Path, d)
			}
		}
		if f.Size < 0 {
			return fmt.Errorf("%w: model %s: file %s: negative size", ErrInvalidLineage, id, f.Path)
		}
	}
	return nil
}
