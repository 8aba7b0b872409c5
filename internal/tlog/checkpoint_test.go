package tlog

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

func testRoot(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func TestParseCheckpoint(t *testing.T) {
	root := testRoot("r")
	good := Checkpoint{Origin: "prova.local/receipts/a", Size: 42, Hash: root}
	body := good.Marshal()
	if got, err := ParseCheckpoint(body); err != nil || got.Origin != good.Origin || got.Size != 42 || !bytes.Equal(got.Hash, root) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := ParseCheckpoint(append(body, "ext line\n"...)); err != nil {
		t.Fatalf("extension line rejected: %v", err)
	}
	b64 := strings.Split(string(body), "\n")[2]
	for name, in := range map[string]string{
		"empty":             "",
		"no final newline":  strings.TrimSuffix(string(body), "\n"),
		"two lines":         "o\n1\n",
		"leading zero size": "o\n01\n" + b64 + "\n",
		"negative size":     "o\n-1\n" + b64 + "\n",
		"size overflow":     "o\n18446744073709551616\n" + b64 + "\n",
		"short root":        "o\n1\nAAAA\n",
		"unpadded root":     "o\n1\n" + strings.TrimRight(b64, "=") + "\n",
		"empty origin":      "\n1\n" + b64 + "\n",
		"spaced origin":     " o\n1\n" + b64 + "\n",
		"empty extension":   "o\n1\n" + b64 + "\n\n",
		"not utf8":          "o\xff\n1\n" + b64 + "\n",
		"oversized":         "o\n1\n" + b64 + "\n" + strings.Repeat("x", MaxCheckpointSize) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseCheckpoint([]byte(in)); !errors.Is(err, ErrCheckpointMalformed) {
				t.Fatalf("got %v, want ErrCheckpointMalformed", err)
			}
		})
	}
}

func TestSignOpen(t *testing.T) {
	skey, vkey, err := GenerateKey("prova.local/receipts/a")
	if err != nil {
		t.Fatal(err)
	}
	_, otherV, _ := GenerateKey("prova.local/receipts/a")
	cp := Checkpoint{Origin: "prova.local/receipts/a", Size: 7, Hash: testRoot("x")}
	signed, err := Sign(cp, skey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(signed, vkey)
	if err != nil || got.Size != 7 || !bytes.Equal(got.Hash, cp.Hash) {
		t.Fatalf("open: %+v %v", got, err)
	}
	if name, err := VerifierName(vkey); err != nil || name != cp.Origin {
		t.Fatalf("VerifierName = %q, %v", name, err)
	}
	t.Run("other key", func(t *testing.T) {
		if _, err := Open(signed, otherV); !errors.Is(err, ErrCheckpointSignature) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("tampered body", func(t *testing.T) {
		bad := bytes.Replace(signed, []byte("\n7\n"), []byte("\n8\n"), 1)
		if _, err := Open(bad, vkey); !errors.Is(err, ErrCheckpointSignature) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("wrong origin for key", func(t *testing.T) {
		if _, err := Sign(Checkpoint{Origin: "other", Size: 1, Hash: cp.Hash}, skey); !errors.Is(err, ErrKeyInvalid) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bad key", func(t *testing.T) {
		if _, err := Open(signed, "nonsense"); !errors.Is(err, ErrKeyInvalid) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("key name with plus", func(t *testing.T) {
		if _, _, err := GenerateKey("a+b"); !errors.Is(err, ErrKeyInvalid) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestVerifyAppend(t *testing.T) {
	d := [][]byte{[]byte("a"), []byte("b"), []byte("c"), []byte("d"), []byte("e")}
	cp2 := Checkpoint{Origin: "o", Size: 2, Hash: refMTH(d[:2])}
	cp5 := Checkpoint{Origin: "o", Size: 5, Hash: refMTH(d)}
	proof := refProof(2, d)
	if err := VerifyAppend(cp2, cp5, proof); err != nil {
		t.Fatalf("append: %v", err)
	}
	if err := VerifyAppend(cp5, cp5, nil); err != nil {
		t.Fatalf("same checkpoint: %v", err)
	}
	for name, c := range map[string]struct {
		prev, next Checkpoint
		proof      [][]byte
	}{
		"shrink":       {cp5, cp2, nil},
		"other origin": {cp2, Checkpoint{Origin: "p", Size: 5, Hash: cp5.Hash}, proof},
		"fork":         {cp2, Checkpoint{Origin: "o", Size: 5, Hash: testRoot("fork")}, proof},
		"same size":    {cp5, Checkpoint{Origin: "o", Size: 5, Hash: testRoot("fork")}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if err := VerifyAppend(c.prev, c.next, c.proof); !errors.Is(err, ErrConsistencyInvalid) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add(Checkpoint{Origin: "o", Size: 3, Hash: testRoot("x")}.Marshal())
	f.Add([]byte("o\n1\nAAAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cp, err := ParseCheckpoint(b)
		if err != nil {
			if !errors.Is(err, ErrCheckpointMalformed) {
				t.Fatalf("unregistered error %v", err)
			}
			return
		}
		// A parsed checkpoint re-encodes to the body minus extension lines.
		again, err := ParseCheckpoint(cp.Marshal())
		if err != nil || again.Origin != cp.Origin || again.Size != cp.Size || !bytes.Equal(again.Hash, cp.Hash) {
			t.Fatalf("re-encode mismatch: %+v %+v %v", cp, again, err)
		}
	})
}

func FuzzOpen(f *testing.F) {
	skey, vkey, _ := GenerateKey("o")
	signed, _ := Sign(Checkpoint{Origin: "o", Size: 3, Hash: testRoot("x")}, skey)
	f.Add(signed)
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := Open(b, vkey); err != nil && !errors.Is(err, ErrCheckpointMalformed) && !errors.Is(err, ErrCheckpointSignature) {
			t.Fatalf("unregistered error %v", err)
		}
	})
}

// FuzzVerifyInclusion: arbitrary proofs against the roots of a known log
// must never prove an entry that is not at that index.
func FuzzVerifyInclusion(f *testing.F) {
	d := leavesN(16)
	f.Add(uint64(3), uint64(10), []byte("record 3"), bytes.Join(refPath(3, d[:11]), nil))
	f.Add(uint64(0), uint64(0), []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, index, sizeSeed uint64, entry, proofBytes []byte) {
		size := sizeSeed%16 + 1
		var proof [][]byte
		for len(proofBytes) >= HashSize {
			proof, proofBytes = append(proof, proofBytes[:HashSize]), proofBytes[HashSize:]
		}
		err := VerifyInclusion(LeafHash(entry), index, size, proof, refMTH(d[:size]))
		if err == nil && (index >= size || !bytes.Equal(entry, d[index])) {
			t.Fatalf("proved entry %q at %d of %d", entry, index, size)
		}
		if err != nil && !errors.Is(err, ErrInclusionInvalid) {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}
