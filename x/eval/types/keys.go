package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the module's name, store key and module account.
	ModuleName = "eval"
	StoreKey   = ModuleName
)

// Store prefixes: never renumber or reuse.
var (
	ParamsKey        = collections.NewPrefix(0)
	NextTaskIDKey    = collections.NewPrefix(1)
	TasksPrefix      = collections.NewPrefix(2) // id -> Task
	CommitsPrefix    = collections.NewPrefix(3) // (task, evaluator) -> Commit
	RevealsPrefix    = collections.NewPrefix(4) // (task, evaluator) -> Reveal
	DuePrefix        = collections.NewPrefix(5) // (reveal_end, task) -> tally due
	ByTargetPrefix   = collections.NewPrefix(6) // (target, task)
	ReputationPrefix = collections.NewPrefix(7) // evaluator -> reputation bps
	LatestPrefix     = collections.NewPrefix(8) // target -> its latest succeeded task
)

// LatestResultKey is the raw store key of a target's latest evaluation
// result, for proof queries.
func LatestResultKey(target string) []byte { return append(LatestPrefix.Bytes(), target...) }
