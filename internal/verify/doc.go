// Package verify turns untrusted answers from a Prova node into proven
// facts: block headers checked from a trust root, state values checked
// with ICS23 proofs against a verified header's app hash, and receipts and
// dataset records checked with RFC 6962 proofs. Every value it returns
// carries the height and app hash it was proven at ([Proof]).
//
// The package is pure verification over raw bytes, with the network behind
// two small interfaces ([Node] for store queries, [Source] for light
// blocks), so it compiles to WebAssembly and runs in a browser as it runs
// in the CLI: `GOOS=js GOARCH=wasm go build ./internal/verify` is checked
// by TestBuildsForWasm. Decoding Prova's records (models, lineage,
// evaluations, receipts, content) happens a layer above, in
// internal/verify/proven, which needs the SDK's types.
//
// Its dependencies for js/wasm, besides the standard library, are these
// modules (TestDependencies pins the list):
//
//   - github.com/cometbft/cometbft (types, libs/bytes, libs/math,
//     proto/tendermint/crypto): headers, commits, validator sets and proof
//     ops. Header verification is built on types.VerifyCommitLight and
//     VerifyCommitLightTrusting because cometbft/light does not build for
//     js/wasm (goleveldb, libp2p); TestDifferentialLightClient shows that
//     both accept and reject the same headers.
//   - github.com/cosmos/ics23/go: the SDK multistore's ICS23 proofs.
//   - internal/tlog, with github.com/transparency-dev/merkle and
//     golang.org/x/mod (sumdb/note): RFC 6962 proofs, signed checkpoints.
//   - What cometbft/types itself imports: key types (cloudflare/circl,
//     decred secp256k1, oasisprotocol/curve25519-voi, x/crypto), encodings
//     (gogoproto, golang/protobuf, google.golang.org/protobuf, grpc and
//     genproto's rpc status, x/net, x/sys, x/text), its logger (go-kit/log,
//     go-logfmt, pkg/errors) and, through libs packages, go-cmp, testify,
//     go-spew, go-difflib and yaml.v3.
//
// TestDependencies fails when a new module enters that list.
package verify
