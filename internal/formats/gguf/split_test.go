package gguf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prova-network/prova/internal/formats/gguf/gguftest"
)

// split is one file of a generated split model.
type split struct {
	name   string
	kvs    []gguftest.KV
	tensor gguftest.Tensor
}

// splitKVs are the keys gguf-split writes in split no (from 0) of count,
// with tensors in all splits together.
func splitKVs(no, count uint16, tensors int32) []gguftest.KV {
	return []gguftest.KV{
		{Key: "general.architecture", Value: "llama"},
		{Key: "split.no", Value: no},
		{Key: "split.count", Value: count},
		{Key: "split.tensors.count", Value: tensors},
	}
}

// threeSplits is a model in three files, one F32 tensor each, of 8, 4 and 2
// elements.
func threeSplits() []split {
	var out []split
	for i, n := range []uint64{8, 4, 2} {
		out = append(out, split{
			name:   "m-0000" + string(rune('1'+i)) + "-of-00003.gguf",
			kvs:    splitKVs(uint16(i), 3, 3),
			tensor: gguftest.Tensor{Name: "t" + string(rune('a'+i)), Type: gguftest.TypeF32, Dims: []uint64{n}},
		})
	}
	return out
}

func writeSplits(t *testing.T, splits []split) string {
	t.Helper()
	dir := t.TempDir()
	for _, s := range splits {
		if err := gguftest.Write(filepath.Join(dir, s.name), s.kvs, []gguftest.Tensor{s.tensor}); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSplitModel reads a split model from any of its splits: the result is
// the whole model, and Splits names every file counted.
func TestSplitModel(t *testing.T) {
	dir := writeSplits(t, threeSplits())
	want := []string{"m-00001-of-00003.gguf", "m-00002-of-00003.gguf", "m-00003-of-00003.gguf"}
	for _, name := range want {
		f, err := ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(f.Splits, want) || len(f.Tensors) != 3 || f.Parameters != 14 {
			t.Errorf("%s: splits %v, %d tensors, %d parameters; want %v, 3, 14", name, f.Splits, len(f.Tensors), f.Parameters, want)
		}
	}
	// A file not named like a split is one file.
	f, err := ReadFile(writeTemp(t, gguftest.Tiny()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Splits, []string{"model.gguf"}) {
		t.Errorf("splits %v", f.Splits)
	}
}

func TestSplitModelErrors(t *testing.T) {
	tests := []struct {
		name   string
		splits func() []split
		read   string
		want   error
		// words the message must hold
		says []string
	}{
		{
			name:   "second and third missing",
			splits: func() []split { return threeSplits()[:1] },
			read:   "m-00001-of-00003.gguf",
			want:   ErrMissingSplit,
			says:   []string{"split 1 of 3", "m-00002-of-00003.gguf, m-00003-of-00003.gguf are not beside it", "download every split"},
		},
		{
			name:   "first missing, second named",
			splits: func() []split { return threeSplits()[1:] },
			read:   "m-00002-of-00003.gguf",
			want:   ErrMissingSplit,
			says:   []string{"split 2 of 3", "m-00001-of-00003.gguf is not beside it"},
		},
		{
			name: "renamed split",
			splits: func() []split {
				s := threeSplits()[:1]
				s[0].name = "model-Q4_K_M.gguf"
				return s
			},
			read: "model-Q4_K_M.gguf",
			want: ErrSplitName,
			says: []string{"one of 3 splits", "PREFIX-00001-of-00003.gguf"},
		},
		{
			name: "split number past the count",
			splits: func() []split {
				s := threeSplits()
				s[2].name = "m-00004-of-00003.gguf"
				return s
			},
			read: "m-00004-of-00003.gguf",
			want: ErrSplitName,
			says: []string{"split 4 of 3"},
		},
		{
			name: "split number zero",
			splits: func() []split {
				s := threeSplits()
				s[0].name = "m-00000-of-00003.gguf"
				return s
			},
			read: "m-00000-of-00003.gguf",
			want: ErrSplitName,
			says: []string{"m-00000-of-00003.gguf says it is one of 3 splits", "PREFIX-00001-of-00003.gguf"},
		},
		{
			name: "a lone split of thousands: five names listed",
			splits: func() []split {
				s := threeSplits()[:1]
				s[0].name = "m-00001-of-09999.gguf"
				return s
			},
			read: "m-00001-of-09999.gguf",
			want: ErrMissingSplit,
			says: []string{"m-00002-of-09999.gguf, m-00003-of-09999.gguf, m-00004-of-09999.gguf, m-00005-of-09999.gguf, m-00006-of-09999.gguf and 9993 more are not beside it"},
		},
		{
			name: "split.count disagrees with the names",
			splits: func() []split {
				s := threeSplits()
				for i := range s {
					s[i].kvs = splitKVs(uint16(i), 4, 3)
				}
				return s
			},
			read: "m-00001-of-00003.gguf",
			want: ErrCorrupt,
			says: []string{"split.count is 4 but the files are named as 3 splits"},
		},
		{
			name: "a split without split.count",
			splits: func() []split {
				s := threeSplits()
				s[1].kvs = s[1].kvs[:1]
				return s
			},
			read: "m-00001-of-00003.gguf",
			want: ErrCorrupt,
			says: []string{"hold split.count 2 times"},
		},
		{
			name: "split.count of the wrong type",
			splits: func() []split {
				s := threeSplits()
				s[0].kvs[2].Value = "3"
				return s
			},
			read: "m-00001-of-00003.gguf",
			want: ErrCorrupt,
			says: []string{"split.count holds a"},
		},
		{
			name: "tensor count disagrees",
			splits: func() []split {
				s := threeSplits()
				for i := range s {
					s[i].kvs = splitKVs(uint16(i), 3, 5)
				}
				return s
			},
			read: "m-00002-of-00003.gguf",
			want: ErrCorrupt,
			says: []string{"split.tensors.count is 5 but the 3 splits hold 3 tensors"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeSplits(t, tt.splits())
			_, err := ReadFile(filepath.Join(dir, tt.read))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			for _, w := range tt.says {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), dir) {
				t.Errorf("err %q names the directory", err)
			}
		})
	}
}

// TestMissingSplitIsNotExist: a missing split is a missing file to callers
// that test for one.
func TestMissingSplitIsNotExist(t *testing.T) {
	if !errors.Is(ErrMissingSplit, fs.ErrNotExist) || errors.Is(ErrSplitName, fs.ErrNotExist) {
		t.Fatal("ErrMissingSplit must match fs.ErrNotExist, ErrSplitName must not")
	}
}

// TestSplitNameWithoutExtension: the parser adds ".gguf" to a split-like
// name and would read other files than the one named.
func TestSplitNameWithoutExtension(t *testing.T) {
	dir := writeSplits(t, threeSplits())
	data, err := os.ReadFile(filepath.Join(dir, "m-00001-of-00003.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(dir, "m-00001-of-00003")
	if err := os.WriteFile(bare, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(bare); !errors.Is(err, ErrSplitName) {
		t.Fatalf("err = %v, want %v", err, ErrSplitName)
	}
}
