package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

func TestParseProof(t *testing.T) {
	a, b := bytes.Repeat([]byte{0xab}, 32), bytes.Repeat([]byte{0x01}, 32)
	got, err := ParseProof(hex.EncodeToString(a) + ", " + base64.StdEncoding.EncodeToString(b) + "\n")
	if err != nil || len(got) != 2 || !bytes.Equal(got[0], a) || !bytes.Equal(got[1], b) {
		t.Fatalf("ParseProof = %x, %v", got, err)
	}
	if got, err := ParseProof(""); err != nil || len(got) != 0 {
		t.Fatalf("empty proof: %x, %v", got, err)
	}
	for _, bad := range []string{"abcd", hex.EncodeToString(a) + ",zz", hex.EncodeToString(a[:31])} {
		if _, err := ParseProof(bad); err == nil {
			t.Errorf("ParseProof(%q) accepted", bad)
		}
	}
}
