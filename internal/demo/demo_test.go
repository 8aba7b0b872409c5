package demo

import (
	"bytes"
	"testing"
)

func TestPrint(t *testing.T) {
	var b bytes.Buffer
	Print(&b, Report{ChainID: "prova-demo-1", Steps: []Step{
		{Step: "transfer", Detail: "alice -> bob"},
		{Step: "verified balance", Detail: "bob holds 1 PROVA", Verified: true},
	}})
	want := "\nProva demo summary (prova-demo-1)\n" +
		"  [done    ] transfer          alice -> bob\n" +
		"  [VERIFIED] verified balance  bob holds 1 PROVA\n"
	if b.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestFormatProva(t *testing.T) {
	for in, want := range map[int64]string{0: "0.000000 PROVA", 1_234_567: "1.234567 PROVA", 1_000_001_234_567: "1000001.234567 PROVA"} {
		if got := FormatProva(in); got != want {
			t.Errorf("FormatProva(%d) = %q, want %q", in, got, want)
		}
	}
}
