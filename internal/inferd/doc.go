// Package inferd holds the two daemons of verifiable inference
// (docs/INFERENCE.md §5):
//
//   - the Provider ('provad infer serve') serves one model over HTTP on
//     127.0.0.1, runs every request with a trace, keeps the run durably
//     before it answers, claims it (an on-chain MsgPostClaim, and/or a
//     receipt carrying the trace root in the node's receipt log), bonds
//     itself, answers input requests and defends its claims in disputes;
//   - the Watcher ('provad infer watch') follows claims on chain and
//     receipts with trace roots in a receipt log, re-executes a sample of
//     them with the same model and challenges any that differ, then plays
//     each dispute to its end.
//
// Both decide their dispute moves with the pure functions of player.go from
// their own trace leaves and the dispute as the chain reports it, so a
// restarted daemon carries on from the chain's state; what cannot be read
// back from the chain (a provider's runs and inputs, a watcher's progress
// and the inputs of its disputes) is kept on disk and written durably
// before it is relied on. Transactions go through internal/txclient.
package inferd
