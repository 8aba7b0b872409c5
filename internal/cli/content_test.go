package cli

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseReceiptRef(t *testing.T) {
	r, err := parseReceiptRef("log:with:colons:42")
	if err != nil || r.LogId != "log:with:colons" || r.Index != 42 {
		t.Fatalf("got %+v, %v", r, err)
	}
	for _, bad := range []string{"", "42", ":1", "log:", "log:-1", "log:x"} {
		if _, err := parseReceiptRef(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParseReceiptRef: any text parses or errors, and what parses round-trips.
func FuzzParseReceiptRef(f *testing.F) {
	for _, s := range []string{"log-1:42", "a:b:0", ":", "x:18446744073709551615"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseReceiptRef(s)
		if err != nil {
			return
		}
		if r.LogId == "" || r.LogId+":"+strconv.FormatUint(r.Index, 10) != s && !strings.HasPrefix(s, r.LogId+":") {
			t.Fatalf("%q parsed as %+v", s, r)
		}
	})
}
