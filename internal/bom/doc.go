// Package bom exports a model's lineage as a CycloneDX 1.6 ML-BOM (an AI bill
// of materials) in JSON, for `provad bom` and compliance tooling.
//
// The input is a Lineage of plain Go values (no chain types): the subject
// model, its ancestor models and the datasets of the lineage, plus the chain
// ID, height and app hash the facts were proven at. The output maps them as
// follows:
//
//   - The subject is the BOM's metadata.component, of type
//     machine-learning-model, with a modelCard (approach, task, architecture
//     family, references to its dataset components, evaluation metrics),
//     its license as an SPDX expression, and its model card as an external
//     reference. The architecture family is the architecture's name as the
//     weights give it (GGUF general.architecture, config.json model_type:
//     "llama", "bert"), never a free-text summary; the summary registered
//     on chain is the prova:arch-summary property. Its pedigree.ancestors nest its parents,
//     their parents and so on, each copy carrying a prova:relation property
//     (finetune, adapter, quantized, merge or distill).
//   - Every ancestor model is also a top-level component, and every dataset
//     a component of type data.
//   - The dependencies graph says which models each model derives from and
//     which datasets it used. Links to artifacts outside the given lineage
//     (beyond the traversal depth) are kept as prova:parent / prova:dataset
//     properties and pedigree stubs, but not as dependency edges.
//   - Facts CycloneDX has no field for (owner, contributors and their shares,
//     record root and count, chain ID, height, app hash) are properties named
//     prova:*.
//
// IDs are "blake3:<hex>" or "sha256:<hex>" manifest digests over an
// artifact's files (see internal/fingerprint), not the hash of any file, so
// they are the prova:artifact-id property and never a CycloneDX hash.
// CycloneDX hashes are only hashes of files, given by the caller as
// Model.Files: a one-file model has its file's SHA-256 and BLAKE3 as its
// hashes, and a model of several files has a nested component of type file
// for each, with that file's SHA-256 and BLAKE3. A BOM made from chain
// records alone has no files, and so no hashes. bom-refs are
// "prova:model:<id>", "prova:model:<id>/file/<path>" and
// "prova:dataset:<id>".
//
// Output is deterministic: components, dependencies and properties are
// sorted, nothing reads the clock, and unless Options sets them the serial
// number is derived from the content and the timestamp is the block time in
// the Lineage.
package bom
