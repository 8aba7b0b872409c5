package cli

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"

	"github.com/prova-network/prova/x/registry/types"
)

// hubIDs is the Hugging Face Hub's license list, copied by hand from
// huggingface/hub-docs docs/hub/repositories-licenses.md at 242f4a1e (the
// "License identifier (to use in repo card)" column, in its order).
var hubIDs = []string{
	"apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m",
	"bigscience-bloom-rail-1.0", "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0",
	"bsd", "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "c-uda", "cc", "cc0-1.0",
	"cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0",
	"cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0",
	"cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0",
	"cdla-sharing-1.0", "cdla-permissive-1.0", "cdla-permissive-2.0", "wtfpl", "ecl-2.0",
	"epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1", "eupl-1.2", "agpl-3.0", "gfdl", "gpl",
	"gpl-2.0", "gpl-3.0", "lgpl", "lgpl-2.1", "lgpl-3.0", "isc", "h-research",
	"intel-research", "lppl-1.3c", "ms-pl", "apple-ascl", "apple-amlr", "mpl-2.0", "odc-by",
	"odbl", "openmdw-1.0", "openmdw-1.1", "openrail++", "osl-3.0", "postgresql", "ofl-1.1",
	"ncsa", "unlicense", "zlib", "pddl", "lgpl-lr", "deepfloyd-if-license",
	"fair-noncommercial-research-license", "llama2", "llama3", "llama3.1", "llama3.2",
	"llama3.3", "llama4", "grok2-community", "gemma", "unknown", "other",
}

// TestHubLicenseTable maps every Hub identifier: each result passes the
// chain's license validation; an SPDX ID is spelled exactly as on the SPDX
// list the chain uses (go-spdx), and is not a deprecated one; a LicenseRef
// is used only where no SPDX ID has the Hub's name.
func TestHubLicenseTable(t *testing.T) {
	if len(hubIDs) != 83 || len(hubLicenses) != len(hubIDs)-1 { // "other" is handled apart
		t.Fatalf("%d hub identifiers, %d in the table", len(hubIDs), len(hubLicenses))
	}
	spdx := spdxlicenses.GetLicenses()
	lower := map[string]string{}
	for _, id := range spdx {
		lower[strings.ToLower(id)] = id
	}
	for _, id := range hubIDs {
		t.Run(id, func(t *testing.T) {
			got, _, err := cardLicense(id, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := types.ValidateLicense(got); err != nil {
				t.Fatalf("%s → %s: %v", id, got, err)
			}
			if ref, ok := strings.CutPrefix(got, "LicenseRef-"); ok {
				if canon, ok := lower[id]; ok {
					t.Errorf("%s → %s, but SPDX lists %s", id, got, canon)
				}
				if ref == "" {
					t.Error("empty LicenseRef")
				}
				return
			}
			if !slices.Contains(spdx, got) {
				t.Errorf("%s → %s, which is not spelled as an active SPDX ID", id, got)
			}
		})
	}
}

func TestCardLicense(t *testing.T) {
	tests := []struct {
		id, name string
		want     string
		note     string // part of the note; "" for none
	}{
		{"apache-2.0", "", "Apache-2.0", ""},
		{"Apache-2.0", "", "Apache-2.0", ""}, // SPDX spelling in a card
		{"cc-by-4.0", "", "CC-BY-4.0", ""},
		{"gpl-3.0", "", "GPL-3.0-only", ""},
		{"lgpl-lr", "", "LGPLLR", ""},
		{"etalab-2.0", "", "etalab-2.0", ""},
		{"llama3.2", "", "LicenseRef-llama3.2", `"llama3.2" (Llama 3.2 Community License Agreement) is not on the SPDX list; recorded as LicenseRef-llama3.2`},
		{"llama3.1", "", "LicenseRef-llama3.1", "Llama 3.1"},
		{"llama3", "", "LicenseRef-llama3", "Llama 3 Community"},
		{"llama2", "", "LicenseRef-llama2", "Llama 2"},
		{"gemma", "", "LicenseRef-gemma", "Gemma Terms of Use"},
		{"openrail++", "", "LicenseRef-openrail-plusplus", "Open Rail++-M"},
		{"other", "qwen-research", "LicenseRef-qwen-research", `named "qwen-research"`},
		{"other", "Tongyi Qianwen LICENSE AGREEMENT", "LicenseRef-Tongyi-Qianwen-LICENSE-AGREEMENT", ""},
		{"other", "  deepseek/model_v2 (2024)!  ", "LicenseRef-deepseek-model-v2-2024", ""},
		{"other", "", "LicenseRef-other", "without a usable license_name"},
		{"other", "日本語", "LicenseRef-other", "without a usable license_name"},
		{"other", strings.Repeat("x", 300), "LicenseRef-" + strings.Repeat("x", maxLicenseRefName), ""},
		{"MIT OR Apache-2.0", "", "MIT OR Apache-2.0", ""},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.id+"/"+tt.name, func(t *testing.T) {
			got, note, err := cardLicense(tt.id, tt.name)
			if err != nil || got != tt.want {
				t.Fatalf("cardLicense(%q, %q) = %q, %v; want %q", tt.id, tt.name, got, err, tt.want)
			}
			if got != "" {
				if err := types.ValidateLicense(got); err != nil {
					t.Fatalf("%s: %v", got, err)
				}
			}
			switch {
			case !strings.Contains(note, tt.note):
				t.Errorf("note %q, want one with %q", note, tt.note)
			case strings.HasPrefix(got, "LicenseRef-") != (note != ""):
				t.Errorf("note %q for %s: every LicenseRef, and only a LicenseRef, gets a note", note, got)
			}
		})
	}
}

