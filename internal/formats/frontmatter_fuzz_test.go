package formats

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzFrontMatter checks the README front-matter reader two ways. On any
// text it returns only clean scalar items, each found on one line of the
// text. And on front matter written from fuzzed items in each layout it
// reads (block list, flow list, scalar), among comments, other keys and a
// body that repeats the keys, it returns exactly the items written.
func FuzzFrontMatter(f *testing.F) {
	f.Add("---\nbase_model: a/b\ndatasets:\n - c/d\n---\n", "org/a|org/b", "data/x", uint8(0))
	f.Add("---\nbase_model: [x, 'y', \"z\"]\n", "x", "", uint8(1))
	f.Add("---\n- a\n\tb: c\n", "", "https://h/d|e", uint8(2))
	f.Add("no front matter\nbase_model: a\n", "-a|a b", "d", uint8(3))
	dir := f.TempDir()
	read := func(t *testing.T, readme string) (bases, datasets []string) {
		path := filepath.Join(dir, "README.md")
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
		return frontMatter(path)
	}
	f.Fuzz(func(t *testing.T, readme, baseItems, datasetItems string, layout uint8) {
		bases, datasets := read(t, readme)
		lines := strings.Split(readme, "\n")
		for _, item := range append(bases, datasets...) {
			if item == "" || item[0] == ' ' || item[len(item)-1] == ' ' || strings.ContainsAny(item, "\n{}[]") ||
				(strings.Contains(item, ":") && !strings.Contains(item, "://")) {
				t.Fatalf("unclean item %q", item)
			}
			if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, item) }) {
				t.Fatalf("item %q is on no line of %q", item, readme)
			}
		}

		wantBases, wantDatasets := simpleItems(baseItems), simpleItems(datasetItems)
		readme = frontMatterText(wantBases, wantDatasets, layout)
		bases, datasets = read(t, readme)
		if !slices.Equal(bases, wantBases) || !slices.Equal(datasets, wantDatasets) {
			t.Fatalf("%q: read %q and %q, want %q and %q", readme, bases, datasets, wantBases, wantDatasets)
		}
	})
}

// simpleItems splits s at '|' and keeps the items every layout can carry:
// non-empty, no surrounding white space, and none of the characters that
// quote, split, nest or comment.
func simpleItems(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, "|") {
		if item != "" && len(item) < 200 && strings.TrimSpace(item) == item && !strings.ContainsAny(item, "\n\r,#'\"{}[]:") {
			out = append(out, item)
		}
	}
	return out
}

// frontMatterText writes a README whose front matter lists bases and
// datasets in one of the layouts a model card uses, with noise that must be
// ignored.
func frontMatterText(bases, datasets []string, layout uint8) string {
	var b strings.Builder
	b.WriteString("---\n# a comment\nlicense: mit\n")
	list := func(key string, items []string, layout uint8) {
		switch {
		case len(items) == 0:
			b.WriteString(key + ":\n")
		case layout%3 == 1:
			b.WriteString(key + ": [" + strings.Join(items, ", ") + "]\n")
		case layout%3 == 2 && len(items) == 1:
			b.WriteString(key + ": " + items[0] + "\n")
		default:
			b.WriteString(key + ":\n")
			for _, item := range items {
				b.WriteString("  - " + item + "\n")
			}
		}
		b.WriteString("tags:\n  - not-an-item\n\n")
	}
	list("base_model", bases, layout)
	list("datasets", datasets, layout/3)
	b.WriteString("---\n\n# Model\nbase_model: not-front-matter\ndatasets:\n  - nor-this\n")
	return b.String()
}
