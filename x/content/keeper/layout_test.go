package keeper_test

import (
	"bytes"
	"testing"

	"cosmossdk.io/collections"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"

	"github.com/prova-network/prova/x/content/keeper"
	"github.com/prova-network/prova/x/content/types"
)

// TestIndexLayout pins the bytes the indexes write: the BLAKE3 and sequence
// index entries hold the content ID as plain bytes under the keys proof
// clients build (types.Blake3Key, BySeqPrefix+big-endian seq). Moving the
// hand-kept maps to collections indexes must not change them.
func TestIndexLayout(t *testing.T) {
	f := newFixture(t)
	info := aiImage(1, 1)
	seq := f.mustRegister(info)
	id := info.ID()
	store := f.ctx.KVStore(f.key)
	if got := store.Get(types.Blake3Key(info.Blake3)); !bytes.Equal(got, []byte(id)) {
		t.Fatalf("blake3 index entry = %q, want %q", got, id)
	}
	seqKey, err := collections.EncodeKeyWithPrefix(types.BySeqPrefix.Bytes(), collections.Uint64Key, seq)
	if err != nil {
		t.Fatal(err)
	}
	if got := store.Get(seqKey); !bytes.Equal(got, []byte(id)) {
		t.Fatalf("seq index entry = %q, want %q", got, id)
	}
	if got := store.Get(types.ContentKey(id)); len(got) == 0 {
		t.Fatal("no record under ContentKey")
	}
}

// TestNewKeeperRequiresLogs: the receipt-log check is wired at
// construction; a keeper without it cannot be built (it used to be a
// setter, and forgetting it silently skipped the check).
func TestNewKeeperRequiresLogs(t *testing.T) {
	f := newFixture(t)
	defer func() {
		if recover() == nil {
			t.Fatal("NewKeeper accepted a nil receipt-log lookup")
		}
	}()
	_ = keeper.NewKeeper(codec.NewProtoCodec(codectypes.NewInterfaceRegistry()), runtime.NewKVStoreService(f.key), f.models, nil, gov)
}
