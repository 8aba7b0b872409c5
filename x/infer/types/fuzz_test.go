package types_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/onnxint"
	"github.com/prova-network/prova/internal/testutil/msgcheck"
	"github.com/prova-network/prova/x/infer/types"
)

func addr(n int) string { return sdk.AccAddress(fmt.Sprintf("%-20d", n)).String() }

func h(n int) []byte {
	s := sha256.Sum256([]byte{byte(n)})
	return s[:]
}

var model = "blake3:" + fmt.Sprintf("%064x", 3)

func leaf() []byte {
	return types.EncodeClaimLeaf(types.ClaimLeaf{ModelID: model, InputDigest: h(1), OutputDigest: h(2), TraceRoot: h(3), TraceSize: 9})
}

// validMsgs returns one valid message of each type (two for those with
// two shapes).
func validMsgs() []msgcheck.Msg {
	x := onnxint.Encode(&onnxint.Tensor{Type: onnxint.Int8, Dims: []int64{2}, I: []int32{1, -1}})
	return []msgcheck.Msg{
		&types.MsgRegisterExecutable{Owner: addr(1), ModelId: model, Onnx: []byte("onnx")},
		&types.MsgRegisterExecutable{Owner: addr(1), ModelId: model, Skeleton: []byte("skeleton"), TensorRoot: h(4)},
		&types.MsgRunModel{Sender: addr(1), ModelId: model, Inputs: x},
		&types.MsgBond{Provider: addr(1), Amount: sdk.NewInt64Coin("uprova", 5), ReceiptKey: hex.EncodeToString(h(5)), Endpoint: "https://p.example:8443/v"},
		&types.MsgUnbond{Provider: addr(1), Amount: sdk.NewInt64Coin("uprova", 5)},
		&types.MsgPostClaim{Provider: addr(1), ModelId: model, InputDigest: h(1), OutputDigest: h(2), TraceRoot: h(3), TraceSize: 9},
		&types.MsgPostClaimBatch{Provider: addr(1), ModelId: model, Root: h(6), Count: 4},
		&types.MsgRequestInput{Challenger: addr(2), Claim: types.ClaimRef{ClaimId: 1}},
		&types.MsgRequestInput{Challenger: addr(2), Claim: types.ClaimRef{BatchId: 1, LeafIndex: 2, Leaf: leaf(), Proof: [][]byte{h(7), h(8)}}},
		&types.MsgRequestInput{Challenger: addr(2), Receipt: &types.ReceiptRef{LogId: "prova.local/receipts", TreeSize: 3, Index: 1, Entry: []byte("{}"),
			InclusionProof: [][]byte{h(1), h(2)}}},
		&types.MsgPostInput{Provider: addr(1), ClaimId: 1, Inputs: x},
		&types.MsgChallenge{Challenger: addr(2), Claim: types.ClaimRef{ClaimId: 1}, TraceRoot: h(9), OutputDigest: h(2), Bond: sdk.NewInt64Coin("uprova", 5)},
		&types.MsgChallengeReceipt{Challenger: addr(2), LogId: "prova.local/receipts", TreeSize: 3, Index: 1, Entry: []byte("{}"),
			InclusionProof: [][]byte{h(1), h(2)}, TraceRoot: h(9), OutputDigest: h(2), Bond: sdk.NewInt64Coin("uprova", 5)},
		&types.MsgBisect{Sender: addr(1), DisputeId: 1, Root: h(10)},
		&types.MsgResolveStep{Sender: addr(3), DisputeId: 1, Range: [][]byte{h(11)},
			States:  []types.StateProof{{LeafIndex: 0, Tensors: x, Proof: [][]byte{h(12)}}, {LeafIndex: 2, Tensors: x}},
			Weights: []types.WeightProof{{Index: 1, Tensor: x, Proof: [][]byte{h(13)}}}},
		&types.MsgProveOutput{Sender: addr(1), DisputeId: 1, Proof: [][]byte{h(14)}},
		&types.MsgUpdateParams{Authority: addr(3), Params: types.DefaultParams()},
	}
}

