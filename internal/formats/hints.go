package formats

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxHintFile bounds how much of README.md, config.json and
// adapter_config.json is read.
const maxHintFile = 1 << 20

// addDirHints adds lineage hints and the architecture name from the files
// that usually sit next to a model. These are hints: a missing or malformed
// file adds nothing and is not an error, since the model itself was valid.
func addDirHints(s *Summary, dir string) {
	if s.Architecture == "" {
		s.Architecture = configArchitecture(filepath.Join(dir, "config.json"))
	}
	if base := adapterBase(filepath.Join(dir, "adapter_config.json")); base != "" {
		s.BaseModels = append(s.BaseModels, Ref{Name: base, Source: "adapter_config.json"})
	}
	bases, datasets := frontMatter(filepath.Join(dir, "README.md"))
	for _, b := range bases {
		s.BaseModels = append(s.BaseModels, Ref{Name: b, Source: "README.md"})
	}
	for _, d := range datasets {
		s.Datasets = append(s.Datasets, Ref{Name: d, Source: "README.md"})
	}
}

func readSmall(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, maxHintFile))
	return b
}

// configArchitecture reads model_type (or the first of architectures) from a
// transformers config.json.
func configArchitecture(path string) string {
	var c struct {
		ModelType     string   `json:"model_type"`
		Architectures []string `json:"architectures"`
	}
	if json.Unmarshal(readSmall(path), &c) != nil {
		return ""
	}
	if c.ModelType != "" {
		return c.ModelType
	}
	if len(c.Architectures) > 0 {
		return c.Architectures[0]
	}
	return ""
}

// adapterBase reads base_model_name_or_path from a PEFT adapter_config.json.
func adapterBase(path string) string {
	var c struct {
		Base string `json:"base_model_name_or_path"`
	}
	if json.Unmarshal(readSmall(path), &c) != nil {
		return ""
	}
	return c.Base
}

// frontMatter extracts base_model and datasets from the YAML front matter of
// a Hugging Face model card. It understands the forms model cards use:
//
//	base_model: org/name
//	base_model: [org/a, "org/b"]
//	datasets:
//	  - org/data
//
// It is deliberately not a YAML parser; anything else is ignored.
func frontMatter(path string) (bases, datasets []string) {
	data := readSmall(path)
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != "---" {
		return nil, nil
	}
	var current *[]string
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "---" || line == "..." {
			break
		}
		if line == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' && line[0] != '-' {
			key, val, ok := strings.Cut(line, ":")
			current = nil
			if !ok {
				continue
			}
			switch strings.TrimSpace(key) {
			case "base_model":
				current = &bases
			case "datasets":
				current = &datasets
			default:
				continue
			}
			val = strings.TrimSpace(val)
			if strings.HasPrefix(val, "[") && strings.HasSuffix(val, "]") {
				for item := range strings.SplitSeq(val[1:len(val)-1], ",") {
					*current = appendItem(*current, item)
				}
			} else {
				*current = appendItem(*current, val)
			}
			continue
		}
		if item, ok := strings.CutPrefix(strings.TrimSpace(line), "- "); ok && current != nil {
			*current = appendItem(*current, item)
		}
	}
	return bases, datasets
}

func appendItem(list []string, item string) []string {
	item = strings.TrimSpace(strings.Trim(strings.TrimSpace(item), `"'`))
	if item == "" || strings.ContainsAny(item, "{}[]") || (strings.Contains(item, ":") && !strings.Contains(item, "://")) {
		return list // empty, or a nested structure we do not read
	}
	return append(list, item)
}
