package croissant

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"strings"
)

// MaxDocumentSize caps a metadata document: 16 MiB, far above real ones
// (titanic's is 20 KB) and small enough to read whole.
const MaxDocumentSize = 16 << 20

// ReadFile reads a metadata document, refusing one over MaxDocumentSize
// without reading more than that.
func ReadFile(path string) ([]byte, error) {
	return readCapped(path, MaxDocumentSize, "metadata document")
}

// readCapped reads at most limit bytes of path, and fails if there are more.
func readCapped(path string, limit int64, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %s %s is over the %d byte cap", ErrInvalid, what, path, limit)
	}
	return b, nil
}

// IRIs of the types Prova reads. schema.org is accepted over http and
// https, as JSON-LD processors see both in the wild; Croissant's own
// namespace is http://mlcommons.org/croissant/.
const (
	schemaOrg = "https://schema.org/"
	crNS      = "http://mlcommons.org/croissant/"
)

// Dataset is what Prova reads from Croissant metadata.
type Dataset struct {
	Name        string
	Description string
	Version     string
	URL         string
	ConformsTo  string
	// License holds each license as written: an SPDX or Hub identifier, or
	// a URL.
	License  []string
	Files    []FileObject
	FileSets []FileSet
}

// FileObject is one cr:FileObject of the distribution.
type FileObject struct {
	ID             string // @id, or name where a 0.8-style document has no @id
	Name           string
	ContentURL     string
	EncodingFormat string
	SHA256, MD5    string // lower-case hex; at least one unless ContainedIn
	// ContainedIn are the @ids of the archives or file sets this file is
	// extracted from; such a file is not on disk by itself.
	ContainedIn []string
	// Path is the cleaned, slash-separated path relative to the metadata
	// file's directory, for a contentUrl that is a relative path. It never
	// starts with "..", and is "" for a URL.
	Path string
	// Remote is set when contentUrl is an http(s) URL; RemoteName is then
	// the file name its path ends in, looked for in a data directory.
	Remote     bool
	RemoteName string
}

// FileSet is one cr:FileSet of the distribution.
type FileSet struct {
	ID             string
	Name           string
	EncodingFormat string
	Includes       []string // globs relative to the metadata's directory
	Excludes       []string
	ContainedIn    []string
}

// Parse reads a Croissant metadata document. It does no I/O: the local
// files are found and checked by Locate.
func Parse(doc []byte) (*Dataset, error) {
	root, ctx, err := decodeRoot(doc)
	if err != nil {
		return nil, err
	}
	return parseDataset(root, ctx)
}

// decodeRoot decodes a metadata document's top-level object (numbers as
// json.Number) and reads its @context.
func decodeRoot(doc []byte) (map[string]any, ldContext, error) {
	if len(doc) > MaxDocumentSize {
		return nil, ldContext{}, fmt.Errorf("%w: document is %d bytes, the cap is %d", ErrInvalid, len(doc), MaxDocumentSize)
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, ldContext{}, fmt.Errorf("%w: not a JSON object: %w", ErrInvalid, err)
	}
	if dec.More() {
		return nil, ldContext{}, fmt.Errorf("%w: data after the JSON object", ErrInvalid)
	}
	return root, readContext(root["@context"]), nil
}

func parseDataset(root map[string]any, ctx ldContext) (*Dataset, error) {
	if !ctx.isType(root["@type"], schemaOrg+"Dataset") {
		return nil, fmt.Errorf("%w: @type is %s, want sc:Dataset (schema.org Dataset)", ErrInvalid, showType(root["@type"]))
	}
	d := &Dataset{
		Name:        text(root["name"]),
		Description: text(root["description"]),
		Version:     text(root["version"]),
		URL:         text(root["url"]),
		ConformsTo:  text(root["conformsTo"]),
	}
	if d.Name == "" {
		return nil, fmt.Errorf("%w: the dataset has no name", ErrInvalid)
	}
	lic, err := licenses(root["license"])
	if err != nil {
		return nil, err
	}
	d.License = lic
	dist := list(root["distribution"])
	if len(dist) == 0 {
		return nil, fmt.Errorf("%w: the dataset has no distribution (cr:FileObject or cr:FileSet entries)", ErrInvalid)
	}
	seen := map[string]bool{}
	for i, e := range dist {
		node, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: distribution[%d] is not an object", ErrInvalid, i)
		}
		id := cmp.Or(text(node["@id"]), text(node["name"]))
		what := fmt.Sprintf("distribution[%d]", i)
		if id == "" {
			return nil, fmt.Errorf("%w: %s has neither @id nor name", ErrInvalid, what)
		}
		what = fmt.Sprintf("%s (%q)", what, id)
		if seen[id] {
			return nil, fmt.Errorf("%w: %s: @id used twice", ErrInvalid, what)
		}
		seen[id] = true
		switch {
		case ctx.isType(node["@type"], crNS+"FileObject"):
			f, err := fileObject(node, id, what)
			if err != nil {
				return nil, err
			}
			d.Files = append(d.Files, f)
		case ctx.isType(node["@type"], crNS+"FileSet"):
			s, err := fileSet(node, id, what)
			if err != nil {
				return nil, err
			}
			d.FileSets = append(d.FileSets, s)
		default:
			return nil, fmt.Errorf("%w: %s: @type is %s, want cr:FileObject or cr:FileSet", ErrInvalid, what, showType(node["@type"]))
		}
	}
	return d, nil
}

