package main

import (
	"strings"
	"testing"
)

const sampleTOML = `# top comment
proxy_app = "tcp://127.0.0.1:26658"
moniker = "x"

[rpc]
laddr = "tcp://127.0.0.1:26657"
# size = 1 (a comment, not a key)

[mempool]
# size = 7
size = 5000
cache_size = 10000

[p2p.libp2p]
size = 3

[[p2p.libp2p.scaler.overrides]]
laddr = "keep"
`

func TestSetTOML(t *testing.T) {
	tests := []struct {
		name, section, key, value string
		wantLine                  string
		wantErr                   bool
	}{
		{name: "top level", section: "", key: "proxy_app", value: `"kvstore"`, wantLine: `proxy_app = "kvstore"`},
		{name: "section", section: "mempool", key: "size", value: "100000", wantLine: "size = 100000"},
		{name: "dotted section", section: "p2p.libp2p", key: "size", value: "4", wantLine: "size = 4"},
		{name: "array table", section: "p2p.libp2p.scaler.overrides", key: "laddr", value: `"y"`, wantLine: `laddr = "y"`},
		{name: "commented key is not a key", section: "rpc", key: "size", wantErr: true},
		{name: "key in another section only", section: "rpc", key: "cache_size", wantErr: true},
		{name: "missing section", section: "consensus", key: "timeout_commit", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := setTOML(sampleTOML, tc.section, tc.key, tc.value)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want an error, got none")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := countLine(got, tc.wantLine); n != 1 {
				t.Fatalf("line %q appears %d times in:\n%s", tc.wantLine, n, got)
			}
			if got == sampleTOML {
				t.Fatal("document unchanged")
			}
		})
	}
	// Only the [mempool] size changes; the others keep their values.
	got, err := setTOML(sampleTOML, "mempool", "size", "1")
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []string{"# size = 7", "size = 3", "# size = 1 (a comment, not a key)"} {
		if countLine(got, keep) != 1 {
			t.Fatalf("line %q was changed:\n%s", keep, got)
		}
	}
}

func countLine(doc, line string) int {
	n := 0
	for _, l := range strings.Split(doc, "\n") {
		if l == line {
			n++
		}
	}
	return n
}
