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
type emptyValueDB struct {
	dbm.DB
}

// wrapDB returns db with Get and Has fixed for zero-length values.
func wrapDB(db dbm.DB) dbm.DB { return emptyValueDB{DB: db} }

// closeOnce is the state of App.Close.
type closeOnce struct {
	once sync.Once
	err  error
}

// Close closes the app once; later calls return the first result. The
// SDK's start command closes the app twice on shutdown (once when it stops
// CometBFT, once in its own cleanup); BaseApp.Close closes both the
// application database and the snapshot store's, and goleveldb answers a
// second close with "leveldb: closed", which the node then logged as an
// error on every clean stop.
func (a *App) Close() error {
	if a.closed == nil {
		return a.BaseApp.Close()
	}
	a.closed.once.Do(func() { a.closed.err = a.BaseApp.Close() })
	return a.closed.err
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
