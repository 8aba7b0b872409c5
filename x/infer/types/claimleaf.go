package types

import (
	"encoding/binary"
	"fmt"

	"github.com/prova-network/prova/internal/fingerprint"
)

// ClaimLeafVersion is the first byte of a claim leaf.
const ClaimLeafVersion = 1

// HashSize is the size of every digest, root and Merkle hash here.
const HashSize = 32

// MaxClaimLeafBytes bounds an encoded claim leaf.
const MaxClaimLeafBytes = 1 + 1 + 255 + 3*HashSize + 8

// ClaimLeaf is one claim of a batch: everything of a claim but its
// provider, which is the batch's.
type ClaimLeaf struct {
	ModelID      string
	InputDigest  []byte
	OutputDigest []byte
	TraceRoot    []byte
	TraceSize    uint64
}

// EncodeClaimLeaf returns the canonical encoding of a claim, the leaf of
// a claim batch (docs/INFERENCE.md §5):
//
//	u8      version (1)
//	u8      length of the model ID, then the model ID ("blake3:<hex>")
//	32 B    input digest
//	32 B    output digest
//	32 B    trace root
//	u64 BE  trace size
//
// The batch root is the RFC 6962 root over these byte strings (leaf hash
// SHA-256(0x00 ‖ encoding)).
func EncodeClaimLeaf(c ClaimLeaf) []byte {
	b := make([]byte, 0, 2+len(c.ModelID)+3*HashSize+8)
	b = append(b, ClaimLeafVersion, byte(len(c.ModelID)))
	b = append(b, c.ModelID...)
	b = append(b, c.InputDigest...)
	b = append(b, c.OutputDigest...)
	b = append(b, c.TraceRoot...)
	return binary.BigEndian.AppendUint64(b, c.TraceSize)
}

// DecodeClaimLeaf parses a claim leaf. Only the canonical encoding of a
// valid claim is accepted: a canonical model ID, 32-byte digests, a trace
// size of at least 2 and nothing after it.
func DecodeClaimLeaf(b []byte) (ClaimLeaf, error) {
	var c ClaimLeaf
	if len(b) < 2 || b[0] != ClaimLeafVersion {
		return c, fmt.Errorf("claim leaf must start with version %d", ClaimLeafVersion)
	}
	n := int(b[1])
	if len(b) != 2+n+3*HashSize+8 {
		return c, fmt.Errorf("claim leaf is %d bytes; a model ID of %d bytes makes it %d", len(b), n, 2+n+3*HashSize+8)
	}
	c.ModelID = string(b[2 : 2+n])
	if _, err := fingerprint.ParseDigest(c.ModelID); err != nil {
		return c, fmt.Errorf("claim leaf model ID: %w", err)
	}
	off := 2 + n
	c.InputDigest = append([]byte(nil), b[off:off+HashSize]...)
	c.OutputDigest = append([]byte(nil), b[off+HashSize:off+2*HashSize]...)
	c.TraceRoot = append([]byte(nil), b[off+2*HashSize:off+3*HashSize]...)
	c.TraceSize = binary.BigEndian.Uint64(b[off+3*HashSize:])
	if c.TraceSize < MinTraceSize {
		return c, fmt.Errorf("claim leaf trace size %d is below %d", c.TraceSize, MinTraceSize)
	}
	return c, nil
}
