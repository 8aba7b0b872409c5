package types

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/fingerprint"
	"github.com/prova-network/prova/internal/receipt"
)

// Field limits; params may lower some of them.
const (
	// MaxModelBytes bounds an ONNX file carried whole (params.max_model_bytes
	// may lower it).
	MaxModelBytes = 8 << 20
	// MaxSkeletonBytes bounds a skeleton: a graph without its weights.
	MaxSkeletonBytes = 4 << 20
	// MaxInputBytes bounds inputs (params.max_input_bytes may lower it).
	MaxInputBytes = 4 << 20
	// MaxProofHashes bounds an inclusion proof or compact range: a tree of
	// 2^64 leaves needs no more.
	MaxProofHashes = 64
	// MaxStates and MaxWeights bound what one MsgResolveStep carries, and
	// MaxResolveBytes the tensors in it.
	MaxStates       = 1024
	MaxWeights      = 256
	MaxResolveBytes = 16 << 20
	// MinTraceSize is the smallest trace: the input and output leaves.
	MinTraceSize = 2
	// MaxLogIDLen bounds a receipt log ID (as x/receipts does).
	MaxLogIDLen = 256
	// MaxBatchCount bounds the number of claims under one batch root.
	MaxBatchCount = 1 << 48
	// MaxEndpointLen bounds a provider endpoint URL.
	MaxEndpointLen = 256
)

func validAddr(field, a string) error {
	if _, err := sdk.AccAddressFromBech32(a); err != nil {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s %q: %v", field, a, err)
	}
	return nil
}

// ValidateModelID checks that id is a canonical digest ID, as registry
// model IDs are.
func ValidateModelID(id string) error {
	if _, err := fingerprint.ParseDigest(id); err != nil {
		return errorsmod.Wrapf(ErrInvalidModel, "model id: %v", err)
	}
	return nil
}

func validHash(err *errorsmod.Error, field string, b []byte) error {
	if len(b) != HashSize {
		return errorsmod.Wrapf(err, "%s must be %d bytes, got %d", field, HashSize, len(b))
	}
	return nil
}

func validProof(field string, proof [][]byte) error {
	if len(proof) > MaxProofHashes {
		return errorsmod.Wrapf(ErrInvalidProof, "%s has %d hashes, at most %d", field, len(proof), MaxProofHashes)
	}
	for i, h := range proof {
		if len(h) != HashSize {
			return errorsmod.Wrapf(ErrInvalidProof, "%s hash %d is %d bytes, want %d", field, i, len(h), HashSize)
		}
	}
	return nil
}

func validCoin(field string, c sdk.Coin) error {
	if err := c.Validate(); err != nil || !c.IsPositive() {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s %s must be a positive coin", field, c)
	}
	return nil
}

