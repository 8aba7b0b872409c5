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
// whose bytes equal record, or ErrRecordNotFound. For CSV, record must be in
// canonical form (see CSVRecord); for a directory, a file record (see
// FileRecord), and only that one file is hashed.
func FindRecord(path string, record []byte, opts Options) (uint64, error) {
	o, err := opts.resolve(path)
	if err != nil {
		return 0, err
	}
	if o.Format == FormatDir {
		return findDir(path, o, record)
	}
	var found uint64
	err = Each(path, o, func(i uint64, rec []byte) error {
		if bytes.Equal(rec, record) {
			found = i
			return errStop
		}
		return nil
	})
	switch {
	case err == errStop:
		return found, nil
	case err != nil:
		return 0, err
	}
	return 0, ErrRecordNotFound
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
