package cli_test

import (
	"bytes"
	"os"
	"testing"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/prova-network/prova/x/eval/client/cli"
	"github.com/prova-network/prova/x/eval/types"
)

// TestSaltRecordRoundTrip: the reveal built from the kept record hashes to
// the commit; a second commit to the same task is refused; the record is
// private to the user.
func TestSaltRecordRoundTrip(t *testing.T) {
	home := t.TempDir()
	from := sdk.AccAddress("evaluator-0000000000").String()
	c, err := cli.NewCommit(home, from, 7, 8100)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := cli.LoadSalt(home, from, 7)
	if err != nil {
		t.Fatal(err)
	}
	r, err := rec.RevealMsg(from)
	if err != nil {
		t.Fatal(err)
	}
	if r.Score != 8100 || !bytes.Equal(types.CommitHash(7, from, r.Score, r.Salt), c.Hash) {
		t.Fatalf("reveal %+v does not open commit %x", r, c.Hash)
	}
	if again, err := rec.CommitMsg(from); err != nil || !bytes.Equal(again.Hash, c.Hash) {
		t.Fatalf("commit rebuilt from the record differs: %v", err)
	}
	if _, err := cli.NewCommit(home, from, 7, 1); err == nil {
		t.Fatal("a second commit to the same task overwrote the record")
	}
	st, err := os.Stat(cli.SaltPath(home, from, 7))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("record mode %v, %v", st.Mode(), err)
	}
	if _, err := cli.LoadSalt(home, from, 8); err == nil {
		t.Fatal("loaded a record for a task never committed")
	}
}
