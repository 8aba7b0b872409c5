package tlog

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
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

// FuzzParseCheckpoint: ParseCheckpoint either fails with
// ErrCheckpointMalformed or returns a checkpoint with a 32-byte root whose
// Marshal is exactly the first three lines of the input (the format has one
// spelling of each) and parses back to an equal checkpoint.
func FuzzParseCheckpoint(f *testing.F) {
	body := Checkpoint{Origin: "o", Size: 3, Hash: testRoot("x")}.Marshal()
	f.Add(body)
	f.Add(append(body, "ext line\n"...))
	f.Add(append(body, "\n"...))                                     // empty extension line
	f.Add(bytes.Replace(body, []byte("\n3\n"), []byte("\n03\n"), 1)) // leading zero
	f.Add(bytes.Replace(body, []byte("=\n"), []byte("\n"), 1))       // unpadded base64
	f.Add([]byte("o\n1\nAAAA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cp, err := ParseCheckpoint(b)
		if err != nil {
			if !errors.Is(err, ErrCheckpointMalformed) {
				t.Fatalf("unregistered error %v", err)
			}
			return
		}
		if len(cp.Hash) != HashSize {
			t.Fatalf("accepted a %d-byte root", len(cp.Hash))
		}
		if !bytes.HasPrefix(b, cp.Marshal()) {
			t.Fatalf("%q parses to %+v, which marshals to %q", b, cp, cp.Marshal())
		}
		again, err := ParseCheckpoint(cp.Marshal())
		if err != nil || again.Origin != cp.Origin || again.Size != cp.Size || !bytes.Equal(again.Hash, cp.Hash) {
			t.Fatalf("re-encode mismatch: %+v %+v %v", cp, again, err)
		}
	})
}

// FuzzOpen: Open either fails with ErrCheckpointMalformed or
// ErrCheckpointSignature, or returns one of the checkpoints the key signed
// (whatever else the note carries: other signatures, reordered lines); and
// what it returns, signed again, opens to the same checkpoint.
func FuzzOpen(f *testing.F) {
	skey, vkey, _ := GenerateKey("o")
	_, otherKey, _ := GenerateKey("o")
	signer, err := note.NewSigner(skey)
	if err != nil {
		f.Fatal(err)
	}
	cps := []Checkpoint{{Origin: "o", Size: 3, Hash: testRoot("x")}, {Origin: "o", Size: 0, Hash: testRoot("")}}
	for _, cp := range cps {
		signed, err := Sign(cp, skey)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(signed)
		f.Add(bytes.Replace(signed, []byte("— o "), []byte("— p "), 1)) // a signature by a key not given
	}
	// Signed by the key but not a valid checkpoint, or for another origin.
	for _, text := range []string{string(cps[0].Marshal()) + "ext\n", "o\n03\n" + strings.Split(string(cps[0].Marshal()), "\n")[2] + "\n",
		strings.Replace(string(cps[0].Marshal()), "o\n", "p\n", 1)} {
		signed, err := note.Sign(&note.Note{Text: text}, signer)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(signed)
	}
	f.Add([]byte("o\n3\nAAAA\n\n— o x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cp, err := Open(b, vkey)
		if err != nil {
			if !errors.Is(err, ErrCheckpointMalformed) && !errors.Is(err, ErrCheckpointSignature) {
				t.Fatalf("unregistered error %v", err)
			}
			return
		}
		signed := false
		for _, c := range cps {
			signed = signed || (c.Origin == cp.Origin && c.Size == cp.Size && bytes.Equal(c.Hash, cp.Hash))
		}
		if !signed {
			t.Fatalf("opened %+v, which the key never signed, from %q", cp, b)
		}
		if _, err := Open(b, otherKey); !errors.Is(err, ErrCheckpointSignature) {
			t.Fatalf("another key named o opens %q: %v", b, err)
		}
		again, err := Sign(cp, skey)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := Open(again, vkey); err != nil || back.Size != cp.Size || !bytes.Equal(back.Hash, cp.Hash) {
			t.Fatalf("signed again, %+v opens as %+v, %v", cp, back, err)
		}
	})
}

// FuzzVerifyInclusion: arbitrary proofs against the roots of a known log
// must never prove an entry that is not at that index (soundness), and the
// reference audit path of the entry that is there always proves it
// (completeness).
func FuzzVerifyInclusion(f *testing.F) {
	d := leavesN(16)
	f.Add(uint64(3), uint64(10), []byte("record 3"), bytes.Join(refPath(3, d[:11]), nil))
	f.Add(uint64(10), uint64(10), []byte("record 10"), bytes.Join(refPath(10, d[:11]), nil))
	f.Add(uint64(3), uint64(10), []byte("record 4"), bytes.Join(refPath(3, d[:11]), nil))
	f.Add(uint64(0), uint64(0), []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, index, sizeSeed uint64, entry, proofBytes []byte) {
		size := sizeSeed%16 + 1
		var proof [][]byte
		for len(proofBytes) >= HashSize {
			proof, proofBytes = append(proof, proofBytes[:HashSize]), proofBytes[HashSize:]
		}
		root := refMTH(d[:size])
		err := VerifyInclusion(LeafHash(entry), index, size, proof, root)
		if err == nil && (index >= size || !bytes.Equal(entry, d[index])) {
			t.Fatalf("proved entry %q at %d of %d", entry, index, size)
		}
		if err != nil && !errors.Is(err, ErrInclusionInvalid) {
			t.Fatalf("unclassified error: %v", err)
		}
		if index < size {
			if err := VerifyInclusion(LeafHash(d[index]), index, size, refPath(int(index), d[:size]), root); err != nil {
				t.Fatalf("the reference path of entry %d of %d does not verify: %v", index, size, err)
			}
		}
	})
}
