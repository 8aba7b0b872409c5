package types_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	_ "github.com/prova-network/prova/app" // bech32 prefixes
	"github.com/prova-network/prova/internal/phash"
	"github.com/prova-network/prova/x/content/types"
)

func validMsg() *types.MsgRegisterContent {
	return &types.MsgRegisterContent{
		Creator: sdk.AccAddress("creator-000000000000").String(),
		Info: types.ContentInfo{
			Sha256: strings.Repeat("ab", 32), Blake3: strings.Repeat("cd", 32), MediaType: "image/png",
			DigitalSourceType: types.TrainedAlgorithmicMedia, ModelId: "blake3:" + strings.Repeat("01", 32),
			Receipt:            &types.ReceiptRef{LogId: "prova-log-1", Index: 7},
			C2PaManifestDigest: "sha256:" + strings.Repeat("ef", 32),
			SoftBindings:       []types.SoftBinding{{Algorithm: phash.Algorithm, Value: "0123456789abcdef"}},
		},
	}
}

func TestValidateBasic(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(m *types.MsgRegisterContent)
		want   error
	}{
		{"valid", func(*types.MsgRegisterContent) {}, nil},
		{"bad creator", func(m *types.MsgRegisterContent) { m.Creator = "prova1nope" }, types.ErrInvalidAddress},
		{"upper-case sha256", func(m *types.MsgRegisterContent) { m.Info.Sha256 = strings.Repeat("AB", 32) }, types.ErrInvalidDigest},
		{"short blake3", func(m *types.MsgRegisterContent) { m.Info.Blake3 = "abcd" }, types.ErrInvalidDigest},
		{"media type with parameters", func(m *types.MsgRegisterContent) { m.Info.MediaType = "text/plain; charset=utf-8" }, types.ErrInvalidMediaType},
		{"media type without subtype", func(m *types.MsgRegisterContent) { m.Info.MediaType = "image" }, types.ErrInvalidMediaType},
		{"unknown origin", func(m *types.MsgRegisterContent) { m.Info.DigitalSourceType = "softwareImage" }, types.ErrInvalidOrigin},
		{"model not a digest", func(m *types.MsgRegisterContent) { m.Info.ModelId = "gpt" }, types.ErrInvalidModelID},
		{"receipt without log", func(m *types.MsgRegisterContent) { m.Info.Receipt.LogId = "" }, types.ErrInvalidReceipt},
		{"assisted: receipt without model", func(m *types.MsgRegisterContent) {
			m.Info.DigitalSourceType, m.Info.ModelId = types.CompositeWithTrainedAlgorithmicMedia, ""
		}, types.ErrInvalidReceipt},
		{"assisted without model", func(m *types.MsgRegisterContent) {
			m.Info.DigitalSourceType, m.Info.ModelId, m.Info.Receipt = types.CompositeWithTrainedAlgorithmicMedia, "", nil
		}, nil},
		{"human-made with attestation", func(m *types.MsgRegisterContent) {
			m.Info.DigitalSourceType, m.Info.ModelId, m.Info.Receipt, m.Info.Attestation = "digitalCapture", "", nil, "my photo"
		}, nil},
		{"algorithmic without attestation", func(m *types.MsgRegisterContent) {
			m.Info.DigitalSourceType, m.Info.ModelId, m.Info.Receipt = "algorithmicMedia", "", nil
		}, types.ErrInvalidAttestation},
		{"attestation with NUL", func(m *types.MsgRegisterContent) { m.Info.Attestation = "a\x00b" }, types.ErrInvalidAttestation},
		{"attestation too long", func(m *types.MsgRegisterContent) { m.Info.Attestation = strings.Repeat("a", types.CapAttestationLen+1) }, types.ErrInvalidAttestation},
		{"bad manifest digest", func(m *types.MsgRegisterContent) { m.Info.C2PaManifestDigest = "sha256:xyz" }, types.ErrInvalidManifestHash},
		{"duplicate binding algorithm", func(m *types.MsgRegisterContent) {
			m.Info.SoftBindings = append(m.Info.SoftBindings, m.Info.SoftBindings[0])
		}, types.ErrInvalidSoftBinding},
		{"binding with space", func(m *types.MsgRegisterContent) {
			m.Info.SoftBindings = append(m.Info.SoftBindings, types.SoftBinding{Algorithm: "iscc", Value: "a b"})
		}, types.ErrInvalidSoftBinding},
		{"other binding algorithm", func(m *types.MsgRegisterContent) {
			m.Info.SoftBindings = append(m.Info.SoftBindings, types.SoftBinding{Algorithm: "io.iscc.v0", Value: "KACT4EBWK27737D2"})
		}, nil},
		{"short phash", func(m *types.MsgRegisterContent) { m.Info.SoftBindings[0].Value = "abc" }, types.ErrInvalidSoftBinding},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := validMsg()
			tc.mutate(m)
			err := m.ValidateBasic()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want.Error()) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"ai-generated":             types.TrainedAlgorithmicMedia,
		"AI-Assisted":              types.CompositeWithTrainedAlgorithmicMedia,
		"human-made":               types.DigitalArt,
		"digitalCapture":           "digitalCapture",
		types.IPTCPrefix + "print": "print",
	} {
		got, err := types.ParseOrigin(in)
		if err != nil || got != want {
			t.Errorf("ParseOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := types.ParseOrigin("robot"); err == nil || !strings.Contains(err.Error(), "trainedAlgorithmicMedia") {
		t.Fatalf("unknown origin: %v", err)
	}
	if c, ok := types.OriginClass(types.TrainedAlgorithmicMedia); !ok || c != types.ClassAIGenerated {
		t.Fatal("trainedAlgorithmicMedia is not AI-generated")
	}
}

// TestStoreKeysMatchCollections checks the raw keys clients prove against
// the encoding the keeper's collections write.
func TestStoreKeysMatchCollections(t *testing.T) {
	id := "sha256:" + strings.Repeat("ab", 32)
	want, err := collections.EncodeKeyWithPrefix(types.ContentsPrefix.Bytes(), collections.StringKey, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := types.ContentKey(id); string(got) != string(want) {
		t.Fatalf("ContentKey = %q, collections writes %q", got, want)
	}
	b3 := strings.Repeat("cd", 32)
	want, _ = collections.EncodeKeyWithPrefix(types.ByBlake3Prefix.Bytes(), collections.StringKey, b3)
	if got := types.Blake3Key(b3); string(got) != string(want) {
		t.Fatalf("Blake3Key = %q, collections writes %q", got, want)
	}
}

// FuzzParseOrigin: any text either maps to an accepted term or errors.
func FuzzParseOrigin(f *testing.F) {
	for _, s := range []string{"ai-generated", "human-made", "digitalCapture", types.IPTCPrefix + "print", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		term, err := types.ParseOrigin(s)
		if err != nil {
			if !errors.Is(err, types.ErrInvalidOrigin) {
				t.Fatalf("ParseOrigin(%q): error %v is not ErrInvalidOrigin", s, err)
			}
			return
		}
		if _, ok := types.OriginClass(term); !ok {
			t.Fatalf("ParseOrigin(%q) = %q, not an accepted term", s, term)
		}
		// A term is its own canonical spelling.
		if again, err := types.ParseOrigin(term); err != nil || again != term {
			t.Fatalf("ParseOrigin(%q) = %q, %v; want the term back", term, again, err)
		}
	})
}

func ExampleParseOrigin() {
	term, _ := types.ParseOrigin("ai-generated")
	c, _ := types.OriginClass(term)
	fmt.Println(term, c)
	// Output: trainedAlgorithmicMedia ai-generated
}
