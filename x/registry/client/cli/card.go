package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"sigs.k8s.io/yaml"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/x/registry/types"
)

// maxCardSize bounds the model card file we read.
const maxCardSize = 1 << 20

// Card is what Prova takes from a Hugging Face model card's front matter.
type Card struct {
	// License is the SPDX expression for the card's license (see
	// cardLicense); empty when the card names none.
	License string
	// HubLicense is the card's license as written (a Hugging Face Hub
	// license identifier), and HubLicenseName its license_name; kept
	// because a LicenseRef loses the Hub's exact name.
	HubLicense, HubLicenseName string
	Parents                    []types.ParentLink
	Datasets                   []types.DatasetLink
	// Notes are things the person registering should know, such as a Hub
	// license recorded as a LicenseRef.
	Notes []string
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
// of a model card; see ParseCard.
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
//
// A license that is neither a Hub license identifier nor an SPDX expression
// is an error matching ErrCardLicense; the card is still returned, complete
// but for License, so that a caller given a license by other means can go
// on.
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
	c := &Card{HubLicense: fm.License, HubLicenseName: fm.LicenseName}
	license, note, licenseErr := cardLicense(fm.License, fm.LicenseName)
	c.License = license
	if note != "" {
		c.Notes = append(c.Notes, note)
	}
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
	return c, licenseErr
}

// ErrCardLicense: the card's license is neither a Hugging Face Hub license
// identifier nor an SPDX expression.
var ErrCardLicense = errors.New("model card license not recognized")

// hubLicense is one entry of the Hub's license list.
type hubLicense struct {
	// spdx is the SPDX identifier, as SPDX spells it, or a LicenseRef for
	// a license SPDX does not list.
	spdx string
	// name is the Hub's full name, for notes.
	name string
}

