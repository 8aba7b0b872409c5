// Package tlog holds what Prova's receipt logs, the x/receipts module and
// the clients must agree on about a transparency log: RFC 6962 inclusion and
// consistency proofs, and checkpoints in the C2SP tlog-checkpoint format
// signed as C2SP signed notes with an ed25519 note key.
//
// A checkpoint body is three lines, each ending in a newline: the log's
// origin (its unique name), the tree size in decimal, and the standard
// base64 of the 32-byte RFC 6962 root hash; optional extension lines may
// follow. The signed note adds a blank line and one or more signature lines.
// A log's verifier key is named after its origin, so a checkpoint is only
// accepted when the key that signed it is the one registered for that origin.
//
// The package has no I/O and no clock; the state machine uses it, so every
// function is deterministic.
package tlog
