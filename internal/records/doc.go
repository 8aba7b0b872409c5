// Package records commits a dataset to its records with an RFC 6962 Merkle
// tree, so that a contributor can later prove that one record was in the
// dataset without revealing the others (DESIGN.md, "Dataset records" and
// "Trust model", point 4).
//
// A record source is one of:
//
//   - JSONL: one record per line. The record bytes are the line without its
//     terminator ("\n" or "\r\n"), byte for byte; the JSON is not parsed or
//     re-encoded. Lines holding only JSON whitespace (space, tab, CR) carry no
//     value and are not records.
//   - CSV: one record per data row after the header row. The record bytes are
//     canonical, not the raw row: the header and the row re-encoded with
//     encoding/csv (comma separator, "\n" line ends, quotes only where
//     needed), i.e. "h1,h2\nv1,v2\n". Re-encoding means quoting and line-end
//     differences between two copies of a file do not change the root, and
//     including the header makes a proven record self-describing: it says
//     which column each value is in. A TSV file gives the same records as
//     the same table in CSV.
//   - A directory: one record per regular file, in sorted order of
//     slash-separated relative paths. The record bytes are the relative path,
//     a 0x00 byte, and the 32-byte SHA-256 digest of the file's contents. A
//     record is then ~100 bytes however large the file, so a proof stays
//     small and proves a file's presence without re-hashing huge files into
//     the tree a second time; anyone can check the digest with sha256sum
//     (and it equals the file's Hugging Face LFS oid). A path cannot contain
//     0x00, so the record splits unambiguously.
//
// Leaves are RFC 6962 leaf hashes, SHA-256(0x00 || record), and the tree is
// the RFC 6962 Merkle tree hash over them, computed with the helpers in
// internal/tlog. Proofs are checked with tlog.VerifyInclusion,
// the same verifier that checks receipt inclusion in transparency logs, so
// dataset records and receipts share one verifier.
//
// Memory is bounded: Build streams the source and keeps only the 32-byte
// leaf hash of each record (plus, for a directory, the list of file paths,
// which must be sorted before hashing), never the records themselves. No
// record may exceed MaxRecordSize; a longer line or row is an error rather
// than an unbounded buffer.
//
// An InclusionProof is the JSON document `provad dataset prove` writes: the
// record, its index, the tree size, the sibling hashes and the root. Decode
// reads one strictly; InclusionProof.Verify checks it against the record
// root proven on chain.
package records
