package types_test

import (
	"fmt"
	"testing"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	_ "github.com/prova-network/prova/app" // bech32 prefixes
	"github.com/prova-network/prova/x/registry/types"
)

func addr(n int) string { return sdk.AccAddress(fmt.Sprintf("addr-%015d", n)).String() }

func validDataset() types.DatasetInfo {
	return types.DatasetInfo{
		Id: "sha256:" + fmt.Sprintf("%064x", 7), Name: "wiki", License: "CC-BY-SA-4.0 AND LicenseRef-extra",
		Contributors: []types.Contributor{{Address: addr(1), ShareBps: 10_000}},
	}
}

func TestValidateBasic(t *testing.T) {
	ok := &types.MsgRegisterDataset{Owner: addr(1), Dataset: validDataset()}
	if err := ok.ValidateBasic(); err != nil {
		t.Fatalf("valid message rejected: %v", err)
	}
	mut := func(f func(*types.DatasetInfo)) *types.MsgRegisterDataset {
		d := validDataset()
		f(&d)
		return &types.MsgRegisterDataset{Owner: addr(1), Dataset: d}
	}
	cases := map[string]*types.MsgRegisterDataset{
		"upper-case digest": mut(func(d *types.DatasetInfo) { d.Id = "sha256:" + fmt.Sprintf("%064X", 0xabc) }),
		"unknown algorithm": mut(func(d *types.DatasetInfo) { d.Id = "md5:" + fmt.Sprintf("%064x", 1) }),
		"bad license":       mut(func(d *types.DatasetInfo) { d.License = "GPL-9.0" }),
		"empty license":     mut(func(d *types.DatasetInfo) { d.License = "" }),
		"shares 9999":       mut(func(d *types.DatasetInfo) { d.Contributors[0].ShareBps = 9999 }),
		"duplicate contributor": mut(func(d *types.DatasetInfo) {
			d.Contributors = []types.Contributor{{Address: addr(1), ShareBps: 5000}, {Address: addr(1), ShareBps: 5000}}
		}),
		"root without count": mut(func(d *types.DatasetInfo) { d.RecordRoot = make([]byte, 32) }),
		"short root":         mut(func(d *types.DatasetInfo) { d.RecordRoot, d.RecordCount = make([]byte, 31), 1 }),
		"control char name":  mut(func(d *types.DatasetInfo) { d.Name = "a\x00b" }),
		"bad owner":          {Owner: "cosmos1xyz", Dataset: validDataset()},
	}
	for name, msg := range cases {
		t.Run(name, func(t *testing.T) {
			if err := msg.ValidateBasic(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	self := &types.MsgRegisterModel{Owner: addr(1), Model: types.ModelInfo{
		Id: "blake3:" + fmt.Sprintf("%064x", 3), Name: "m", License: "MIT",
		Parents: []types.ParentLink{{ModelId: "blake3:" + fmt.Sprintf("%064x", 3), Relation: types.ParentRelation_PARENT_RELATION_FINETUNE}},
	}}
	if self.ValidateBasic() == nil {
		t.Fatal("a model that is its own parent was accepted")
	}
}

func TestStoreKeysMatchCollections(t *testing.T) {
	// Proof queries build raw keys; they must equal the keys the keeper's
	// collections maps write.
	id := "blake3:" + fmt.Sprintf("%064x", 1)
	for name, c := range map[string]struct {
		got    []byte
		prefix collections.Prefix
	}{"ModelKey": {types.ModelKey(id), types.ModelsPrefix}, "DatasetKey": {types.DatasetKey(id), types.DatasetsPrefix}} {
		want, err := collections.EncodeKeyWithPrefix(c.prefix.Bytes(), collections.StringKey, id)
		if err != nil {
			t.Fatal(err)
		}
		if string(c.got) != string(want) {
			t.Fatalf("%s = %q, collections writes %q", name, c.got, want)
		}
	}
}
