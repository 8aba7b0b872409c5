package keeper_test

import (
	"testing"

	errorsmod "cosmossdk.io/errors"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/prova-network/prova/x/registry/types"
)

// TestStoreErrorsAreNotNotFound: a record that cannot be read (here bytes
// that do not decode) is a store error, not "not registered": handlers
// must report it as it is rather than as ErrNotFound / codes.NotFound.
func TestStoreErrorsAreNotNotFound(t *testing.T) {
	f := newFixture(t)
	o := addr(1)
	if err := f.registerDataset(o, dataset(100)); err != nil {
		t.Fatal(err)
	}
	if err := f.registerModel(o, model(1, nil, nil)); err != nil {
		t.Fatal(err)
	}
	garbage := []byte{0xff, 0xff, 0xff, 0xff}
	store := f.ctx.KVStore(f.key)
	store.Set(types.DatasetKey(digest(100)), garbage)
	store.Set(types.ModelKey(digest(1)), garbage)

	for _, id := range []string{digest(100), digest(1)} {
		_, err := f.msgs.UpdateMetadata(f.ctx, &types.MsgUpdateMetadata{Owner: o, Id: id, Name: "renamed"})
		if err == nil || errorsmod.IsOf(err, types.ErrNotFound) {
			t.Errorf("UpdateMetadata of unreadable %s: %v, want the store error", id, err)
		}
		_, err = f.msgs.TransferOwnership(f.ctx, &types.MsgTransferOwnership{Owner: o, Id: id, NewOwner: addr(2)})
		if err == nil || errorsmod.IsOf(err, types.ErrNotFound) {
			t.Errorf("TransferOwnership of unreadable %s: %v, want the store error", id, err)
		}
		_, err = f.query.ByDigest(f.ctx, &types.QueryByDigestRequest{Digest: id})
		if status.Code(err) != codes.Internal {
			t.Errorf("ByDigest of unreadable %s: %v, want codes.Internal", id, err)
		}
	}
	// Absent records are still not found.
	_, err := f.msgs.UpdateMetadata(f.ctx, &types.MsgUpdateMetadata{Owner: o, Id: digest(5), Name: "x"})
	if !errorsmod.IsOf(err, types.ErrNotFound) {
		t.Errorf("UpdateMetadata of an absent record: %v", err)
	}
	if _, err := f.query.ByDigest(f.ctx, &types.QueryByDigestRequest{Digest: digest(5)}); status.Code(err) != codes.NotFound {
		t.Errorf("ByDigest of an absent record: %v", err)
	}
}
