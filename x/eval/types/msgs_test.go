package types_test

import (
	"strings"
	"testing"

	"cosmossdk.io/collections"

	"github.com/prova-network/prova/x/eval/types"
)

func TestLatestResultKeyMatchesCollections(t *testing.T) {
	target := "blake3:" + strings.Repeat("ab", 32)
	want, err := collections.EncodeKeyWithPrefix(types.LatestPrefix.Bytes(), collections.StringKey, target)
	if err != nil {
		t.Fatal(err)
	}
	if got := types.LatestResultKey(target); string(got) != string(want) {
		t.Fatalf("LatestResultKey = %q, collections writes %q", got, want)
	}
}