// hubLicenses maps every license identifier of the Hugging Face Hub
// (https://huggingface.co/docs/hub/repositories-licenses; the list in
// huggingface/hub-docs docs/hub/repositories-licenses.md at 242f4a1e,
// August 2026: 83 identifiers) to SPDX.
//
//   - An identifier naming a license on the SPDX list maps to its SPDX ID,
//     spelled as SPDX spells it, if the chain's SPDX list (go-spdx, which
//     validates records) has it.
//   - The Hub's bare GNU identifiers (gpl-2.0, gpl-3.0, lgpl-2.1,
//     lgpl-3.0, agpl-3.0) map to the "-only" IDs: SPDX deprecated the bare
//     IDs in its 3.0 list, and until then "GPL-3.0" meant version 3.0 only
//     ("GPL-3.0+" meant "or later"); the Hub took its names from that
//     older list and says nothing of later versions.
//   - Unversioned names for licenses that only ever had one version map to
//     that version (c-uda → C-UDA-1.0, odc-by → ODC-By-1.0, odbl →
//     ODbL-1.0, pddl → PDDL-1.0).
//   - Families (bsd, cc, gfdl, gpl, lgpl, openrail) name no single license,
//     and the Hub's own licenses (llama*, gemma, the RAIL licenses, …) are
//     not on the chain's SPDX list: they map to LicenseRef-<hub id>, which
//     SPDX allows for any license (letters, digits, '.' and '-'; "++" is
//     spelled "plusplus"). Card.HubLicense keeps the Hub's name.
//   - unknown maps to LicenseRef-unknown: the card's author says the
//     license is unknown, and the record says the same.
//   - other maps to LicenseRef-<license_name> (see otherLicense).
var hubLicenses = map[string]hubLicense{
	"apache-2.0":                          {"Apache-2.0", "Apache license 2.0"},
	"mit":                                 {"MIT", "MIT"},
	"openrail":                            {"LicenseRef-openrail", "OpenRAIL license family"},
	"bigscience-openrail-m":               {"LicenseRef-bigscience-openrail-m", "BigScience OpenRAIL-M"},
	"creativeml-openrail-m":               {"LicenseRef-creativeml-openrail-m", "CreativeML OpenRAIL-M"},
	"bigscience-bloom-rail-1.0":           {"LicenseRef-bigscience-bloom-rail-1.0", "BigScience BLOOM RAIL 1.0"},
	"bigcode-openrail-m":                  {"LicenseRef-bigcode-openrail-m", "BigCode Open RAIL-M v1"},
	"afl-3.0":                             {"AFL-3.0", "Academic Free License v3.0"},
	"artistic-2.0":                        {"Artistic-2.0", "Artistic license 2.0"},
	"bsl-1.0":                             {"BSL-1.0", "Boost Software License 1.0"},
	"bsd":                                 {"LicenseRef-bsd", "BSD license family"},
	"bsd-2-clause":                        {"BSD-2-Clause", `BSD 2-clause "Simplified" license`},
	"bsd-3-clause":                        {"BSD-3-Clause", `BSD 3-clause "New" or "Revised" license`},
	"bsd-3-clause-clear":                  {"BSD-3-Clause-Clear", "BSD 3-clause Clear license"},
	"c-uda":                               {"C-UDA-1.0", "Computational Use of Data Agreement"},
	"cc":                                  {"LicenseRef-cc", "Creative Commons license family"},
	"cc0-1.0":                             {"CC0-1.0", "Creative Commons Zero v1.0 Universal"},
	"cc-by-2.0":                           {"CC-BY-2.0", "Creative Commons Attribution 2.0"},
	"cc-by-2.5":                           {"CC-BY-2.5", "Creative Commons Attribution 2.5"},
	"cc-by-3.0":                           {"CC-BY-3.0", "Creative Commons Attribution 3.0"},
	"cc-by-4.0":                           {"CC-BY-4.0", "Creative Commons Attribution 4.0"},
	"cc-by-sa-3.0":                        {"CC-BY-SA-3.0", "Creative Commons Attribution Share Alike 3.0"},
	"cc-by-sa-4.0":                        {"CC-BY-SA-4.0", "Creative Commons Attribution Share Alike 4.0"},
	"cc-by-nc-2.0":                        {"CC-BY-NC-2.0", "Creative Commons Attribution Non Commercial 2.0"},
	"cc-by-nc-3.0":                        {"CC-BY-NC-3.0", "Creative Commons Attribution Non Commercial 3.0"},
	"cc-by-nc-4.0":                        {"CC-BY-NC-4.0", "Creative Commons Attribution Non Commercial 4.0"},
	"cc-by-nd-4.0":                        {"CC-BY-ND-4.0", "Creative Commons Attribution No Derivatives 4.0"},
	"cc-by-nc-nd-3.0":                     {"CC-BY-NC-ND-3.0", "Creative Commons Attribution Non Commercial No Derivatives 3.0"},
	"cc-by-nc-nd-4.0":                     {"CC-BY-NC-ND-4.0", "Creative Commons Attribution Non Commercial No Derivatives 4.0"},
	"cc-by-nc-sa-2.0":                     {"CC-BY-NC-SA-2.0", "Creative Commons Attribution Non Commercial Share Alike 2.0"},
	"cc-by-nc-sa-3.0":                     {"CC-BY-NC-SA-3.0", "Creative Commons Attribution Non Commercial Share Alike 3.0"},
	"cc-by-nc-sa-4.0":                     {"CC-BY-NC-SA-4.0", "Creative Commons Attribution Non Commercial Share Alike 4.0"},
	"cdla-sharing-1.0":                    {"CDLA-Sharing-1.0", "Community Data License Agreement – Sharing, Version 1.0"},
	"cdla-permissive-1.0":                 {"CDLA-Permissive-1.0", "Community Data License Agreement – Permissive, Version 1.0"},
	"cdla-permissive-2.0":                 {"CDLA-Permissive-2.0", "Community Data License Agreement – Permissive, Version 2.0"},
	"wtfpl":                               {"WTFPL", "Do What The F*ck You Want To Public License"},
	"ecl-2.0":                             {"ECL-2.0", "Educational Community License v2.0"},
	"epl-1.0":                             {"EPL-1.0", "Eclipse Public License 1.0"},
	"epl-2.0":                             {"EPL-2.0", "Eclipse Public License 2.0"},
	"etalab-2.0":                          {"etalab-2.0", "Etalab Open License 2.0"},
	"eupl-1.1":                            {"EUPL-1.1", "European Union Public License 1.1"},
	"eupl-1.2":                            {"EUPL-1.2", "European Union Public License 1.2"},
	"agpl-3.0":                            {"AGPL-3.0-only", "GNU Affero General Public License v3.0"},
	"gfdl":                                {"LicenseRef-gfdl", "GNU Free Documentation License family"},
	"gpl":                                 {"LicenseRef-gpl", "GNU General Public License family"},
	"gpl-2.0":                             {"GPL-2.0-only", "GNU General Public License v2.0"},
	"gpl-3.0":                             {"GPL-3.0-only", "GNU General Public License v3.0"},
	"lgpl":                                {"LicenseRef-lgpl", "GNU Lesser General Public License family"},
	"lgpl-2.1":                            {"LGPL-2.1-only", "GNU Lesser General Public License v2.1"},
	"lgpl-3.0":                            {"LGPL-3.0-only", "GNU Lesser General Public License v3.0"},
	"isc":                                 {"ISC", "ISC"},
	"h-research":                          {"LicenseRef-h-research", "H Research License"},
	"intel-research":                      {"LicenseRef-intel-research", "Intel Research Use License Agreement"},
	"lppl-1.3c":                           {"LPPL-1.3c", "LaTeX Project Public License v1.3c"},
	"ms-pl":                               {"MS-PL", "Microsoft Public License"},
	"apple-ascl":                          {"LicenseRef-apple-ascl", "Apple Sample Code license"},
	"apple-amlr":                          {"LicenseRef-apple-amlr", "Apple Model License for Research"},
	"mpl-2.0":                             {"MPL-2.0", "Mozilla Public License 2.0"},
	"odc-by":                              {"ODC-By-1.0", "Open Data Commons License Attribution family"},
	"odbl":                                {"ODbL-1.0", "Open Database License family"},
	"openmdw-1.0":                         {"LicenseRef-openmdw-1.0", "Open Model, Data & Weights License Agreement"},
	"openmdw-1.1":                         {"LicenseRef-openmdw-1.1", "Open Model, Data & Weights License Agreement v1.1"},
	"openrail++":                          {"LicenseRef-openrail-plusplus", "Open Rail++-M License"},
	"osl-3.0":                             {"OSL-3.0", "Open Software License 3.0"},
	"postgresql":                          {"PostgreSQL", "PostgreSQL License"},
	"ofl-1.1":                             {"OFL-1.1", "SIL Open Font License 1.1"},
	"ncsa":                                {"NCSA", "University of Illinois/NCSA Open Source License"},
	"unlicense":                           {"Unlicense", "The Unlicense"},
	"zlib":                                {"Zlib", "zLib License"},
	"pddl":                                {"PDDL-1.0", "Open Data Commons Public Domain Dedication and License"},
	"lgpl-lr":                             {"LGPLLR", "Lesser General Public License For Linguistic Resources"},
	"deepfloyd-if-license":                {"LicenseRef-deepfloyd-if-license", "DeepFloyd IF Research License Agreement"},
	"fair-noncommercial-research-license": {"LicenseRef-fair-noncommercial-research-license", "FAIR Noncommercial Research License"},
	"llama2":                              {"LicenseRef-llama2", "Llama 2 Community License Agreement"},
	"llama3":                              {"LicenseRef-llama3", "Llama 3 Community License Agreement"},
	"llama3.1":                            {"LicenseRef-llama3.1", "Llama 3.1 Community License Agreement"},
	"llama3.2":                            {"LicenseRef-llama3.2", "Llama 3.2 Community License Agreement"},
	"llama3.3":                            {"LicenseRef-llama3.3", "Llama 3.3 Community License Agreement"},
	"llama4":                              {"LicenseRef-llama4", "Llama 4 Community License Agreement"},
	"grok2-community":                     {"LicenseRef-grok2-community", "Grok 2 Community License Agreement"},
	"gemma":                               {"LicenseRef-gemma", "Gemma Terms of Use"},
	"unknown":                             {"LicenseRef-unknown", "Unknown"},
}

