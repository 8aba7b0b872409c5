package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/x/registry/types"
)

// maxCardSize bounds the model card file we read.
const maxCardSize = 1 << 20

// Card is what Prova takes from a Hugging Face model card's front matter.
type Card struct {
	License  string
	Parents  []types.ParentLink
	Datasets []types.DatasetLink
	// Unmapped are base models or datasets named by something other than a
	// Prova ID (e.g. a hub repository name).
	Unmapped []string
}

// stringList accepts a YAML string or list of strings.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings")
	}
	*l = many
	return nil
}

// ReadCard parses the YAML front matter (between the leading "---" lines)
// of a model card.
func ReadCard(path string) (*Card, error) {
	bz, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(bz) > maxCardSize {
		return nil, fmt.Errorf("model card %s is over %d bytes", path, maxCardSize)
	}
	return ParseCard(bz)
}

// ParseCard parses a model card's front matter.
func ParseCard(bz []byte) (*Card, error) {
	bz = bytes.ReplaceAll(bz, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(bz, []byte("---\n")) {
		return nil, fmt.Errorf("model card has no YAML front matter (it must start with a --- line)")
	}
	rest := bz[4:]
	end := bytes.Index(rest, []byte("\n---"))
	if end < 0 {
		return nil, fmt.Errorf("model card front matter is not closed by a --- line")
	}
	var fm struct {
		License           string     `json:"license"`
		LicenseName       string     `json:"license_name"`
		BaseModel         stringList `json:"base_model"`
		BaseModelRelation string     `json:"base_model_relation"`
		Datasets          stringList `json:"datasets"`
	}
	if err := yaml.Unmarshal(rest[:end+1], &fm); err != nil {
		return nil, fmt.Errorf("model card front matter: %w", err)
	}
	c := &Card{License: cardLicense(fm.License, fm.LicenseName)}
	relName := fm.BaseModelRelation
	if relName == "" {
		relName = "finetune" // the hub's default reading of base_model
	}
	rel, err := types.ParseParentRelation(relName)
	if err != nil {
		return nil, err
	}
	for _, b := range fm.BaseModel {
		if _, err := fingerprint.ParseDigest(b); err != nil {
			c.Unmapped = append(c.Unmapped, "base model "+b)
			continue
		}
		c.Parents = append(c.Parents, types.ParentLink{ModelId: b, Relation: rel})
	}
	dsRel := types.DatasetRelation_DATASET_RELATION_TRAINED_ON
	if len(c.Parents) > 0 || len(fm.BaseModel) > 0 {
		dsRel = types.DatasetRelation_DATASET_RELATION_FINE_TUNED_ON
	}
	for _, d := range fm.Datasets {
		if _, err := fingerprint.ParseDigest(d); err != nil {
			c.Unmapped = append(c.Unmapped, "dataset "+d)
			continue
		}
		c.Datasets = append(c.Datasets, types.DatasetLink{DatasetId: d, Relation: dsRel})
	}
	return c, nil
}

// cardLicense maps the hub's license identifiers to SPDX where they differ.
func cardLicense(id, name string) string {
	switch id {
	case "apache-2.0":
		return "Apache-2.0"
	case "mit":
		return "MIT"
	case "cc-by-4.0":
		return "CC-BY-4.0"
	case "cc-by-sa-4.0":
		return "CC-BY-SA-4.0"
	case "cc-by-nc-4.0":
		return "CC-BY-NC-4.0"
	case "bsd-3-clause":
		return "BSD-3-Clause"
	case "openrail":
		return "LicenseRef-OpenRAIL"
	case "other":
		if name != "" {
			return "LicenseRef-" + name
		}
		return "LicenseRef-other"
	}
	return id
}