// ParseReceiptKey reads an ed25519 public key written as 64 hex digits or
// in standard base64.
func ParseReceiptKey(s string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(s) != 2*ed25519.PublicKeySize {
		b, err = base64.StdEncoding.Strict().DecodeString(s)
	}
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errorsmod.Wrapf(ErrInvalidReceiptKey, "receipt key must be a %d-byte ed25519 public key in hex or base64", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// ValidateBasic checks the message without state; the model itself is
// loaded by the handler.
func (m *MsgRegisterExecutable) ValidateBasic() error {
	if err := validAddr("owner", m.Owner); err != nil {
		return err
	}
	if err := ValidateModelID(m.ModelId); err != nil {
		return err
	}
	switch {
	case len(m.Onnx) > 0:
		if len(m.Skeleton) > 0 || len(m.TensorRoot) > 0 {
			return errorsmod.Wrap(ErrInvalidModel, "give the whole ONNX file or a skeleton and tensor root, not both")
		}
		if len(m.Onnx) > MaxModelBytes {
			return errorsmod.Wrapf(ErrModelTooLarge, "ONNX file is %d bytes, at most %d; register its skeleton and tensor root", len(m.Onnx), MaxModelBytes)
		}
	case len(m.Skeleton) > 0:
		if len(m.Skeleton) > MaxSkeletonBytes {
			return errorsmod.Wrapf(ErrModelTooLarge, "skeleton is %d bytes, at most %d", len(m.Skeleton), MaxSkeletonBytes)
		}
		if err := validHash(ErrInvalidModel, "tensor root", m.TensorRoot); err != nil {
			return err
		}
	default:
		return errorsmod.Wrap(ErrInvalidModel, "the ONNX file, or its skeleton and tensor root, is required")
	}
	return nil
}

func validInputs(b []byte) error {
	if len(b) == 0 || len(b) > MaxInputBytes {
		return errorsmod.Wrapf(ErrInvalidInput, "inputs must be 1 to %d bytes, got %d", MaxInputBytes, len(b))
	}
	return nil
}

// ValidateBasic checks the message without state; inputs are decoded by
// the handler.
func (m *MsgRunModel) ValidateBasic() error {
	if err := validAddr("sender", m.Sender); err != nil {
		return err
	}
	if err := ValidateModelID(m.ModelId); err != nil {
		return err
	}
	return validInputs(m.Inputs)
}

// ValidateBasic checks the message without state.
func (m *MsgBond) ValidateBasic() error {
	if err := validAddr("provider", m.Provider); err != nil {
		return err
	}
	if err := validCoin("amount", m.Amount); err != nil {
		return err
	}
	if m.ReceiptKey != "" {
		if _, err := ParseReceiptKey(m.ReceiptKey); err != nil {
			return err
		}
	}
	if m.Endpoint != "" {
		return ValidateEndpoint(m.Endpoint)
	}
	return nil
}

// ValidateEndpoint checks a provider endpoint: "http://" or "https://", a
// host (a DNS name or IPv4 address, or an IPv6 address in brackets), an
// optional port and an optional path of unreserved characters and '/';
// no user information, query, fragment or percent-encoding. The chain
// parses it itself rather than with net/url, so that what it accepts does
// not depend on the Go release a node was built with.
func ValidateEndpoint(s string) error {
	bad := func(why string) error {
		return errorsmod.Wrapf(ErrInvalidEndpoint, "endpoint %q: %s; want http(s)://HOST[:PORT][/PATH]", s, why)
	}
	if len(s) > MaxEndpointLen {
		return errorsmod.Wrapf(ErrInvalidEndpoint, "endpoint is %d bytes, at most %d", len(s), MaxEndpointLen)
	}
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return bad("the scheme must be http or https")
		}
	}
	hostPort, path, _ := strings.Cut(rest, "/")
	host, port, hasPort := hostPort, "", false
	if strings.HasPrefix(hostPort, "[") {
		end := strings.IndexByte(hostPort, ']')
		if end < 0 {
			return bad("unclosed IPv6 address")
		}
		host = hostPort[1:end]
		if after := hostPort[end+1:]; after != "" {
			if after[0] != ':' {
				return bad("text after the IPv6 address")
			}
			port, hasPort = after[1:], true
		}
		if !validIPv6(host) {
			return bad("invalid IPv6 address")
		}
	} else {
		if i := strings.LastIndexByte(hostPort, ':'); i >= 0 {
			host, port, hasPort = hostPort[:i], hostPort[i+1:], true
		}
		if !validHostName(host) {
			return bad("invalid host")
		}
	}
	if hasPort {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 || len(port) > 5 {
			return bad("invalid port")
		}
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; !unreserved(c) && c != '/' {
			return bad("the path may hold only letters, digits, '-', '.', '_', '~' and '/'")
		}
	}
	return nil
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// validHostName accepts dot-separated labels of letters, digits and
// hyphens (not at a label's ends), 1 to 63 bytes each and 253 in all; an
// IPv4 address is such a name.
func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !unreserved(c) || c == '.' || c == '_' || c == '~' {
				return false
			}
		}
	}
	return true
}

// validIPv6 accepts hex digits, colons and dots (an embedded IPv4 part),
// with at least two colons: a plausible IPv6 address, not a full parse.
func validIPv6(h string) bool {
	if len(h) < 2 || len(h) > 45 || strings.Count(h, ":") < 2 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == ':' || c == '.') {
			return false
		}
	}
	return true
}

// ValidateBasic checks the message without state.
func (m *MsgUnbond) ValidateBasic() error {
	if err := validAddr("provider", m.Provider); err != nil {
		return err
	}
	return validCoin("amount", m.Amount)
}

// ValidateClaim checks a claim's fields.
func ValidateClaim(modelID string, input, output, traceRoot []byte, traceSize uint64) error {
	if err := ValidateModelID(modelID); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{{"input digest", input}, {"output digest", output}, {"trace root", traceRoot}} {
		if err := validHash(ErrInvalidClaim, f.name, f.b); err != nil {
			return err
		}
	}
	if traceSize < MinTraceSize {
		return errorsmod.Wrapf(ErrTraceSize, "trace size %d is below %d (the input and output leaves)", traceSize, MinTraceSize)
	}
	return nil
}

