package types_test

import (
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/phash"
	"github.com/prova-network/prova/internal/testutil/msgcheck"
	"github.com/prova-network/prova/x/content/types"
)

// registerContent builds the message FuzzValidateBasic checks from its
// fuzzed fields.
func registerContent(creator, sha, b3, media, origin, model, logID, attest, c2pa, alg, val string) *types.MsgRegisterContent {
	msg := &types.MsgRegisterContent{Creator: creator, Info: types.ContentInfo{
		Sha256: sha, Blake3: b3, MediaType: media, DigitalSourceType: origin, ModelId: model,
		Attestation: attest, C2PaManifestDigest: c2pa, SoftBindings: []types.SoftBinding{{Algorithm: alg, Value: val}},
	}}
	if logID != "" {
		msg.Info.Receipt = &types.ReceiptRef{LogId: logID}
	}
	return msg
}

// FuzzValidateBasic: ValidateBasic either fails with a registered error or
// accepts a message that keeps its invariants (a canonical perceptual hash,
// an ID derived from the SHA-256 digest, a model for AI-generated content),
// survives a proto round trip and is accepted again; it never panics.
func FuzzValidateBasic(f *testing.F) {
	m := validMsg()
	valid := []string{m.Creator, m.Info.Sha256, m.Info.Blake3, m.Info.MediaType, m.Info.DigitalSourceType, m.Info.ModelId, "log", "", "", phash.Algorithm, "0123456789abcdef"}
	if err := registerContent(valid[0], valid[1], valid[2], valid[3], valid[4], valid[5], valid[6], valid[7], valid[8], valid[9], valid[10]).ValidateBasic(); err != nil {
		f.Fatalf("the valid seed is rejected: %v", err)
	}
	f.Add(valid[0], valid[1], valid[2], valid[3], valid[4], valid[5], valid[6], valid[7], valid[8], valid[9], valid[10])
	f.Add(m.Creator, m.Info.Sha256, m.Info.Blake3, "image/jpeg", "digitalCapture", "", "", "mine", "blake3:00", "x", "y")
	f.Add(m.Creator, m.Info.Sha256, m.Info.Blake3, "text/plain", "digitalCapture", "", "", "typed it", m.Info.C2PaManifestDigest, "iscc", "KACT")
	f.Add(m.Creator, m.Info.Sha256, m.Info.Blake3, "image/png", "trainedAlgorithmicMedia", "", "log", "", "", phash.Algorithm, "0123456789ABCDEF")
	f.Add("prova1nope", "", "", "", "", "", "", "\x00", "", "", "")
	f.Fuzz(func(t *testing.T, creator, sha, b3, media, origin, model, logID, attest, c2pa, alg, val string) {
		msg := registerContent(creator, sha, b3, media, origin, model, logID, attest, c2pa, alg, val)
		if checkValidateBasic(t, msg) != nil {
			return
		}
		if msg.Info.ID() != "sha256:"+sha || len(sha) != 64 {
			t.Fatalf("accepted sha256 %q", sha)
		}
		if alg == phash.Algorithm {
			if h, ok := msg.Info.PerceptualHash(); !ok || h.String() != val {
				t.Fatalf("accepted non-canonical perceptual hash %q", val)
			}
		}
		if c, _ := types.OriginClass(origin); c == types.ClassAIGenerated && model == "" {
			t.Fatal("accepted AI-generated content without a model")
		}
	})
}

// FuzzUpdateParamsValidateBasic: ValidateBasic either fails with a
// registered error or accepts parameters within the caps, which survive a
// proto round trip and are accepted again.
func FuzzUpdateParamsValidateBasic(f *testing.F) {
	gov := sdk.AccAddress("gov-module-000000000").String()
	f.Add(gov, uint32(4), uint32(127), uint32(1024))
	f.Add(gov, uint32(types.CapSoftBindings), uint32(types.CapMediaTypeLen), uint32(types.CapAttestationLen))
	f.Add(gov, uint32(0), uint32(2), uint32(types.CapAttestationLen+1))
	f.Add("prova1nope", uint32(4), uint32(127), uint32(1024))
	f.Fuzz(func(t *testing.T, authority string, bindings, media, attest uint32) {
		m := &types.MsgUpdateParams{Authority: authority, Params: types.Params{MaxSoftBindings: bindings, MaxMediaTypeLen: media, MaxAttestationLen: attest}}
		if checkValidateBasic(t, m) != nil {
			return
		}
		if bindings == 0 || bindings > types.CapSoftBindings || media < 3 || media > types.CapMediaTypeLen || attest == 0 || attest > types.CapAttestationLen {
			t.Fatalf("accepted %+v", m.Params)
		}
	})
}

// checkValidateBasic checks the property every ValidateBasic fuzzer
// checks (see internal/testutil/msgcheck).
func checkValidateBasic(t *testing.T, m msgcheck.Msg) error {
	t.Helper()
	return msgcheck.ValidateBasic(t, m, types.ModuleName)
}
