package bom

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaDir finds shared/schemas/cyclonedx by walking up from the package
// directory to the first ancestor that holds it (the repository's shared
// checkout sits next to, not inside, the module).
func schemaDir() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		p := filepath.Join(dir, "shared", "schemas", "cyclonedx")
		if _, err := os.Stat(filepath.Join(p, "bom-1.6.schema.json")); err == nil {
			return p, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

const bomSchemaURL = "http://cyclonedx.org/schema/bom-1.6.schema.json"

// compileSchema compiles the official CycloneDX 1.6 schema from local files.
// Each file is registered under its own $id, so the schema's relative $refs
// (spdx.schema.json, jsf-0.82.schema.json) resolve without any network.
var compileSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	dir, ok := schemaDir()
	if !ok {
		return nil, nil
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	for _, name := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+name, doc); err != nil {
			return nil, err
		}
	}
	return c.Compile(bomSchemaURL)
})

const schemaMissing = "shared/schemas/cyclonedx/bom-1.6.schema.json not found in any parent directory; cannot validate against the official cyclonedx 1.6 schema"

// schema returns the compiled schema, or nil if the schema files are absent.
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	s, err := compileSchema()
	if err != nil {
		t.Fatalf("compile the cyclonedx 1.6 schema: %v", err)
	}
	return s
}

// validate checks a JSON document against the CycloneDX 1.6 schema; it skips
// the test if the schema files are absent.
func validate(t *testing.T, doc []byte) error {
	t.Helper()
	s := schema(t)
	if s == nil {
		t.Skip(schemaMissing)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("not json: %v", err)
	}
	return s.Validate(inst)
}
