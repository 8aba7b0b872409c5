package fingerprint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// In-toto identifiers used by model_signing v1.0.
const (
	// StatementType is the in-toto Statement v1 "_type".
	StatementType = "https://in-toto.io/Statement/v1"
	// PredicateType is model_signing's v1.0 signature predicate.
	PredicateType = "https://model_signing/signature/v1.0"
	// PayloadType is the DSSE payload type of a statement.
	PayloadType = "application/vnd.in-toto+json"
)

// Statement is an in-toto Statement v1 carrying a model_signing v1.0
// predicate.
type Statement struct {
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	Predicate     Predicate `json:"predicate"`
}

// Subject is an in-toto ResourceDescriptor with a name and a digest set.
type Subject struct {
	Name string `json:"name"`
	// Digest maps algorithm name to lower-case hex.
	Digest map[string]string `json:"digest"`
}

// Predicate is model_signing's v1.0 predicate.
type Predicate struct {
	Serialization Serialization       `json:"serialization"`
	Resources     []StatementResource `json:"resources"`
}

// StatementResource is one predicate resource. For a shard the algorithm is
// "<alg>-sharded-<shard size>", as model_signing writes it.
type StatementResource struct {
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
	Name      string `json:"name"`
}

// InToto returns m as an in-toto statement in model_signing's layout. The
// subject is the model name with the subject digest under the manifest's
// algorithm; for a BLAKE3 manifest the digest set also holds "sha256": the
// SHA-256 of the same concatenated resource digests, which is the root digest
// model_signing verifiers check.
//
// The statement only uses serialization methods model_signing knows: a
// "files+shards" manifest is written as its "shards" equivalent (see OMS), so
// model_signing reads it. Its subject digest is then the ID of m unless m
// lists empty files, which the shards method leaves out. A files+shards
// manifest read back from an old statement, whose whole-file sizes are
// unknown, is written as it is.
func (m *Manifest) InToto() Statement {
	m, _ = m.OMS()
	digests := map[string]string{string(m.Algorithm): m.Digest.Hex()}
	if m.Algorithm != SHA256 {
		omsRoot, _ := SubjectDigest(SHA256, m.Resources)
		digests[string(SHA256)] = omsRoot.Hex()
	}
	rs := make([]StatementResource, len(m.Resources))
	for i, r := range m.Resources {
		alg := string(r.Digest.Algorithm)
		if _, _, _, ok := r.Shard(); ok && m.Serialization.Method != MethodFiles {
			alg += "-sharded-" + strconv.FormatInt(m.Serialization.ShardSize, 10)
		}
		rs[i] = StatementResource{Algorithm: alg, Digest: r.Digest.Hex(), Name: r.Name}
	}
	ser := m.Serialization
	ser.IgnorePaths = sortedSet(ser.IgnorePaths)
	return Statement{
		Type:          StatementType,
		Subject:       []Subject{{Name: m.Name, Digest: digests}},
		PredicateType: PredicateType,
		Predicate:     Predicate{Serialization: ser, Resources: rs},
	}
}

// Statement returns the JSON of m.InToto(): the payload to wrap in a DSSE
// envelope (payload type PayloadType) and sign.
func (m *Manifest) Statement() ([]byte, error) {
	return json.Marshal(m.InToto())
}

// ParseStatement decodes an in-toto statement with a model_signing v1.0
// predicate, written by Statement or by model_signing, into a validated
// Manifest. Every subject digest it knows (blake3, sha256) must match the
// resources; at least one must be present. Sizes of whole-file resources are
// not in a statement and are left zero.
func ParseStatement(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestSize {
		return nil, fmt.Errorf("%w: %d bytes is over the %d byte limit", ErrInvalidManifest, len(data), MaxManifestSize)
	}
	var st Statement
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidManifest, err)
	}
	if st.Type != StatementType {
		return nil, fmt.Errorf("%w: statement type %q, want %q", ErrInvalidManifest, st.Type, StatementType)
	}
	if st.PredicateType != PredicateType {
		return nil, fmt.Errorf("%w: predicate type %q, want %q", ErrInvalidManifest, st.PredicateType, PredicateType)
	}
	if len(st.Subject) != 1 {
		return nil, fmt.Errorf("%w: %d subjects, want 1", ErrInvalidManifest, len(st.Subject))
	}
	alg, err := ParseAlgorithm(st.Predicate.Serialization.HashType)
	if err != nil {
		return nil, fmt.Errorf("%w: serialization hash type: %w", ErrInvalidManifest, err)
	}
	m := &Manifest{
		Name:          st.Subject[0].Name,
		Algorithm:     alg,
		Serialization: st.Predicate.Serialization,
		Resources:     make([]Resource, len(st.Predicate.Resources)),
	}
	m.Serialization.IgnorePaths = sortedSet(m.Serialization.IgnorePaths)
	for i, sr := range st.Predicate.Resources {
		r, err := parseStatementResource(sr, m.Serialization)
		if err != nil {
			return nil, err
		}
		m.Resources[i] = r
		m.Size += r.Size
	}
	// The subject digest under the manifest's own algorithm is the ID; fall
	// back to computing it when only the OMS sha256 root is present.
	m.Digest, _ = SubjectDigest(alg, m.Resources)
	checked := 0
	for a, h := range st.Subject[0].Digest {
		algo := Algorithm(a)
		if !algo.Valid() {
			continue // other digest algorithms are allowed and ignored
		}
		want, err := ParseDigest(a + ":" + strings.ToLower(h))
		if err != nil {
			return nil, fmt.Errorf("%w: subject digest: %w", ErrInvalidManifest, err)
		}
		got, _ := SubjectDigest(algo, m.Resources)
		if got != want {
			return nil, fmt.Errorf("%w: subject %s digest %s does not match its resources (%s)", ErrInvalidManifest, a, want, got)
		}
		checked++
	}
	if checked == 0 {
		return nil, fmt.Errorf("%w: subject has no blake3 or sha256 digest", ErrInvalidManifest)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// parseStatementResource converts one predicate resource, checking that its
// algorithm label fits the serialization.
func parseStatementResource(sr StatementResource, s Serialization) (Resource, error) {
	base, sharded, isSharded := strings.Cut(sr.Algorithm, "-sharded-")
	if base != s.HashType {
		return Resource{}, fmt.Errorf("%w: resource %q algorithm %q, want %q", ErrInvalidManifest, sr.Name, sr.Algorithm, s.HashType)
	}
	_, start, end, isShardName := parseShardName(sr.Name)
	if s.Method == MethodFiles {
		isShardName = false
	}
	if isSharded != isShardName || (isSharded && sharded != strconv.FormatInt(s.ShardSize, 10)) {
		return Resource{}, fmt.Errorf("%w: resource %q algorithm %q does not fit a %q serialization with shard size %d", ErrInvalidManifest, sr.Name, sr.Algorithm, s.Method, s.ShardSize)
	}
	if len(sr.Digest) != 2*DigestSize {
		return Resource{}, fmt.Errorf("%w: resource %q digest has %d hex digits", ErrInvalidManifest, sr.Name, len(sr.Digest))
	}
	d, err := ParseDigest(base + ":" + strings.ToLower(sr.Digest))
	if err != nil {
		return Resource{}, fmt.Errorf("%w: resource %q: %w", ErrInvalidManifest, sr.Name, err)
	}
	r := Resource{Name: sr.Name, Digest: d}
	if isShardName {
		r.Size = end - start
	}
	return r, nil
}