func fileObject(node map[string]any, id, what string) (FileObject, error) {
	f := FileObject{
		ID: id, Name: text(node["name"]), ContentURL: text(node["contentUrl"]),
		EncodingFormat: text(node["encodingFormat"]), ContainedIn: refs(node["containedIn"]),
	}
	if f.ContentURL == "" {
		return f, fmt.Errorf("%w: %s: cr:FileObject without contentUrl", ErrInvalid, what)
	}
	if f.EncodingFormat == "" {
		return f, fmt.Errorf("%w: %s: cr:FileObject without encodingFormat", ErrInvalid, what)
	}
	var err error
	if f.SHA256, err = checksum(node["sha256"], 32, "sha256", what); err != nil {
		return f, err
	}
	if f.MD5, err = checksum(node["md5"], 16, "md5", what); err != nil {
		return f, err
	}
	if f.SHA256 == "" && f.MD5 == "" && len(f.ContainedIn) == 0 {
		return f, fmt.Errorf("%w: %s: cr:FileObject without a checksum (sha256 or md5)", ErrInvalid, what)
	}
	if u, err := url.Parse(f.ContentURL); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		if u.Scheme != "http" && u.Scheme != "https" {
			return f, fmt.Errorf("%w: %s: contentUrl %q: only relative paths and http(s) URLs are read", ErrUnsafePath, what, f.ContentURL)
		}
		name := path.Base(u.Path)
		if u.Path == "" || strings.HasSuffix(u.Path, "/") || !fs.ValidPath(name) || name == "." {
			return f, fmt.Errorf("%w: %s: contentUrl %q does not end in a file name", ErrInvalid, what, f.ContentURL)
		}
		f.Remote, f.RemoteName = true, name
		return f, nil
	}
	p, err := relPath(f.ContentURL)
	if err != nil {
		return f, fmt.Errorf("%w: %s: contentUrl %q %s", ErrUnsafePath, what, f.ContentURL, err)
	}
	f.Path = p
	return f, nil
}

func fileSet(node map[string]any, id, what string) (FileSet, error) {
	s := FileSet{
		ID: id, Name: text(node["name"]), EncodingFormat: text(node["encodingFormat"]),
		Includes: texts(node["includes"]), Excludes: texts(node["excludes"]), ContainedIn: refs(node["containedIn"]),
	}
	if len(s.Includes) == 0 {
		return s, fmt.Errorf("%w: %s: cr:FileSet without includes", ErrInvalid, what)
	}
	if s.EncodingFormat == "" {
		return s, fmt.Errorf("%w: %s: cr:FileSet without encodingFormat", ErrInvalid, what)
	}
	for _, g := range append(append([]string(nil), s.Includes...), s.Excludes...) {
		if err := checkGlob(g); err != nil {
			return s, fmt.Errorf("%w: %s: glob %q %s", ErrUnsafePath, what, g, err)
		}
	}
	return s, nil
}

// relPath cleans a relative contentUrl and refuses one that is absolute or
// climbs out of the directory.
func relPath(p string) (string, error) {
	switch {
	case strings.HasPrefix(p, "/"):
		return "", fmt.Errorf("is an absolute path")
	case strings.ContainsAny(p, "\\\x00"):
		return "", fmt.Errorf("holds a backslash or NUL")
	}
	c := path.Clean(p)
	if c == "." || c == ".." || strings.HasPrefix(c, "../") || !fs.ValidPath(c) {
		return "", fmt.Errorf("is not a file inside the metadata's directory")
	}
	return c, nil
}

