// Package receipt defines Prova's inference receipt and how it is signed and
// verified. It is a pure library: no SDK, no network, no clock.
//
// A receipt is an in-toto Statement v1 whose predicate (PredicateType) names
// the model, the provider and its key, the input, output and parameter
// digests, token counts, the request ID and the time. Its single subject is
// the output digest. The statement's JSON is the payload of a DSSE envelope
// (payload type PayloadType) signed with ed25519 over the DSSE
// pre-authentication encoding (PAE).
//
// A provider may instead sign a Batch once: the batch lists the statement
// payloads, and a small root statement (BatchPredicateType) carries the
// RFC 6962 Merkle root over them, signed like a single receipt. Verifying a
// batch recomputes the root and checks one signature; Batch.Members turns
// each entry into a stand-alone receipt (Member) with its inclusion proof,
// stored in a log as Member.Canonical and identified by Member.LeafHash.
//
// Signatures are checked with curve25519-voi's cofactored ed25519
// verification (VerifyOptionsDefault) both one at a time and in VerifyMany,
// so a signature is never valid in one path and invalid in the other.
//
// Canonical bytes: the transparency log stores a receipt as the canonical
// JSON of its envelope (Envelope.Canonical): the members "payload",
// "payloadType", "signatures" in that order, standard padded base64, exactly
// one signature with members "keyid", "sig", no insignificant whitespace.
// Decoding accepts only that base64 form, so a decoded envelope re-encodes
// to bytes that differ from the input only in whitespace and member order.
// The receipt ID is the RFC 6962 leaf hash of those bytes (LeafHash). Two
// signatures over the same statement give two IDs; replays of one envelope
// give one.
package receipt
