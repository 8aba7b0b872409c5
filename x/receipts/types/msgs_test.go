package types_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/tlog"
	"github.com/prova-network/prova/x/receipts/types"
)

func addr(name string) string { return sdk.AccAddress(fmt.Sprintf("%-20s", name)).String() }

const origin = "prova.local/receipts/a"

// fixedKeys is a note key pair for origin made once for the package.
var signerKey, verifierKey = func() (string, string) {
	s, v, err := tlog.GenerateKey(origin)
	if err != nil {
		panic(err)
	}
	return s, v
}()

func signedNote(t testing.TB, size uint64) []byte {
	h := sha256.Sum256(fmt.Append(nil, size))
	n, err := tlog.Sign(tlog.Checkpoint{Origin: origin, Size: size, Hash: h[:]}, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func hash32() []byte { return bytes.Repeat([]byte{7}, 32) }

func TestValidateBasic(t *testing.T) {
	_, otherKey, _ := tlog.GenerateKey("prova.local/receipts/b")
	bond := sdk.NewInt64Coin("uprova", 1)
	note := signedNote(t, 3)
	cases := []struct {
		name string
		msg  interface{ ValidateBasic() error }
		want *errorsmod.Error // nil: valid
	}{
		{"register ok", &types.MsgRegisterLog{Operator: addr("a"), Origin: origin, VerifierKey: verifierKey, Bond: bond}, nil},
		{"register bad operator", &types.MsgRegisterLog{Operator: "x", Origin: origin, VerifierKey: verifierKey, Bond: bond}, types.ErrInvalidAddress},
		{"register key of another origin", &types.MsgRegisterLog{Operator: addr("a"), Origin: origin, VerifierKey: otherKey, Bond: bond}, types.ErrInvalidLog},
		{"register garbage key", &types.MsgRegisterLog{Operator: addr("a"), Origin: origin, VerifierKey: "nope", Bond: bond}, types.ErrInvalidLog},
		{"register empty origin", &types.MsgRegisterLog{Operator: addr("a"), VerifierKey: verifierKey, Bond: bond}, types.ErrInvalidLog},
		{"register zero bond", &types.MsgRegisterLog{Operator: addr("a"), Origin: origin, VerifierKey: verifierKey, Bond: sdk.NewInt64Coin("uprova", 0)}, types.ErrBondTooSmall},
		{"register no bond", &types.MsgRegisterLog{Operator: addr("a"), Origin: origin, VerifierKey: verifierKey}, types.ErrBondTooSmall},
		{"anchor ok", &types.MsgAnchorCheckpoint{Operator: addr("a"), LogId: origin, Checkpoint: note, ConsistencyProof: [][]byte{hash32()}}, nil},
		{"anchor no note", &types.MsgAnchorCheckpoint{Operator: addr("a"), LogId: origin}, types.ErrInvalidCheckpoint},
		{"anchor oversized note", &types.MsgAnchorCheckpoint{Operator: addr("a"), LogId: origin, Checkpoint: make([]byte, tlog.MaxCheckpointSize+1)}, types.ErrInvalidCheckpoint},
		{"anchor short proof hash", &types.MsgAnchorCheckpoint{Operator: addr("a"), LogId: origin, Checkpoint: note, ConsistencyProof: [][]byte{{1}}}, types.ErrNotAppend},
		{"anchor too many hashes", &types.MsgAnchorCheckpoint{Operator: addr("a"), LogId: origin, Checkpoint: note, ConsistencyProof: bytes.SplitAfter(bytes.Repeat([]byte{1}, 66), []byte{1})[:66]}, types.ErrProofTooLong},
		{"anchor no log", &types.MsgAnchorCheckpoint{Operator: addr("a"), Checkpoint: note}, types.ErrInvalidLog},
		{"report ok, one view", &types.MsgReportEquivocation{Reporter: addr("a"), LogId: origin, CheckpointA: note}, nil},
		{"report ok, two views", &types.MsgReportEquivocation{Reporter: addr("a"), LogId: origin, CheckpointA: note, CheckpointB: note}, nil},
		{"report no view", &types.MsgReportEquivocation{Reporter: addr("a"), LogId: origin}, types.ErrInvalidCheckpoint},
		{"report oversized b", &types.MsgReportEquivocation{Reporter: addr("a"), LogId: origin, CheckpointA: note, CheckpointB: make([]byte, tlog.MaxCheckpointSize+1)}, types.ErrInvalidCheckpoint},
		{"report bad reporter", &types.MsgReportEquivocation{Reporter: "", LogId: origin, CheckpointA: note}, types.ErrInvalidAddress},
		{"record ok", &types.MsgRecordInference{Provider: addr("a"), Envelope: []byte("{}"), ProviderKey: hash32()}, nil},
		{"record short key", &types.MsgRecordInference{Provider: addr("a"), Envelope: []byte("{}"), ProviderKey: hash32()[:31]}, types.ErrInvalidReceipt},
		{"record empty envelope", &types.MsgRecordInference{Provider: addr("a"), ProviderKey: hash32()}, types.ErrInvalidReceipt},
		{"params ok", &types.MsgUpdateParams{Authority: addr("gov"), Params: types.DefaultParams()}, nil},
		{"params fraction above one", &types.MsgUpdateParams{Authority: addr("gov"), Params: func() types.Params {
			p := types.DefaultParams()
			p.ReporterRewardFraction = sdkmath.LegacyNewDecWithPrec(11, 1)
			return p
		}()}, types.ErrInvalidParams},
		{"params nil fraction", &types.MsgUpdateParams{Authority: addr("gov"), Params: types.Params{MinBond: bond, MaxProofHashes: 1}}, types.ErrInvalidParams},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.msg.ValidateBasic()
			if tc.want == nil && err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if tc.want != nil && !errorsmod.IsOf(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestStoreKeysMatchCollections(t *testing.T) {
	for _, tc := range []struct {
		name   string
		got    []byte
		prefix collections.Prefix
	}{
		{"log", types.LogKey(origin), types.LogsPrefix},
		{"latest checkpoint", types.LatestCheckpointKey(origin), types.LatestPrefix},
	} {
		want, err := collections.EncodeKeyWithPrefix(tc.prefix.Bytes(), collections.StringKey, origin)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(tc.got, want) {
			t.Errorf("%s key %q, collections writes %q", tc.name, tc.got, want)
		}
	}
	// The by-size root key, written out by hand from the collections pair
	// encoding: prefix, the string with a 0x00 terminator (non-terminal
	// part), then the size as 8 big-endian bytes.
	wantRoot := append(append(append(types.RootsPrefix.Bytes(), origin...), 0), 0, 0, 0, 0, 0, 0, 0x01, 0x02)
	if got := types.RootKey(origin, 0x0102); !bytes.Equal(got, wantRoot) {
		t.Errorf("root key %x, want %x", got, wantRoot)
	}
	id := hash32()
	want, err := collections.EncodeKeyWithPrefix(types.InferencesPrefix.Bytes(), collections.BytesKey, id)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(types.InferenceKey(id), want) {
		t.Errorf("inference key %x, collections writes %x", types.InferenceKey(id), want)
	}
}

func TestDefaultGenesisValid(t *testing.T) {
	if err := types.DefaultGenesis().Validate(); err != nil {
		t.Fatal(err)
	}
}
