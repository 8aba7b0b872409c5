package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// croissantDir is mlcommons/croissant's datasets/1.0 in the workspace's
// shared real data (shared/realdata/README.md).
var croissantDir = filepath.Join("..", "..", "..", "shared", "realdata", "croissant")

// TestCroissant registers Croissant's titanic example from its metadata
// (files checked against their sha256, records committed from titanic.csv),
// reads it back as Croissant JSON-LD with the proven record root and
// contributor, and proves a passenger row given exactly as it is written in
// the CSV file.
func TestCroissant(t *testing.T) {
	meta := filepath.Join(croissantDir, "titanic", "metadata.json")
	csv := filepath.Join(croissantDir, "titanic", "data", "titanic.csv")
	if _, err := os.Stat(meta); err != nil {
		t.Skip("realdata not present:", err)
	}
	t.Parallel()
	home := filepath.Join(t.TempDir(), "dev")
	d := startDev(t, home, "--free-ports", "--block-time", "300ms")
	alice := d.addr(t, "alice").String()

	r := mustSucceed(t, provad(t, "tx", "registry", "register-dataset", "--croissant", meta, "--records", csv,
		"--contributor", alice+":10000", "--from", "alice", "--home", home, "--keyring-backend", "test", "--yes"))
	mustContain(t, "register stderr", r.Stderr, `croissant: "Titanic", 3 local files checked`)
	id := regexp.MustCompile(`dataset id: (\S+)`).FindStringSubmatch(r.Stderr)
	root := regexp.MustCompile(`records: 1309, root ([0-9A-F]{64})`).FindStringSubmatch(r.Stderr)
	if id == nil || root == nil {
		t.Fatalf("no dataset id or record root in:\n%s", r.Stderr)
	}

	type doc struct {
		Context    map[string]any   `json:"@context"`
		Type       string           `json:"@type"`
		Name       string           `json:"name"`
		License    string           `json:"license"`
		Identifier string           `json:"identifier"`
		Creator    []map[string]any `json:"creator"`
		RecordSet  []any            `json:"recordSet"`
		Root       string           `json:"prova:recordRoot"`
		Count      string           `json:"prova:recordCount"`
		ArtifactID string           `json:"prova:artifactId"`
		ProvenAt   map[string]any   `json:"prova:provenAt"`
	}
	read := func(extra ...string) doc {
		t.Helper()
		r := mustSucceed(t, provad(t, append([]string{"dataset", "croissant", id[1], "--trust-genesis", "--home", home}, extra...)...))
		var out doc
		if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
			t.Fatalf("%v\n%s", err, r.Stdout)
		}
		if out.Context["prova"] != "https://prova.network/ns/" || out.Context["@vocab"] != "https://schema.org/" || out.Type != "sc:Dataset" ||
			out.Name != "Titanic" || out.Root != strings.ToLower(root[1]) || out.Count != "1309" || out.ArtifactID != id[1] ||
			len(out.Creator) != 1 || out.Creator[0]["identifier"] != alice || out.ProvenAt["prova:chainId"] == nil {
			t.Fatalf("not the registered dataset as Croissant JSON-LD:\n%s", r.Stdout)
		}
		return out
	}
	if c := read(); c.Identifier != id[1] || c.License != "AFL-3.0" {
		t.Fatalf("described: %+v", c)
	}
	if c := read("--metadata", meta); len(c.RecordSet) != 3 || c.License != "afl-3.0" {
		t.Fatalf("annotated metadata lost its record sets or license: %+v", c)
	}
	// Another document is not the registered metadata.
	if r := provad(t, "dataset", "croissant", id[1], "--metadata", filepath.Join(croissantDir, "simple-join", "metadata.json"),
		"--trust-genesis", "--home", home); r.Code == 0 || !strings.Contains(r.Stderr, "this is not the registered metadata") {
		t.Fatalf("other metadata accepted: %d %s", r.Code, r.Stderr)
	}

	// The first passenger's row, exactly as in the file (quotes, commas
	// inside quotes, "?"), with and without its line end.
	row := `1,1,"Allen, Miss. Elisabeth Walton","female",29,0,0,"24160",211.3375,"B5","S","2",?,"St Louis, MO"`
	for _, rec := range []string{row, row + "\n"} {
		proof := filepath.Join(t.TempDir(), "proof.json")
		mustSucceed(t, provad(t, "dataset", "prove", "--dataset", id[1], "--records", csv, rec, "--output-file", proof, "--trust-genesis", "--home", home))
		r := mustSucceed(t, provad(t, "dataset", "verify-proof", proof, "--trust-genesis", "--home", home))
		mustContain(t, "verify-proof", r.Stdout, "included: record 0 of dataset \"Titanic\"", `Allen, Miss. Elisabeth Walton`)
	}
}
