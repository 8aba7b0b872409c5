package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/internal/devnet"
	evaltypes "github.com/prova-network/prova/x/eval/types"
)

// demoScore is the score the demo's validator gives the fine-tune.
const demoScore = 8_250

// runDemoEvaluation creates an evaluation task on model, has the validator
// commit and then reveal a score, and waits for the tally.
func runEvaluation(ctx context.Context, c *devnet.Client, net *devnet.Network, model string) (Step, error) {
	alice, err := c.Address("alice")
	if err != nil {
		return Step{}, err
	}
	val, err := c.Address("validator")
	if err != nil {
		return Step{}, err
	}
	const commitBlocks, revealBlocks = 4, 6
	_, created, err := c.SendMsgs(ctx, "alice", &evaltypes.MsgCreateEvalTask{
		Creator: alice.String(), TargetId: model, Metric: "accuracy", ScoreMax: 10_000,
		Pool: sdk.NewInt64Coin("uprova", 2_000_000), CommitBlocks: commitBlocks, RevealBlocks: revealBlocks,
		MinEvaluators: 1, Tolerance: 500, SlashDistance: 2_000,
	})
	if err != nil {
		return Step{}, fmt.Errorf("create evaluation task: %w", err)
	}
	// The task is the first one on this fresh chain.
	const task = 1
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return Step{}, err
	}
	if _, _, err := c.SendMsgs(ctx, "validator", &evaltypes.MsgCommitScore{
		Evaluator: val.String(), TaskId: task, Hash: evaltypes.CommitHash(task, val.String(), demoScore, salt),
	}); err != nil {
		return Step{}, fmt.Errorf("commit score: %w", err)
	}
	rpc := net.Nodes[0].Ports.RPCURL()
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := devnet.WaitForHeight(wctx, rpc, created+commitBlocks+1, nil); err != nil {
		return Step{}, err
	}
	if _, _, err := c.SendMsgs(ctx, "validator", &evaltypes.MsgRevealScore{Evaluator: val.String(), TaskId: task, Score: demoScore, Salt: salt}); err != nil {
		return Step{}, fmt.Errorf("reveal score: %w", err)
	}
	if _, err := devnet.WaitForHeight(wctx, rpc, created+commitBlocks+revealBlocks+1, nil); err != nil {
		return Step{}, err
	}
	return Step{Step: "evaluation", Detail: fmt.Sprintf("task %d on the fine-tune: the validator committed, then revealed %d; tallied", task, demoScore)}, nil
}
