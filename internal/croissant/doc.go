// Package croissant reads and writes Croissant dataset metadata
// (mlcommons/croissant, JSON-LD, versions 1.0 and 1.1) for Prova's dataset
// registry.
//
// Parse reads a metadata document without touching the file system: the
// dataset's name, license, version and distribution (cr:FileObject entries
// with contentUrl, sha256 or md5 and encodingFormat; cr:FileSet entries with
// includes and excludes globs). Every missing required field, wrong @type
// or contentUrl that would leave the metadata's directory is an error that
// names the entry. Keys are read as the standard Croissant context spells
// them ("name", "distribution", "contentUrl", ...), and @type values are
// expanded with the document's own @context (prefixes and @vocab), so
// "sc:Dataset", "schema:Dataset" and "Dataset" under a schema.org @vocab
// are all a dataset.
//
// Locate then finds the local files (relative to the metadata file's
// directory; a contentUrl that is a URL is looked for by its file name
// under a data directory), hashes them and compares each with its
// checksum: a mismatch is a *ChecksumError naming the file and both
// digests.
//
// Open (or NewDocument) does both and also reads the record sets;
// Document.Records then yields a record set's records as mlcroissant,
// Croissant's reference loader, yields them (CSV/TSV columns typed as
// pandas.read_csv infers them, inline data, joins, regex and separator
// transforms, Python's conversions to the fields' data types), and
// Record.MarshalJSON writes each as mlcroissant's output/*.jsonl lines
// are written. What it cannot read that way it refuses by name.
//
// Describe and Annotate write Croissant JSON-LD for a registered dataset,
// with Prova's facts (artifact ID, record root, contributors, where they
// were proven) as schema.org and prova: properties.
package croissant
