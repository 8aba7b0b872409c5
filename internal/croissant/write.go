package croissant

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
)

// Namespace is the IRI the "prova" prefix stands for in documents written
// here.
const Namespace = "https://prova.network/ns/"

// ConformsTo is the Croissant version of documents Describe writes.
const ConformsTo = "http://mlcommons.org/croissant/1.0"

// RecordAlgorithm names the record tree hash (as in internal/records).
const RecordAlgorithm = "rfc6962-sha256"

// Contributor is an account credited with a share of a dataset.
type Contributor struct {
	Address  string
	ShareBps uint32
}

// Facts are what the chain says about a registered dataset, and where it
// was proven.
type Facts struct {
	ID             string // artifact ID, "blake3:<hex>" or "sha256:<hex>"
	Name           string
	Version        string
	License        string // SPDX expression
	Owner          string
	Contributors   []Contributor
	RecordRoot     []byte
	RecordCount    uint64
	MetadataURI    string
	MetadataDigest string
	ChainID        string
	Height         int64
	AppHash        string // hex
}

// standardContext is Croissant 1.0's @context (as in the specification's
// examples), plus the prova prefix.
func standardContext() map[string]any {
	c := map[string]any{
		"@language": "en", "@vocab": "https://schema.org/", "sc": "https://schema.org/",
		"cr": crNS, "rai": crNS + "RAI/", "dct": "http://purl.org/dc/terms/",
		"citeAs": "cr:citeAs", "column": "cr:column", "conformsTo": "dct:conformsTo",
		"data": map[string]any{"@id": "cr:data", "@type": "@json"}, "dataType": map[string]any{"@id": "cr:dataType", "@type": "@vocab"},
		"examples": map[string]any{"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract", "field": "cr:field",
		"fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject", "fileSet": "cr:fileSet", "format": "cr:format",
		"includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath", "key": "cr:key",
		"md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path", "recordSet": "cr:recordSet",
		"references": "cr:references", "regex": "cr:regex", "repeated": "cr:repeated", "replace": "cr:replace",
		"separator": "cr:separator", "source": "cr:source", "subField": "cr:subField", "transform": "cr:transform",
		"prova": Namespace,
	}
	return c
}

// Describe writes a Croissant JSON-LD document of the facts alone: name,
// version, license, the artifact ID as schema.org identifier, the
// contributors as creators, and Prova's record root and proof as prova:
// properties. The chain does not hold the distribution; Annotate adds the
// facts to the registered metadata document, which has it.
func Describe(f Facts) ([]byte, error) {
	doc := map[string]any{
		"@context":   standardContext(),
		"@type":      "sc:Dataset",
		"conformsTo": ConformsTo,
		"name":       f.Name,
		"identifier": f.ID,
	}
	if f.Version != "" {
		doc["version"] = f.Version
	}
	if f.License != "" {
		doc["license"] = f.License
	}
	if cs := people(f.Contributors); cs != nil {
		doc["creator"] = cs
	}
	addFacts(doc, f)
	return encode(doc)
}

// Annotate adds the facts to a Croissant metadata document: the prova
// prefix to its @context, prova: properties, and the contributors as
// creator (or, where the document names its creators, as contributor). The
// rest of the document is kept; keys come out sorted.
func Annotate(doc []byte, f Facts) ([]byte, error) {
	if _, err := Parse(doc); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch c := m["@context"].(type) {
	case map[string]any:
		c["prova"] = Namespace
	case nil:
		m["@context"] = map[string]any{"prova": Namespace}
	case []any:
		m["@context"] = append(c, map[string]any{"prova": Namespace})
	default:
		m["@context"] = []any{c, map[string]any{"prova": Namespace}}
	}
	if cs := people(f.Contributors); cs != nil {
		key := "creator"
		if _, ok := m["creator"]; ok {
			key = "contributor"
		}
		m[key] = cs
	}
	addFacts(m, f)
	return encode(m)
}

func addFacts(doc map[string]any, f Facts) {
	doc["prova:artifactId"] = f.ID
	if f.Owner != "" {
		doc["prova:owner"] = f.Owner
	}
	if len(f.RecordRoot) > 0 {
		doc["prova:recordRoot"] = hex.EncodeToString(f.RecordRoot)
		doc["prova:recordCount"] = strconv.FormatUint(f.RecordCount, 10)
		doc["prova:recordAlgorithm"] = RecordAlgorithm
	}
	if f.MetadataDigest != "" {
		doc["prova:metadataDigest"] = f.MetadataDigest
	}
	if f.MetadataURI != "" {
		doc["prova:metadataUri"] = f.MetadataURI
	}
	if f.ChainID != "" {
		doc["prova:provenAt"] = map[string]any{
			"prova:chainId": f.ChainID, "prova:height": strconv.FormatInt(f.Height, 10), "prova:appHash": f.AppHash,
		}
	}
}

// people writes contributors as schema.org Person nodes named by their
// account address, with their share.
func people(cs []Contributor) []any {
	if len(cs) == 0 {
		return nil
	}
	out := make([]any, len(cs))
	for i, c := range cs {
		out[i] = map[string]any{
			"@type": "sc:Person", "name": c.Address, "identifier": c.Address,
			"prova:shareBps": strconv.FormatUint(uint64(c.ShareBps), 10),
		}
	}
	return out
}

func encode(doc map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
