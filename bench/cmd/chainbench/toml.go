package main

import (
	"fmt"
	"strings"
)

// setTOML replaces the value of key in [section] of a TOML document such as
// CometBFT's config.toml ("" is the top level, before any header). value is
// written as given, so strings must carry their quotes. It is a line
// editor, enough for the flat files CometBFT writes, and fails if the key
// is absent so that a renamed setting is noticed rather than ignored.
func setTOML(doc, section, key, value string) (string, error) {
	lines := strings.Split(doc, "\n")
	current := ""
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "[") {
			current = strings.Trim(t, "[] ")
			continue
		}
		if current != section {
			continue
		}
		name, _, ok := strings.Cut(t, "=")
		if ok && !strings.HasPrefix(t, "#") && strings.TrimSpace(name) == key {
			lines[i] = key + " = " + value
			return strings.Join(lines, "\n"), nil
		}
	}
	return "", fmt.Errorf("config has no %q in section [%s]", key, section)
}

// setting is one config.toml value: section, key, TOML-encoded value.
type setting struct{ section, key, value string }

// applyTOML applies settings in order.
func applyTOML(doc string, settings []setting) (string, error) {
	var err error
	for _, s := range settings {
		if doc, err = setTOML(doc, s.section, s.key, s.value); err != nil {
			return "", err
		}
	}
	return doc, nil
}
