package keeper_test

import (
	"testing"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	errorsmod "cosmossdk.io/errors"

	"github.com/prova-network/prova/x/registry/types"
)

// TestConsensusAuthority: an authority set in the consensus params replaces
// the keeper's for every governance message, as sdk.ValidateAuthority does
// for the SDK's own modules; the keeper's authority is then refused.
func TestConsensusAuthority(t *testing.T) {
	f := newFixture(t)
	if err := f.registerModel(addr(1), model(1, nil, nil)); err != nil {
		t.Fatal(err)
	}
	council := addr(42)
	f.ctx = f.ctx.WithConsensusParams(cmtproto.ConsensusParams{Authority: &cmtproto.AuthorityParams{Authority: council}})
	status := func(authority string) error {
		_, err := f.msgs.SetModelStatus(f.ctx, &types.MsgSetModelStatus{Authority: authority, ModelId: digest(1), Status: types.ModelStatus_MODEL_STATUS_FLAGGED, Reason: "unsafe"})
		return err
	}
	params := func(authority string) error {
		_, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: authority, Params: types.DefaultParams()})
		return err
	}
	for name, run := range map[string]func(string) error{"SetModelStatus": status, "UpdateParams": params} {
		if err := run(f.gov); !errorsmod.IsOf(err, types.ErrInvalidAuthority) {
			t.Errorf("%s by the keeper's authority while consensus names another: %v", name, err)
		}
		if err := run(council); err != nil {
			t.Errorf("%s by the consensus authority: %v", name, err)
		}
	}
	f.nextBlock()
}
