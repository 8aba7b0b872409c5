package inferd

import (
	"context"
	"fmt"
	"log/slog"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/infer/types"
)

// slog keys.
const (
	logDispute = "dispute"
	logClaim   = "claim"
	logRun     = "run"
	logMove    = "move"
	logSize    = "size"
	logTx      = "tx"
	logHeight  = "height"
	logErr     = "err"
	logRoot    = "trace_root"
	logModel   = "model"
	logLo      = "lo"
	logHi      = "hi"
	logPhase   = "phase"
)

// player plays one side of disputes: it turns NextMove's decision into a
// transaction.
type player struct {
	role   Role
	chain  Chain
	log    *slog.Logger
	report func(Event)
}

// play makes role's due move in d, if any, with tr as its trace. It
// returns whether the dispute is settled.
func (p *player) play(ctx context.Context, prog Program, d *types.Dispute, tr *Trace) (settled bool, err error) {
	mv, err := NextMove(p.role, d, tr.Leaves)
	if err != nil {
		return false, err
	}
	log := p.log.With(logDispute, d.Id, logClaim, d.ClaimId)
	var msg sdk.Msg
	fields := map[string]any{"dispute_id": d.Id, "claim_id": d.ClaimId, "role": p.role.String(), "move": mv.Kind.String()}
	var text string
	switch mv.Kind {
	case Done:
		return true, nil
	case Wait:
		return false, nil
	case Bisect:
		msg = &types.MsgBisect{Sender: p.chain.Address, DisputeId: d.Id, Root: mv.Root[:]}
		fields["size"], fields["root"] = mv.Size, fmt.Sprintf("%x", mv.Root)
		text = fmt.Sprintf("dispute %d: posted our prefix root at size %d (lo %d, hi %d)", d.Id, mv.Size, d.Lo, d.Hi)
	case Resolve:
		m, leaf, err := BuildResolve(prog, tr, p.chain.Address, d.Id, mv.Size)
		if err != nil {
			return false, fmt.Errorf("build the resolution of leaf %d: %w", mv.Size, err)
		}
		if leaf != tr.Leaves[mv.Size] {
			log.Warn("leaf re-executes to a value other than our trace's; the chain will find our root wrong", "leaf", mv.Size, "lie", tr.Lie)
		}
		msg = m
		fields["leaf"] = mv.Size
		text = fmt.Sprintf("dispute %d: sent the resolution of leaf %d", d.Id, mv.Size)
	case ProveOutput:
		m, err := BuildProveOutput(tr, p.chain.Address, d.Id)
		if err != nil {
			return false, err
		}
		msg = m
		text = fmt.Sprintf("dispute %d: proved the output digest is the last leaf", d.Id)
	}
	log.Info("dispute move", logMove, mv.Kind.String(), logSize, mv.Size, logLo, d.Lo, logHi, d.Hi, logPhase, d.Phase.String())
	res, err := p.chain.Send(ctx, msg)
	if movedOn(res, err) {
		log.Info("move not needed any more; the dispute went on", logMove, mv.Kind.String(), logErr, err.Error())
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("send %s: %w", mv.Kind, err)
	}
	log.Info("move sent", logMove, mv.Kind.String(), logTx, res.Hash, logHeight, res.Height)
	p.report(event(EventMove, fields, "%s", text))
	return false, nil
}

// settledEvent is the "dispute D won|lost" event for role.
func settledEvent(role Role, d *types.Dispute) Event {
	won := Won(role, d)
	name, word := EventDisputeLost, "lost"
	if won {
		name, word = EventDisputeWon, "won"
	}
	return event(name, map[string]any{"dispute_id": d.Id, "claim_id": d.ClaimId, "role": role.String(), "outcome": d.Outcome.String(), "reason": d.Reason},
		"dispute %d %s: %s (%s)", d.Id, word, d.Reason, d.Outcome)
}
