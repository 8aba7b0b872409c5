package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the module's name, store key and module account.
	ModuleName = "receipts"
	StoreKey   = ModuleName
)

// Store prefixes: never renumber or reuse.
var (
	ParamsKey        = collections.NewPrefix(0)
	LogsPrefix       = collections.NewPrefix(1) // log id -> Log
	LatestPrefix     = collections.NewPrefix(2) // log id -> latest anchored Checkpoint
	HistoryPrefix    = collections.NewPrefix(3) // (log id, height) -> Checkpoint anchored at that height
	RootsPrefix      = collections.NewPrefix(4) // (log id, size) -> anchored root of that size
	InferencesPrefix = collections.NewPrefix(5) // receipt leaf hash -> InferenceRecord
)

// LogKey is the raw store key of a log's record, for ICS23 proof queries.
func LogKey(logID string) []byte { return append(LogsPrefix.Bytes(), logID...) }

// LatestCheckpointKey is the raw store key of a log's latest anchored
// checkpoint, for ICS23 proof queries: a light client proves it against
// the app hash and then checks receipts against its (size, root).
func LatestCheckpointKey(logID string) []byte { return append(LatestPrefix.Bytes(), logID...) }

// InferenceKey is the raw store key of a recorded inference.
func InferenceKey(receiptID []byte) []byte { return append(InferencesPrefix.Bytes(), receiptID...) }

// RootKey is the raw store key of the root a log anchored for a tree size,
// for ICS23 proof queries: a receipt bundle whose checkpoint has that size
// and root is anchored. Its value is the 32-byte root.
func RootKey(logID string, size uint64) []byte {
	k, err := collections.EncodeKeyWithPrefix(RootsPrefix.Bytes(),
		collections.PairKeyCodec(collections.StringKey, collections.Uint64Key), collections.Join(logID, size))
	if err != nil {
		panic(err) // string and uint64 keys always encode
	}
	return k
}
