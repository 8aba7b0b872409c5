package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the module's name, store key and route.
	ModuleName = "registry"
	// StoreKey is the KV store key; proofs name it as the store.
	StoreKey = ModuleName
)

// Store prefixes. They are part of the state layout that proofs and clients
// depend on: never renumber or reuse one.
var (
	ParamsKey         = collections.NewPrefix(0)
	DatasetsPrefix    = collections.NewPrefix(1)
	ModelsPrefix      = collections.NewPrefix(2)
	ChildrenPrefix    = collections.NewPrefix(3) // (parent, child) -> relation
	DatasetUsesPrefix = collections.NewPrefix(4) // (dataset, model) -> relation
)

// DatasetKey is the raw store key of a dataset record, for proof queries.
func DatasetKey(id string) []byte { return append(DatasetsPrefix.Bytes(), id...) }

// ModelKey is the raw store key of a model record, for proof queries.
func ModelKey(id string) []byte { return append(ModelsPrefix.Bytes(), id...) }
