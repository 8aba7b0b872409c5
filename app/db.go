package app

import (
	"sync"

	dbm "github.com/cosmos/cosmos-db"
)

// emptyValueDB makes Get distinguish "absent" from "present with a
// zero-length value" on backends that blur them.
//
// IAVL stores the root of an empty tree as a zero-length value and reads a
// nil root as "this version does not exist". goleveldb returns copies of
// values built by appending to a nil slice, so an empty value comes back as
// nil. An empty module store (evidence, before any evidence) then makes
// every historical query fail with "failed to load state at height N".
// The bytes on disk are right; only the read is wrong, so the fix is on the
// read path and has no effect on state or app hashes.
//
// It also makes Close idempotent: the SDK's start command closes the app
// twice on shutdown (once when it stops CometBFT, once in its own
// cleanup), and goleveldb answers the second close with "leveldb: closed",
// which the node then logged as an error on every clean stop.
type emptyValueDB struct {
	dbm.DB
	close *closeOnce
}

type closeOnce struct {
	once sync.Once
	err  error
}

// wrapDB returns db with Get and Has fixed for zero-length values and an
// idempotent Close.
func wrapDB(db dbm.DB) dbm.DB { return emptyValueDB{DB: db, close: &closeOnce{}} }

// Close closes the database once; later calls return the first result.
func (d emptyValueDB) Close() error {
	d.close.once.Do(func() { d.close.err = d.DB.Close() })
	return d.close.err
}

// Get returns []byte{} (not nil) for a key stored with an empty value.
func (d emptyValueDB) Get(key []byte) ([]byte, error) {
	v, err := d.DB.Get(key)
	if err != nil || v != nil {
		return v, err
	}
	// nil is ambiguous; an iterator over [key, key+0x00) sees exactly this
	// key and does report empty values. (Has cannot be used: goleveldb
	// implements it as Get != nil.)
	end := append(append(make([]byte, 0, len(key)+1), key...), 0)
	it, err := d.DB.Iterator(key, end)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	if it.Valid() {
		return []byte{}, nil
	}
	return nil, it.Error()
}

// Has reports whether key is present, including with an empty value.
func (d emptyValueDB) Has(key []byte) (bool, error) {
	v, err := d.Get(key)
	return v != nil, err
}
