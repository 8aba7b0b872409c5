// Package lightclient turns untrusted answers from a CometBFT RPC node into
// proven facts. It is the one place where every `provad ... verify` and
// `provad q verified` command gets its trust from.
//
// Trust is built in layers (see DESIGN.md, "Trust model"):
//
//  1. Headers. [Client] runs the CometBFT light client (skipping verification
//     with a 1/3 trust level, cross-checked against witnesses) from a trusted
//     height and hash given by the user, or, for dev chains only, from the
//     header at height 1 as reported by the node (trust on first use).
//  2. State. [Client.VerifyABCIQuery] asks the node for a value with a Merkle
//     proof at height H and checks the ICS23 proofs (IAVL inside the module
//     store, then the simple Merkle tree of store roots) against the app hash
//     of the light-client-verified header H+1. The pure half of that check,
//     [VerifyStoreValue], needs no network and is what tests exercise.
//  3. Logs and datasets. [VerifyInclusion] and [VerifyConsistency] check
//     RFC 6962 proofs, so receipts and dataset records share one verifier.
//
// Nothing in this package trusts the RPC node: a faulty or malicious node can
// make a call fail, but cannot make it return a wrong value without an error.
// The one exception is trust on first use ([Config.TrustFromGenesis]), which
// believes the node about header 1 and must never be used outside dev chains.
package lightclient
