package keeper_test

import (
	"testing"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/prova-network/prova/x/content/types"
)

// TestConsensusAuthority: an authority set in the consensus params replaces
// the keeper's, as sdk.ValidateAuthority does for the SDK's own modules.
func TestConsensusAuthority(t *testing.T) {
	f := newFixture(t)
	council := creator(42)
	f.ctx = f.ctx.WithConsensusParams(cmtproto.ConsensusParams{Authority: &cmtproto.AuthorityParams{Authority: council}})
	p := types.DefaultParams()
	p.MaxSoftBindings = 2
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: gov, Params: p}); !types.ErrInvalidAuthority.Is(err) {
		t.Fatalf("keeper's authority while consensus names another: %v", err)
	}
	if _, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: council, Params: p}); err != nil {
		t.Fatalf("consensus authority: %v", err)
	}
	f.nextBlock()
}
