// Package receiptlog is Prova's inference receipt log: an HTTP service in
// front of a Tessera transparency log (POSIX driver) that takes signed
// receipts (internal/receipt), checks them, appends them, and serves
// inclusion and consistency proofs, the signed checkpoint and the log's
// tiles. RunAnchorer puts the log's checkpoints on chain.
//
// # What an acknowledgement means
//
// A POST to the entries endpoint is answered only after every new entry in
// it is durable and in a published checkpoint. Durability comes from the
// POSIX driver: its sequencer writes each batch's entry bundles, the tiles
// it integrates them into and finally the tree state file, every one of
// them as a temporary file opened with O_SYNC, renamed into place, and the
// directory fsync'd. An entry's IndexFuture resolves only after that whole
// sequence returned without error, and on restart the driver trusts the
// tree state file, which is written last. So once a future resolves, the
// entry and every tile covering it are on disk and inside the size the log
// reopens at: kill -9 (or power loss, given a file system that honours
// fsync) cannot take it back. The service then also waits for a checkpoint
// covering the entry (the driver publishes one every CheckpointInterval,
// again via O_SYNC + rename + fsync), so a client can fetch its proof as
// soon as it has the answer. Provider keys are written the same way before
// the entries that need them are appended.
//
// Duplicates are found with a leaf-hash index held in memory and rebuilt on
// open from a side file and, for whatever that file missed, from the entry
// bundles themselves; the side file is a cache, never the source of truth.
//
// # Limits of the HTTP API
//
// Serve Handler with NewHTTPServer on a listener from Listen: together they
// bound connections (MaxConns) and how long a request may take to arrive
// (ReadHeaderTimeout, ReadTimeout) and to be answered (WriteTimeout). A
// POST must say Content-Type: application/json (415 otherwise). Submissions
// in flight are capped in number (MaxSubmits) and in the body bytes they
// hold (MaxSubmitBytes, taken as a body's buffer grows); one that does not
// fit gets 503 at once, nothing queues. The decoders stop at the caps on
// keys and receipts while reading, so a body full of tiny envelopes costs
// no more than one within the caps. Requests are rate limited per client
// IP (IPv6: per /64), taken from TrustedProxyHeader only when that is set.
package receiptlog
