package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/formats/safetensors/safetensorstest"
)

// TestProvenanceVerify registers a dataset with records, a base model and a
// fine-tune through the CLI, then checks that `provad verify` proves the
// whole lineage, that a one-byte change is "not registered", and that bad
// input registers nothing.
func TestProvenanceVerify(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "dev")
	d := startDev(t, home, "--free-ports", "--block-time", "300ms")
	art := t.TempDir()
	data := filepath.Join(art, "corpus.jsonl")
	if err := os.WriteFile(data, []byte("{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"text\":\"c\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeModel := func(dir string, hidden uint64) string {
		if err := os.MkdirAll(filepath.Join(art, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := safetensorstest.Write(filepath.Join(art, dir, "model.safetensors"), []safetensorstest.Tensor{
			{Name: "embed.weight", DType: "F32", Shape: []uint64{16, hidden}},
			{Name: "head.weight", DType: "BF16", Shape: []uint64{hidden, 16}},
		}, map[string]string{"variant": dir}); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(art, dir)
	}
	base, ft := writeModel("base", 8), writeModel("ft", 8)
	alice, bob := d.addr(t, "alice").String(), d.addr(t, "bob").String()
	tx := func(args ...string) cliResult {
		return provad(t, append(append([]string{"tx", "registry"}, args...), "--home", home, "--keyring-backend", "test", "--yes")...)
	}
	id := func(path string) string {
		r := provad(t, "hash", path)
		if r.Code != 0 {
			t.Fatalf("hash %s: %s", path, r.Stderr)
		}
		return strings.TrimSpace(r.Stdout)
	}
	mustSucceed(t, tx("register-dataset", data, "--license", "CC-BY-4.0", "--use", "commercial", "--records", data,
		"--contributor", alice+":7500", "--contributor", bob+":2500", "--from", "alice"))
	mustSucceed(t, tx("register-model", base, "--license", "MIT", "--from", "alice"))
	mustSucceed(t, tx("register-model", ft, "--license", "Apache-2.0", "--artifact-version", "v1",
		"--parent", id(base)+":finetune", "--dataset", id(data)+":fine_tuned_on", "--from", "bob"))

	r := provad(t, "verify", ft, "--trust-genesis", "--home", home, "-o", "json")
	mustSucceed(t, r)
	var pv struct {
		Registered bool `json:"registered"`
		Subject    struct {
			ID    string `json:"id"`
			Model struct {
				Owner string `json:"owner"`
				Info  struct {
					License         string `json:"license"`
					Format          string `json:"format"`
					ParameterCount  uint64 `json:"parameter_count"`
					ArchFingerprint string `json:"arch_fingerprint"`
				} `json:"info"`
			} `json:"model"`
		} `json:"subject"`
		Ancestors []struct {
			ID       string `json:"id"`
			Relation string `json:"relation"`
		} `json:"ancestors"`
		Datasets []struct {
			ID string `json:"id"`
		} `json:"datasets"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &pv); err != nil {
		t.Fatalf("%v\n%s", err, r.Stdout)
	}
	s := pv.Subject
	if !pv.Registered || s.ID != id(ft) || s.Model.Owner != bob || s.Model.Info.License != "Apache-2.0" || s.Model.Info.Format != "safetensors" ||
		!strings.HasPrefix(s.Model.Info.ArchFingerprint, "blake3:") || s.Model.Info.ParameterCount != 2*16*8 {
		t.Fatalf("unexpected subject: %+v", pv.Subject)
	}
	if len(pv.Ancestors) != 1 || pv.Ancestors[0].ID != id(base) || pv.Ancestors[0].Relation != "finetune" {
		t.Fatalf("ancestors: %+v", pv.Ancestors)
	}
	if len(pv.Datasets) != 1 || pv.Datasets[0].ID != id(data) {
		t.Fatalf("datasets: %+v", pv.Datasets)
	}
	text := provad(t, "verify", ft, "--trust-genesis", "--home", home)
	mustSucceed(t, text)
	mustContain(t, "verify output", text.Stdout, "finetune of \"base\"", "fine_tuned_on", "verified: 3 records")

	t.Run("dataset membership proof", func(t *testing.T) {
		proofFile := filepath.Join(t.TempDir(), "proof.json")
		mustSucceed(t, provad(t, "dataset", "prove", "--dataset", id(data), "--records", data, `{"text":"b"}`,
			"--output-file", proofFile, "--trust-genesis", "--home", home))
		r := provad(t, "dataset", "verify-proof", proofFile, "--trust-genesis", "--home", home)
		mustSucceed(t, r)
		mustContain(t, "verify-proof", r.Stdout, "included: record 1", `{"text":"b"}`)

		bz, err := os.ReadFile(proofFile)
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]any
		if err := json.Unmarshal(bz, &p); err != nil {
			t.Fatal(err)
		}
		p["record"] = "eyJ0ZXh0IjoieiJ9" // {"text":"z"}: a record that is not in the dataset
		forged, _ := json.Marshal(p)
		forgedFile := filepath.Join(t.TempDir(), "forged.json")
		if err := os.WriteFile(forgedFile, forged, 0o644); err != nil {
			t.Fatal(err)
		}
		if r := provad(t, "dataset", "verify-proof", forgedFile, "--trust-genesis", "--home", home); r.Code == 0 {
			t.Fatalf("forged membership proof accepted: %s", r.Stdout)
		}
	})

	t.Run("bom", func(t *testing.T) {
		r := provad(t, "bom", id(ft), "--trust-genesis", "--home", home)
		mustSucceed(t, r)
		var doc struct {
			BOMFormat   string `json:"bomFormat"`
			SpecVersion string `json:"specVersion"`
			Metadata    struct {
				Component struct {
					Type string `json:"type"`
					Name string `json:"name"`
				} `json:"component"`
			} `json:"metadata"`
			Components []struct {
				Type string `json:"type"`
			} `json:"components"`
		}
		if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
			t.Fatalf("%v\n%s", err, r.Stdout)
		}
		if doc.BOMFormat != "CycloneDX" || doc.SpecVersion != "1.6" || doc.Metadata.Component.Type != "machine-learning-model" || doc.Metadata.Component.Name != "ft" {
			t.Fatalf("unexpected BOM header: %+v", doc)
		}
		kinds := map[string]int{}
		for _, c := range doc.Components {
			kinds[c.Type]++
		}
		if kinds["machine-learning-model"] != 1 || kinds["data"] != 1 {
			t.Fatalf("components: %v", kinds)
		}
	})

	// A one-byte change is another artifact.
	modified := filepath.Join(art, "ft-modified")
	if err := os.MkdirAll(modified, 0o755); err != nil {
		t.Fatal(err)
	}
	bz, err := os.ReadFile(filepath.Join(ft, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	bz[len(bz)-1] ^= 1
	if err := os.WriteFile(filepath.Join(modified, "model.safetensors"), bz, 0o644); err != nil {
		t.Fatal(err)
	}
	r = provad(t, "verify", modified, "--trust-genesis", "--home", home)
	if r.Code == 0 {
		t.Fatalf("modified model verified: %s", r.Stdout)
	}
	mustContain(t, "stderr", r.Stderr, "not registered")

	// Bad input registers nothing.
	corrupt := filepath.Join(art, "corrupt")
	if err := os.MkdirAll(corrupt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(corrupt, "model.safetensors"), append([]byte{0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0}, []byte("{}")...), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		args []string
		want string
	}{
		{"corrupt safetensors", []string{"register-model", corrupt, "--license", "MIT", "--from", "alice"}, "header"},
		{"duplicate", []string{"register-model", ft, "--license", "MIT", "--from", "alice"}, "already registered as model"},
		{"unknown parent", []string{"register-model", modified, "--license", "MIT", "--parent", id(corrupt) + ":merge", "--from", "alice"}, "unknown parent"},
		{"invalid SPDX", []string{"register-model", modified, "--license", "MIT OR Nonsense-9", "--from", "alice"}, "SPDX"},
		{"shares", []string{"register-dataset", modified, "--license", "MIT", "--contributor", alice + ":9999", "--from", "alice"}, "10000"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := tx(tc.args...)
			if r.Code == 0 {
				t.Fatalf("accepted: %s", r.Stdout)
			}
			mustContain(t, "stderr", r.Stderr, tc.want)
		})
	}
	// provad inspect (offline) is tested by internal/cli/testdata/script/inspect.txtar.
	for _, p := range []string{corrupt, modified} {
		if r := provad(t, "verify", p, "--trust-genesis", "--home", home); r.Code == 0 {
			t.Fatalf("%s became registered after rejected input", p)
		}
	}
}