// TestCardLicenseUnknown: a name on neither list is refused, saying how to
// fix it; the rest of the card is still read.
func TestCardLicenseUnknown(t *testing.T) {
	card := "---\nlicense: llama9\nbase_model: meta-llama/Llama-3.2-1B\n---\n# Model\n"
	c, err := ParseCard([]byte(card))
	if !errors.Is(err, ErrCardLicense) {
		t.Fatalf("err = %v, want %v", err, ErrCardLicense)
	}
	for _, w := range []string{`"llama9"`, "--license", "license: other", "license_name"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("err %q does not say %s", err, w)
		}
	}
	if c == nil || c.License != "" || c.HubLicense != "llama9" || !slices.Equal(c.Unmapped, []string{"base model meta-llama/Llama-3.2-1B"}) {
		t.Fatalf("card %+v", c)
	}
}

// TestParseCardLicense reads a real-looking Llama card and an "other" one:
// the SPDX value, the Hub's own name and a note.
func TestParseCardLicense(t *testing.T) {
	path := t.TempDir() + "/README.md"
	card := "---\r\nlanguage:\r\n- en\r\nlicense: llama3.2\r\nlibrary_name: transformers\r\npipeline_tag: text-generation\r\n---\r\n"
	if err := os.WriteFile(path, []byte(card), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := ReadCard(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.License != "LicenseRef-llama3.2" || c.HubLicense != "llama3.2" || len(c.Notes) != 1 {
		t.Fatalf("card %+v", c)
	}
	c, err = ParseCard([]byte("---\nlicense: other\nlicense_name: qwen-research\nlicense_link: https://huggingface.co/Qwen/Qwen2.5-3B/blob/main/LICENSE\n---\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.License != "LicenseRef-qwen-research" || c.HubLicense != "other" || c.HubLicenseName != "qwen-research" {
		t.Fatalf("card %+v", c)
	}
	c, err = ParseCard([]byte("---\ntags: [a]\n---\n"))
	if err != nil || c.License != "" || len(c.Notes) != 0 {
		t.Fatalf("no license: %+v, %v", c, err)
	}
}