// ValidateBasic checks the message without state.
func (m *MsgPostClaim) ValidateBasic() error {
	if err := validAddr("provider", m.Provider); err != nil {
		return err
	}
	return ValidateClaim(m.ModelId, m.InputDigest, m.OutputDigest, m.TraceRoot, m.TraceSize)
}

// ValidateBasic checks the message without state.
func (m *MsgPostClaimBatch) ValidateBasic() error {
	if err := validAddr("provider", m.Provider); err != nil {
		return err
	}
	if m.ModelId != "" {
		if err := ValidateModelID(m.ModelId); err != nil {
			return err
		}
	}
	if err := validHash(ErrInvalidClaim, "batch root", m.Root); err != nil {
		return err
	}
	if m.Count == 0 || m.Count > MaxBatchCount {
		return errorsmod.Wrapf(ErrInvalidClaim, "batch count must be 1 to %d, got %d", uint64(MaxBatchCount), m.Count)
	}
	return nil
}

// Validate checks a claim reference: a claim ID, or a batch leaf with its
// encoding and a proof.
func (r ClaimRef) Validate() error {
	if r.ClaimId != 0 {
		if r.BatchId != 0 || r.LeafIndex != 0 || len(r.Leaf) != 0 || len(r.Proof) != 0 {
			return errorsmod.Wrap(ErrInvalidClaim, "give a claim id or a batch leaf, not both")
		}
		return nil
	}
	if r.BatchId == 0 {
		return errorsmod.Wrap(ErrInvalidClaim, "a claim id or a batch id is required")
	}
	if r.LeafIndex >= MaxBatchCount {
		return errorsmod.Wrapf(ErrInvalidClaim, "leaf index %d is beyond any batch", r.LeafIndex)
	}
	if len(r.Leaf) > MaxClaimLeafBytes {
		return errorsmod.Wrapf(ErrInvalidClaim, "claim leaf is %d bytes, at most %d", len(r.Leaf), MaxClaimLeafBytes)
	}
	if _, err := DecodeClaimLeaf(r.Leaf); err != nil {
		return errorsmod.Wrap(ErrInvalidClaim, err.Error())
	}
	return validProof("batch inclusion proof", r.Proof)
}

// IsEmpty reports whether r names nothing (a MsgRequestInput that names a
// receipt leaves its claim reference empty).
func (r ClaimRef) IsEmpty() bool {
	return r.ClaimId == 0 && r.BatchId == 0 && r.LeafIndex == 0 && len(r.Leaf) == 0 && len(r.Proof) == 0
}

// Validate checks a receipt reference; the entry is decoded and verified
// by the handler.
func (r ReceiptRef) Validate() error {
	if r.LogId == "" || len(r.LogId) > MaxLogIDLen {
		return errorsmod.Wrapf(ErrInvalidReceipt, "log id must be 1 to %d bytes, got %d", MaxLogIDLen, len(r.LogId))
	}
	if r.Index >= r.TreeSize {
		return errorsmod.Wrapf(ErrInvalidReceipt, "index %d is outside a tree of %d entries", r.Index, r.TreeSize)
	}
	if len(r.Entry) == 0 || len(r.Entry) > receipt.MaxMemberBytes {
		return errorsmod.Wrapf(ErrInvalidReceipt, "entry must be 1 to %d bytes, got %d", receipt.MaxMemberBytes, len(r.Entry))
	}
	return validProof("receipt inclusion proof", r.InclusionProof)
}

// ValidateBasic checks the message without state: it names a claim (or
// batch leaf), or a receipt with the claim reference left empty.
func (m *MsgRequestInput) ValidateBasic() error {
	if err := validAddr("challenger", m.Challenger); err != nil {
		return err
	}
	if m.Receipt != nil {
		if !m.Claim.IsEmpty() {
			return errorsmod.Wrap(ErrInvalidClaim, "name a claim or a receipt, not both")
		}
		return m.Receipt.Validate()
	}
	return m.Claim.Validate()
}

// ValidateBasic checks the message without state.
func (m *MsgPostInput) ValidateBasic() error {
	if err := validAddr("provider", m.Provider); err != nil {
		return err
	}
	if m.ClaimId == 0 {
		return errorsmod.Wrap(ErrInvalidClaim, "claim id is required")
	}
	return validInputs(m.Inputs)
}

