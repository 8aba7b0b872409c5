package keeper_test

import (
	"testing"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	errorsmod "cosmossdk.io/errors"

	"github.com/prova-network/prova/x/eval/types"
)

// TestConsensusAuthority: an authority set in the consensus params replaces
// the keeper's, as sdk.ValidateAuthority does for the SDK's own modules.
func TestConsensusAuthority(t *testing.T) {
	f := newFixture(t)
	council := f.vals[0]
	f.ctx = f.ctx.WithConsensusParams(cmtproto.ConsensusParams{Authority: &cmtproto.AuthorityParams{Authority: council}})
	p := types.DefaultParams()
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: gov, Params: p}); !errorsmod.IsOf(err, types.ErrInvalidAuthority) {
		t.Fatalf("keeper's authority while consensus names another: %v", err)
	}
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: council, Params: p}); err != nil {
		t.Fatalf("consensus authority: %v", err)
	}
	if err := f.k.CheckInvariants(f.ctx); err != nil {
		t.Fatal(err)
	}
}