// maxLicenseRefName bounds the name taken from license_name, well inside
// types.MaxLicenseLen.
const maxLicenseRefName = 128

// cardLicense maps a card's license (and license_name, for "other") to an
// SPDX expression. It returns a note when the mapping loses something a
// person should see, and an error matching ErrCardLicense for a license it
// cannot map. A card without a license maps to "".
func cardLicense(id, name string) (spdx, note string, err error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", "", nil
	}
	key := strings.ToLower(id)
	if key == "other" {
		return otherLicense(name)
	}
	if l, ok := hubLicenses[key]; ok {
		if strings.HasPrefix(l.spdx, "LicenseRef-") {
			note = fmt.Sprintf("card license %q (%s) is not on the SPDX list; recorded as %s", id, l.name, l.spdx)
		}
		return l.spdx, note, nil
	}
	// Not a Hub identifier: a card may carry an SPDX expression itself.
	if types.ValidateLicense(id) == nil {
		return id, "", nil
	}
	return "", "", fmt.Errorf("%w: %q is neither a Hugging Face Hub license identifier (https://huggingface.co/docs/hub/repositories-licenses) nor an SPDX expression: "+
		"pass --license with an SPDX expression (LicenseRef-<name> for a license of your own), or write \"license: other\" and \"license_name: <name>\" in the card", ErrCardLicense, id)
}

// otherLicense maps "license: other" with its license_name to
// LicenseRef-<name>: characters SPDX does not allow in a LicenseRef (only
// letters, digits, '.' and '-') become '-'.
func otherLicense(name string) (string, string, error) {
	var b strings.Builder
	dash := false
	for _, r := range strings.TrimSpace(name) {
		ok := r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-')
		switch {
		case ok:
			b.WriteRune(r)
			dash = r == '-'
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	ref := strings.TrimRight(b.String(), "-.")
	if len(ref) > maxLicenseRefName {
		ref = strings.TrimRight(ref[:maxLicenseRefName], "-.")
	}
	if ref == "" {
		return "LicenseRef-other", `card license is "other" without a usable license_name; recorded as LicenseRef-other`, nil
	}
	spdx := "LicenseRef-" + ref
	return spdx, fmt.Sprintf("card license \"other\" named %q; recorded as %s", name, spdx), nil
}
