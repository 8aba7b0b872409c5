package app

import (
	"path/filepath"
	"testing"

	"cosmossdk.io/log/v2"
	dbm "github.com/cosmos/cosmos-db"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/store/v2/snapshots"
	snapshottypes "github.com/cosmos/cosmos-sdk/store/v2/snapshots/types"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
)

func TestEmptyValueDB(t *testing.T) {
	raw, err := dbm.NewGoLevelDB("t", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.Set([]byte("empty"), []byte{}); err != nil {
		t.Fatal(err)
	}
	if err := raw.Set([]byte("full"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	// The bug being worked around: goleveldb reads an empty value as nil.
	if v, _ := raw.Get([]byte("empty")); v != nil {
		t.Log("goleveldb now returns non-nil empty values; the wrapper may no longer be needed")
	}

	db := wrapDB(raw)
	tests := []struct {
		key     string
		want    []byte
		present bool
	}{
		{"empty", []byte{}, true},
		{"full", []byte("v"), true},
		{"missing", nil, false},
		{"empt", nil, false}, // a prefix of a present key is still absent
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			v, err := db.Get([]byte(tc.key))
			if err != nil {
				t.Fatal(err)
			}
			if (v == nil) != (tc.want == nil) || string(v) != string(tc.want) {
				t.Fatalf("Get(%q) = %#v, want %#v", tc.key, v, tc.want)
			}
			has, err := db.Has([]byte(tc.key))
			if err != nil || has != tc.present {
				t.Fatalf("Has(%q) = %v, %v; want %v", tc.key, has, err, tc.present)
			}
		})
	}
}

// TestAppCloseTwice: the SDK's start command closes the app twice on
// shutdown; the second close must not fail (it used to log
// "leveldb: closed" as an error on every clean stop).
func TestAppCloseTwice(t *testing.T) {
	home := t.TempDir()
	raw, err := dbm.NewGoLevelDB("application", home, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A snapshot store as the start command sets one up: BaseApp.Close
	// closes its goleveldb database too.
	dir := filepath.Join(home, "snapshots")
	sdb, err := dbm.NewGoLevelDB("metadata", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := snapshots.NewStore(sdb, dir)
	if err != nil {
		t.Fatal(err)
	}
	a := New(log.NewNopLogger(), raw, true, simtestutil.NewAppOptionsWithFlagHome(home),
		baseapp.SetSnapshot(ss, snapshottypes.NewSnapshotOptions(0, 0)))
	if err := a.Close(); err != nil {
		t.Fatalf("first close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}
