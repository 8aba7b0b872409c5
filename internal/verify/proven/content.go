package proven

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	gogogrpc "github.com/cosmos/gogoproto/grpc"
	"github.com/zeebo/blake3"

	"github.com/prova-network/prova/internal/phash"
	"github.com/prova-network/prova/internal/verify"
	contenttypes "github.com/prova-network/prova/x/content/types"
)

// HintNotProof is said with every perceptual match.
const HintNotProof = "a perceptual match is a hint, never a proof: it says the pictures look alike, not that your file is the registered content or came from the same source"

// FileDigests is what provad computes locally about a file.
type FileDigests struct {
	Path      string `json:"file"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	BLAKE3    string `json:"blake3"`
	MediaType string `json:"media_type"`
	// PerceptualHash is set for PNG, JPEG and GIF images.
	PerceptualHash      string `json:"phash,omitempty"`
	PerceptualAlgorithm string `json:"phash_algorithm,omitempty"`
}

// ID is the content ID the file is registered under.
func (d FileDigests) ID() string { return contenttypes.IDFromSHA256(d.SHA256) }

// DigestFile hashes path with SHA-256 and BLAKE3 in one pass, detects its
// media type from its first bytes, and hashes it perceptually if it is an
// image provad can decode.
func DigestFile(path string) (FileDigests, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileDigests{}, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return FileDigests{}, err
	}
	head = head[:n]
	s, b := sha256.New(), blake3.New()
	size, err := io.Copy(io.MultiWriter(s, b), io.MultiReader(bytes.NewReader(head), f))
	if err != nil {
		return FileDigests{}, err
	}
	d := FileDigests{Path: path, Size: size, SHA256: hex.EncodeToString(s.Sum(nil)), BLAKE3: hex.EncodeToString(b.Sum(nil)), MediaType: detectMediaType(head)}
	switch d.MediaType {
	case "image/png", "image/jpeg", "image/gif":
		h, err := phash.HashFile(path)
		if err != nil {
			return d, fmt.Errorf("perceptual hash of %s: %w", path, err)
		}
		d.PerceptualHash, d.PerceptualAlgorithm = h.String(), phash.Algorithm
	}
	return d, nil
}

// detectMediaType sniffs the MIME type (WHATWG algorithm) and drops its
// parameters, which the chain does not store.
func detectMediaType(head []byte) string {
	mt, _, _ := strings.Cut(http.DetectContentType(head), ";")
	return strings.TrimSpace(mt)
}

// ProvenContent is a content record with the proof that it is in state.
type ProvenContent struct {
	Content contenttypes.Content `json:"content"`
	Class   string               `json:"class"`
	Proof   *verify.Proof        `json:"proof"`
}

// NearCandidate is a registered image whose perceptual hash is near the
// file's. Verified says whether its record was proven in state; it never
// says that the file is that content.
type NearCandidate struct {
	ID       string         `json:"id"`
	Distance uint32         `json:"distance"`
	Phash    string         `json:"phash"`
	Verified bool           `json:"proof_verified"`
	Record   *ProvenContent `json:"record,omitempty"`
	Error    string         `json:"error,omitempty"`
}

// ContentCheck is the answer of provad content check.
type ContentCheck struct {
	FileDigests
	ChainID string `json:"chain_id"`
	Height  int64  `json:"height"`
	AppHash string `json:"app_hash"`
	// Match is "exact", "perceptual" or "none".
	Match       string          `json:"match"`
	Exact       *ProvenContent  `json:"exact,omitempty"`
	MaxDistance uint32          `json:"max_distance,omitempty"`
	Near        []NearCandidate `json:"near,omitempty"`
	Note        string          `json:"note,omitempty"`
}

// NearFunc asks the node's near-duplicate index for registered images
// whose perceptual hash is within maxDistance bits of phash. Its answer is
// a hint: each candidate is then proven by its exact key.
type NearFunc func(ctx context.Context, phash, algorithm string, maxDistance, limit uint32) ([]NearMatch, error)

// NearMatch is one candidate of the index.
type NearMatch struct {
	ID       string
	Distance uint32
	Phash    string
}

// CheckContent looks d up: an exact match by SHA-256 is proven; without
// one, an image's perceptual candidates from near (which may be nil) are
// each proven by key, labelled as hints. The reader's height is pinned at
// the first read; with latest, candidates are proven at the newest state
// (the index may have read registrations committed after the exact lookup).
func CheckContent(ctx context.Context, r *Reader, d FileDigests, near NearFunc, maxDist, limit uint32, latest bool) (*ContentCheck, error) {
	res := &ContentCheck{FileDigests: d, ChainID: r.ChainID(), Match: "none"}
	rec, proof, err := r.Content(ctx, d.ID())
	if err != nil {
		return nil, err
	}
	res.Height, res.AppHash = proof.Height, proof.AppHash.String()
	if rec != nil {
		if rec.Content.Info.Sha256 != d.SHA256 || rec.Content.Info.Blake3 != d.BLAKE3 {
			return nil, fmt.Errorf("the proven record under %s states blake3 %s, but the file's is %s", d.ID(), rec.Content.Info.Blake3, d.BLAKE3)
		}
		res.Match, res.Exact = "exact", rec
		return res, nil
	}
	if d.PerceptualHash == "" || near == nil {
		res.Note = fmt.Sprintf("no record has this file's SHA-256 (absence proven at height %d); %s files have no perceptual lookup", res.Height, d.MediaType)
		return res, nil
	}
	res.MaxDistance = maxDist
	matches, err := near(ctx, d.PerceptualHash, d.PerceptualAlgorithm, maxDist, limit)
	if err != nil {
		return nil, fmt.Errorf("near-duplicate query: %w", err)
	}
	if latest && len(matches) > 0 {
		_ = r.Latest(ctx) // on failure, prove at the exact lookup's height
	}
	for _, m := range matches {
		c := NearCandidate{ID: m.ID, Distance: m.Distance, Phash: m.Phash}
		rec, p, err := r.Content(ctx, m.ID)
		switch {
		case err != nil:
			c.Error = "proof failed: " + err.Error()
		case rec == nil:
			c.Error = fmt.Sprintf("the node named %s, but it is not in state at height %d (absence proven)", m.ID, p.Height)
		default:
			if ph, ok := rec.Content.Info.PerceptualHash(); !ok || ph.String() != m.Phash {
				c.Error = fmt.Sprintf("the proven record's perceptual hash is not the %s the node's index reported", m.Phash)
				break
			}
			c.Verified, c.Record = true, rec
		}
		res.Near = append(res.Near, c)
		if c.Verified && res.Match == "none" {
			res.Match = "perceptual"
		}
	}
	res.Note = HintNotProof
	return res, nil
}

// Content reads the record under id with its proof. It returns a nil
// record (and the proof of absence) when nothing is there.
func (r *Reader) Content(ctx context.Context, id string) (*ProvenContent, *verify.Proof, error) {
	v, p, err := r.Get(ctx, contenttypes.StoreKey, contenttypes.ContentKey(id))
	if err != nil {
		return nil, nil, err
	}
	if v == nil {
		return nil, p, nil
	}
	var c contenttypes.Content
	if err := c.Unmarshal(v); err != nil {
		return nil, nil, fmt.Errorf("decode proven content %s: %w", id, err)
	}
	if c.Id != id {
		return nil, nil, fmt.Errorf("the proven record under %s names itself %s", id, c.Id)
	}
	return &ProvenContent{Content: c, Class: c.Info.Class().String(), Proof: p}, p, nil
}

// NearVia asks the near-duplicate index of the node behind cc (its gRPC
// connection, or an SDK client context).
func NearVia(cc gogogrpc.ClientConn) NearFunc {
	q := contenttypes.NewQueryClient(cc)
	return func(ctx context.Context, phash, algorithm string, maxDistance, limit uint32) ([]NearMatch, error) {
		nr, err := q.Near(ctx, &contenttypes.QueryNearRequest{Phash: phash, MaxDistance: maxDistance, Limit: limit, Algorithm: algorithm})
		if err != nil {
			return nil, err
		}
		out := make([]NearMatch, len(nr.Matches))
		for i, m := range nr.Matches {
			out[i] = NearMatch{ID: m.Content.Id, Distance: m.Distance, Phash: m.Phash}
		}
		return out, nil
	}
}