// checkGlob refuses a glob that is absolute or has a ".." element.
func checkGlob(g string) error {
	if g == "" || strings.HasPrefix(g, "/") || strings.ContainsAny(g, "\\\x00") {
		return fmt.Errorf("is empty, absolute or holds a backslash or NUL")
	}
	for _, e := range strings.Split(g, "/") {
		if e == ".." {
			return fmt.Errorf("climbs out of the metadata's directory")
		}
		if _, err := path.Match(e, ""); err != nil {
			return fmt.Errorf("is malformed: %w", err)
		}
	}
	return nil
}

func checksum(v any, size int, alg, what string) (string, error) {
	if v == nil {
		return "", nil
	}
	s := strings.ToLower(strings.TrimSpace(text(v)))
	if b, err := hex.DecodeString(s); err != nil || len(b) != size {
		return "", fmt.Errorf("%w: %s: %s %s is not %d hex digits", ErrInvalid, what, alg, showValue(v), 2*size)
	}
	return s, nil
}

// licenses reads license: a string, a CreativeWork node (@id, url or
// name), or a list of them.
func licenses(v any) ([]string, error) {
	var out []string
	for _, e := range list(v) {
		var s string
		switch x := e.(type) {
		case string:
			s = strings.TrimSpace(x)
		case map[string]any:
			s = cmp.Or(text(x["@id"]), text(x["url"]), text(x["name"]))
		}
		if s == "" {
			return nil, fmt.Errorf("%w: license %s is neither a string nor a node with @id, url or name", ErrInvalid, showValue(e))
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: the dataset has no license", ErrInvalid)
	}
	return out, nil
}

// ldContext is the part of a JSON-LD @context Prova needs to expand @type
// values: prefix and term definitions and @vocab.
type ldContext struct {
	terms map[string]string
	vocab string
}

func readContext(v any) ldContext {
	c := ldContext{terms: map[string]string{}}
	for _, e := range list(v) {
		m, ok := e.(map[string]any)
		if !ok {
			continue // a remote context by URL is not fetched
		}
		for k, val := range m {
			switch x := val.(type) {
			case string:
				if k == "@vocab" {
					c.vocab = x
				} else if !strings.HasPrefix(k, "@") {
					c.terms[k] = x
				}
			case map[string]any:
				if id := text(x["@id"]); id != "" && !strings.HasPrefix(k, "@") {
					c.terms[k] = id
				}
			}
		}
	}
	return c
}

// expand turns a compact IRI or term into an absolute IRI, following term
// definitions a few levels deep.
func (c ldContext) expand(term string) string {
	for range 4 {
		if strings.Contains(term, "://") {
			return term
		}
		if p, local, ok := strings.Cut(term, ":"); ok {
			iri, known := c.terms[p]
			if !known {
				return term
			}
			term = iri + local
			continue
		}
		if def, ok := c.terms[term]; ok {
			term = def
			continue
		}
		return c.vocab + term
	}
	return term
}

// isType reports whether the @type value v (a string or a list) names iri.
func (c ldContext) isType(v any, iri string) bool {
	for _, t := range list(v) {
		s, ok := t.(string)
		if !ok {
			continue
		}
		got := c.expand(s)
		if got == iri || strings.Replace(got, "http://", "https://", 1) == strings.Replace(iri, "http://", "https://", 1) {
			return true
		}
	}
	return false
}

// list makes a JSON-LD value that may be single or a list into a list.
func list(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// text reads a string value, or the @value of a value object.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case json.Number:
		return x.String()
	case map[string]any:
		if s, ok := x["@value"].(string); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

func texts(v any) []string {
	var out []string
	for _, e := range list(v) {
		if s := text(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// refs reads references ({"@id": ...}, or plain strings).
func refs(v any) []string {
	var out []string
	for _, e := range list(v) {
		s := text(e)
		if m, ok := e.(map[string]any); ok {
			s = text(m["@id"])
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func showType(v any) string {
	if v == nil {
		return "missing"
	}
	return showValue(v)
}

func showValue(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		b = append(b[:80], "..."...)
	}
	return string(b)
}