// FuzzValidateBasic takes a valid message of each type and sets one field
// (strings, numbers, bytes; nested and in the first list element) to a
// fuzzed value. The message either still validates, and then survives a
// proto round trip and still validates (msgcheck), and keeps the
// properties checked below; or ValidateBasic fails with a registered
// error. It never panics.
func FuzzValidateBasic(f *testing.F) {
	for i, m := range validMsgs() {
		if err := m.ValidateBasic(); err != nil {
			f.Fatalf("valid %T rejected: %v", m, err)
		}
		f.Add(uint8(i), uint8(0), "", uint64(0), []byte{})
		f.Add(uint8(i), uint8(1), "sha256:"+fmt.Sprintf("%064X", 1), uint64(1), []byte{1})
		f.Add(uint8(i), uint8(2), "a\x00b", uint64(1<<32), make([]byte, 32))
		f.Add(uint8(i), uint8(3), "x", uint64(0), make([]byte, 31))
		f.Add(uint8(i), uint8(4), "", uint64(1<<63), []byte{})
		f.Add(uint8(i), uint8(7), "", uint64(3), leaf())
	}
	f.Fuzz(func(t *testing.T, which, field uint8, s string, n uint64, b []byte) {
		msgs := validMsgs()
		m := msgs[int(which)%len(msgs)]
		msgcheck.Mutate(m, field, s, n, b)
		if msgcheck.ValidateBasic(t, m, types.ModuleName) != nil {
			return
		}
		switch m := m.(type) {
		case *types.MsgPostClaim:
			if len(m.InputDigest) != 32 || len(m.TraceRoot) != 32 || m.TraceSize < types.MinTraceSize {
				t.Fatalf("accepted %+v", m)
			}
		case *types.MsgBond:
			if !m.Amount.IsPositive() || len(m.Endpoint) > types.MaxEndpointLen ||
				(m.Endpoint != "" && !strings.HasPrefix(m.Endpoint, "http://") && !strings.HasPrefix(m.Endpoint, "https://")) ||
				strings.ContainsAny(m.Endpoint, "@?# \x00") {
				t.Fatalf("accepted a bond of %s at %q", m.Amount, m.Endpoint)
			}
		case *types.MsgRequestInput:
			if m.Receipt == nil && (m.Claim.ClaimId == 0) == (m.Claim.BatchId == 0) {
				t.Fatalf("accepted claim ref %+v", m.Claim)
			}
			if m.Receipt != nil && (!m.Claim.IsEmpty() || m.Receipt.Index >= m.Receipt.TreeSize || m.Receipt.LogId == "") {
				t.Fatalf("accepted %+v", m)
			}
		case *types.MsgChallengeReceipt:
			if m.Index >= m.TreeSize || len(m.OutputDigest) != 32 {
				t.Fatalf("accepted %+v", m)
			}
		case *types.MsgUpdateParams:
			if m.Params.UnbondingBlocks <= m.Params.ChallengeWindowBlocks || m.Params.DisputeStake.Amount.GT(m.Params.MinBond.Amount) {
				t.Fatalf("accepted params %+v", m.Params)
			}
		}
	})
}

// FuzzDecodeClaimLeaf: a decoded leaf re-encodes to the same bytes.
func FuzzDecodeClaimLeaf(f *testing.F) {
	f.Add(leaf())
	f.Add([]byte{1, 0})
	f.Add(append(leaf(), 0))
	f.Add(leaf()[:len(leaf())-1])
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := types.DecodeClaimLeaf(b)
		if err != nil {
			return
		}
		if again := types.EncodeClaimLeaf(c); !bytes.Equal(again, b) {
			t.Fatalf("%x decodes to %+v, which encodes to %x", b, c, again)
		}
	})
}

// TestClaimLeafVector pins the claim leaf encoding (docs/INFERENCE.md §5).
// The expected bytes are written out by hand from the layout: version 1,
// the model ID's length (71) and bytes, the three hashes, the trace size
// as a big-endian u64.
func TestClaimLeafVector(t *testing.T) {
	got := leaf()
	want := append([]byte{1, 71}, model...)
	want = append(want, h(1)...)
	want = append(want, h(2)...)
	want = append(want, h(3)...)
	want = append(want, 0, 0, 0, 0, 0, 0, 0, 9)
	if !bytes.Equal(got, want) {
		t.Fatalf("leaf %x, want %x", got, want)
	}
	for _, bad := range [][]byte{
		append([]byte{2}, got[1:]...),
		append(append([]byte{}, got[:len(got)-8]...), 0, 0, 0, 0, 0, 0, 0, 1),
		append([]byte{1, 7}, "blake3:"...),
	} {
		if _, err := types.DecodeClaimLeaf(bad); err == nil {
			t.Errorf("decoded %x", bad)
		}
	}
}

