package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the module's name, store key and module account.
	ModuleName = "infer"
	StoreKey   = ModuleName
)

// Store prefixes: never renumber or reuse.
var (
	ParamsKey          = collections.NewPrefix(0)
	ExecutablesPrefix  = collections.NewPrefix(1)  // model id -> Executable
	SkeletonsPrefix    = collections.NewPrefix(2)  // model id -> skeleton bytes
	FilesPrefix        = collections.NewPrefix(3)  // model id -> whole ONNX file (small models)
	RunsPrefix         = collections.NewPrefix(4)  // run id -> RunResult
	RunSeqKey          = collections.NewPrefix(5)  // last run id
	BondsPrefix        = collections.NewPrefix(6)  // provider -> Bond
	ReceiptKeysPrefix  = collections.NewPrefix(7)  // receipt key id -> provider
	UnbondingsPrefix   = collections.NewPrefix(8)  // unbonding id -> Unbonding
	UnbondingSeqKey    = collections.NewPrefix(9)  // last unbonding id
	UnbondingQueuePfx  = collections.NewPrefix(10) // (release height, id)
	ProviderUnbondsPfx = collections.NewPrefix(11) // (provider, id)
	ClaimsPrefix       = collections.NewPrefix(12) // claim id -> Claim
	ClaimSeqKey        = collections.NewPrefix(13) // last claim id
	ClaimQueuePrefix   = collections.NewPrefix(14) // (window end, claim id) of pending windowed claims
	BatchesPrefix      = collections.NewPrefix(15) // batch id -> Batch
	BatchSeqKey        = collections.NewPrefix(16) // last batch id
	BatchQueuePrefix   = collections.NewPrefix(17) // (window end, batch id) of pending batches
	BatchLeavesPrefix  = collections.NewPrefix(18) // (batch id, leaf index) -> claim id
	ReceiptClaimsPfx   = collections.NewPrefix(19) // receipt leaf hash -> claim id
	InputRequestsPfx   = collections.NewPrefix(20) // claim id -> InputRequest
	InputQueuePrefix   = collections.NewPrefix(21) // (deadline, claim id) of open input requests
	DisputesPrefix     = collections.NewPrefix(22) // dispute id -> Dispute
	DisputeSeqKey      = collections.NewPrefix(23) // last dispute id
	DisputeQueuePrefix = collections.NewPrefix(24) // (deadline, dispute id) of open disputes
	// Indexes by party, for the queries by address.
	DefenderDisputesPfx       = collections.NewPrefix(25) // (defender, dispute id) of every dispute
	ChallengerDisputesPfx     = collections.NewPrefix(26) // (challenger, dispute id) of every dispute
	DefenderOpenDisputesPfx   = collections.NewPrefix(27) // (defender, dispute id) of running disputes
	ChallengerOpenDisputesPfx = collections.NewPrefix(28) // (challenger, dispute id) of running disputes
	ProviderClaimsPfx         = collections.NewPrefix(29) // (provider, claim id) of every claim
	ProviderOpenInputsPfx     = collections.NewPrefix(30) // (provider, claim id) of open input requests
)
