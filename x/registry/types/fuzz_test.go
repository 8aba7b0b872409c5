package types_test

import (
	"fmt"
	"testing"

	"github.com/prova-network/prova/internal/testutil/msgcheck"
	"github.com/prova-network/prova/x/registry/types"
)

// validMsgs returns one valid message of each type.
func validMsgs() []msgcheck.Msg {
	id := func(alg string, n int) string { return alg + ":" + fmt.Sprintf("%064x", n) }
	return []msgcheck.Msg{
		&types.MsgRegisterDataset{Owner: addr(1), Dataset: types.DatasetInfo{
			Id: id("sha256", 7), Name: "wiki", Version: "1", License: "CC-BY-SA-4.0 AND LicenseRef-extra",
			Usage:        types.UsageTerms{Use: types.Use_USE_COMMERCIAL, Attribution: true},
			Contributors: []types.Contributor{{Address: addr(1), ShareBps: 6000}, {Address: addr(2), ShareBps: 4000}},
			RecordRoot:   make([]byte, 32), RecordCount: 3, MetadataUri: "https://example.com/d", MetadataDigest: id("sha256", 8),
		}},
		&types.MsgRegisterModel{Owner: addr(1), Model: types.ModelInfo{
			Id: id("blake3", 3), Name: "m", Version: "v1", Format: "safetensors", ArchFingerprint: id("blake3", 5),
			ArchSummary: "llama", ParameterCount: 7, License: "MIT",
			Parents:  []types.ParentLink{{ModelId: id("blake3", 4), Relation: types.ParentRelation_PARENT_RELATION_FINETUNE}},
			Datasets: []types.DatasetLink{{DatasetId: id("sha256", 7), Relation: types.DatasetRelation_DATASET_RELATION_TRAINED_ON}},
		}},
		&types.MsgUpdateMetadata{Owner: addr(1), Id: id("blake3", 3), Name: "m2", Version: "v2", Uri: "https://example.com/m", Digest: id("sha256", 9)},
		&types.MsgTransferOwnership{Owner: addr(1), Id: id("blake3", 3), NewOwner: addr(2)},
		&types.MsgSetModelStatus{Authority: addr(3), ModelId: id("blake3", 3), Status: types.ModelStatus_MODEL_STATUS_FLAGGED, Reason: "malware"},
		&types.MsgUpdateParams{Authority: addr(3), Params: types.Params{MaxParents: 8, MaxDatasets: 16, MaxContributors: 32, MaxQueryDepth: 4}},
	}
}

// FuzzValidateBasic takes a valid message of each type and sets one field
// (strings, numbers, enums, bytes; nested and in the first list element)
// to a fuzzed value. The message either still validates, and then survives
// a proto round trip and still validates, or ValidateBasic fails with a
// registered error; it never panics.
func FuzzValidateBasic(f *testing.F) {
	for i, m := range validMsgs() {
		if err := m.ValidateBasic(); err != nil {
			f.Fatalf("valid %T rejected: %v", m, err)
		}
		f.Add(uint8(i), uint8(0), "", uint64(0), []byte{}) // an invalid owner or authority
		f.Add(uint8(i), uint8(1), "sha256:"+fmt.Sprintf("%064X", 1), uint64(1), []byte{1})
		f.Add(uint8(i), uint8(2), "a\x00b", uint64(1<<32), make([]byte, 32))
		f.Add(uint8(i), uint8(5), "GPL-9.0", uint64(9), []byte{})
	}
	f.Add(uint8(0), uint8(4), "MIT OR Apache-2.0", uint64(0), []byte{})
	f.Add(uint8(1), uint8(14), "blake3:"+fmt.Sprintf("%064x", 3), uint64(0), []byte{}) // its own parent
	f.Fuzz(func(t *testing.T, which, field uint8, s string, n uint64, b []byte) {
		msgs := validMsgs()
		m := msgs[int(which)%len(msgs)]
		msgcheck.Mutate(m, field, s, n, b)
		if checkValidateBasic(t, m) != nil {
			return
		}
		switch m := m.(type) {
		case *types.MsgRegisterDataset:
			var total uint32
			for _, c := range m.Dataset.Contributors {
				total += c.ShareBps
			}
			if total != types.TotalShareBps {
				t.Fatalf("accepted shares summing to %d", total)
			}
		case *types.MsgRegisterModel:
			for _, p := range m.Model.Parents {
				if p.ModelId == m.Model.Id {
					t.Fatal("accepted a model that is its own parent")
				}
			}
		case *types.MsgTransferOwnership:
			if m.Owner == m.NewOwner {
				t.Fatal("accepted a transfer to the current owner")
			}
		}
	})
}

// checkValidateBasic checks the property every ValidateBasic fuzzer
// checks (see internal/testutil/msgcheck).
func checkValidateBasic(t *testing.T, m msgcheck.Msg) error {
	t.Helper()
	return msgcheck.ValidateBasic(t, m, types.ModuleName)
}
