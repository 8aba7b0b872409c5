package records

import (
	"bytes"
	"errors"
	"fmt"
)

// errStop ends an Each early; it never escapes the package.
var errStop = errors.New("stop")

// Build reads every record of the source at path and returns its tree. Only
// the leaf hashes are kept, so memory is 32 bytes per record (plus the path
// list for a directory).
func Build(path string, opts Options) (*Tree, error) {
	t := new(Tree)
	err := Each(path, opts, func(_ uint64, rec []byte) error {
		t.Append(rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// FindRecord returns the index of the first record of the source at path
// that record stands for, or ErrRecordNotFound. See LocateRecord.
func FindRecord(path string, record []byte, opts Options) (uint64, error) {
	i, _, err := LocateRecord(path, record, opts)
	return i, err
}

// LocateRecord returns the index and the committed bytes of the first
// record of the source at path that query stands for, or
// ErrRecordNotFound. The committed bytes are what an inclusion proof must
// carry; they differ from query when the query is a form people copy out of
// the file:
//
//   - JSONL: the line, with or without its "\n" or "\r\n".
//   - CSV: the canonical record (see CSVRecord), or a data row exactly as
//     written in the file (quotes, separator and line end as there, the line
//     end optional), or the header and the row as written. The row is
//     parsed and re-encoded under the file's header, as registration does.
//   - A directory: a file record (see FileRecord); only that one file is
//     hashed.
func LocateRecord(path string, query []byte, opts Options) (uint64, []byte, error) {
	o, err := opts.resolve(path)
	if err != nil {
		return 0, nil, err
	}
	if o.Format == FormatDir {
		i, err := findDir(path, o, query)
		if err != nil {
			return 0, nil, err
		}
		return i, append([]byte(nil), query...), nil
	}
	forms, header, err := queryForms(path, o, query)
	if err != nil {
		return 0, nil, err
	}
	var found uint64
	var rec []byte
	err = Each(path, o, func(i uint64, r []byte) error {
		for _, f := range forms {
			if bytes.Equal(r, f) {
				found, rec = i, append([]byte(nil), r...)
				return errStop
			}
		}
		return nil
	})
	switch {
	case err == errStop:
		return found, rec, nil
	case err != nil:
		return 0, nil, err
	}
	return 0, nil, notFound(o, query, header)
}

// RecordAt returns a copy of the record at index in the source at path.
func RecordAt(path string, index uint64, opts Options) ([]byte, error) {
	o, err := opts.resolve(path)
	if err != nil {
		return nil, err
	}
	if o.Format == FormatDir {
		return dirRecordAt(path, o, index)
	}
	var out []byte
	var n uint64
	err = Each(path, o, func(i uint64, rec []byte) error {
		n = i + 1
		if i == index {
			out = append([]byte{}, rec...)
			return errStop
		}
		return nil
	})
	switch {
	case err == errStop:
		return out, nil
	case err != nil:
		return nil, err
	}
	return nil, fmt.Errorf("%w: index %d, dataset has %d records", ErrIndexOutOfRange, index, n)
}
