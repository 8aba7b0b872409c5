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
//     hashes from its ID, its license as an SPDX expression, and its model
//     card as an external reference. Its pedigree.ancestors nest its parents,
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
// IDs are "blake3:<hex>" or "sha256:<hex>" digests and become CycloneDX
// hashes (BLAKE3, SHA-256); bom-refs are "prova:model:<id>" and
// "prova:dataset:<id>".
//
// Output is deterministic: components, dependencies and properties are
// sorted, nothing reads the clock, and unless Options sets them the serial
// number is derived from the content and the timestamp is the block time in
// the Lineage.
package bom