func TestParseReceiptKey(t *testing.T) {
	k := h(1)
	for _, s := range []string{hex.EncodeToString(k), "5a2f" + hex.EncodeToString(k)[4:]} {
		if got, err := types.ParseReceiptKey(s); err != nil || len(got) != 32 {
			t.Errorf("%q: %x, %v", s, got, err)
		}
	}
	if got, err := types.ParseReceiptKey("Cb0Y8bsHKr4b0Xu3VAxAXh3rH4tqaOYiT3S+2cvUiZk="); err != nil || len(got) != 32 {
		t.Errorf("base64: %x, %v", got, err)
	}
	for _, s := range []string{"", "00", hex.EncodeToString(k)[:62], hex.EncodeToString(append(k, 0)), "Cb0Y8bsHKr4b0Xu3VAxAXh3rH4tqaOYiT3S+2cvUiZk"} {
		if _, err := types.ParseReceiptKey(s); err == nil {
			t.Errorf("accepted %q", s)
		}
	}
}

func TestParamsValidate(t *testing.T) {
	if err := types.DefaultParams().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(p *types.Params){
		"unbonding within the window":   func(p *types.Params) { p.UnbondingBlocks = p.ChallengeWindowBlocks },
		"unbonding within input delays": func(p *types.Params) { p.UnbondingBlocks = p.ChallengeWindowBlocks + 2*p.InputTimeoutBlocks },
		"stake over min bond":           func(p *types.Params) { p.DisputeStake = p.MinBond.AddAmount(p.MinBond.Amount) },
		"stake in another denom":        func(p *types.Params) { p.DisputeStake.Denom = "other" },
		"burn over one":                 func(p *types.Params) { p.BurnShare = p.BurnShare.MulInt64(10) },
		"no move timeout":               func(p *types.Params) { p.MoveTimeoutBlocks = 0 },
		"no gas per mac":                func(p *types.Params) { p.GasPerMac = 0 },
		"gas overflow":                  func(p *types.Params) { p.MaxRunCost, p.GasPerMac = 1<<40, 1<<40 },
		"model cap":                     func(p *types.Params) { p.MaxModelBytes = types.MaxModelBytes + 1 },
		"zero min bond":                 func(p *types.Params) { p.MinBond.Amount = p.MinBond.Amount.SubRaw(p.MinBond.Amount.Int64()) },
		"receipt window overflow":       func(p *types.Params) { p.ReceiptWindowBlocks = 1<<32 + 1 },
	} {
		p := types.DefaultParams()
		mutate(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParamsReceiptWindow(t *testing.T) {
	p := types.DefaultParams()
	if p.ReceiptWindowBlocks <= p.ChallengeWindowBlocks {
		t.Fatalf("default receipt window %d is not longer than the claim window %d", p.ReceiptWindowBlocks, p.ChallengeWindowBlocks)
	}
	p.ReceiptWindowBlocks = 0 // no limit
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateEndpoint(t *testing.T) {
	for _, e := range []string{
		"http://127.0.0.1:8620", "https://infer.example.org", "https://infer.example.org/", "https://a-b.example:443/prova/v1",
		"http://localhost:1", "http://[::1]:8620", "http://[2001:db8::1]/x", "http://host.example/a_b~c.d",
		"https://" + strings.Repeat("a", 63) + ".example",
	} {
		if err := types.ValidateEndpoint(e); err != nil {
			t.Errorf("%q: %v", e, err)
		}
	}
	for _, e := range []string{
		"", "127.0.0.1:8620", "ftp://host", "HTTP://host", "http://", "http://:80", "http://host:", "http://host:0", "http://host:65536",
		"http://host:+80", "http://host:8o", "http://user@host", "http://user:pw@host", "http://host/?q=1", "http://host/#f",
		"http://host/a b", "http://host/%20", "http://-host", "http://host-", "http://a..b", "http://host_1", "http://[::1",
		"http://[::1]x", "http://[zz::1]", "http://[1]", "http://host\x00", "https://" + strings.Repeat("a", 64) + ".example",
		"http://" + strings.Repeat("a.", 130) + "b", "https://host/" + strings.Repeat("p", types.MaxEndpointLen),
	} {
		if err := types.ValidateEndpoint(e); err == nil || !types.ErrInvalidEndpoint.Is(err) {
			t.Errorf("%q: %v", e, err)
		}
	}
}