func validChallenge(traceRoot, output []byte, bond sdk.Coin) error {
	if err := validHash(ErrInvalidClaim, "trace root", traceRoot); err != nil {
		return err
	}
	if err := validHash(ErrInvalidClaim, "output digest", output); err != nil {
		return err
	}
	return validCoin("bond", bond)
}

// ValidateBasic checks the message without state.
func (m *MsgChallenge) ValidateBasic() error {
	if err := validAddr("challenger", m.Challenger); err != nil {
		return err
	}
	if err := m.Claim.Validate(); err != nil {
		return err
	}
	return validChallenge(m.TraceRoot, m.OutputDigest, m.Bond)
}

// ValidateBasic checks the message without state; the receipt is decoded
// and verified by the handler.
func (m *MsgChallengeReceipt) ValidateBasic() error {
	if err := validAddr("challenger", m.Challenger); err != nil {
		return err
	}
	if err := m.Receipt().Validate(); err != nil {
		return err
	}
	return validChallenge(m.TraceRoot, m.OutputDigest, m.Bond)
}

// Receipt is the receipt the message challenges.
func (m *MsgChallengeReceipt) Receipt() ReceiptRef {
	return ReceiptRef{LogId: m.LogId, TreeSize: m.TreeSize, Index: m.Index, Entry: m.Entry, InclusionProof: m.InclusionProof}
}

// ValidateBasic checks the message without state.
func (m *MsgBisect) ValidateBasic() error {
	if err := validAddr("sender", m.Sender); err != nil {
		return err
	}
	if m.DisputeId == 0 {
		return errorsmod.Wrap(ErrDisputeNotFound, "dispute id is required")
	}
	return validHash(ErrInvalidProof, "prefix root", m.Root)
}

// ValidateBasic checks the message without state; tensors are decoded and
// proofs checked by the handler.
func (m *MsgResolveStep) ValidateBasic() error {
	if err := validAddr("sender", m.Sender); err != nil {
		return err
	}
	if m.DisputeId == 0 {
		return errorsmod.Wrap(ErrDisputeNotFound, "dispute id is required")
	}
	if err := validProof("compact range", m.Range); err != nil {
		return err
	}
	if len(m.States) > MaxStates || len(m.Weights) > MaxWeights {
		return errorsmod.Wrapf(ErrInvalidStep, "%d states and %d weights; at most %d and %d", len(m.States), len(m.Weights), MaxStates, MaxWeights)
	}
	total := 0
	for i, s := range m.States {
		if i > 0 && s.LeafIndex <= m.States[i-1].LeafIndex {
			return errorsmod.Wrap(ErrInvalidStep, "states must be in ascending leaf order, each once")
		}
		if len(s.Tensors) == 0 {
			return errorsmod.Wrapf(ErrInvalidStep, "state of leaf %d is empty", s.LeafIndex)
		}
		if err := validProof("state inclusion proof", s.Proof); err != nil {
			return err
		}
		total += len(s.Tensors)
	}
	for i, w := range m.Weights {
		if i > 0 && w.Index <= m.Weights[i-1].Index {
			return errorsmod.Wrap(ErrInvalidStep, "weights must be in ascending index order, each once")
		}
		if len(w.Tensor) == 0 {
			return errorsmod.Wrapf(ErrInvalidStep, "weight %d is empty", w.Index)
		}
		if err := validProof("weight inclusion proof", w.Proof); err != nil {
			return err
		}
		total += len(w.Tensor)
	}
	if total > MaxResolveBytes {
		return errorsmod.Wrapf(ErrInvalidStep, "%d bytes of tensors, at most %d", total, MaxResolveBytes)
	}
	return nil
}

// ValidateBasic checks the message without state.
func (m *MsgProveOutput) ValidateBasic() error {
	if err := validAddr("sender", m.Sender); err != nil {
		return err
	}
	if m.DisputeId == 0 {
		return errorsmod.Wrap(ErrDisputeNotFound, "dispute id is required")
	}
	return validProof("output inclusion proof", m.Proof)
}

// ValidateBasic checks the message without state.
func (m *MsgUpdateParams) ValidateBasic() error {
	if err := validAddr("authority", m.Authority); err != nil {
		return err
	}
	if err := m.Params.Validate(); err != nil {
		return errorsmod.Wrap(ErrInvalidParams, err.Error())
	}
	return nil
}
