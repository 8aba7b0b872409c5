package types

import "fmt"

// Default parameter values.
const (
	DefaultMaxParents      = 16
	DefaultMaxDatasets     = 64
	DefaultMaxContributors = 256
	DefaultMaxQueryDepth   = 32
)

// DefaultParams returns the module's default parameters.
func DefaultParams() Params {
	return Params{
		MaxParents:      DefaultMaxParents,
		MaxDatasets:     DefaultMaxDatasets,
		MaxContributors: DefaultMaxContributors,
		MaxQueryDepth:   DefaultMaxQueryDepth,
	}
}

// Validate checks that every limit is set and sane.
func (p Params) Validate() error {
	switch {
	case p.MaxParents == 0 || p.MaxParents > 1024:
		return fmt.Errorf("max_parents must be in 1..1024, got %d", p.MaxParents)
	case p.MaxDatasets == 0 || p.MaxDatasets > 4096:
		return fmt.Errorf("max_datasets must be in 1..4096, got %d", p.MaxDatasets)
	case p.MaxContributors == 0 || p.MaxContributors > 10_000:
		return fmt.Errorf("max_contributors must be in 1..10000, got %d", p.MaxContributors)
	case p.MaxQueryDepth == 0 || p.MaxQueryDepth > 256:
		return fmt.Errorf("max_query_depth must be in 1..256, got %d", p.MaxQueryDepth)
	}
	return nil
}
